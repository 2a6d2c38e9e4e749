"""The one-row refresh (decision record 0049) gives the values and flags the two-row one gave,
whether it reads the family sums from the facts or from the weekly rollups (decision 0050).

The expected results were written by the refresh before 0049 from the same seeded cohort
(``equality_cohort``), once per engine: SQLite and PostgreSQL build the flags' JSON evidence each
their own way, so each has its own file. The same story is run with ``PUMPURS_FACT_ROLLUPS`` off
(the facts) and on (the rollups, rebuilt after each write of facts, as an import keeps them) and
both must equal it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from pumpurs.journal.models import AttendanceDay, AttendanceWeek, GradeWeek
from pumpurs.journal.rollups import rollups_rebuild, week_of, weekday_of
from pumpurs.people.models import Period
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import IndicatorSnapshot
from pumpurs.risk.tests.equality_cohort import cohort_story
from pumpurs.risk.tests.test_indicators import attend, friday_in, term, weekdays
from pumpurs.world.personas import World

DATA = Path(__file__).parent / "data"


def rebuild_every_rollup() -> None:
    for period in Period.objects.all():
        rollups_rebuild(period=period)


@pytest.mark.parametrize("source", ["facts", "rollups"])
def test_the_one_row_refresh_gives_what_the_two_row_refresh_gave(world: World, settings: Any, source: str) -> None:
    settings.PUMPURS_FACT_ROLLUPS = source == "rollups"
    expected = json.loads((DATA / f"refresh_equality_{connection.vendor}.json").read_text())
    hook = rebuild_every_rollup if source == "rollups" else (lambda: None)
    got = json.loads(json.dumps(cohort_story(world, term(world), hook), sort_keys=True, default=str))
    for step, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        assert len(mine["snapshots"]) == len(theirs["snapshots"]) == 44, step
        assert mine["snapshots"] == theirs["snapshots"], step
        assert mine["flags"] == theirs["flags"], step
    # The cohort exercises every family and the flags: not an empty comparison.
    assert {flag[1] for flag in got[-1]["flags"]} >= {
        "attendance_4w",
        "failing_term_grade",
        "incidents_4w",
        "nv_period",
        "over_age",
    }
    # The rollups were there to read in one run and absent in the other.
    assert AttendanceWeek.objects.exists() == GradeWeek.objects.exists() == (source == "rollups")


@pytest.mark.parametrize("on", [True, False])
def test_the_refresh_reads_the_rollups_only_while_they_are_on(world: World, settings: Any, on: bool) -> None:
    """A rollup row made wrong on purpose shows in the snapshot with the setting on and is
    ignored with it off: the refresh's sums come from the one source the setting names."""
    settings.PUMPURS_FACT_ROLLUPS = True
    period = term(world)
    last = friday_in(period)
    attend(world.pupil_lizuma, weekdays(period.starts_on, last))
    rollups_rebuild(period=period)
    AttendanceWeek.objects.filter(pupil=world.pupil_lizuma, week=week_of(last)).update(
        **{f"unjustified_{weekday_of(last)}": 7}
    )
    settings.PUMPURS_FACT_ROLLUPS = on
    indicators_refresh(today=last, period=period)
    snapshot = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period)
    assert snapshot.lessons == 6 * len(weekdays(period.starts_on, last))
    assert (snapshot.unjustified, snapshot.w4_unjustified) == ((7, 7) if on else (0, 0))


def test_a_refresh_of_a_past_day_after_a_long_gap_finds_the_last_day_before_it(world: World, settings: Any) -> None:
    """Facts end, six weeks without any, facts again: a refresh of a day in the gap takes the
    4-week window ending on the last day before the gap from the rollups as from the facts."""
    period = term(world)
    first = weekdays(period.starts_on, period.starts_on + dt.timedelta(days=13))
    later = weekdays(first[-1] + dt.timedelta(weeks=7), first[-1] + dt.timedelta(weeks=8))
    attend(world.pupil_lizuma, first + later, unjustified=1)
    AttendanceDay.objects.filter(pupil=world.pupil_lizuma, date=first[-1]).update(unjustified=3)
    settings.PUMPURS_FACT_ROLLUPS = True
    rollups_rebuild(period=period)
    in_the_gap = first[-1] + dt.timedelta(weeks=6)
    ends = []
    for on in (False, True):
        settings.PUMPURS_FACT_ROLLUPS = on
        result = indicators_refresh(today=in_the_gap, period=period)
        ends.append((result.four_weeks_from, result.four_weeks_to))
        snapshot = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period)
        assert (snapshot.unjustified, snapshot.w4_unjustified) == (len(first) + 2, len(first) + 2), on
    assert ends == [(period.starts_on, first[-1])] * 2
