"""What a user may do with a plan now — the one answer for the plan page, the API and the
services themselves (STYLE "One answer per question").

An action is allowed when the user's role and scope give its permission over the plan's pupil
(``people.access``) and the plan's status admits it; approving and returning also need the
pending chain step's permission over the school and someone other than the plan's preparer or
submitter. ``plan_actions_for`` puts this together for pages and the API; the services refuse
with ``require_permitted`` (``PermissionDenied``) and ``require_status`` (``ValidationError``,
with the service's own message), built from the same tables. What an action needs beyond that —
consent, goals, a comment, a fresh version — each service checks and explains on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pumpurs.people.access import Perm
from pumpurs.support.models import ApprovalStep, Delivery, Plan, PlanStatus
from pumpurs.support.plans.base import pending_step
from pumpurs.support.scope import may_approve_step, may_work_on, require_case
from pumpurs.support.stewardship import may_change_case, require_case_change


class PlanAction(StrEnum):
    EDIT = "edit"  # plans.plan_save
    SUBMIT = "submit"  # plans.plan_submit
    APPROVE = "approve"  # plans.plan_approve
    RETURN = "return"  # plans.plan_return
    AMEND = "amend"  # plans.plan_amend
    WITHDRAW = "withdraw"  # plans.plan_amendment_withdraw
    START_REVIEW = "start_review"  # plans.plan_review_start
    REVIEW = "review"  # reviews.review_submit
    DELIVER = "deliver"  # delivery.consultation_record, delivery.compensation_record
    CONFIRM = "confirm"  # delivery.consultation_confirm
    VOID = "void"  # delivery.delivery_void of a delivery someone else recorded
    VOID_OWN = "void_own"  # delivery.delivery_void of a delivery one recorded oneself


# The transitions a person asks for by name (the plan page's buttons, the API's POST …/transitions/).
TRANSITIONS = (
    PlanAction.SUBMIT,
    PlanAction.APPROVE,
    PlanAction.RETURN,
    PlanAction.AMEND,
    PlanAction.WITHDRAW,
    PlanAction.START_REVIEW,
)
# The plan's own steps, offered under "What you can do" on the plan page.
STEPS = frozenset({*TRANSITIONS, PlanAction.EDIT, PlanAction.REVIEW})
_APPROVING = frozenset({PlanAction.APPROVE, PlanAction.RETURN})

_PERMISSION = {
    PlanAction.EDIT: Perm.MANAGE_CASES,
    PlanAction.SUBMIT: Perm.MANAGE_CASES,
    PlanAction.AMEND: Perm.MANAGE_CASES,
    PlanAction.WITHDRAW: Perm.MANAGE_CASES,
    PlanAction.START_REVIEW: Perm.REVIEW_PLANS,
    PlanAction.REVIEW: Perm.REVIEW_PLANS,
    PlanAction.DELIVER: Perm.DELIVER,
    PlanAction.CONFIRM: Perm.DELIVER,
    PlanAction.VOID: Perm.MANAGE_CASES,
    PlanAction.VOID_OWN: Perm.DELIVER,
}

_NOT_CLOSED = frozenset(PlanStatus) - {PlanStatus.CLOSED}
_DRAFT = frozenset({PlanStatus.DRAFT})
_ACTIVE = frozenset({PlanStatus.ACTIVE})
# The semester's deliveries are recorded while the plan is active and while it is reviewed (issue
# 13, trap 2): starting the review does not stop the last days' meals and transport.
_DELIVERING = frozenset({PlanStatus.ACTIVE, PlanStatus.IN_REVIEW})
# The statuses each action is allowed in. Approving and returning are allowed exactly when the
# plan waits for a step (``pending_step``); a remote consultation is confirmed whenever the pupil
# confirms it, even after the review.
_ALLOWED_IN = {
    PlanAction.EDIT: _DRAFT,
    PlanAction.SUBMIT: _DRAFT,
    PlanAction.AMEND: _ACTIVE,
    PlanAction.WITHDRAW: _DRAFT,
    PlanAction.START_REVIEW: _ACTIVE,
    PlanAction.REVIEW: frozenset({PlanStatus.ACTIVE, PlanStatus.IN_REVIEW}),
    PlanAction.DELIVER: _DELIVERING,
    PlanAction.CONFIRM: frozenset(PlanStatus),
    PlanAction.VOID: _NOT_CLOSED,
    PlanAction.VOID_OWN: _NOT_CLOSED,
}
_CLOSED_REFUSAL = (gettext_lazy("The plan is closed: its deliveries stay as they were reviewed."), "plan_closed")
# What the service answers outside those statuses (message, code); ``%(status)s`` is the plan's.
_REFUSAL: dict[PlanAction, tuple[Promise, str]] = {
    PlanAction.EDIT: (gettext_lazy("Only a draft can be edited; this plan is “%(status)s”."), "not_draft"),
    PlanAction.SUBMIT: (gettext_lazy("Only a draft can be edited; this plan is “%(status)s”."), "not_draft"),
    PlanAction.AMEND: (gettext_lazy("Only an active plan can be changed this way."), "not_active"),
    PlanAction.WITHDRAW: (gettext_lazy("Only a change still in draft can be withdrawn."), "not_draft"),
    PlanAction.START_REVIEW: (gettext_lazy("Only an active plan can be reviewed."), "not_active"),
    PlanAction.REVIEW: (gettext_lazy("Only an active plan is reviewed."), "not_active"),
    PlanAction.DELIVER: (
        gettext_lazy(
            "Deliveries are recorded only against an active plan or one in review; this plan is “%(status)s”."
        ),
        "not_active",
    ),
    PlanAction.VOID: _CLOSED_REFUSAL,
    PlanAction.VOID_OWN: _CLOSED_REFUSAL,
}


@dataclass(frozen=True)
class PlanActions:
    """One user's answer for one plan, as ``plan_actions_for`` computed it."""

    allowed: frozenset[PlanAction]  # what they may do now
    # What their role and scope give whatever the status (approving and returning: only while
    # the plan waits for a step they may approve): a page tells "not yours" (404) from "not now".
    permitted: frozenset[PlanAction]
    voidable: frozenset[int]  # ids of the plan's counted deliveries they may void now

    def __contains__(self, action: object) -> bool:
        return action in self.allowed

    @property
    def can(self) -> dict[str, bool]:
        """For templates: ``{% if actions.can.approve %}``."""
        return {action.value: action in self.allowed for action in PlanAction}

    @property
    def steps(self) -> frozenset[PlanAction]:
        """The plan's own steps allowed now (the page says so when there is none)."""
        return self.allowed & STEPS


def status_allows(plan: Plan, action: PlanAction) -> bool:
    """Whether the plan's state admits ``action``. An amendment (decision 0022) is edited,
    submitted, approved and withdrawn, never amended, reviewed or delivered against; a plan is
    amended only while no other change of it is under way."""
    if action in _APPROVING:
        return pending_step(plan) is not None
    if action == PlanAction.WITHDRAW and not plan.is_amendment:
        return False
    if plan.is_amendment and action in (PlanAction.AMEND, PlanAction.START_REVIEW, PlanAction.REVIEW):
        return False
    if action == PlanAction.AMEND and plan.status in _ACTIVE:
        return not open_amendment_of(plan)
    return plan.status in _ALLOWED_IN[action]


def open_amendment_of(plan: Plan) -> Plan | None:
    """The change of ``plan`` under way (draft or in approval), if any."""
    return plan.amendments.exclude(status=PlanStatus.CLOSED).first()


def _approver_refusal(actor: Any, plan: Plan, step: str) -> str | None:
    """Why ``actor`` may not approve or return ``plan`` at ``step`` (``None``: they may)."""
    if not may_approve_step(actor, plan, step):
        return _("This plan waits for approval by: %(step)s.") % {"step": ApprovalStep(step).label}
    if actor.pk in (plan.prepared_by_id, plan.submitted_by_id):
        return _("You prepared or submitted this plan: someone else must approve it.")
    return None


def void_action(actor: Any, recorded_by_id: int | None) -> PlanAction:
    """Voiding a delivery one recorded oneself needs the delivering permission; anyone else's,
    managing the case."""
    return PlanAction.VOID_OWN if recorded_by_id == actor.pk else PlanAction.VOID


def plan_actions_for(user: Any, plan: Plan) -> PlanActions:
    """What ``user`` may do with ``plan`` now: each action's permission where the plan's case is run (one
    query per permission at most), the chain step for approving and returning, the status."""
    holds: dict[Perm, bool] = {}

    def held(perm: Perm) -> bool:
        if perm not in holds:
            # Changing the case's plan is narrowed to its team (``stewardship``, decision 0022);
            # everything else needs the permission where the case is run (decision 0020).
            holds[perm] = (
                may_change_case(user, plan.case) if perm == Perm.MANAGE_CASES else may_work_on(user, plan.case, perm)
            )
        return holds[perm]

    step = pending_step(plan)
    approver = step is not None and _approver_refusal(user, plan, step) is None
    permitted = frozenset(
        action for action in PlanAction if (approver if action in _APPROVING else held(_PERMISSION[action]))
    )
    allowed = frozenset(action for action in permitted if status_allows(plan, action))
    voidable: frozenset[int] = frozenset()
    if allowed & {PlanAction.VOID, PlanAction.VOID_OWN}:
        counted = Delivery.objects.filter(line__plan=plan, voided_at__isnull=True)
        voidable = frozenset(
            pk
            for pk, recorded_by in counted.values_list("pk", "recorded_by_id")
            if void_action(user, recorded_by) in allowed
        )
    return PlanActions(allowed=allowed, permitted=permitted, voidable=voidable)


def require_permitted(actor: Any, plan: Plan, action: PlanAction) -> None:
    """For the services: ``PermissionDenied`` unless the actor's role and scope give ``action``
    where the plan's case is run (approving and returning: ``require_approver``, after the lock);
    changing the case's plan also needs a place on its team or ``Perm.CHANGE_ANY_CASE``."""
    perm = _PERMISSION[action]
    if perm == Perm.MANAGE_CASES:
        require_case_change(actor, plan.case)
    else:
        require_case(actor, plan.case_id, perm)


def require_status(plan: Plan, action: PlanAction) -> None:
    """For the services, on the locked plan: ``ValidationError`` unless its status admits ``action``."""
    if not status_allows(plan, action):
        message, code = _REFUSAL[action]
        raise ValidationError(str(message) % {"status": plan.get_status_display()}, code=code)


def require_approver(actor: Any, plan: Plan) -> str:
    """For approving and returning, on the locked plan: the step it waits for, or
    ``ValidationError`` when it waits for none and ``PermissionDenied`` when the actor may not
    approve that step (or prepared or submitted the plan)."""
    step = pending_step(plan)
    if step is None:
        raise ValidationError(
            _("This plan is not waiting for approval (it is “%(status)s”).") % {"status": plan.get_status_display()},
            code="not_awaiting",
        )
    refusal = _approver_refusal(actor, plan, step)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return step
