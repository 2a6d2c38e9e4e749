"""A waiting plan's cost in "Mani darbi" (issue 14): Juris, Lizuma's director, sees Anna's plan
waiting for his approval with its total at the rates in force — the same figure the budget check
counts (``plan_cost_cents``) — computed in the list's own query. Runs on both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from pumpurs.finance.commitments import plan_cost_cents
from pumpurs.finance.money import euros
from pumpurs.finance.plan_cost import plan_total_eur
from pumpurs.finance.rates import rate_set
from pumpurs.people.work import WorkRow, kind_for
from pumpurs.support.catalogue import measure_change
from pumpurs.support.models import Plan
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def submitted(world: World) -> Plan:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    return plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))


def total(plan: Plan):
    return Plan.objects.annotate(cost=plan_total_eur()).get(pk=plan.pk).cost


def test_the_expression_is_the_budget_checks_cost_in_every_case(world: World) -> None:
    plan = submitted(world)  # 10 psychologist hours (no rate yet: unset) + transport 60.00 entered
    assert total(plan) == euros(plan_cost_cents(plan)) == euros(6000)
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=world.year.starts_on,
        unit_cents=2333,  # 10 × 23.33
        is_example=True,
    )
    assert total(plan) == euros(plan_cost_cents(plan)) == euros(23330 + 6000)
    rate_set(actor=world.national, measure_code="transport", valid_from=world.year.starts_on, unit_cents=None,
             cap_semester_cents=5000)  # fmt: skip
    assert total(plan) == euros(plan_cost_cents(plan)) == euros(23330 + 5000)
    # Gulbene's own transport rate, where the programme lets municipalities set one, wins for Lizuma.
    measure_change(
        actor=world.national, measure=measure("transport"), effective_from=world.year.starts_on,
        municipal_rate_allowed=True,
    )  # fmt: skip
    rate_set(actor=world.coordinator_gulbene, measure_code="transport", valid_from=world.year.starts_on,
             unit_cents=101, municipality=world.gulbene)  # fmt: skip
    assert total(plan) == euros(plan_cost_cents(plan)) == euros(23330 + 40 * 101)
    # A rate that starts after the semester's first day does not price it.
    rate_set(actor=world.national, measure_code="consult-psychologist",
             valid_from=plan.period.starts_on + dt.timedelta(days=1), unit_cents=1)  # fmt: skip
    assert total(plan) == euros(plan_cost_cents(plan))


def approvals(user, world: World) -> list[WorkRow]:
    kind = kind_for(user, "approvals")
    return [] if kind is None else kind.rows(list(kind.items(user, world.today)), world.today)


def test_the_approvals_in_my_work_show_each_plans_cost(world: World) -> None:
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on,
             unit_cents=2500, is_example=True)  # fmt: skip
    submitted(world)
    assert [r.what for r in approvals(world.director_lizuma, world)] == ["planned cost 310.00 EUR"]
    assert approvals(world.coordinator_madona, world) == []  # out of scope: never listed
