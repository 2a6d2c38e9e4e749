"""The one-row refresh (decision record 0049) gives the values and flags the two-row one gave.

The expected results were written by the refresh before 0049 from the same seeded cohort
(``equality_cohort``), once per engine: SQLite and PostgreSQL build the flags' JSON evidence each
their own way, so each has its own file."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import connection

from pumpurs.risk.tests.equality_cohort import cohort_story
from pumpurs.risk.tests.test_indicators import term
from pumpurs.world.personas import World

DATA = Path(__file__).parent / "data"


def test_the_one_row_refresh_gives_what_the_two_row_refresh_gave(world: World) -> None:
    expected = json.loads((DATA / f"refresh_equality_{connection.vendor}.json").read_text())
    got = json.loads(json.dumps(cohort_story(world, term(world)), sort_keys=True, default=str))
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
