"""The delivered-cents rollup (decision 0033) and the cap per pupil per month (issue 14).

Līga records Anna's November deliveries; whatever happens to them — recorded, voided, corrected,
reversed in a later month's report, re-committed at a new price — the rollup equals what the
deliveries give (``delivered_differences() == 0``) and the budget page's spending follows. A rate's
cap per pupil per month refuses the delivery that goes over it, with the numbers, and writes
nothing. Runs on both engines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.commitments import headroom
from pumpurs.finance.delivered import delivered_differences
from pumpurs.finance.models import DeliveredMonth, ExpenseLine
from pumpurs.finance.rates import rate_set
from pumpurs.finance.reports import report_approve, report_assemble, report_prepare
from pumpurs.finance.selectors import budget_overview, finance_institutions
from pumpurs.support.delivery import compensation_record, consultation_record, delivery_void
from pumpurs.support.models import Delivery, Plan
from pumpurs.support.testing import active_plan, measure
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def psychologist_rate(world: World, **caps: int) -> None:
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=world.year.starts_on,
        unit_cents=2500,
        **caps,
    )


def anna(world: World) -> Plan:
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def trip(world: World, plan: Plan, amount: str, on: dt.date | None = None) -> Delivery:
    return compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=on or world.today,
        ends_on=None,
        quantity=Decimal(2),
        amount=Decimal(amount),
    )


def session(world: World, plan: Plan, minutes: int) -> Delivery:
    return consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=world.today,
        minutes=minutes,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )


def rolled(plan: Plan) -> dict[str, int]:
    return {
        code: cents
        for code, cents in DeliveredMonth.objects.filter(line__plan=plan).values_list("line__measure__code", "cents")
    }


def test_the_rollup_follows_every_delivery_written_voided_corrected_and_reversed(world: World, clock) -> None:
    psychologist_rate(world)
    plan = anna(world)
    session(world, plan, 90)  # 1.5 h × 25.00 at the committed price
    wrong = trip(world, plan, "3.05")
    trip(world, plan, "6.00")
    assert rolled(plan) == {"consult-psychologist": 3750, "transport": 905}
    assert delivered_differences() == 0
    assert headroom(world.lizuma, world.year).spent == 4655
    # The month is reported and locked; the wrong trip is voided and the right one recorded.
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    report = report_approve(
        actor=world.coordinator_gulbene,
        report=report_approve(
            actor=world.director_lizuma, report=report_prepare(actor=world.coordinator_lizuma, report=report)
        ),
    )
    delivery_void(actor=world.coordinator_lizuma, delivery=wrong, reason="Nepareiza summa")
    assert rolled(plan) == {"consult-psychologist": 3750, "transport": 600}
    assert delivered_differences() == 0
    trip(world, plan, "3.50")
    assert rolled(plan)["transport"] == 950
    assert delivered_differences() == 0
    # December's report carries the reversal; the rollup (what was delivered) does not change with it.
    clock.move_to(dt.datetime(2026, 12, 3, 10, 0))
    december = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=dt.date(2026, 12, 3))
    assert december.lines.filter(kind=ExpenseLine.Kind.REVERSAL).get().amount_cents == -305
    assert delivered_differences() == 0
    # The budget page reads the rollup: November's spending as delivered now.
    overview = budget_overview(finance_institutions(world.coordinator_gulbene), world.year)
    november = {m.month: m.spent for m in overview.months}[dt.date(2026, 11, 1)]
    assert november == 3750 + 600 + 350 == overview.total.spent


def test_the_rollup_is_a_row_per_line_and_month_with_its_count(world: World, clock) -> None:
    psychologist_rate(world)
    plan = anna(world)
    trip(world, plan, "1.00")
    trip(world, plan, "2.00")
    clock.move_to(dt.datetime(2026, 12, 2, 10, 0))
    trip(world, plan, "4.00", on=dt.date(2026, 12, 1))
    rows = sorted(
        DeliveredMonth.objects.filter(line__plan=plan).values_list("month", "cents", "deliveries"),
    )
    assert rows == [(dt.date(2026, 11, 1), 300, 2), (dt.date(2026, 12, 1), 400, 1)]


def test_the_rebuild_command_finds_and_repairs_a_wrong_rollup(world: World) -> None:
    psychologist_rate(world)
    plan = anna(world)
    trip(world, plan, "6.00")
    DeliveredMonth.objects.filter(line__plan=plan).update(cents=1)  # as if written past the services
    with pytest.raises(CommandError, match="1 rollup rows differ"):
        call_command("delivered_rebuild", "--check")
    out = StringIO()
    call_command("delivered_rebuild", stdout=out)
    assert "1 rows" in out.getvalue()
    assert rolled(plan) == {"transport": 600}
    assert AuditEvent.objects.filter(action="finance.delivered.rebuilt").count() == 1
    call_command("delivered_rebuild", "--check", stdout=StringIO())


def test_a_trip_over_the_cap_per_month_is_refused_with_the_numbers_and_nothing_written(world: World) -> None:
    psychologist_rate(world)
    rate_set(
        actor=world.national,
        measure_code="transport",
        valid_from=world.year.starts_on,
        unit_cents=None,
        cap_month_cents=900,
        is_example=True,
    )
    plan = anna(world)
    trip(world, plan, "6.00")
    with pytest.raises(ValidationError) as refused:
        trip(world, plan, "3.05")
    assert refused.value.error_dict["amount"][0].code == "over_month_cap"
    message = refused.value.messages[0]
    for number in ("cap of 9.00", "already 6.00", "this entry 3.05", "over by 0.05"):
        assert number in message
    assert Delivery.objects.filter(line__plan=plan).count() == 1
    assert rolled(plan) == {"transport": 600}
    trip(world, plan, "3.00")  # exactly the cap is allowed
    assert rolled(plan) == {"transport": 900}


def test_a_consultation_over_the_cap_names_its_minutes_and_another_pupil_is_not_counted(world: World) -> None:
    psychologist_rate(world, cap_month_cents=3000)  # 30.00 a month: 1 h 12 min at 25.00
    plan = anna(world)
    with pytest.raises(ValidationError) as refused:
        session(world, plan, 90)
    assert "over by 7.50" in refused.value.error_dict["minutes"][0].messages[0]
    assert not Delivery.objects.filter(line__plan=plan).exists()
    session(world, plan, 60)
    other = active_plan(
        world.teacher_lizuma_8a,
        world.pupil_lizuma_8a,
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    session(world, other, 60)  # Anna's hour does not count against another pupil's cap
    assert delivered_differences() == 0


def test_a_hand_over_moves_what_the_case_delivered_to_the_new_school(world: World) -> None:
    from pumpurs.support.handover import case_handover_accept
    from pumpurs.support.tests.test_ownership import move_to_tirzas

    psychologist_rate(world)
    plan = anna(world)
    trip(world, plan, "6.00")
    assert set(DeliveredMonth.objects.values_list("institution_id", flat=True)) == {world.lizuma.pk}
    move_to_tirzas(world)
    case_handover_accept(actor=world.coordinator_tirzas, case=plan.case)
    assert set(DeliveredMonth.objects.values_list("institution_id", flat=True)) == {world.tirzas.pk}
    assert delivered_differences() == 0
    assert headroom(world.tirzas, world.year).spent == 600
    assert headroom(world.lizuma, world.year).spent == 0


def test_the_page_refuses_a_trip_over_the_month_cap_on_its_amount_field(world: World) -> None:
    from django.test import Client
    from django.urls import reverse

    psychologist_rate(world)
    rate_set(actor=world.national, measure_code="transport", valid_from=world.year.starts_on, unit_cents=None,
             cap_month_cents=500)  # fmt: skip
    plan = anna(world)
    line = plan.measures.get(measure__code="transport")
    client = Client()
    client.force_login(world.coordinator_lizuma)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("support_compensation_add", args=[plan.public_id]),
        {
            "compensation-line": str(line.public_id),
            "compensation-starts_on": world.today.isoformat(),
            "compensation-quantity": "2",
            "compensation-amount": "6",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cap of 5.00 per pupil per month" in html
    assert "over by 1.00" in html
    assert 'id="id_compensation-amount_error"' in html  # shown on the field to change
    assert not Delivery.objects.exists()
