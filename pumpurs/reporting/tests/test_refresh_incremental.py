"""The refresh recomputes only the windows whose facts changed (decision 0039), and the cells it
keeps and writes are the cells a full rebuild writes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pumpurs.journal.models import AttendanceDay
from pumpurs.reporting.models import Bucket, DashboardCell, DashboardWindow, Level
from pumpurs.reporting.refresh import dashboards_refresh, dashboards_update, windows_for
from pumpurs.reporting.tests.cohort import Cohort, build_cohort, flag
from pumpurs.risk.models import FlagStatus
from pumpurs.world.personas import World

CELL = ("level", "unit_id", "bucket", "starts_on", "ends_on", "metric", "value", "municipality_id")


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def _cells() -> set[tuple[object, ...]]:
    return set(DashboardCell.objects.values_list(*CELL))


def _rebuilt(today: dt.date) -> set[tuple[object, ...]]:
    dashboards_refresh(today=today, full=True)
    return _cells()


def _three_weeks_back(world: World) -> dt.date:
    monday = world.today - dt.timedelta(days=world.today.weekday())
    return monday - dt.timedelta(weeks=3) + dt.timedelta(days=1)  # a Tuesday


def _writes_to_cells(queries: list[dict[str, str]]) -> list[str]:
    table = DashboardCell._meta.db_table
    return [
        q["sql"] for q in queries if table in q["sql"] and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]


def test_a_refresh_with_nothing_changed_writes_no_cell(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    before = set(DashboardCell.objects.values_list("pk", *CELL))
    with CaptureQueriesContext(connection) as queries:
        result = dashboards_update(today=world.today)
    assert result.written == 0
    assert result.recomputed == 1  # the school year's money only (finance's selector, cheap)
    assert not _writes_to_cells(queries.captured_queries)
    assert set(DashboardCell.objects.values_list("pk", *CELL)) == before


def test_a_corrected_past_week_is_recomputed_and_equals_a_full_rebuild(world: World, cohort: Cohort) -> None:
    day = _three_weeks_back(world)
    AttendanceDay.objects.create(pupil=world.pupil_lizuma, date=day, lessons=7, unjustified=1)
    dashboards_refresh(today=world.today)

    # the journal's file for that day is corrected: four unjustified lessons, not one
    AttendanceDay.objects.filter(pupil=world.pupil_lizuma, date=day).update(unjustified=4)
    started = timezone.now()  # not "now minus a second": a loaded machine takes longer than that
    result = dashboards_update(today=world.today)
    week = day - dt.timedelta(days=day.weekday())
    recomputed = {(w.bucket, w.starts_on) for w in DashboardWindow.objects.filter(computed_at__gte=started)}
    assert (Bucket.WEEK, week) in recomputed
    assert result.recomputed == 3  # that week, the semester it falls in and the school year
    lizuma = dict(
        DashboardCell.objects.filter(
            level=Level.SCHOOL, unit_id=world.lizuma.pk, bucket=Bucket.WEEK, starts_on=week
        ).values_list("metric", "value")
    )
    assert lizuma["absent_unjustified"] == 4
    incremental = _cells()
    assert _rebuilt(world.today) == incremental


def test_a_decision_on_an_old_flag_changes_the_past_weeks_at_risk(world: World, cohort: Cohort) -> None:
    raised = _three_weeks_back(world)
    old = flag(world, world.pupil_tirzas, cohort.period, rule="unjustified_semester", status=FlagStatus.OPEN)
    old.raised_at = timezone.make_aware(dt.datetime.combine(raised, dt.time(9)))
    old.save(update_fields=["raised_at"])
    dashboards_refresh(today=world.today)
    week = raised - dt.timedelta(days=raised.weekday())

    def tirzas_at_risk() -> int | None:
        return (
            DashboardCell.objects.filter(
                level=Level.SCHOOL, unit_id=world.tirzas.pk, bucket=Bucket.WEEK, starts_on=week, metric="at_risk"
            )
            .values_list("value", flat=True)
            .first()
        )

    assert tirzas_at_risk() is None
    old.status = FlagStatus.ACCEPTED  # decided today about a flag raised three weeks ago
    old.save(update_fields=["status"])
    dashboards_refresh(today=world.today)
    assert tirzas_at_risk() == 1
    assert _cells() == _rebuilt(world.today)


def test_the_next_day_recomputes_this_week_and_semester_and_keeps_the_rest(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    kept = dict(DashboardWindow.objects.values_list("starts_on", "computed_at").filter(bucket=Bucket.WEEK))
    tomorrow = world.today + dt.timedelta(days=1)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(6))), tick=False):
        result = dashboards_update(today=tomorrow)
        assert result.recomputed == 3  # this week (it ends a day later), the semester and the year
        incremental = _cells()
        assert _rebuilt(tomorrow) == incremental
    weeks = [w.starts_on for w in windows_for(tomorrow) if w.bucket == Bucket.WEEK]
    assert set(kept) == set(weeks)  # still the same twelve weeks on a Friday


def test_a_week_that_left_the_dashboards_is_dropped(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    oldest = min(w.starts_on for w in windows_for(world.today) if w.bucket == Bucket.WEEK)
    next_week = world.today + dt.timedelta(weeks=1)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(next_week, dt.time(6))), tick=False):
        dashboards_refresh(today=next_week)
        assert not DashboardCell.objects.filter(bucket=Bucket.WEEK, starts_on=oldest).exists()
        assert not DashboardWindow.objects.filter(bucket=Bucket.WEEK, starts_on=oldest).exists()
        assert DashboardWindow.objects.filter(bucket=Bucket.WEEK).count() == 12
        assert _cells() == _rebuilt(next_week)


def test_the_weekly_trend_is_kept_per_rule_level_and_group(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    this_week = max(w.starts_on for w in windows_for(world.today) if w.bucket == Bucket.WEEK)
    lizuma = dict(
        DashboardCell.objects.filter(
            level=Level.SCHOOL, unit_id=world.lizuma.pk, bucket=Bucket.WEEK, starts_on=this_week
        ).values_list("metric", "value")
    )
    assert lizuma["flagged:unjustified_semester"] == 1
    assert lizuma["flagged:failing_grades"] == 1
    assert lizuma["assessed:high"] == 1
    assert lizuma["group:family"] == 1


def test_the_command_rebuilds_with_full(world: World, cohort: Cohort, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("dashboards", "refresh", "--today", world.today.isoformat())
    DashboardCell.objects.filter(level=Level.NATIONAL, metric="pupils").update(value=999_999)
    call_command("dashboards", "refresh", "--today", world.today.isoformat())
    assert DashboardCell.objects.filter(value=999_999).exists()  # kept: no fact changed
    call_command("dashboards", "refresh", "--full", "--today", world.today.isoformat())
    assert not DashboardCell.objects.filter(value=999_999).exists()
    assert "recomputed" in capsys.readouterr().out


def test_a_school_moved_to_another_municipality_moves_its_past_windows_too(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    day = _three_weeks_back(world)
    week = day - dt.timedelta(days=day.weekday())  # a past week, kept by an incremental refresh before
    gulbene, madona = world.lizuma.municipality_id, world.madona_school.municipality_id

    def pupils_in(municipality: int) -> int | None:
        return (
            DashboardCell.objects.filter(
                level=Level.MUNICIPALITY, unit_id=municipality, bucket=Bucket.WEEK, starts_on=week, metric="pupils"
            )
            .values_list("value", flat=True)
            .first()
        )

    before = pupils_in(gulbene), pupils_in(madona)
    assert before[0]
    world.tirzas.municipality_id = madona  # the administrative reform moves Tirza's school
    world.tirzas.save(update_fields=["municipality_id"])
    dashboards_update(today=world.today)
    tirzas = DashboardCell.objects.get(
        level=Level.SCHOOL, unit_id=world.tirzas.pk, bucket=Bucket.WEEK, starts_on=week, metric="pupils"
    ).value
    assert pupils_in(gulbene) == before[0] - tirzas
    assert pupils_in(madona) == (before[1] or 0) + tirzas
    assert _cells() == _rebuilt(world.today)
