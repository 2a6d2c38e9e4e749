"""The semester support plan (IAP) and its state machine (issue 5, item 4).

    draft ──submit──► submitted ──director──► director_approved ──municipality──► municipality_approved
      ▲                   │                        │                                   │
      └──── return (any approver, with a comment) ─┴───────────────────────────────────┘
                                                                          national ──► approved ──► active
    active ──amend──► draft (re-approval; deliveries made stay)          (the semester has started)
    active ──review_start──► in_review ──review (reviews.py)──► closed

The approval chain is fixed on the plan at submission from ``PUMPURS_APPROVAL_CHAINS`` for the
school's kind (state vocational schools skip the municipality). Nobody approves a plan they
prepared or submitted. Every edit presents the plan's ``version``; a stale version is a
``PlanConflict`` and nothing is written. Every transition is a ``PlanTransition`` row plus one
audit event, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.access import Perm
from pumpurs.people.models import Period
from pumpurs.risk.models import Assessment, RiskGroup
from pumpurs.support.cases import consent_active
from pumpurs.support.catalogue import low_income_overlaps, measures_in_force
from pumpurs.support.models import (
    STATUS_AFTER_STEP,
    ApprovalStep,
    Case,
    Delivery,
    Goal,
    Measure,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.scope import may_approve_step, require_pupil

CENT = Decimal("0.01")
AWAITING = (PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED)
# Whose approval each status is waiting for is decided by the plan's chain (``pending_step``).
_STEP_OF_STATUS = {
    PlanStatus.DIRECTOR_APPROVED: ApprovalStep.DIRECTOR,
    PlanStatus.MUNICIPALITY_APPROVED: ApprovalStep.MUNICIPALITY,
}


class PlanConflict(ValidationError):
    """The plan changed after the caller loaded it; nothing was written."""


@dataclass(frozen=True)
class RiskInput:
    group: str
    description: str
    item_id: int | None = None


@dataclass(frozen=True)
class GoalInput:
    text: str
    target: str


@dataclass(frozen=True)
class MeasureInput:
    measure: Measure
    planned_quantity: Decimal
    planned_cost: Decimal | None = None
    provider: Any = None
    provider_name: str = ""
    note: str = ""


# --- Reading ---------------------------------------------------------------------------------------


def plain(number: Decimal) -> str:
    """12.50 → "12.5", 40.00 → "40" (no exponent notation in messages; the same on every
    database, whatever scale its sums come back with)."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def chain_for(case: Case) -> list[str]:
    return list(settings.PUMPURS_APPROVAL_CHAINS.get(case.institution.kind, ["director", "municipality", "national"]))


def pending_step(plan: Plan) -> str | None:
    """The approval step the plan waits for, or ``None`` when it is not awaiting approval."""
    steps = plan.chain_steps
    if plan.status == PlanStatus.SUBMITTED:
        return steps[0] if steps else None
    done = _STEP_OF_STATUS.get(PlanStatus(plan.status)) if plan.status in _STEP_OF_STATUS else None
    if done is None or done not in steps:
        return None
    index = steps.index(done) + 1
    return steps[index] if index < len(steps) else None


def delivered_by_line(plan: Plan) -> dict[int, tuple[Decimal, Decimal]]:
    """{plan measure id: (delivered quantity, delivered amount)} in one query."""
    rows = (
        Delivery.objects.filter(line__plan=plan)
        .values("line_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .values_list("line_id", "quantity", "amount")
    )
    return {line: (quantity or Decimal(0), amount or Decimal(0)) for line, quantity, amount in rows}


def next_period(period: Period) -> Period | None:
    return Period.objects.filter(starts_on__gt=period.ends_on).order_by("starts_on").first()


# --- Internals -------------------------------------------------------------------------------------


def lock_plan(plan: Plan, expected_version: int | None) -> Plan:
    """Lock the plan row, refresh ``plan`` from it and check the caller's version."""
    Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk").get()
    plan.refresh_from_db()
    if expected_version is not None and plan.version != expected_version:
        raise PlanConflict(
            _(
                "Someone else changed this plan after you opened it (your version %(mine)s, now %(now)s). "
                "Nothing was saved: reload the plan and make your change again."
            )
            % {"mine": expected_version, "now": plan.version},
            code="conflict",
        )
    return plan


def _move(
    *,
    actor: Any,
    plan: Plan,
    action: str,
    to: str,
    step: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> PlanTransition:
    """Change the plan's status, append the transition, bump the version, audit — one place."""
    transition = PlanTransition.objects.create(
        plan=plan,
        action=action,
        step=step,
        from_status=plan.status,
        to_status=to,
        comment=comment,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=timezone.now(),
    )
    plan.status = to
    plan.version += 1
    plan.save(update_fields=["status", "version", "chain", "submitted_by", "updated_at"])
    audit_record(
        actor=actor,
        action=f"support.plan.{action}",
        pupil_id=plan.case.pupil_id,
        target=plan,
        data={"from": transition.from_status, "to": to, "step": step, "version": plan.version, **(data or {})},
    )
    return transition


def _require_editable(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            _("Only a draft can be edited; this plan is “%(status)s”.") % {"status": plan.get_status_display()},
            code="not_draft",
        )


def _cost_of(line: MeasureInput) -> Decimal | None:
    unit_cost = line.measure.unit_cost
    if unit_cost is not None:
        return (unit_cost * line.planned_quantity).quantize(CENT)
    return line.planned_cost.quantize(CENT) if line.planned_cost is not None else None


# --- Creating and editing --------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: Any, case: Case, period: Period, contact_person: str = "") -> Plan:
    """Start the case's plan for ``period`` as a draft; its risks are pre-filled from the pupil's
    latest submitted questionnaire (the groups with a positive score). Invariant: one plan per
    case and semester. Inverse: none — an unwanted draft is closed with the case."""
    require_pupil(actor, case.pupil_id, Perm.MANAGE_CASES)
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("The case is closed."))
    if Plan.objects.filter(case=case, period=period).exists():
        raise ValidationError(_("This case already has a plan for that semester."), code="plan_exists")
    if period.ends_on < timezone.localdate():
        raise ValidationError(_("That semester has ended; plan for the current or the next one."))
    assessment = (
        Assessment.objects.filter(pupil_id=case.pupil_id, status=Assessment.Status.SUBMITTED)
        .order_by("-submitted_at")
        .first()
    )
    plan = Plan.objects.create(
        case=case,
        period=period,
        assessment=assessment,
        contact_person=contact_person or actor.get_full_name(),
        prepared_by=actor,
    )
    if assessment is not None:
        _risks_from_assessment(plan, assessment)
    PlanTransition.objects.create(
        plan=plan, action=PlanTransition.Action.CREATED, to_status=PlanStatus.DRAFT, actor=actor, at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="support.plan.created",
        pupil_id=case.pupil_id,
        target=plan,
        data={"period": period.pk, "assessment": assessment.pk if assessment else None},
    )
    return plan


def _risks_from_assessment(plan: Plan, assessment: Assessment) -> None:
    answered = assessment.answers.exclude(answer="no").select_related("item").order_by("item__order")
    PlanRisk.objects.bulk_create(
        PlanRisk(plan=plan, group=a.item.group, item=a.item, description=a.item.text[:300]) for a in answered
    )


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    plan: Plan,
    expected_version: int,
    contact_person: str,
    risks: Sequence[RiskInput],
    goals: Sequence[GoalInput],
    measures: Sequence[MeasureInput],
) -> Plan:
    """Replace the draft's content: risks, goals and measure lines (matched by measure code, so lines
    that already have deliveries — after an amendment — keep them). Planned cost is quantity ×
    unit cost when the catalogue sets one; otherwise what the preparer enters.

    Refuses: a stale ``expected_version`` (``PlanConflict``); a measure not in force on the
    semester's first day; one measure twice; a quantity ≤ 0; a cost above the measure's cap;
    removing or reducing a line below what was already delivered. Inverse: another save."""
    require_pupil(actor, plan.case.pupil_id, Perm.MANAGE_CASES)
    plan = lock_plan(plan, expected_version)
    _require_editable(plan)
    errors = _check_lines(plan, measures)
    for number, goal in enumerate(goals, start=1):
        if not goal.text.strip() or not goal.target.strip():
            errors.append(_("Goal %(n)s: write both the goal and its measurable target.") % {"n": number})
    for risk in risks:
        if risk.group not in RiskGroup.values or not risk.description.strip():
            errors.append(_("Each risk needs a risk group and a description."))
    if errors:
        raise ValidationError(errors)

    plan.contact_person = contact_person.strip()
    # A form that does not carry the questionnaire item keeps the link of an unchanged risk.
    linked = {(r.group, r.description): r.item_id for r in plan.risks.all()}
    plan.risks.all().delete()
    PlanRisk.objects.bulk_create(
        PlanRisk(
            plan=plan,
            group=r.group,
            item_id=r.item_id or linked.get((r.group, r.description.strip()[:300])),
            description=r.description.strip()[:300],
        )
        for r in risks
    )
    plan.goals.all().delete()
    Goal.objects.bulk_create(
        Goal(plan=plan, text=g.text.strip(), target=g.target.strip(), order=i) for i, g in enumerate(goals)
    )
    # Lines are matched by the measure's code, not its catalogue version: after a price change
    # the line (and its deliveries) stays and takes the version the preparer chose.
    existing = {line.measure.code: line for line in plan.measures.select_related("measure")}
    wanted_codes = {m.measure.code for m in measures}
    wanted = {m.measure.pk for m in measures}
    PlanMeasure.objects.filter(plan=plan).exclude(measure__code__in=wanted_codes).delete()
    for m in measures:
        line = existing.get(m.measure.code) or PlanMeasure(plan=plan)
        line.measure = m.measure
        line.planned_quantity = m.planned_quantity
        line.planned_cost = _cost_of(m)
        line.provider = m.provider
        line.provider_name = m.provider_name.strip()
        line.note = m.note.strip()
        line.save()
    plan.version += 1
    plan.save(update_fields=["contact_person", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="support.plan.saved",
        pupil_id=plan.case.pupil_id,
        target=plan,
        data={"version": plan.version, "risks": len(risks), "goals": len(goals), "measures": sorted(wanted)},
    )
    return plan


def _check_lines(plan: Plan, measures: Sequence[MeasureInput]) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    delivered = delivered_by_line(plan)
    lines = {line.measure.code: line for line in plan.measures.select_related("measure")}
    for m in measures:
        name = str(m.measure)
        if m.measure.code in seen:
            errors.append(_("“%(name)s” is in the plan twice; plan it once with the total quantity.") % {"name": name})
        seen.add(m.measure.code)
        if not m.measure.valid_on(plan.period.starts_on) and not m.measure.valid_on(timezone.localdate()):
            errors.append(_("“%(name)s” is not in the catalogue in force for this semester.") % {"name": name})
        if m.planned_quantity is None or m.planned_quantity <= 0:
            errors.append(_("“%(name)s”: the planned quantity must be more than 0.") % {"name": name})
            continue
        cost = _cost_of(m)
        if cost is not None and cost < 0:
            errors.append(_("“%(name)s”: the cost cannot be negative.") % {"name": name})
        cap = m.measure.cap_per_plan
        if cap is not None and cost is not None and cost > cap:
            errors.append(
                _("“%(name)s”: planned %(cost)s EUR is above the cap of %(cap)s EUR per semester.")
                % {"name": name, "cost": cost, "cap": cap}
            )
        line = lines.get(m.measure.code)
        done = delivered.get(line.pk, (Decimal(0), Decimal(0)))[0] if line else Decimal(0)
        if m.planned_quantity < done:
            errors.append(
                _("“%(name)s”: %(done)s already delivered; the plan cannot be lower than that.")
                % {"name": name, "done": plain(done)}
            )
    kept = {m.measure.code for m in measures}
    for code, line in lines.items():
        if code not in kept and line.pk in delivered:
            errors.append(
                _("“%(name)s” has deliveries and cannot be removed from the plan.") % {"name": str(line.measure)}
            )
    return errors


# --- Transitions -----------------------------------------------------------------------------------


def _submission_problems(plan: Plan) -> list[str]:
    problems: list[str] = []
    today = timezone.localdate()
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
def plan_submit(*, actor: Any, plan: Plan, expected_version: int | None = None) -> Plan:
    """Send a draft for approval: the chain is fixed now from the school's kind.
    Refuses without consent, goals or measures. Inverse: an approver's ``plan_return``."""
    require_pupil(actor, plan.case.pupil_id, Perm.MANAGE_CASES)
    plan = lock_plan(plan, expected_version)
    _require_editable(plan)
    problems = _submission_problems(plan)
    if problems:
        raise ValidationError(problems, code="incomplete")
    plan.chain = ",".join(chain_for(plan.case))
    plan.submitted_by = actor
    _move(actor=actor, plan=plan, action=PlanTransition.Action.SUBMITTED, to=PlanStatus.SUBMITTED)
    return plan


def _require_approver(actor: Any, plan: Plan) -> str:
    step = pending_step(plan)
    if step is None:
        raise ValidationError(
            _("This plan is not waiting for approval (it is “%(status)s”).") % {"status": plan.get_status_display()},
            code="not_awaiting",
        )
    if not may_approve_step(actor, plan, step):
        raise PermissionDenied(_("This plan waits for approval by: %(step)s.") % {"step": ApprovalStep(step).label})
    if actor.pk in (plan.prepared_by_id, plan.submitted_by_id):
        raise PermissionDenied(_("You prepared or submitted this plan: someone else must approve it."))
    return step


@transaction.atomic
def plan_approve(*, actor: Any, plan: Plan, expected_version: int | None = None, comment: str = "") -> Plan:
    """Approve the plan at the step it waits for. The last step makes it approved, and active at
    once when its semester has begun (otherwise ``plans_activate_due`` activates it on the day);
    the guardians are told. Inverse: none once approved (``plan_amend`` starts a change)."""
    plan = lock_plan(plan, expected_version)
    step = _require_approver(actor, plan)
    last = step == plan.chain_steps[-1]
    to = PlanStatus.APPROVED if last else STATUS_AFTER_STEP[ApprovalStep(step)]
    _move(actor=actor, plan=plan, action=PlanTransition.Action.APPROVED, to=to, step=step, comment=comment.strip())
    if last:
        from pumpurs.support.notices import plan_approved_notice

        plan_approved_notice(plan=plan)
        if plan.period.starts_on <= timezone.localdate():
            _move(actor=None, plan=plan, action=PlanTransition.Action.ACTIVATED, to=PlanStatus.ACTIVE)
    return plan


@transaction.atomic
def plan_return(*, actor: Any, plan: Plan, comment: str, expected_version: int | None = None) -> Plan:
    """Send the plan back to draft with a comment, by whoever may approve its pending step (the
    preparer fixes it and submits again). Inverse: ``plan_submit``."""
    plan = lock_plan(plan, expected_version)
    step = _require_approver(actor, plan)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what must change before the plan can be approved.")})
    _move(
        actor=actor,
        plan=plan,
        action=PlanTransition.Action.RETURNED,
        to=PlanStatus.DRAFT,
        step=step,
        comment=comment.strip(),
    )
    return plan


@transaction.atomic
def plan_amend(*, actor: Any, plan: Plan, comment: str, expected_version: int | None = None) -> Plan:
    """Start a change of an active plan (e.g. more hours than planned): it returns to draft and
    goes through the approval chain again; deliveries already recorded stay. Inverse:
    ``plan_submit`` and the approvals."""
    require_pupil(actor, plan.case.pupil_id, Perm.MANAGE_CASES)
    plan = lock_plan(plan, expected_version)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be changed this way."))
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
        _move(actor=None, plan=plan, action=PlanTransition.Action.ACTIVATED, to=PlanStatus.ACTIVE)
        count += 1
    return count


@transaction.atomic
def plan_review_start(*, actor: Any, plan: Plan, expected_version: int | None = None) -> Plan:
    """Begin the semester review of an active plan (deliveries stop). Inverse: the review
    (``reviews.review_submit``) closes it."""
    require_pupil(actor, plan.case.pupil_id, Perm.REVIEW_PLANS)
    plan = lock_plan(plan, expected_version)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be reviewed."))
    _move(actor=actor, plan=plan, action=PlanTransition.Action.REVIEW_STARTED, to=PlanStatus.IN_REVIEW)
    return plan


def plan_close_unfinished(*, actor: Any, plan: Plan, comment: str) -> Plan:
    """Close a plan that never became active, because its case closes (called by
    ``cases.case_close`` inside its transaction)."""
    plan = lock_plan(plan, None)
    if plan.status in (PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, PlanStatus.CLOSED):
        raise ValidationError(_("An active plan is closed by its review."))
    _move(actor=actor, plan=plan, action=PlanTransition.Action.CLOSED, to=PlanStatus.CLOSED, comment=comment)
    return plan


def close_reviewed(*, actor: Any, plan: Plan, comment: str) -> None:
    """The review's last step (``reviews.review_submit`` holds the lock and checked access)."""
    _move(actor=actor, plan=plan, action=PlanTransition.Action.CLOSED, to=PlanStatus.CLOSED, comment=comment)


@transaction.atomic
def plan_continue(*, actor: Any, plan: Plan, period: Period, assessment: Assessment | None) -> Plan:
    """A draft for ``period`` pre-filled from ``plan``: its risks (or the new assessment's), the
    goals not achieved and every measure line, with the same quantities. Used by the review."""
    new = Plan.objects.create(
        case=plan.case,
        period=period,
        assessment=assessment or plan.assessment,
        contact_person=plan.contact_person,
        prepared_by=actor,
        previous=plan,
    )
    if assessment is not None:
        _risks_from_assessment(new, assessment)
    else:
        PlanRisk.objects.bulk_create(
            PlanRisk(plan=new, group=r.group, item_id=r.item_id, description=r.description) for r in plan.risks.all()
        )
    Goal.objects.bulk_create(
        Goal(plan=new, text=g.text, target=g.target, order=g.order) for g in plan.goals.exclude(outcome="achieved")
    )
    # Each line takes the catalogue version in force when the new semester starts (retired
    # measures are left out); the cost is recomputed from that version's unit cost.
    in_force = {m.code: m for m in measures_in_force(period.starts_on)}
    lines = []
    for line in plan.measures.exclude(usefulness="not").select_related("measure"):
        measure = in_force.get(line.measure.code)
        if measure is None:
            continue
        given = MeasureInput(measure=measure, planned_quantity=line.planned_quantity, planned_cost=line.planned_cost)
        lines.append(
            PlanMeasure(
                plan=new,
                measure=measure,
                provider=line.provider,
                provider_name=line.provider_name,
                planned_quantity=line.planned_quantity,
                planned_cost=_cost_of(given),
                note=line.note,
            )
        )
    PlanMeasure.objects.bulk_create(lines)
    PlanTransition.objects.create(
        plan=new,
        action=PlanTransition.Action.CREATED,
        to_status=PlanStatus.DRAFT,
        actor=actor,
        at=timezone.now(),
        comment=_("Pre-filled from the previous semester's plan."),
    )
    audit_record(
        actor=actor,
        action="support.plan.created",
        pupil_id=plan.case.pupil_id,
        target=new,
        data={"period": period.pk, "previous": plan.pk},
    )
    return new


__all__ = [
    "GoalInput",
    "MeasureInput",
    "PlanConflict",
    "RiskInput",
    "chain_for",
    "delivered_by_line",
    "pending_step",
    "plan_amend",
    "plan_approve",
    "plan_create",
    "plan_return",
    "plan_review_start",
    "plan_save",
    "plan_submit",
    "plans_activate_due",
]
