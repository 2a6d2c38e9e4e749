"""Creating and editing a plan's content: the draft, its risks, goals and measure lines, and
the next semester's draft pre-filled by the review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import number_text
from pumpurs.people import access
from pumpurs.people.models import Period, User
from pumpurs.risk.models import Assessment, RiskGroup
from pumpurs.support.catalogue import measures_in_force
from pumpurs.support.models import (
    Case,
    Goal,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.plans.actions import PlanAction, require_permitted, require_status
from pumpurs.support.plans.base import (
    GoalInput,
    MeasureInput,
    RiskInput,
    _cost_of,
    delivered_by_line,
    lock_plan,
    plan_prices,
)
from pumpurs.support.stewardship import require_case_change

# --- Creating and editing --------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, actor: User, case: Case, period: Period, contact_person: str = "", now: dt.datetime | None = None
) -> Plan:
    """Start the case's plan for ``period`` as a draft; its risks are pre-filled from the pupil's
    latest questionnaire of this or the previous semester (the items answered other than "no"). Invariant: one plan per
    case and semester. Inverse: none — an unwanted draft is closed with the case."""
    now = now or timezone.now()
    require_case_change(actor, case)
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("The case is closed."))
    if Plan.objects.filter(case=case, period=period, amends__isnull=True).exists():
        raise ValidationError(_("This case already has a plan for that semester."), code="plan_exists")
    if period.ends_on < timezone.localdate(now):
        raise ValidationError(_("That semester has ended; plan for the current or the next one."))
    # Only a recent questionnaire speaks for this semester: the plan's own or the one before.
    recent = Period.objects.filter(starts_on__lte=period.starts_on).order_by("-starts_on")[:2]
    assessment = (
        Assessment.objects.filter(pupil_id=case.pupil_id, status=Assessment.Status.SUBMITTED, period__in=list(recent))
        .order_by("-submitted_at")
        .first()
    )
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                case=case,
                period=period,
                assessment=assessment,
                contact_person=contact_person or actor.get_full_name(),
                prepared_by=actor,
            )
    except IntegrityError:
        # Two "Plan for this semester" at once: the check above passed for both; the constraint
        # stops the second, which gets the same answer as if it had come later (issue 17 L3).
        raise ValidationError(_("This case already has a plan for that semester."), code="plan_exists") from None
    if assessment is not None:
        _risks_from_assessment(plan, assessment)
    PlanTransition.objects.create(
        plan=plan, action=PlanTransition.Action.CREATED, to_status=PlanStatus.DRAFT, actor=actor, at=now
    )
    audit_record(
        at=now,
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
    actor: User,
    plan: Plan,
    expected_version: int,
    contact_person: str,
    risks: Sequence[RiskInput],
    goals: Sequence[GoalInput],
    measures: Sequence[MeasureInput],
    now: dt.datetime | None = None,
) -> Plan:
    """Replace the draft's content: risks, goals and measure lines (matched by measure code, so lines
    that already have deliveries — after an amendment — keep them). Planned cost is quantity ×
    the unit price in force on the semester's first day (``support.prices``) where one is set;
    otherwise what the preparer enters.

    Refuses: a stale ``expected_version`` (``PlanConflict``); a measure not in force on the
    semester's first day; one measure twice; a quantity ≤ 0; a cost above the measure's cap; a
    provider who is not staff of the pupil's school (``access.staff_of``); removing or reducing
    a line below what was already delivered. Inverse: another save."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.EDIT)
    plan = lock_plan(plan, expected_version)
    require_status(plan, PlanAction.EDIT)
    errors = _check_lines(plan, measures, timezone.localdate(now))
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
    prices = plan_prices(plan, wanted_codes)
    for m in measures:
        line = existing.get(m.measure.code) or PlanMeasure(plan=plan)
        line.measure = m.measure
        line.planned_quantity = m.planned_quantity
        line.planned_cost = _cost_of(m, prices)
        line.provider = m.provider
        line.provider_name = m.provider_name.strip()
        line.note = m.note.strip()
        line.save()
    plan.version += 1
    plan.save(update_fields=["contact_person", "version", "updated_at"])
    audit_record(
        at=now,
        actor=actor,
        action="support.plan.saved",
        pupil_id=plan.case.pupil_id,
        target=plan,
        data={"version": plan.version, "risks": len(risks), "goals": len(goals), "measures": sorted(wanted)},
    )
    return plan


def _check_lines(plan: Plan, measures: Sequence[MeasureInput], today: dt.date) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    # Deliveries are recorded on the plan in force: an amendment is checked against its lines.
    delivering = plan.amends if plan.amends_id and plan.amends else plan
    delivered = delivered_by_line(delivering)
    lines = {line.measure.code: line for line in delivering.measures.select_related("measure")}
    providers = {m.provider.pk for m in measures if m.provider is not None}
    prices = plan_prices(plan, {m.measure.code for m in measures})
    staff = set(access.staff_of(plan.case.institution_id).filter(pk__in=providers).values_list("pk", flat=True))
    for m in measures:
        name = str(m.measure)
        if m.provider is not None and m.provider.pk not in staff:
            errors.append(_("“%(name)s”: the provider must work at the pupil's school.") % {"name": name})
        if m.measure.code in seen:
            errors.append(_("“%(name)s” is in the plan twice; plan it once with the total quantity.") % {"name": name})
        seen.add(m.measure.code)
        if not m.measure.valid_on(plan.period.starts_on) and not m.measure.valid_on(today):
            errors.append(_("“%(name)s” is not in the catalogue in force for this semester.") % {"name": name})
        if m.planned_quantity is None or m.planned_quantity <= 0:
            errors.append(_("“%(name)s”: the planned quantity must be more than 0.") % {"name": name})
            continue
        cost = _cost_of(m, prices)
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
                % {"name": name, "done": number_text(done)}
            )
    kept = {m.measure.code for m in measures}
    for code, line in lines.items():
        if code not in kept and line.pk in delivered:
            errors.append(
                _("“%(name)s” has deliveries and cannot be removed from the plan.") % {"name": str(line.measure)}
            )
    return errors


@transaction.atomic
def plan_continue(
    *, actor: User, plan: Plan, period: Period, assessment: Assessment | None, now: dt.datetime | None = None
) -> Plan:
    """A draft for ``period`` pre-filled from ``plan``: its risks (or the new assessment's), the
    goals not achieved and every measure line, with the same quantities. Used by the review."""
    now = now or timezone.now()
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
    # measures are left out); the cost is recomputed at the new semester's unit prices.
    in_force = {m.code: m for m in measures_in_force(period.starts_on)}
    prices = plan_prices(new, in_force)
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
                planned_cost=_cost_of(given, prices),
                note=line.note,
            )
        )
    PlanMeasure.objects.bulk_create(lines)
    PlanTransition.objects.create(
        plan=new,
        action=PlanTransition.Action.CREATED,
        to_status=PlanStatus.DRAFT,
        actor=actor,
        at=now,
    )
    audit_record(
        at=now,
        actor=actor,
        action="support.plan.created",
        pupil_id=plan.case.pupil_id,
        target=new,
        data={"period": period.pk, "previous": plan.pk},
    )
    return new


# --- Amendments (decision 0022) --------------------------------------------------------------------


def amendment_draft(*, actor: User, plan: Plan, now: dt.datetime) -> Plan:
    """A draft amendment of ``plan`` with a copy of its content (the same catalogue versions,
    quantities and costs), for ``transitions.plan_amend``, which holds the lock."""
    amendment = Plan.objects.create(
        case=plan.case,
        period=plan.period,
        assessment=plan.assessment,
        contact_person=plan.contact_person,
        prepared_by=actor,
        previous=plan.previous,
        amends=plan,
    )
    _copy_content(source=plan, target=amendment)
    PlanTransition.objects.create(
        plan=amendment, action=PlanTransition.Action.CREATED, to_status=PlanStatus.DRAFT, actor=actor, at=now
    )
    audit_record(
        at=now,
        actor=actor,
        action="support.plan.created",
        pupil_id=plan.case.pupil_id,
        target=amendment,
        data={"period": plan.period_id, "amends": plan.pk},
    )
    return amendment


def _copy_content(*, source: Plan, target: Plan) -> None:
    PlanRisk.objects.bulk_create(
        PlanRisk(plan=target, group=r.group, item_id=r.item_id, description=r.description) for r in source.risks.all()
    )
    Goal.objects.bulk_create(Goal(plan=target, text=g.text, target=g.target, order=g.order) for g in source.goals.all())
    PlanMeasure.objects.bulk_create(
        PlanMeasure(
            plan=target,
            measure_id=line.measure_id,
            provider_id=line.provider_id,
            provider_name=line.provider_name,
            planned_quantity=line.planned_quantity,
            planned_cost=line.planned_cost,
            note=line.note,
        )
        for line in source.measures.all()
    )


def _content_of(plan: Plan) -> dict[str, object]:
    """What the audit trail keeps of a plan's approved content before a change replaces it."""
    return {
        "contact_person": plan.contact_person,
        "risks": [[r.group, r.item_id, r.description] for r in plan.risks.all()],
        "goals": [[g.text, g.target] for g in plan.goals.all()],
        "lines": [
            [
                line.pk,
                line.measure_id,
                str(line.planned_quantity),
                None if line.planned_cost is None else str(line.planned_cost),
            ]
            for line in plan.measures.all()
        ],
    }


def amendment_apply(*, amendment: Plan, today: dt.date) -> tuple[Plan, dict[str, object]]:
    """Apply an approved amendment to the plan it amends (locked here): the contact person,
    risks and goals are replaced; lines are matched by the measure's code, so a line carried over
    keeps its row, its public id and its deliveries, and takes the new quantity, cost and
    catalogue version; a new measure is a new line; a line left out goes (it has no deliveries,
    or the check refuses). Refuses when the plan is no longer being delivered, or when deliveries
    recorded since the change was drafted no longer fit it. Returns the plan and what it was."""
    plan = lock_plan(amendment.amends, None) if amendment.amends else None
    if plan is None or plan.status not in (PlanStatus.ACTIVE, PlanStatus.IN_REVIEW):
        raise ValidationError(
            _("The plan this change amends is no longer in force; return the change to its preparer."),
            code="amended_plan_closed",
        )
    wanted = [
        MeasureInput(
            measure=line.measure,
            planned_quantity=line.planned_quantity,
            planned_cost=line.planned_cost,
            provider=line.provider,
            provider_name=line.provider_name,
            note=line.note,
        )
        for line in amendment.measures.select_related("measure", "provider")
    ]
    errors = _check_lines(amendment, wanted, today)
    if errors:
        raise ValidationError(errors, code="amendment_conflict")
    before = _content_of(plan)
    plan.contact_person = amendment.contact_person
    plan.assessment = amendment.assessment
    plan.risks.all().delete()
    plan.goals.all().delete()
    existing = {line.measure.code: line for line in plan.measures.select_related("measure")}
    kept: list[int] = []
    for change in amendment.measures.select_related("measure"):
        line = existing.get(change.measure.code) or PlanMeasure(plan=plan)
        line.measure = change.measure
        line.provider_id = change.provider_id
        line.provider_name = change.provider_name
        line.planned_quantity = change.planned_quantity
        line.planned_cost = change.planned_cost
        line.note = change.note
        line.save()
        kept.append(line.pk)
    PlanMeasure.objects.filter(plan=plan).exclude(pk__in=kept).delete()
    PlanRisk.objects.bulk_create(
        PlanRisk(plan=plan, group=r.group, item_id=r.item_id, description=r.description) for r in amendment.risks.all()
    )
    Goal.objects.bulk_create(
        Goal(plan=plan, text=g.text, target=g.target, order=g.order) for g in amendment.goals.all()
    )
    plan.save(update_fields=["contact_person", "assessment", "updated_at"])
    return plan, before
