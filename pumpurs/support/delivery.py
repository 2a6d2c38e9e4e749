"""Delivery of a plan's measures: consultations, compensations and items (issue 5, item 5).

A delivery is accepted only against an active plan, inside its semester, on a day the consent
covers, for a measure the plan contains, and never beyond the planned quantity (or planned cost):
the refusal gives the numbers and points to a plan change (``plans.plan_amend``). A remote
consultation needs the pupil's confirmation within ``PUMPURS_REMOTE_CONFIRMATION_DAYS``.
A delivery entered by mistake is voided with a reason (``delivery_void``), never deleted or
edited: it stays on record and no longer counts against the plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import CENT, day_text, money_text, number_text
from pumpurs.core.uploads import attach_on_commit
from pumpurs.people import access
from pumpurs.people.models import User
from pumpurs.support.catalogue import low_income_on
from pumpurs.support.consent import consent_active
from pumpurs.support.guards import deliveries_changed_run, delivery_guards_run
from pumpurs.support.models import Delivery, Measure, Plan, PlanMeasure, PlanTransition
from pumpurs.support.notices import measure_started_notice
from pumpurs.support.plans import (
    PlanAction,
    delivered_by_line,
    lock_plan,
    require_permitted,
    require_status,
    void_action,
)
from pumpurs.support.prices import priced, prices_in_force

HOUR_MINUTES = Decimal(60)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / HOUR_MINUTES).quantize(CENT)


def _line_for(plan: Plan, measure: Measure) -> PlanMeasure:
    line = plan.measures.filter(measure__code=measure.code).select_related("measure").first()
    if line is None:
        raise ValidationError(
            _("“%(name)s” is not in this plan. Change the plan to add it before recording deliveries.")
            % {"name": str(measure)},
            code="not_in_plan",
        )
    return line


def _check_common(plan: Plan, line: PlanMeasure, day: dt.date, until: dt.date | None, today: dt.date) -> None:
    require_status(plan, PlanAction.DELIVER)
    period = plan.period
    last = until or day
    if day < period.starts_on or last > period.ends_on:
        raise ValidationError(
            _("%(start)s – %(end)s is outside the plan's semester (%(from)s – %(to)s).")
            % {
                "start": day_text(day),
                "end": day_text(last),
                "from": day_text(period.starts_on),
                "to": day_text(period.ends_on),
            },
            code="outside_period",
        )
    if last > today:
        raise ValidationError(_("A delivery cannot be recorded ahead of time."), code="future")
    # Consent must cover every day of the delivery, the last one included.
    consent = consent_active(plan.case_id, day) and consent_active(plan.case_id, last)
    if consent is None:
        withdrawn = plan.case.consents.filter(withdrawn_on__isnull=False, withdrawn_on__lte=last).first()
        if withdrawn is not None and withdrawn.withdrawn_on is not None:
            raise ValidationError(
                _("Consent was withdrawn on %(date)s: no delivery from that day.")
                % {"date": day_text(withdrawn.withdrawn_on)},
                code="consent_withdrawn",
            )
        raise ValidationError(_("No consent covers %(date)s.") % {"date": day_text(day)}, code="no_consent")
    began = first_active_day(plan)
    if began is not None and day < began:
        raise ValidationError(
            _("The plan became active on %(date)s: support before that day is not part of it.")
            % {"date": day_text(began)},
            code="before_active",
        )
    if line.measure.requires_low_income and low_income_on(plan.case.pupil_id, day) is None:
        raise ValidationError(
            _("“%(name)s” is only for pupils of low-income families, and no status is recorded for %(date)s.")
            % {"name": str(line.measure), "date": day_text(day)},
            code="not_eligible",
        )


def first_active_day(plan: Plan) -> dt.date | None:
    """The day the plan first became active (an amendment and re-approval do not move it)."""
    first = plan.transitions.filter(action=PlanTransition.Action.ACTIVATED).order_by("at").first()
    return timezone.localtime(first.at).date() if first is not None else None


def _priced_amount(plan: Plan, line: PlanMeasure, day: dt.date, quantity: Decimal) -> Decimal | None:
    """Quantity × the unit price in force on the delivery's ``day`` for the pupil's school, or
    ``None`` where no unit price is set (the amount is then the actual cost, or not set). A price
    change from a date prices the deliveries before and after it differently."""
    price = prices_in_force([line.measure.code], plan.case.institution.municipality_id, day).get(line.measure.code)
    return priced(price.unit, quantity) if price is not None and price.unit is not None else None


def _check_quantity(line: PlanMeasure, quantity: Decimal, amount: Decimal | None) -> None:
    done_quantity, done_amount = delivered_by_line(line.plan).get(line.pk, (Decimal(0), Decimal(0)))
    unit = line.measure.get_unit_display()
    if done_quantity + quantity > line.planned_quantity:
        raise ValidationError(
            _(
                "“%(name)s”: %(done)s of %(planned)s planned (unit: %(unit)s) are delivered; %(more)s more would "
                "make %(total)s. Change the plan to deliver more."
            )
            % {
                "name": str(line.measure),
                "done": number_text(done_quantity),
                "planned": number_text(line.planned_quantity),
                "unit": unit,
                "more": number_text(quantity),
                "total": number_text(done_quantity + quantity),
            },
            code="beyond_plan",
        )
    if amount is not None and line.planned_cost is not None and done_amount + amount > line.planned_cost:
        raise ValidationError(
            _(
                "“%(name)s”: %(done)s of %(planned)s EUR planned are spent; %(more)s EUR more would make "
                "%(total)s EUR. Change the plan to spend more."
            )
            % {
                "name": str(line.measure),
                "done": money_text(done_amount),
                "planned": money_text(line.planned_cost),
                "more": money_text(amount),
                "total": money_text(done_amount + amount),
            },
            code="beyond_plan_cost",
        )


def _record(*, actor: User, plan: Plan, line: PlanMeasure, delivery: Delivery, now: dt.datetime) -> Delivery:
    delivery_guards_run(line, delivery.delivered_on, delivery.quantity, delivery.amount)
    first = not line.deliveries.exists()
    delivery.save()
    deliveries_changed_run([line.pk])
    audit_record(
        at=now,
        actor=actor,
        action="support.delivery.recorded",
        pupil_id=plan.case.pupil_id,
        target=delivery,
        data={
            "plan": plan.pk,
            "measure": line.measure.code,
            "on": delivery.delivered_on.isoformat(),
            "quantity": str(delivery.quantity),
            "amount": str(delivery.amount) if delivery.amount is not None else None,
            "mode": delivery.mode,
        },
    )
    if first:
        measure_started_notice(line=line, on=delivery.delivered_on)
    return delivery


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    plan: Plan,
    measure: Measure,
    held_on: dt.date,
    minutes: int,
    specialist: User,
    mode: str,
    topic: str,
    confirmed_at: dt.datetime | None = None,
    evidence: Any = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """Record a consultation held under the plan (its quantity is the duration in hours).
    Refusals: see the module. Inverse: none — a wrong entry is corrected by the coordinator
    with a plan change; the trail keeps both."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.DELIVER)
    plan = lock_plan(plan, None)
    line = _line_for(plan, measure)
    if not line.measure.is_consultation:
        raise ValidationError(_("“%(name)s” is not a consultation.") % {"name": str(line.measure)})
    if minutes is None or minutes <= 0 or minutes > 8 * 60:
        raise ValidationError({"minutes": _("Give the duration in minutes (1–480).")})
    if mode not in Delivery.Mode.values:
        raise ValidationError({"mode": _("Say whether the consultation was in person or remote.")})
    if not topic.strip():
        raise ValidationError({"topic": _("Write the consultation's topic.")})
    if not access.staff_of(plan.case.institution_id).filter(pk=specialist.pk).exists():
        raise ValidationError({"specialist": _("The specialist must work at the pupil's school.")})
    _check_common(plan, line, held_on, None, timezone.localdate(now))
    # Hours are rounded on the line's running total of minutes, so that three 40-minute
    # consultations make exactly the 2 hours held (0.67 + 0.66 + 0.67), never 2.01 beyond the plan.
    # Voided ones do not count; the new quantity brings the counted hours to the rounded total of
    # the counted minutes (after a voided 0.66 the next 40 minutes make 0.66, not 0.67), and is
    # never less than a cent.
    done = line.deliveries.filter(voided_at__isnull=True).aggregate(minutes=Sum("minutes"), hours=Sum("quantity"))
    quantity = max(_hours((done["minutes"] or 0) + minutes) - (done["hours"] or Decimal(0)), CENT)
    amount = _priced_amount(plan, line, held_on, quantity)
    _check_quantity(line, quantity, amount)
    delivery = Delivery(
        line=line,
        delivered_on=held_on,
        quantity=quantity,
        amount=amount,
        minutes=minutes,
        specialist=specialist,
        mode=mode,
        topic=topic.strip(),
        confirmed_at=confirmed_at if mode == Delivery.Mode.REMOTE else None,
        recorded_by=actor,
        recorded_at=now,
    )
    if evidence:
        attach_on_commit(delivery, "evidence", evidence, folder=str(delivery.public_id))
    return _record(actor=actor, plan=plan, line=line, delivery=delivery, now=now)


@transaction.atomic
def compensation_record(
    *,
    actor: User,
    plan: Plan,
    measure: Measure,
    starts_on: dt.date,
    ends_on: dt.date | None,
    quantity: Decimal,
    amount: Decimal | None = None,
    evidence: Any = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """Record a compensation, accommodation, meals, items, materials, transport or activity
    provided under the plan. ``amount`` defaults to quantity × the unit price in force on
    ``starts_on`` where one is set (``support.prices``). Refusals: see the module. Inverse: none (as ``consultation_record``)."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.DELIVER)
    plan = lock_plan(plan, None)
    line = _line_for(plan, measure)
    if line.measure.is_consultation:
        raise ValidationError(_("Record a consultation with its date, duration and specialist."))
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than 0.")})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    _check_common(plan, line, starts_on, ends_on, timezone.localdate(now))
    if amount is None:
        amount = _priced_amount(plan, line, starts_on, quantity)
    _check_quantity(line, quantity, amount)
    delivery = Delivery(
        line=line,
        delivered_on=starts_on,
        period_end=ends_on,
        quantity=quantity,
        amount=amount,
        recorded_by=actor,
        recorded_at=now,
    )
    if evidence:
        attach_on_commit(delivery, "evidence", evidence, folder=str(delivery.public_id))
    return _record(actor=actor, plan=plan, line=line, delivery=delivery, now=now)


@transaction.atomic
def consultation_confirm(
    *, actor: User, delivery: Delivery, confirmed_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Delivery:
    """Record the pupil's confirmation of a remote consultation (late confirmations are kept and
    shown as late). Inverse: none."""
    now = now or timezone.now()
    plan = delivery.line.plan
    require_permitted(actor, plan, PlanAction.CONFIRM)
    require_status(plan, PlanAction.CONFIRM)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.is_voided:
        raise ValidationError(_("This delivery is voided."), code="voided")
    if delivery.mode != Delivery.Mode.REMOTE:
        raise ValidationError(_("Only a remote consultation needs the pupil's confirmation."))
    if delivery.confirmed_at is not None:
        raise ValidationError(_("This consultation is already confirmed."))
    confirmed_at = confirmed_at or now
    if timezone.localtime(confirmed_at).date() < delivery.delivered_on or confirmed_at > now:
        raise ValidationError(
            {"confirmed_at": _("Date the pupil's confirmation between the consultation and now.")},
            code="confirmed_when",
        )
    delivery.confirmed_at = confirmed_at
    delivery.save(update_fields=["confirmed_at"])
    audit_record(
        at=now,
        actor=actor,
        action="support.delivery.confirmed",
        pupil_id=plan.case.pupil_id,
        target=delivery,
        data={"late": is_confirmation_late(delivery)},
    )
    return delivery


def confirmation_deadline(delivery: Delivery) -> dt.date:
    return delivery.delivered_on + dt.timedelta(days=settings.PUMPURS_REMOTE_CONFIRMATION_DAYS)


def is_confirmation_late(delivery: Delivery, today: dt.date | None = None) -> bool:
    """A remote consultation confirmed after its deadline, or still unconfirmed past it."""
    if delivery.mode != Delivery.Mode.REMOTE or delivery.is_voided:
        return False
    deadline = confirmation_deadline(delivery)
    if delivery.confirmed_at is not None:
        return timezone.localtime(delivery.confirmed_at).date() > deadline
    return (today or timezone.localdate()) > deadline


def unconfirmed_overdue(deliveries: QuerySet[Delivery], today: dt.date | None = None) -> QuerySet[Delivery]:
    """Remote consultations still unconfirmed after their deadline, voided ones left out (one query)."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.PUMPURS_REMOTE_CONFIRMATION_DAYS)
    return deliveries.filter(
        Q(mode=Delivery.Mode.REMOTE), confirmed_at__isnull=True, delivered_on__lt=cutoff, voided_at__isnull=True
    )


@transaction.atomic
def delivery_void(*, actor: User, delivery: Delivery, reason: str) -> Delivery:
    """Void a delivery entered by mistake (wrong plan, wrong quantity, a duplicate), with the reason.

    Invariant: a delivery is never deleted or edited; a voided one stays on record with who voided
    it, when and why, and no longer counts against the plan's planned quantity or cost. Allowed to
    the person who recorded it (while they still deliver for the pupil) and to anyone who manages
    the pupil's cases; not for a delivery of a closed plan (a reviewed semester stays as reviewed).
    The audit event keeps the reason's length, not its text. Inverse: none — record the delivery
    again."""
    plan = delivery.line.plan
    pupil_id = plan.case.pupil_id
    action = void_action(actor, delivery.recorded_by_id)
    require_permitted(actor, plan, action)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the delivery is voided.")}, code="no_reason")
    plan = lock_plan(plan, None)
    require_status(plan, action)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.is_voided:
        raise ValidationError(_("This delivery is already voided."), code="already_voided")
    delivery.voided_at = timezone.now()
    delivery.voided_by = actor
    delivery.void_reason = reason
    delivery.save(update_fields=["voided_at", "voided_by", "void_reason"])
    deliveries_changed_run([delivery.line_id])
    audit_record(
        actor=actor,
        action="support.delivery.voided",
        pupil_id=pupil_id,
        target=delivery,
        data={
            "plan": plan.pk,
            "quantity": str(delivery.quantity),
            "amount": str(delivery.amount) if delivery.amount is not None else None,
            "reason_length": len(reason),
        },
    )
    return delivery


__all__ = [
    "compensation_record",
    "confirmation_deadline",
    "consultation_confirm",
    "consultation_record",
    "delivery_void",
    "is_confirmation_late",
    "unconfirmed_overdue",
]
