"""Delivery against Anna's active plan: Māris (psychologist) logs consultations, Līga (Lizuma
coordinator) records transport compensation; everything outside the plan is refused with the
numbers; remote consultations need Anna's confirmation within a day; her guardians hear when a
measure starts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pumpurs.core.display import day_text
from pumpurs.risk.models import Notice
from pumpurs.support.cases import consent_record, consent_withdraw
from pumpurs.support.catalogue import measure_change
from pumpurs.support.delivery import (
    compensation_record,
    consultation_confirm,
    consultation_record,
    is_confirmation_late,
    unconfirmed_overdue,
)
from pumpurs.support.models import Delivery, Measure, Plan, PlanStatus
from pumpurs.support.plans import plan_review_start, plan_submit
from pumpurs.support.scope import deliveries_visible_to
from pumpurs.support.testing import approve_all, draft_plan, guardian_for, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import ONE_DAY, semester_now, today
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def active(world: World) -> Plan:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)  # consent given today
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    return approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)


def consult(world: World, plan: Plan, *, on: dt.date | None = None, minutes: int = 45, **extra: object) -> Delivery:
    given: dict[str, object] = {
        "actor": world.specialist_lizuma,
        "plan": plan,
        "measure": measure("consult-psychologist"),
        "held_on": on or today(),
        "minutes": minutes,
        "specialist": world.specialist_lizuma,
        "mode": "in_person",
        "topic": "Motivācija",
        **extra,
    }
    return consultation_record(**given)  # type: ignore[arg-type]  # keyword bag of a typed service


def transport(world: World, plan: Plan, trips: int, amount: str | None = None) -> Delivery:
    return compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=today(),
        ends_on=None,
        quantity=Decimal(trips),
        amount=Decimal(amount) if amount is not None else None,
    )


def test_a_consultation_counts_its_minutes_in_hours(world: World) -> None:
    plan = active(world)
    first = consult(world, plan, minutes=45)
    second = consult(world, plan, minutes=90, mode="remote", topic="Mācību plāns")
    assert (first.quantity, second.quantity) == (Decimal("0.75"), Decimal("1.50"))
    assert (first.amount, first.confirmed_at, second.mode) == (None, None, "remote")  # no unit cost set
    assert deliveries_visible_to(world.teacher_lizuma).count() == 2
    assert deliveries_visible_to(world.teacher_tirzas).count() == 0


def test_a_delivery_needs_an_active_plan(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    for refused_plan in (plan, plan_submit(actor=world.teacher_lizuma, plan=plan)):
        with pytest.raises(ValidationError, match="only against an active plan") as refused:
            consult(world, refused_plan)
        assert refused.value.code == "not_active"
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert not Delivery.objects.exists()
    # Issue 13, trap 2: starting the review does not stop the semester's deliveries.
    plan = plan_review_start(actor=world.teacher_lizuma, plan=plan)
    transport(world, plan, 2)
    assert Delivery.objects.filter(line__plan=plan).count() == 1


def test_a_delivery_must_fall_inside_the_semester_and_not_ahead_of_time(world: World) -> None:
    plan = active(world)
    period = plan.period
    for day in (period.starts_on - ONE_DAY, period.ends_on + ONE_DAY):
        with pytest.raises(ValidationError, match="outside the plan's semester") as refused:
            consult(world, plan, on=day)
        assert refused.value.code == "outside_period"
        assert day_text(period.starts_on) in refused.value.messages[0]
    with pytest.raises(ValidationError, match="ahead of time"):
        consult(world, plan, on=today() + ONE_DAY)
    with pytest.raises(ValidationError, match="outside the plan's semester"):
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("transport"),
            starts_on=today(),
            ends_on=period.ends_on + ONE_DAY,
            quantity=Decimal(2),
        )
    if today() < period.ends_on:  # a compensation is recorded for days that have passed
        with pytest.raises(ValidationError, match="ahead of time"):
            compensation_record(
                actor=world.coordinator_lizuma,
                plan=plan,
                measure=measure("transport"),
                starts_on=today(),
                ends_on=today() + ONE_DAY,
                quantity=Decimal(2),
            )
    assert not Delivery.objects.exists()


def test_a_delivery_needs_consent_on_its_day(world: World) -> None:
    plan = active(world)
    with pytest.raises(ValidationError, match="No consent covers") as refused:
        consult(world, plan, on=today() - ONE_DAY)  # consent was given today
    assert refused.value.code == "no_consent"
    consult(world, plan)
    consent = plan.case.consents.get()
    consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today(), note="Atsauc")
    with pytest.raises(ValidationError) as refused:
        consult(world, plan)
    assert refused.value.code == "consent_withdrawn"
    assert f"withdrawn on {day_text(today())}" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="withdrawn on"):
        transport(world, plan, 1)
    assert Delivery.objects.count() == 1


def test_support_before_the_plan_became_active_is_not_part_of_it(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    consent_record(
        actor=world.teacher_lizuma,
        case=case,
        guardian=guardian_for(world.pupil_lizuma),
        given_on=today() - ONE_DAY,
        method="paper",
    )
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)  # active today
    with pytest.raises(ValidationError, match="became active on") as refused:
        consult(world, plan, on=today() - ONE_DAY)
    assert refused.value.code == "before_active"
    consult(world, plan)
    assert Delivery.objects.count() == 1


def test_consent_withdrawn_inside_a_compensation_period_refuses_it(world: World) -> None:
    plan = active(world)
    consent = plan.case.consents.get()
    # Consent given and the plan active two days ago; the family withdraws today.
    two_days_ago = today() - 2 * ONE_DAY
    semester = plan.period
    semester.starts_on = min(semester.starts_on, two_days_ago)
    semester.save(update_fields=["starts_on"])
    type(consent).objects.filter(pk=consent.pk).update(given_on=two_days_ago)
    plan.transitions.filter(action="activated").update(at=timezone.now() - 2 * ONE_DAY)
    consent.refresh_from_db()
    consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today(), note="Atsauc")
    with pytest.raises(ValidationError, match="withdrawn on") as refused:
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("transport"),
            starts_on=two_days_ago,
            ends_on=today(),
            quantity=Decimal(2),
        )
    assert refused.value.code == "consent_withdrawn"
    compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=two_days_ago,
        ends_on=today() - ONE_DAY,
        quantity=Decimal(2),
    )
    assert Delivery.objects.count() == 1


def test_a_measure_not_in_the_plan_points_to_a_plan_change(world: World) -> None:
    plan = active(world)
    with pytest.raises(ValidationError, match=r"is not in this plan\. Change the plan") as refused:
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("meals"),
            starts_on=today(),
            ends_on=None,
            quantity=Decimal(1),
        )
    assert refused.value.code == "not_in_plan"
    with pytest.raises(ValidationError, match="not in this plan"):
        consult(world, plan, measure=measure("consult-speech-therapist"))


def test_beyond_the_planned_quantity_is_refused_with_the_numbers(world: World) -> None:
    plan = active(world)  # 10 psychologist hours, 40 trips for 60 EUR
    consult(world, plan, minutes=480)
    consult(world, plan, minutes=60)
    with pytest.raises(ValidationError) as refused:
        consult(world, plan, minutes=90)
    message = refused.value.messages[0]
    assert refused.value.code == "beyond_plan"
    assert "9 of 10 planned (unit: hour)" in message
    assert "1.5 more would make 10.5" in message
    assert "Change the plan" in message
    consult(world, plan, minutes=60)  # exactly the plan is fine
    assert sum(d.quantity for d in Delivery.objects.all()) == Decimal(10)


def test_beyond_the_planned_cost_is_refused_with_the_numbers(world: World) -> None:
    plan = active(world)
    transport(world, plan, 10, "15.00")
    with pytest.raises(ValidationError) as refused:
        transport(world, plan, 10, "50.00")
    assert refused.value.code == "beyond_plan_cost"
    assert "15.00 of 60.00 EUR planned are spent; 50.00 EUR more would make 65.00 EUR" in refused.value.messages[0]
    transport(world, plan, 10, "45.00")


def test_who_may_deliver_and_with_which_specialist(world: World) -> None:
    plan = active(world)
    with pytest.raises(ValidationError, match="must work at the pupil's school"):
        consult(world, plan, specialist=world.teacher_tirzas)
    for outsider in (world.director_lizuma, world.teacher_tirzas, world.national):
        with pytest.raises(PermissionDenied):
            consult(world, plan, actor=outsider)
    with pytest.raises(ValidationError):
        consult(world, plan, minutes=0)
    with pytest.raises(ValidationError):
        consult(world, plan, mode="telepathy")
    with pytest.raises(ValidationError):
        consult(world, plan, topic=" ")
    with pytest.raises(ValidationError, match="Record a consultation"):
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("consult-psychologist"),
            starts_on=today(),
            ends_on=None,
            quantity=Decimal(1),
        )
    with pytest.raises(ValidationError, match="not a consultation"):
        consult(world, plan, measure=measure("transport"))
    consult(world, plan, actor=world.coordinator_lizuma)  # the coordinator logs it for Māris
    assert Delivery.objects.count() == 1


def test_a_remote_consultation_is_confirmed_within_a_day(world: World) -> None:
    plan = active(world)
    remote = consult(world, plan, mode="remote")
    in_person = consult(world, plan)
    held = remote.delivered_on
    pending = Delivery.objects.all()

    assert not is_confirmation_late(remote, today=held + ONE_DAY)
    assert list(unconfirmed_overdue(pending, today=held + ONE_DAY)) == []
    assert is_confirmation_late(remote, today=held + 2 * ONE_DAY)
    assert list(unconfirmed_overdue(pending, today=held + 2 * ONE_DAY)) == [remote]
    assert not is_confirmation_late(in_person, today=held + 30 * ONE_DAY)

    with pytest.raises(ValidationError, match="Only a remote consultation"):
        consultation_confirm(actor=world.specialist_lizuma, delivery=in_person)
    with pytest.raises(ValidationError, match="between the consultation and now"):
        consultation_confirm(
            actor=world.specialist_lizuma, delivery=remote, confirmed_at=timezone.now() + dt.timedelta(days=2)
        )
    with pytest.raises(ValidationError, match="between the consultation and now"):
        consultation_confirm(
            actor=world.specialist_lizuma, delivery=remote, confirmed_at=timezone.now() - dt.timedelta(days=3)
        )
    # The pupil answers only now, two days after a consultation held earlier.
    Delivery.objects.filter(pk=remote.pk).update(delivered_on=held - 2 * ONE_DAY)
    remote.refresh_from_db()
    remote = consultation_confirm(actor=world.specialist_lizuma, delivery=remote)
    assert is_confirmation_late(remote)
    assert list(unconfirmed_overdue(pending, today=held + 2 * ONE_DAY)) == []
    with pytest.raises(ValidationError, match="already confirmed"):
        consultation_confirm(actor=world.specialist_lizuma, delivery=remote)


def test_a_remote_consultation_confirmed_on_time_is_not_late(world: World) -> None:
    plan = active(world)
    remote = consult(world, plan, mode="remote", confirmed_at=timezone.now())
    assert remote.confirmed_at is not None
    assert not is_confirmation_late(remote, today=today() + 10 * ONE_DAY)
    in_person = consult(world, plan, confirmed_at=timezone.now())
    assert in_person.confirmed_at is None  # only remote consultations carry a confirmation


def test_the_first_delivery_of_a_line_tells_each_guardian(world: World) -> None:
    semester_now()
    anna = world.pupil_lizuma
    guardian_for(anna)
    father = guardian_for(anna, email="")
    case = open_case(world.teacher_lizuma, anna)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    approved = Notice.objects.filter(kind=Notice.Kind.PLAN_APPROVED, pupil=anna)
    assert approved.count() == 2

    consult(world, plan)
    started = Notice.objects.filter(kind=Notice.Kind.MEASURE_STARTED, pupil=anna)
    assert started.count() == 2
    assert started.get(guardian=father).status == Notice.Status.NO_CONTACT
    assert started.exclude(guardian=father).get().status == Notice.Status.QUEUED
    assert "Psihologa konsultācijas" in started.first().subject  # type: ignore[union-attr]  # two exist

    consult(world, plan)
    assert started.count() == 2  # the second delivery of the line tells no one
    transport(world, plan, 2)
    assert started.count() == 4  # a new line starts


def test_a_plan_keeps_its_catalogue_version_for_deliveries(world: World) -> None:
    plan = active(world)
    old = measure("transport")
    new = measure_change(actor=world.national, measure=old, effective_from=today(), cap_per_plan=Decimal("500.00"))
    assert isinstance(new, Measure)
    delivery = transport(world, plan, 4)  # the plan's line, found by the measure's code
    assert delivery.line.measure_id == old.pk
    assert delivery.amount is None  # no rate sets a unit price: the amount is not set
    assert plan.status == PlanStatus.ACTIVE


def test_consultation_hours_add_up_to_the_minutes_held(world: World) -> None:
    plan = active(world)
    line = plan.measures.get(measure__code="consult-psychologist")
    line.planned_quantity = Decimal(2)  # as if planned for two hours
    line.save(update_fields=["planned_quantity"])
    held = [consult(world, plan, minutes=40) for _ in range(3)]  # exactly two hours
    assert sum(d.quantity for d in held) == Decimal(2)
    assert all(abs(d.quantity - Decimal("0.67")) <= Decimal("0.01") for d in held)
    with pytest.raises(ValidationError, match="2 of 2 planned"):
        consult(world, plan, minutes=1)
