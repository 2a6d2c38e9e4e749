"""``plans_commit_late`` (decision 0052): the demo history's plans committed all at once give what
a final approval's commitment (``_commit`` at the plan's line costs) gives one plan at a time — the same commitments, delivered cents,
sums and audit events — in a number of queries that does not grow with the plans. Runs on both
engines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.commitments import _commit, plan_line_costs, plans_commit_late
from pumpurs.finance.models import Commitment, DeliveredMonth, Rate, StillCommitted, SupportedPupils
from pumpurs.finance.rates import rate_set
from pumpurs.people.models import Period
from pumpurs.support.models import Case, CloseReason, Delivery, Plan, PlanMeasure, PlanStatus
from pumpurs.support.testing import measure
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def past_plans(world: World, n: int, *, semesters: int = 4) -> list[tuple[Plan, dt.datetime]]:
    """``n`` finished plans of last school year for Anna (Lizuma) and Jānis (Tirzas) in turn, written
    past the services as the history seed writes them: psychologist hours (at the example rate) and
    transport (at its entered cost), each line with two deliveries; the plans spread over the first
    ``semesters`` past semesters."""
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=dt.date(2024, 9, 1),
        unit_cents=2500,
        is_example=True,
    )
    past = Period.objects.filter(school_year__ends_on__lt=world.year.starts_on).order_by("starts_on")
    chosen = list(past[:semesters])
    plans = []
    for i in range(n):
        semester = chosen[i % len(chosen)]
        pupil, school = (world.pupil_lizuma, world.lizuma) if i % 2 == 0 else (world.pupil_tirzas, world.tirzas)
        opened = timezone.make_aware(dt.datetime.combine(semester.starts_on, dt.time(9)))
        case = Case.objects.create(
            pupil=pupil, institution=school, origin=Case.Origin.FLAG, reason="Kavējumi", status=Case.Status.CLOSED,
            opened_by=world.teacher_lizuma, opened_at=opened, closed_at=opened + dt.timedelta(days=90),
            close_reason=CloseReason.RISK_REDUCED,
        )  # fmt: skip
        plan = Plan.objects.create(
            case=case, period=semester, status=PlanStatus.CLOSED, chain="", prepared_by=world.teacher_lizuma
        )
        lines = [
            PlanMeasure.objects.create(plan=plan, measure=measure("consult-psychologist"), planned_quantity=6 + i),
            PlanMeasure.objects.create(
                plan=plan, measure=measure("transport"), planned_quantity=Decimal(10), planned_cost=Decimal("15.00")
            ),
        ]
        for line in lines:
            for week in (1, 2):
                day = semester.starts_on + dt.timedelta(days=7 * week)
                Delivery.objects.create(
                    line=line,
                    delivered_on=day,
                    quantity=Decimal(1),
                    amount=Decimal("1.50") if line.measure.code == "transport" else None,
                    recorded_by=world.teacher_lizuma,
                    recorded_at=timezone.now(),
                )
        committed_at = timezone.make_aware(dt.datetime.combine(semester.starts_on, dt.time(10)))
        plans.append((plan, committed_at + dt.timedelta(days=i)))
    from pumpurs.finance.delivered import delivered_refresh

    delivered_refresh(PlanMeasure.objects.values_list("pk", flat=True))
    return plans


def state() -> dict[str, Any]:
    """What the commit wrote, with plans, lines and rates named by their rank: public ids are
    drawn anew and PostgreSQL's sequences do not roll back, so keys differ from run to run."""
    plan_of = {pk: n for n, pk in enumerate(Plan.objects.order_by("pk").values_list("pk", flat=True))}
    line_of = {pk: n for n, pk in enumerate(PlanMeasure.objects.order_by("pk").values_list("pk", flat=True))}
    rate_of = {pk: n for n, pk in enumerate(Rate.objects.order_by("pk").values_list("pk", flat=True))}
    plans = {str(k): plan_of[v] for k, v in Plan.objects.values_list("public_id", "pk")}
    lines = {str(k): line_of[v] for k, v in PlanMeasure.objects.values_list("public_id", "pk")}
    events = [
        (action, who, pupil, kind, plans[target], {**data, "lines": {lines[k]: v for k, v in data["lines"].items()}})
        for action, who, pupil, kind, target, data in AuditEvent.objects.filter(action__startswith="finance.plan.")
        .order_by("seq")
        .values_list("action", "actor_username", "pupil_id", "object_type", "object_id", "data")
    ]
    commitments = [
        (line_of[line], plan_of[plan], inst, year, rate_of.get(rate), *rest)
        for line, plan, inst, year, rate, *rest in Commitment.objects.order_by("line_id").values_list(
            "line_id", "plan_id", "institution_id", "school_year_id", "rate_id", "unit_cents", "amount_cents",
            "committed_at", "measure_code", "delivered_cents",
        )
    ]  # fmt: skip
    return {
        "commitments": commitments,
        "months": sorted(
            (line_of[line], *rest)
            for line, *rest in DeliveredMonth.objects.values_list("line_id", "month", "cents", "deliveries")
        ),
        "still": sorted(StillCommitted.objects.values_list("institution_id", "school_year_id", "measure_code", "cents")),
        "pupils": sorted(SupportedPupils.objects.values_list("institution_id", "school_year_id", "pupils")),
        "events": events,
    }  # fmt: skip


def test_all_at_once_gives_what_one_by_one_gives(world: World) -> None:
    with transaction.atomic():
        plans = past_plans(world, 4)
        for plan, now in plans:
            _commit(world.national, plan, plan_line_costs(plan), now)
        one_by_one = state()
        transaction.set_rollback(True)
    with transaction.atomic():
        plans = past_plans(world, 4)
        assert plans_commit_late(actor=world.national, plans=plans) == 4
        at_once = state()
    assert len(one_by_one["commitments"]) == 8
    assert {c[5] for c in one_by_one["commitments"]} == {2500, None}  # the rate, and the entered cost
    assert all(c[9] > 0 for c in one_by_one["commitments"])  # delivered cents followed
    assert len(one_by_one["events"]) == 4
    assert at_once == one_by_one
    # A plan already committed is left as it is: nothing written, no event.
    with transaction.atomic():
        assert plans_commit_late(actor=world.national, plans=plans) == 0
    assert state() == at_once


def test_the_queries_do_not_grow_with_the_plans(world: World) -> None:
    def queries(n: int) -> int:
        with transaction.atomic():
            plans = past_plans(world, n, semesters=1)  # the rates are read once per semester start
            with CaptureQueriesContext(connection) as captured:
                plans_commit_late(actor=world.national, plans=plans)
            transaction.set_rollback(True)
        return len(captured.captured_queries)

    assert queries(2) == queries(8)
