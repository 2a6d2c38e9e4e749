"""Two approvals at once can never overspend (issue 14): the national team gives Anna's plan its
final approval while a second final approval, of Roberts's plan, arrives on another connection.
The budget holds one plan's cost: the second approval waits on the budget row's lock and, once the
first has committed, is refused with the numbers. Needs PostgreSQL (real row locks and
two connections); SQLite serialises whole-database writes and cannot show it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.commitments import headroom
from pumpurs.finance.rates import rate_set
from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.plans import plan_approve, plan_submit
from pumpurs.support.testing import approve_all, draft_plan, open_case
from pumpurs.world.personas import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across two connections need PostgreSQL"),
]


def test_two_approvals_at_once_never_overspend(municipalities: None, today: dt.date) -> None:
    world = build_world(today)
    rate_set(
        actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on, unit_cents=2500
    )
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=40_000,
    )  # 400.00: one plan of 310.00 fits, two do not
    anna = plan_submit(
        actor=world.teacher_lizuma,
        plan=draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma)),
    )
    roberts = plan_submit(
        actor=world.teacher_lizuma_8a,
        plan=draft_plan(world.teacher_lizuma_8a, open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)),
    )
    for plan in (anna, roberts):
        approve_all(plan, world.director_lizuma, world.coordinator_gulbene)  # nothing committed yet
    first_holds_lock = threading.Event()
    let_first_commit = threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                plan_approve(actor=world.national, plan=Plan.objects.get(pk=anna.pk))
                first_holds_lock.set()
                let_first_commit.wait(10)
            outcome["first"] = "approved"
        finally:
            connection.close()

    def second() -> None:
        try:
            plan_approve(actor=world.national, plan=Plan.objects.get(pk=roberts.pk))
            outcome["second"] = "approved"
        except ValidationError as refused:
            outcome["second"] = refused.messages[0]
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_holds_lock.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    assert two.is_alive(), "the second approval must wait for the budget row held by the first"
    let_first_commit.set()
    one.join(10)
    two.join(10)
    assert outcome["first"] == "approved"
    assert "310" in outcome["second"], outcome["second"]
    assert "220" in outcome["second"], outcome["second"]  # short by 220.00
    assert Plan.objects.get(pk=anna.pk).status == PlanStatus.ACTIVE
    assert Plan.objects.get(pk=roberts.pk).status == PlanStatus.MUNICIPALITY_APPROVED
    assert headroom(world.lizuma, world.year).remaining == 9_000
