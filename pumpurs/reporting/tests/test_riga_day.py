"""A day is the day in Riga on both databases: a flag raised at 23:30 UTC is raised on the next day
(01:30 in Riga), one raised at 00:30 in Riga (22:30 UTC the day before) on that day — in the
outcomes' first day, in the dashboards' weeks, and for the approvals whose waits they count."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from pumpurs.reporting.models import Bucket, DashboardCell, Level
from pumpurs.reporting.outcomes import _adapt, _as_date, _started_sql
from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.reporting.tests.cohort import build_cohort, flag
from pumpurs.risk.models import FlagStatus
from pumpurs.support.models import PlanTransition
from pumpurs.support.tests.stories import semester_now
from pumpurs.world.personas import World

RIGA = ZoneInfo("Europe/Riga")


def _flagged_on(world: World, raised: dt.datetime) -> dt.date:
    made = flag(world, world.pupil_tirzas, semester_now(), rule="unjustified_semester", status=FlagStatus.OPEN)
    made.raised_at = raised
    made.save(update_fields=["raised_at"])
    sql, params = _started_sql(world.today)
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(params))
        rows = {r[0]: r for r in cursor.fetchall()}
    return _as_date(rows[world.pupil_tirzas.pk][1])


@pytest.mark.parametrize(
    ("raised", "day"),
    [
        (dt.datetime(2026, 11, 10, 23, 30, tzinfo=dt.UTC), dt.date(2026, 11, 11)),  # 01:30 on 11.11 in Riga
        (dt.datetime(2026, 11, 11, 0, 30, tzinfo=RIGA), dt.date(2026, 11, 11)),  # 22:30 UTC on 10.11
        (dt.datetime(2026, 11, 10, 21, 30, tzinfo=dt.UTC), dt.date(2026, 11, 10)),  # 23:30 on 10.11 in Riga
    ],
)
def test_a_flags_day_is_the_riga_day(world: World, raised: dt.datetime, day: dt.date) -> None:
    assert _flagged_on(world, raised) == day


def _monday(world: World) -> dt.date:
    return world.today - dt.timedelta(days=world.today.weekday())


def _week_cells(monday: dt.date) -> dict[str, int]:
    rows = DashboardCell.objects.filter(level=Level.NATIONAL, unit_id=0, bucket=Bucket.WEEK, starts_on=monday)
    return dict(rows.values_list("metric", "value"))


def test_the_dashboard_weeks_split_flags_at_midnight_in_riga(world: World) -> None:
    monday = _monday(world)
    period = semester_now()
    early = flag(world, world.pupil_tirzas, period, rule="unjustified_semester", status=FlagStatus.OPEN)
    early.raised_at = dt.datetime.combine(monday, dt.time(0, 30), tzinfo=RIGA)  # Sunday 22:30 UTC
    early.save(update_fields=["raised_at"])
    late = flag(world, world.pupil_madona, period, rule="unjustified_semester", status=FlagStatus.OPEN)
    late.raised_at = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(23, 30), tzinfo=RIGA)
    late.save(update_fields=["raised_at"])
    dashboards_refresh(today=world.today)
    assert _week_cells(monday - dt.timedelta(weeks=1)).get("flagged") == 1  # Sunday 23:30 in Riga
    assert _week_cells(monday).get("flagged") == 2


def test_an_approval_at_half_past_midnight_in_riga_counts_in_that_days_week(world: World) -> None:
    cohort = build_cohort(world)
    monday = _monday(world)
    at = dt.datetime.combine(monday, dt.time(0, 30), tzinfo=RIGA)  # Sunday 22:30 UTC
    for i, pk in enumerate(
        PlanTransition.objects.filter(plan=cohort.plan).order_by("at", "pk").values_list("pk", flat=True)
    ):
        PlanTransition.objects.filter(pk=pk).update(at=at + dt.timedelta(minutes=i))
    dashboards_refresh(today=world.today)
    waits = {m: v for m, v in _week_cells(monday).items() if m.startswith("wait:")}
    assert waits == {"wait:director:0": 1, "wait:municipality:0": 1, "wait:national:0": 1}
    assert not any(m.startswith("wait:") for m in _week_cells(monday - dt.timedelta(weeks=1)))
