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
from pumpurs.support.guards import approval_guards_run
from pumpurs.support.models import (
    STATUS_AFTER_STEP,
    ApprovalStep,
    Plan,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.notices import plan_approved_notice
from pumpurs.support.plans.actions import TRANSITIONS, PlanAction, require_approver, require_permitted, require_status
from pumpurs.support.plans.base import _move, chain_for, lock_plan

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
    if last:
        plan_approved_notice(plan=plan)
        if plan.period.starts_on <= timezone.localdate(now):
            _move(now=now, actor=ACTIVATION, plan=plan, action=PlanTransition.Action.ACTIVATED, to=PlanStatus.ACTIVE)
    return plan


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
def plan_amend(*, actor: User, plan: Plan, comment: str, expected_version: int | None = None) -> Plan:
    """Start a change of an active plan (e.g. more hours than planned): it returns to draft and
    goes through the approval chain again; deliveries already recorded stay. Inverse:
    ``plan_submit`` and the approvals."""
    require_permitted(actor, plan, PlanAction.AMEND)
    plan = lock_plan(plan, expected_version)
    require_status(plan, PlanAction.AMEND)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the change is for.")})
    plan.submitted_by = None
    _move(actor=actor, plan=plan, action=PlanTransition.Action.AMENDED, to=PlanStatus.DRAFT, comment=comment.strip())
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
    """Begin the semester review of an active plan (deliveries stop). Inverse: the review
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
        case "start_review":
            return plan_review_start(actor=actor, plan=plan, expected_version=expected_version)
    raise ValidationError({"action": _("Unknown action.")}, code="unknown_action")
