"""What Anna's plan costs and commits (issue 14): the psychologist at the national rate in force,
transport at its entered cost; the final approval commits, deliveries turn the commitment into
spending, and an approval that would take Lizuma's budget below zero is refused with the numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.budgets import budget_set
from pumpurs.finance.commitments import headroom, plan_cost_cents, plan_line_costs
from pumpurs.finance.committed import committed_differences
from pumpurs.finance.models import Commitment, StillCommitted
from pumpurs.finance.rates import rate_in_force, rate_set
from pumpurs.support.catalogue import measure_change
from pumpurs.support.delivery import compensation_record, delivery_void
from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.plans import GoalInput, MeasureInput, plan_amend, plan_approve, plan_save, plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def psychologist_rate(world: World, cents: int = 2500, **caps: int) -> None:
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=world.year.starts_on,
        unit_cents=cents,
        is_example=True,
        **caps,
    )


def submitted(world: World) -> Plan:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    return plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))


def lizuma_budget(world: World, cents: int) -> None:
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=cents,
    )


def test_a_plan_costs_its_lines_at_the_rate_in_force_and_unset_stays_unset(world: World) -> None:
    plan = submitted(world)
    costs = {c.line.measure.code: c for c in plan_line_costs(plan)}
    assert costs["consult-psychologist"].cost_cents is None  # no rate: not set, never guessed
    assert costs["transport"].cost_cents == 6000  # 40 trips, 60.00 entered
    psychologist_rate(world, 2500)
    costs = {c.line.measure.code: c for c in plan_line_costs(plan)}
    assert costs["consult-psychologist"].cost_cents == 25000
    assert costs["consult-psychologist"].is_example
    assert plan_cost_cents(plan) == 31000


def test_the_cap_per_pupil_per_semester_holds_a_line(world: World) -> None:
    psychologist_rate(world, 2500, cap_semester_cents=20000)
    assert plan_cost_cents(submitted(world)) == 20000 + 6000


def test_a_new_rate_ends_the_old_one_and_a_municipal_rate_needs_the_measures_leave(world: World) -> None:
    psychologist_rate(world, 2500)
    later = world.year.starts_on + dt.timedelta(days=60)
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=later, unit_cents=3000)
    assert rate_in_force("consult-psychologist", world.gulbene.pk, later - dt.timedelta(days=1)).unit_cents == 2500
    assert rate_in_force("consult-psychologist", world.gulbene.pk, later).unit_cents == 3000
    with pytest.raises(ValidationError, match="does not let a municipality"):
        rate_set(
            actor=world.coordinator_gulbene,
            measure_code="consult-psychologist",
            valid_from=later,
            unit_cents=1,
            municipality=world.gulbene,
        )
    with pytest.raises(PermissionDenied):
        rate_set(actor=world.coordinator_gulbene, measure_code="consult-psychologist", valid_from=later, unit_cents=1)
    # The programme lets municipalities price transport themselves from ``later``: Gulbene's own rate
    # then applies to its schools, Madona's schools keep the national one.
    rate_set(actor=world.national, measure_code="transport", valid_from=world.year.starts_on, unit_cents=150)
    measure_change(
        actor=world.national, measure=measure("transport"), effective_from=later, municipal_rate_allowed=True
    )
    rate_set(
        actor=world.coordinator_gulbene,
        measure_code="transport",
        valid_from=later,
        unit_cents=120,
        municipality=world.gulbene,
    )
    assert rate_in_force("transport", world.gulbene.pk, later).unit_cents == 120
    assert rate_in_force("transport", world.madona.pk, later).unit_cents == 150
    assert rate_in_force("transport", world.gulbene.pk, later - dt.timedelta(days=1)).unit_cents == 150
    with pytest.raises(PermissionDenied):
        rate_set(
            actor=world.coordinator_madona,
            measure_code="transport",
            valid_from=later,
            unit_cents=1,
            municipality=world.gulbene,
        )
    with pytest.raises(ValidationError, match="negative"):
        rate_set(actor=world.national, measure_code="transport", valid_from=later, unit_cents=-1)


def test_the_final_approval_commits_and_deliveries_turn_it_into_spending(world: World) -> None:
    psychologist_rate(world)
    lizuma_budget(world, 100_000)
    plan = approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene)
    assert not Commitment.objects.exists()  # only the last step commits
    assert headroom(world.lizuma, world.year).committed == 0
    plan = plan_approve(actor=world.national, plan=plan)
    assert plan.status == PlanStatus.ACTIVE
    assert sorted(Commitment.objects.values_list("amount_cents", flat=True)) == [6000, 25000]
    assert AuditEvent.objects.filter(action="finance.plan.committed", pupil_id=world.pupil_lizuma.pk).count() == 1
    money = headroom(world.lizuma, world.year)
    assert (money.budget, money.spent, money.committed, money.remaining) == (100_000, 0, 31000, 69000)
    trip = compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=world.today,
        ends_on=None,
        quantity=Decimal(4),
        amount=Decimal("6.00"),
    )
    money = headroom(world.lizuma, world.year)
    assert (money.spent, money.committed, money.remaining) == (600, 30400, 69000)
    delivery_void(actor=world.coordinator_lizuma, delivery=trip, reason="Ievadīts kļūdaini")
    assert headroom(world.lizuma, world.year).spent == 0


def test_an_approval_that_would_overspend_is_refused_with_the_numbers_at_every_step(world: World) -> None:
    psychologist_rate(world)
    lizuma_budget(world, 30_000)  # 300.00 for a 310.00 plan
    plan = submitted(world)
    with pytest.raises(ValidationError) as refused:
        plan_approve(actor=world.director_lizuma, plan=plan)
    assert refused.value.code == "over_budget"
    message = refused.value.messages[0]
    for number in ("budget 300.00", "committed 0.00", "this plan 310.00", "short by 10.00"):
        assert number in message
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    lizuma_budget(world, 31_000)  # exactly enough: the budget may reach zero, not go below it
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert headroom(world.lizuma, world.year).remaining == 0


def test_a_second_plan_is_refused_when_the_first_took_the_money(world: World) -> None:
    psychologist_rate(world)
    lizuma_budget(world, 50_000)
    approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    case = open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)
    second = plan_submit(actor=world.teacher_lizuma_8a, plan=draft_plan(world.teacher_lizuma_8a, case))
    with pytest.raises(
        ValidationError,
        match=r"budget 500\.00, already spent or committed 310\.00, this plan 310\.00 — short by 120\.00",
    ):
        plan_approve(actor=world.director_lizuma, plan=second)


def test_without_a_budget_nothing_is_refused_but_the_plan_still_commits(world: World) -> None:
    psychologist_rate(world)
    approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    money = headroom(world.lizuma, world.year)
    assert money.budget is None
    assert money.remaining is None
    assert money.committed == 31000


def test_an_amendment_recommits_the_plan_in_force_and_never_its_own_lines(world: World) -> None:
    """Decision 0022 + 0018: an amendment's lines are proposals. Its approval is checked against
    the budget without the plan it replaces, and once applied the plan in force is committed anew —
    the amendment itself never holds a commitment."""
    psychologist_rate(world)  # 25.00 an hour; the draft plan: 10 hours + transport 60.00 = 310.00
    lizuma_budget(world, 50_000)
    plan = approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    assert headroom(world.lizuma, world.year).committed == 31_000
    change = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vairāk stundu")

    def save(hours: int) -> Plan:
        return plan_save(
            actor=world.teacher_lizuma,
            plan=change,
            expected_version=change.version,
            contact_person="Ilze Ozola",
            risks=[],
            goals=[GoalInput(text="Apmeklēt skolu", target="Katru dienu")],
            measures=[MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(hours))],
        )

    # 30 hours = 750.00 > the 500.00 budget, although the plan in force holds 310.00 of it: refused
    # with the numbers of the change alone (the plan it replaces is left out of "committed").
    change = plan_submit(actor=world.teacher_lizuma, plan=save(30))
    with pytest.raises(ValidationError) as refused:
        plan_approve(actor=world.director_lizuma, plan=change)
    assert "committed 0.00" in refused.value.messages[0]
    assert "this plan 750.00" in refused.value.messages[0]

    lizuma_budget(world, 80_000)
    change = approve_all(change, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert change.status == PlanStatus.CLOSED
    assert not Commitment.objects.filter(plan=change).exists()
    lines = Commitment.objects.filter(plan=plan)
    assert list(lines.values_list("line__measure__code", "amount_cents")) == [("consult-psychologist", 75_000)]
    assert headroom(world.lizuma, world.year).committed == 75_000  # the transport line went with its commitment
    # The sums the budget page reads (decision 0043) followed: the dropped line's 60.00 is gone.
    assert committed_differences() == 0
    assert dict(StillCommitted.objects.values_list("measure_code", "cents")) == {"consult-psychologist": 75_000}
    assert AuditEvent.objects.filter(action="finance.plan.recommitted", pupil_id=world.pupil_lizuma.pk).count() == 1
