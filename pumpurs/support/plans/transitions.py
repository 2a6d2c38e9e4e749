"""The plan's transitions: submit, approve, return, amend, activate, start and close the review."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.people.actors import SystemActor
from pumpurs.people.models import User
from pumpurs.support.catalogue import low_income_overlaps
from pumpurs.support.consent import consent_active
from pumpurs.support.guards import approval_guards_run, plan_changed_run
from pumpurs.support.models import (
    STATUS_AFTER_STEP,
    ApprovalStep,
    Case,
    Plan,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.notices import plan_approved_notice
from pumpurs.support.plans.actions import (
    TRANSITIONS,
    PlanAction,
    open_amendment_of,
    require_approver,
    require_permitted,
    require_status,
)
from pumpurs.support.plans.base import _move, chain_for, lock_plan
from pumpurs.support.plans.drafting import amendment_apply, amendment_draft

# An approved plan becomes active on its semester's first day by itself, not by anyone's hand.
ACTIVATION = SystemActor(name="system:plan-activation")

# --- Transitions -----------------------------------------------------------------------------------


def _submission_problems(plan: Plan, today: dt.date) -> list[str]:
    problems: list[str] = []
    if consent_active(plan.case_id, today) is None:
        problems.append(_("Record the parent's (or adult pupil's) consent before submitting the plan."))
    if not plan.goals.exists():
        problems.append(_("Add at least one goal with a measurable target."))
    lines = list(plan.measures.select_related("measure"))
    if not lines:
        problems.append(_("Add at least one measure from the catalogue."))
    for line in lines:
        if line.measure.requires_low_income and not low_income_overlaps(
            plan.case.pupil_id, plan.period.starts_on, plan.period.ends_on
        ):
            problems.append(
                _("“%(name)s” is only for pupils of low-income families: record the family's status first.")
                % {"name": str(line.measure)}
            )
    return problems


@transaction.atomic
def plan_submit(
    *, actor: User, plan: Plan, expected_version: int | None = None, now: dt.datetime | None = None
) -> Plan:
    """Send a draft for approval: the chain is fixed now from the school's kind.
    Refuses without consent, goals or measures. Inverse: an approver's ``plan_return``."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.SUBMIT)
    plan = lock_plan(plan, expected_version)
    require_status(plan, PlanAction.SUBMIT)
    problems = _submission_problems(plan, timezone.localdate(now))
    if problems:
        raise ValidationError(problems, code="incomplete")
    plan.chain = ",".join(chain_for(plan.case))
    plan.submitted_by = actor
    _move(now=now, actor=actor, plan=plan, action=PlanTransition.Action.SUBMITTED, to=PlanStatus.SUBMITTED)
    return plan


@transaction.atomic
def plan_approve(
    *, actor: User, plan: Plan, expected_version: int | None = None, comment: str = "", now: dt.datetime | None = None
) -> Plan:
    """Approve the plan at the step it waits for, after the registered approval guard (the budget
    check, ``support.guards``) let it through. The last step makes it approved, and active at
    once when its semester has begun (otherwise ``plans_activate_due`` activates it on the day);
    the guardians are told. Inverse: none once approved (``plan_amend`` starts a change)."""
    now = now or timezone.now()
    plan = lock_plan(plan, expected_version)
    step = require_approver(actor, plan)
    last = step == plan.chain_steps[-1]
    # The budget check (finance): refuses an approval that would overspend, commits on the last step.
    approval_guards_run(actor, plan, final=last, now=now)
    to = PlanStatus.APPROVED if last else STATUS_AFTER_STEP[ApprovalStep(step)]
    _move(
        now=now,
        actor=actor,
        plan=plan,
        action=PlanTransition.Action.APPROVED,
        to=to,
        step=step,
        comment=comment.strip(),
    )
    if last and plan.amends_id:
        _apply(actor=actor, amendment=plan, now=now)
    elif last:
        plan_approved_notice(plan=plan)
        if plan.period.starts_on <= timezone.localdate(now):
            _move(now=now, actor=ACTIVATION, plan=plan, action=PlanTransition.Action.ACTIVATED, to=PlanStatus.ACTIVE)
    return plan


def _apply(*, actor: User, amendment: Plan, now: dt.datetime) -> None:
    """The amendment's last approval: its content becomes the plan's (``amendment_apply``), the
    plan records the change (``support.plan.changed``, with what it was), the amendment closes."""
    plan, before = amendment_apply(amendment=amendment, today=timezone.localdate(now))
    _move(
        now=now,
        actor=actor,
        plan=plan,
        action=PlanTransition.Action.CHANGED,
        to=plan.status,
        data={"amendment": amendment.pk, "before": before},
    )
    _move(now=now, actor=actor, plan=amendment, action=PlanTransition.Action.CHANGED, to=PlanStatus.CLOSED)
    # Finance commits the plan's new lines (the amendment's were only proposals).
    plan_changed_run(actor, plan, now=now)


@transaction.atomic
def plan_return(
    *, actor: User, plan: Plan, comment: str, expected_version: int | None = None, now: dt.datetime | None = None
) -> Plan:
    """Send the plan back to draft with a comment, by whoever may approve its pending step (the
    preparer fixes it and submits again). Inverse: ``plan_submit``."""
    now = now or timezone.now()
    plan = lock_plan(plan, expected_version)
    step = require_approver(actor, plan)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what must change before the plan can be approved.")})
    _move(
        now=now,
        actor=actor,
        plan=plan,
        action=PlanTransition.Action.RETURNED,
        to=PlanStatus.DRAFT,
        step=step,
        comment=comment.strip(),
    )
    return plan


@transaction.atomic
def plan_amend(
    *, actor: User, plan: Plan, comment: str, expected_version: int | None = None, now: dt.datetime | None = None
) -> Plan:
    """Start a change of an active plan (e.g. more hours than planned): a new draft — the
    amendment, ``amends`` = this plan — with a copy of its content goes through the approval
    chain, while this plan stays active and deliveries go on against its lines; the amendment's
    last approval applies the change (decision 0022). Returns the amendment. One change at a time.
    Inverse: ``plan_amendment_withdraw`` (or an approver's ``plan_return``)."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.AMEND)
    plan = lock_plan(plan, expected_version)
    if plan.status == PlanStatus.ACTIVE and not plan.amends_id and open_amendment_of(plan) is not None:
        raise ValidationError(_("A change of this plan is already under way: continue that one."), code="open_change")
    require_status(plan, PlanAction.AMEND)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the change is for.")})
    amendment = amendment_draft(actor=actor, plan=plan, now=now)
    _move(
        now=now,
        actor=actor,
        plan=plan,
        action=PlanTransition.Action.AMENDED,
        to=plan.status,
        comment=comment.strip(),
        data={"amendment": amendment.pk},
    )
    return amendment


@transaction.atomic
def plan_amendment_withdraw(
    *, actor: User, plan: Plan, comment: str, expected_version: int | None = None, now: dt.datetime | None = None
) -> Plan:
    """Drop a change still in draft: the amendment closes with the comment, the plan it amends
    stays as approved. Inverse: ``plan_amend`` (a new change)."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.WITHDRAW)
    plan = lock_plan(plan, expected_version)
    require_status(plan, PlanAction.WITHDRAW)
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the change is dropped.")})
    _move(now=now, actor=actor, plan=plan, action=PlanTransition.Action.CLOSED, to=PlanStatus.CLOSED, comment=comment)
    return plan


@transaction.atomic
def plans_activate_due(*, today: dt.date | None = None) -> int:
    """Activate every approved plan whose semester has begun (idempotent; run daily and after
    approvals). Returns how many were activated."""
    today = today or timezone.localdate()
    count = 0
    due = Plan.objects.select_for_update().filter(status=PlanStatus.APPROVED, period__starts_on__lte=today)
    for plan in due.select_related("case"):
        _move(actor=ACTIVATION, plan=plan, action=PlanTransition.Action.ACTIVATED, to=PlanStatus.ACTIVE)
        count += 1
    return count


@transaction.atomic
def plan_review_start(
    *, actor: User, plan: Plan, expected_version: int | None = None, now: dt.datetime | None = None
) -> Plan:
    """Begin the semester review of an active plan. Deliveries of the semester's days go on
    being recorded until the review closes the plan (issue 13, trap 2). Inverse: the review
    (``reviews.review_submit``) closes it."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.START_REVIEW)
    plan = lock_plan(plan, expected_version)
    require_status(plan, PlanAction.START_REVIEW)
    _move(now=now, actor=actor, plan=plan, action=PlanTransition.Action.REVIEW_STARTED, to=PlanStatus.IN_REVIEW)
    return plan


def plan_close_unfinished(*, actor: User, plan: Plan, comment: str) -> Plan:
    """Close a plan that never became active, because its case closes (called by
    ``cases.case_close`` inside its transaction)."""
    plan = lock_plan(plan, None)
    if plan.status in (PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, PlanStatus.CLOSED):
        raise ValidationError(_("An active plan is closed by its review."))
    _move(actor=actor, plan=plan, action=PlanTransition.Action.CLOSED, to=PlanStatus.CLOSED, comment=comment)
    return plan


def plans_reopen_with_case(*, actor: User, case: Case, closed_at: dt.datetime | None, now: dt.datetime) -> list[int]:
    """The plans a case's closing ended unfinished go back to draft when the case is reopened
    (``cases.case_reopen``, which holds the case's lock): closed at the case's closing, never
    reviewed. The chain is fixed again at the next submission. Returns their ids."""
    if closed_at is None:
        return []
    ended = (
        PlanTransition.objects.filter(
            plan__case=case,
            plan__status=PlanStatus.CLOSED,
            plan__review__isnull=True,
            action=PlanTransition.Action.CLOSED,
            at__gte=closed_at - CLOSED_WITH_CASE,
            at__lte=closed_at,
        )
        .exclude(from_status=PlanStatus.IN_REVIEW)
        .values_list("plan_id", flat=True)
    )
    reopened = []
    for plan in Plan.objects.filter(pk__in=list(ended)).select_related("case"):
        plan = lock_plan(plan, None)
        plan.submitted_by, plan.chain = None, ""
        _move(now=now, actor=actor, plan=plan, action=PlanTransition.Action.REOPENED, to=PlanStatus.DRAFT)
        reopened.append(plan.pk)
    return reopened


# ``case_close`` closes the unfinished plans a moment before the case itself.
CLOSED_WITH_CASE = dt.timedelta(minutes=1)


def close_reviewed(*, actor: User, plan: Plan, comment: str, now: dt.datetime | None = None) -> None:
    """The review's last step (``reviews.review_submit`` holds the lock and checked access)."""
    _move(now=now, actor=actor, plan=plan, action=PlanTransition.Action.CLOSED, to=PlanStatus.CLOSED, comment=comment)


# The transitions a person asks for by name (the plan page's buttons, the API's POST …/transitions/).
PLAN_ACTIONS = tuple(action.value for action in TRANSITIONS)


def plan_transition(
    *, actor: User, plan: Plan, action: str, expected_version: int | None = None, comment: str = ""
) -> Plan:
    """Carry out one of ``PLAN_ACTIONS`` through its service — the single entry for the UI and the
    API, so that neither decides on its own which service an action means."""
    match action:
        case "submit":
            return plan_submit(actor=actor, plan=plan, expected_version=expected_version)
        case "approve":
            return plan_approve(actor=actor, plan=plan, expected_version=expected_version, comment=comment)
        case "return":
            return plan_return(actor=actor, plan=plan, expected_version=expected_version, comment=comment)
        case "amend":
            return plan_amend(actor=actor, plan=plan, expected_version=expected_version, comment=comment)
        case "withdraw":
            return plan_amendment_withdraw(actor=actor, plan=plan, expected_version=expected_version, comment=comment)
        case "start_review":
            return plan_review_start(actor=actor, plan=plan, expected_version=expected_version)
    raise ValidationError({"action": _("Unknown action.")}, code="unknown_action")
