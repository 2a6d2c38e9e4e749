"""The national measure catalogue and low-income statuses: Zane (national programme) changes and
retires measures with effective dates; plans keep the version they were made with; items are only
for pupils whose family holds a low-income status on the day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet

from pumpurs.support.catalogue import low_income_status_record, measure_change, measure_create, measures_in_force
from pumpurs.support.delivery import compensation_record
from pumpurs.support.models import LowIncomeStatus, Measure, MeasureCategory, Plan, PlanMeasure
from pumpurs.support.plans import GoalInput, MeasureInput, plan_save, plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import ONE_DAY, semester_now, today
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def versions(code: str) -> QuerySet[Measure]:
    return Measure.objects.filter(code=code).order_by("valid_from")


def test_a_change_ends_the_old_version_the_day_before_and_plans_keep_theirs(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    old = measure("transport")
    starts = today() + dt.timedelta(days=10)

    new = measure_change(actor=world.national, measure=old, effective_from=starts, cap_per_plan=Decimal("90.00"))

    assert new is not None
    old.refresh_from_db()
    assert (old.valid_from, old.valid_until) == (dt.date(2024, 9, 2), starts - ONE_DAY)
    assert (new.valid_from, new.valid_until, new.cap_per_plan) == (starts, None, Decimal("90.00"))
    assert (new.name, new.unit, new.requires_low_income) == (old.name, old.unit, old.requires_low_income)  # carried
    assert list(versions("transport")) == [old, new]
    assert measures_in_force(starts - ONE_DAY).get(code="transport") == old
    assert measures_in_force(starts).get(code="transport") == new
    line = PlanMeasure.objects.get(plan=plan, measure__code="transport")
    assert line.measure_id == old.pk
    assert line.planned_cost == Decimal("60.00")


def test_a_change_cannot_overlap_or_be_dated_on_the_first_day(world: World) -> None:
    psychologist = measure("consult-psychologist")
    later = today() + dt.timedelta(days=30)
    measure_change(actor=world.national, measure=psychologist, effective_from=later, cap_per_plan=Decimal(250))
    with pytest.raises(ValidationError, match="later change is already planned"):
        measure_change(actor=world.national, measure=psychologist, effective_from=today(), cap_per_plan=Decimal(200))
    with pytest.raises(ValidationError, match="Choose a date after"):
        measure_change(actor=world.national, measure=psychologist, effective_from=later, cap_per_plan=Decimal(200))
    with pytest.raises(ValidationError, match="not in force"):
        measure_change(actor=world.national, measure=psychologist, effective_from=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="cannot be changed"):
        measure_change(actor=world.national, measure=psychologist, effective_from=later + ONE_DAY, code="other")
    assert versions("consult-psychologist").count() == 2


def test_retiring_ends_the_measure_without_a_new_version(world: World) -> None:
    meals = measure("meals")
    ends = today() + dt.timedelta(days=5)
    assert measure_change(actor=world.national, measure=meals, effective_from=ends, retire=True) is None
    meals.refresh_from_db()
    assert meals.valid_until == ends - ONE_DAY
    assert versions("meals").count() == 1
    assert not measures_in_force(ends).filter(code="meals").exists()
    assert measures_in_force(ends - ONE_DAY).filter(code="meals").exists()


@pytest.mark.parametrize("persona", ["coordinator_gulbene", "coordinator_lizuma", "director_lizuma", "nobody"])
def test_only_the_national_programme_edits_the_catalogue(world: World, persona: str) -> None:
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        measure_change(actor=actor, measure=measure("meals"), effective_from=today(), cap_per_plan=Decimal(3))
    with pytest.raises(PermissionDenied):
        measure_create(
            actor=actor,
            code="tutoring",
            category="youth_activity",
            name="x",
            name_en="x",
            unit="activity",
            valid_from=today(),
        )
    assert versions("meals").count() == 1
    assert not Measure.objects.filter(code="tutoring").exists()


def test_unknown_costs_stay_unset_and_negative_ones_are_refused(world: World) -> None:
    camp = measure_create(
        actor=world.national,
        code="summer-camp",
        category=MeasureCategory.YOUTH_ACTIVITY,
        name="Vasaras nometne",
        name_en="Summer camp",
        unit="activity",
        valid_from=today(),
    )
    assert camp.cap_per_plan is None
    later = measure_change(actor=world.national, measure=camp, effective_from=today() + ONE_DAY, name="Nometne")
    assert later is not None
    assert later.cap_per_plan is None
    with pytest.raises(ValidationError) as refused:
        measure_change(
            actor=world.national, measure=camp, effective_from=today() + 2 * ONE_DAY, cap_per_plan=Decimal("-1")
        )
    assert "cap_per_plan" in refused.value.message_dict
    with pytest.raises(ValidationError, match="cannot be changed: unit_cost"):  # a price is a rate now
        measure_change(actor=world.national, measure=camp, effective_from=today() + 2 * ONE_DAY, unit_cost=Decimal("3"))
    with pytest.raises(ValidationError) as refused:
        measure_create(
            actor=world.national,
            code="bad-cap",
            category="meals",
            name="x",
            name_en="x",
            unit="day",
            valid_from=today(),
            cap_per_plan=Decimal("-5"),
        )
    assert "cap_per_plan" in refused.value.message_dict
    with pytest.raises(ValidationError, match="names the kind of specialist"):
        measure_create(
            actor=world.national,
            code="consult-x",
            category="consultation",
            name="x",
            name_en="x",
            unit="hour",
            valid_from=today(),
        )
    with pytest.raises(ValidationError, match="exists"):
        measure_create(
            actor=world.national,
            code="meals",
            category="meals",
            name="x",
            name_en="x",
            unit="day",
            valid_from=today(),
        )


def test_the_cap_per_plan_is_enforced_when_the_plan_is_saved(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    capped = measure_change(
        actor=world.national,
        measure=measure("meals"),
        effective_from=plan.period.starts_on + ONE_DAY,
        cap_per_plan=Decimal("150.00"),
    )
    assert capped is not None

    def save(days: int) -> None:
        plan.refresh_from_db()
        plan_save(
            actor=world.teacher_lizuma,
            plan=plan,
            expected_version=plan.version,
            contact_person="Ilze Ozola",
            risks=[],
            goals=[GoalInput(text="Ēst skolā", target="Katru dienu")],
            measures=[MeasureInput(measure=capped, planned_quantity=Decimal(days), planned_cost=Decimal(3) * days)],
        )

    with pytest.raises(ValidationError) as refused:
        save(51)
    assert "153.00 EUR is above the cap of 150.00 EUR" in " ".join(refused.value.messages)
    save(50)
    assert PlanMeasure.objects.get(plan=plan).planned_cost == Decimal(
        "150.00"
    )  # the entered cost (no rate sets a price)


# --- Low-income statuses ---------------------------------------------------------------------------


def items_plan(world: World) -> tuple[Plan, Measure]:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    items = measure("individual-items")
    plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola",
        risks=[],
        goals=[GoalInput(text="Ziemas apavi", target="Līdz decembrim")],
        measures=[MeasureInput(measure=items, planned_quantity=Decimal(80), planned_cost=Decimal(80))],
    )
    return plan, items


def test_items_need_a_low_income_status_for_the_semester_to_submit(world: World) -> None:
    period = semester_now()
    plan, _items = items_plan(world)
    with pytest.raises(ValidationError, match="only for pupils of low-income families"):
        plan_submit(actor=world.teacher_lizuma, plan=plan)
    low_income_status_record(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        kind=LowIncomeStatus.Kind.LOW_INCOME,
        valid_from=period.school_year.starts_on - dt.timedelta(days=400),
        valid_until=period.starts_on - ONE_DAY,  # ended before the semester: still not eligible
        source="Gulbenes novada sociālais dienests, lēmums Nr. 1",
    )
    with pytest.raises(ValidationError, match="only for pupils of low-income families"):
        plan_submit(actor=world.teacher_lizuma, plan=plan)
    low_income_status_record(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        kind=LowIncomeStatus.Kind.NEEDY,
        valid_from=period.ends_on,
        valid_until=period.ends_on + dt.timedelta(days=180),
        source="lēmums Nr. 2",
    )
    assert plan_submit(actor=world.teacher_lizuma, plan=plan).status == "submitted"


def test_an_items_delivery_needs_a_status_valid_on_the_day(world: World) -> None:
    semester_now()
    plan, items = items_plan(world)
    status = low_income_status_record(
        actor=world.coordinator_gulbene,
        pupil=world.pupil_lizuma,
        kind=LowIncomeStatus.Kind.LOW_INCOME,
        valid_from=today() + ONE_DAY,  # granted from tomorrow: today is not covered
        valid_until=today() + dt.timedelta(days=200),
        source="lēmums Nr. 3",
    )
    plan = plan_submit(actor=world.teacher_lizuma, plan=plan)
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)

    def deliver() -> None:
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=items,
            starts_on=today(),
            ends_on=None,
            quantity=Decimal(30),
            amount=Decimal(30),
        )

    with pytest.raises(ValidationError, match="no status is recorded for"):
        deliver()
    status.valid_from = today()  # corrected by a new entry in real life; the date is what counts here
    status.save(update_fields=["valid_from"])
    deliver()
    assert plan.measures.get(measure=items).deliveries.count() == 1


def test_recording_a_status_needs_the_permission_and_a_source(world: World) -> None:
    def record(actor: object, source: str = "lēmums Nr. 4") -> LowIncomeStatus:
        return low_income_status_record(
            actor=actor,
            pupil=world.pupil_lizuma,
            kind=LowIncomeStatus.Kind.NEEDY,
            valid_from=today(),
            valid_until=today() + ONE_DAY,
            source=source,
        )

    for outsider in (world.teacher_lizuma, world.director_lizuma, world.national, world.coordinator_tirzas):
        with pytest.raises(PermissionDenied):
            record(outsider)
    with pytest.raises(ValidationError) as refused:
        record(world.coordinator_lizuma, source="   ")
    assert "source" in refused.value.message_dict
    status = record(world.coordinator_lizuma, source="  lēmums Nr. 4 ")
    assert (status.source, status.recorded_by) == ("lēmums Nr. 4", world.coordinator_lizuma)
    with pytest.raises(ValidationError):
        low_income_status_record(
            actor=world.coordinator_lizuma,
            pupil=world.pupil_lizuma,
            kind="rich",
            valid_from=today(),
            valid_until=today(),
            source="x",
        )
    with pytest.raises(ValidationError):
        low_income_status_record(
            actor=world.coordinator_lizuma,
            pupil=world.pupil_lizuma,
            kind="needy",
            valid_from=today(),
            valid_until=today() - ONE_DAY,
            source="x",
        )
