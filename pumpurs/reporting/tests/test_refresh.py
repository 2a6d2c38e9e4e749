"""The dashboards' pre-aggregate on the hand-made cohort (cohort.py): every cell is a known count."""

from __future__ import annotations

import pytest

from pumpurs.reporting.models import Bucket, DashboardCell, DashboardRefresh, Level
from pumpurs.reporting.refresh import dashboards_refresh, windows_for
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.world.personas import World


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def cells(level: str, unit: int, bucket: str = Bucket.SEMESTER, *, starts_on: object = None) -> dict[str, int]:
    rows = DashboardCell.objects.filter(level=level, unit_id=unit, bucket=bucket)
    if starts_on is not None:
        rows = rows.filter(starts_on=starts_on)
    return dict(rows.values_list("metric", "value"))


def test_the_semester_counts_of_each_school_municipality_and_the_country(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    lizuma = cells(Level.SCHOOL, world.lizuma.pk, starts_on=cohort.period.starts_on)
    assert {k: lizuma.get(k) for k in ("flagged", "at_risk", "with_case", "active_plan", "covered", "supported")} == {
        "flagged": 2,  # Anna and Roberts
        "at_risk": 2,  # Anna (accepted flag) and Roberts (high questionnaire)
        "with_case": 1,
        "active_plan": 1,
        "covered": 1,
        "supported": 1,
    }
    assert lizuma["flagged:unjustified_semester"] == 1
    assert lizuma["flagged:failing_grades"] == 1
    assert lizuma["assessed"] == 1
    assert lizuma["assessed:high"] == 1
    assert lizuma["group:family"] == 1
    assert lizuma["plans_made"] == 1
    assert lizuma["plans:active"] == 1  # approved through the chain and active from today
    assert lizuma["centihours:consult-psychologist"] == 150  # 90 minutes
    assert lizuma["cents:transport"] == 1800
    # each step of the chain waited 0 whole days (all approved the same morning)
    assert {k: v for k, v in lizuma.items() if k.startswith("wait:")} == {
        "wait:director:0": 1,
        "wait:municipality:0": 1,
        "wait:national:0": 1,
    }
    tirzas = cells(Level.SCHOOL, world.tirzas.pk, starts_on=cohort.period.starts_on)
    assert tirzas["assessed"] == 1
    assert tirzas["group:learning"] == 1
    assert "at_risk" not in tirzas

    gulbene = cells(Level.MUNICIPALITY, world.gulbene.pk, starts_on=cohort.period.starts_on)
    assert (gulbene["flagged"], gulbene["at_risk"], gulbene["covered"], gulbene["assessed"]) == (2, 2, 1, 2)
    country = cells(Level.NATIONAL, 0, starts_on=cohort.period.starts_on)
    assert (country["flagged"], country["at_risk"], country["covered"]) == (3, 3, 1)
    assert country["pupils"] == sum(
        cells(Level.MUNICIPALITY, m, starts_on=cohort.period.starts_on).get("pupils", 0)
        for m in DashboardCell.objects.filter(level=Level.MUNICIPALITY).values_list("unit_id", flat=True).distinct()
    )


def test_the_weekly_trend_has_twelve_weeks_and_this_week_holds_todays_work(world: World, cohort: Cohort) -> None:
    dashboards_refresh(today=world.today)
    weeks = [w for w in windows_for(world.today) if w.bucket == Bucket.WEEK]
    assert len(weeks) == 12
    assert (
        weeks[-1].starts_on <= world.today <= weeks[-1].starts_on.replace() + (weeks[-1].ends_on - weeks[-1].starts_on)
    )
    this_week = cells(Level.NATIONAL, 0, Bucket.WEEK, starts_on=weeks[-1].starts_on)
    assert this_week["plans_made"] == 1
    assert this_week["supported"] == 1
    before = cells(Level.NATIONAL, 0, Bucket.WEEK, starts_on=weeks[-2].starts_on)
    assert "plans_made" not in before
    assert "supported" not in before


def test_a_refresh_twice_writes_the_same_cells(world: World, cohort: Cohort) -> None:
    first = dashboards_refresh(today=world.today)
    snapshot = set(DashboardCell.objects.values_list("level", "unit_id", "bucket", "starts_on", "metric", "value"))
    assert dashboards_refresh(today=world.today) == first
    assert (
        set(DashboardCell.objects.values_list("level", "unit_id", "bucket", "starts_on", "metric", "value")) == snapshot
    )
    assert DashboardRefresh.objects.count() == 2
