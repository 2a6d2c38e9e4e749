"""The price in force (decision 0044): support prices plan lines and deliveries through
``support.prices``, which finance answers from its dated rates — Anna's transport costs what the
rate said on the day she travelled, Gulbene's own rate wins only while the catalogue allows one,
and the psychologist with no rate costs nothing and says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.finance.commitments import plan_line_costs
from pumpurs.finance.delivered import delivered_differences
from pumpurs.finance.rates import rate_set
from pumpurs.support.catalogue import measure_change
from pumpurs.support.delivery import compensation_record, consultation_record
from pumpurs.support.models import Delivery, Measure, Plan
from pumpurs.support.plans import plan_submit
from pumpurs.support.prices import Price, prices_in_force
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.support.tests.stories import semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

ONE_DAY = dt.timedelta(days=1)


def national(world: World, code: str, cents: int | None, valid_from: dt.date | None = None, **extra: Any) -> None:
    rate_set(
        actor=world.national,
        measure_code=code,
        valid_from=valid_from or world.year.starts_on,
        unit_cents=cents,
        **extra,
    )


def active(world: World) -> Plan:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    return approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)


def trips(world: World, plan: Plan, count: int, on: dt.date) -> Delivery:
    return compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=on,
        ends_on=None,
        quantity=Decimal(count),
    )


def test_a_price_change_from_a_date_costs_earlier_and_later_deliveries_differently(
    world: World, clock: Any, today: dt.date
) -> None:
    national(world, "transport", 100)
    plan = active(world)
    line = plan.measures.get(measure__code="transport")
    assert line.planned_cost == Decimal("40.00")  # 40 trips × 1.00 on the semester's first day
    national(world, "transport", 150, valid_from=today + 3 * ONE_DAY)  # the fare rises from a date
    clock.move_to(dt.datetime.combine(today + 7 * ONE_DAY, dt.time(10)))

    before = trips(world, plan, 4, today)
    late_entry = trips(world, plan, 4, today + 2 * ONE_DAY)  # recorded after the change, travelled before
    after = trips(world, plan, 4, today + 3 * ONE_DAY)

    assert (before.amount, late_entry.amount, after.amount) == (Decimal("4.00"), Decimal("4.00"), Decimal("6.00"))
    assert delivered_differences() == 0  # finance's rollup counts the same cents


def test_the_delivered_amount_is_rounded_once_half_up(world: World) -> None:
    """Three 40-minute consultations at 25.01 EUR an hour: 0.67 h → 16.7567 → 16.76 (half up, as
    finance rounds its cents), never a float."""
    national(world, "consult-psychologist", 2501)
    plan = active(world)
    held = consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=40,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    assert (held.quantity, held.amount) == (Decimal("0.67"), Decimal("16.76"))
    assert plan.measures.get(measure__code="consult-psychologist").planned_cost == Decimal("250.10")


def test_a_municipal_rate_overrides_the_national_one_only_where_the_measure_allows(
    world: World, today: dt.date
) -> None:
    national(world, "transport", 100)
    national(world, "meals", 300)
    # The national role lets municipalities price transport themselves (the catalogue's flag).
    Measure.objects.filter(code="transport").update(municipal_rate_allowed=True)
    rate_set(
        actor=world.coordinator_gulbene,
        measure_code="transport",
        valid_from=world.year.starts_on,
        unit_cents=80,
        municipality=world.gulbene,
    )
    with pytest.raises(ValidationError, match="neļauj pašvaldībai"):
        rate_set(
            actor=world.coordinator_gulbene,
            measure_code="meals",
            valid_from=world.year.starts_on,
            unit_cents=250,
            municipality=world.gulbene,
        )

    codes = ["transport", "meals", "consult-psychologist"]
    assert prices_in_force(codes, world.gulbene.pk, today) == {
        "transport": Price(Decimal("0.80")),
        "meals": Price(Decimal("3.00")),
    }
    assert prices_in_force(codes, world.madona.pk, today)["transport"] == Price(Decimal("1.00"))  # not Gulbene's
    assert prices_in_force(codes, None, today)["transport"] == Price(Decimal("1.00"))

    plan = active(world)  # a Lizuma (Gulbene) plan: 40 trips at Gulbene's 0.80
    assert plan.measures.get(measure__code="transport").planned_cost == Decimal("32.00")
    assert trips(world, plan, 5, today).amount == Decimal("4.00")

    # From tomorrow the catalogue no longer allows a municipal rate: the national one applies again.
    measure_change(
        actor=world.national, measure=measure("transport"), effective_from=today + ONE_DAY, municipal_rate_allowed=False
    )
    assert prices_in_force(codes, world.gulbene.pk, today)["transport"].unit == Decimal("0.80")
    assert prices_in_force(codes, world.gulbene.pk, today + ONE_DAY)["transport"].unit == Decimal("1.00")


def test_a_measure_without_a_rate_costs_nothing_and_says_so(world: World) -> None:
    national(world, "transport", 150, is_example=True)
    plan = active(world)
    psychologist = plan.measures.get(measure__code="consult-psychologist")
    assert psychologist.planned_cost is None  # no rate and nothing entered: not set
    held = consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=60,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    assert held.amount is None
    costs = {c.line.measure.code: c.cost_cents for c in plan_line_costs(plan)}
    assert costs == {"consult-psychologist": None, "transport": 6000}

    client = Client()
    client.force_login(world.coordinator_gulbene)  # Latvian, the default
    html = client.get(reverse("support_catalogue:catalogue")).content.decode()
    row = html[html.index("Psihologa") :]
    assert "vienības cena nav noteikta" in row[: row.index("</tr>")]
    row = html[html.index("Sabiedriskā transporta") :]
    assert '1,50 <span class="hint">(piemērs)</span>' in row[: row.index("</tr>")]  # Latvian decimal comma
    assert f'href="{reverse("finance_rates")}"' in html  # the catalogue leads to the rates page

    draft = draft_plan(world.teacher_lizuma_8a, open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a))
    teacher = Client()
    teacher.force_login(world.teacher_lizuma_8a)
    teacher.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = teacher.get(reverse("support_plan_edit", args=[draft.public_id])).content.decode()
    assert "hour; unit cost not set)" in page
    assert "1.50 EUR per trip, example)" in page


def test_the_catalogue_is_priced_in_one_look_up(world: World, django_assert_max_num_queries: Any) -> None:
    national(world, "transport", 150)
    national(world, "meals", 300)
    Measure.objects.update(municipal_rate_allowed=True)
    codes = list(Measure.objects.values_list("code", flat=True))
    with django_assert_max_num_queries(2):  # national rates; the municipality's, allowed ones in a subquery
        found = prices_in_force(codes, world.gulbene.pk, timezone.localdate())
    assert set(found) == {"transport", "meals"}


def test_a_rates_semester_cap_holds_the_plans_cost_to_what_finance_commits(world: World) -> None:
    """A cap per pupil per semester on the rate: the plan shows the capped cost, the same cents
    finance commits (``cost_of``) — 40 trips × 1.00 held to 25.00 — and its page says the cap."""
    national(world, "transport", 100, cap_semester_cents=2500)
    plan = active(world)
    assert plan.measures.get(measure__code="transport").planned_cost == Decimal("25.00")
    assert {c.line.measure.code: c.cost_cents for c in plan_line_costs(plan)}["transport"] == 2500
    assert prices_in_force(["transport"], None, plan.period.starts_on)["transport"] == Price(
        Decimal("1.00"), cap=Decimal("25.00")
    )
    draft = draft_plan(world.teacher_lizuma_8a, open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a))
    teacher = Client()
    teacher.force_login(world.teacher_lizuma_8a)  # Latvian, the default
    page = teacher.get(reverse("support_plan_edit", args=[draft.public_id])).content.decode()
    assert "1,00 EUR par vienību (brauciens), ne vairāk kā 25,00 EUR semestrī)" in page  # decimal comma


def test_a_cap_without_a_unit_price_holds_the_entered_cost(world: World) -> None:
    """A rate with a cap and no unit price (the actual cost counts, within the cap): the entered
    60.00 (40 trips × 1.50) is planned and committed as 50.00; the catalogue still says the unit
    cost is not set."""
    national(world, "transport", None, cap_semester_cents=5000)
    assert prices_in_force(["transport"], None, world.today) == {"transport": Price(None, cap=Decimal("50.00"))}
    plan = active(world)
    assert plan.measures.get(measure__code="transport").planned_cost == Decimal("50.00")
    assert {c.line.measure.code: c.cost_cents for c in plan_line_costs(plan)}["transport"] == 5000
    client = Client()
    client.force_login(world.coordinator_gulbene)
    html = client.get(reverse("support_catalogue:catalogue")).content.decode()
    row = html[html.index("Sabiedriskā transporta") :]
    assert "vienības cena nav noteikta" in row[: row.index("</tr>")]
