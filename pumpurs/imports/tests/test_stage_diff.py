"""The stage's merge probes the target once and writes only what changed (decision 0059), on both
engines: new, changed and unchanged facts are counted from one pass of key probes, and a file of
unchanged facts sends no write statement at all."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pumpurs.imports import staging
from pumpurs.imports.specs.attendance import ATTENDANCE_DAILY
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db
COUNTS = ("unjustified", "illness", "other_justified", "late")


def _rows(pupil_id: int, days: list[tuple[dt.date, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_row": list(range(2, 2 + len(days))),
            "pupil_id": [pupil_id] * len(days),
            "date": [day for day, _ in days],
            "lessons": [6] * len(days),
            "unjustified": [unjustified for _, unjustified in days],
        }
        | {n: [0] * len(days) for n in COUNTS[1:]}
    )


def _probes(queries: list[dict[str, str]]) -> int:
    """Statements that join the stage with the target (the key probes)."""
    return sum(1 for q in queries if staging.STAGE + " " in q["sql"] + " " and "journal_attendanceday" in q["sql"])


def _writes(queries: list[dict[str, str]]) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("MERGE", "UPDATE", 'INSERT INTO "JOURNAL', "INSERT INTO JOURNAL"))
    ]


def _merge(rows: pl.DataFrame) -> tuple[tuple[int, int], list[dict[str, str]]]:
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        stage = staging.Stage(ATTENDANCE_DAILY)
        stage.load(rows)
        assert not stage.has_duplicates()
        stage.analyse()
        stage.changed_facts(["pupil_id", "date"])  # what the rollups' upkeep asks first
        counts = stage.merge()
        stage.drop()
    return counts, captured.captured_queries


def test_one_probe_pass_counts_new_changed_and_unchanged_facts(world: World) -> None:
    pupil = world.pupil_lizuma
    first = world.year.starts_on
    days = [first + dt.timedelta(days=n) for n in range(3)]
    for day in days:
        AttendanceDay.objects.create(pupil=pupil, date=day, lessons=6, unjustified=1)
    new = first + dt.timedelta(days=7)

    counts, queries = _merge(_rows(pupil.pk, [(days[0], 1), (days[1], 3), (new, 2)]))

    assert counts == (1, 1), "one new, one changed (the unchanged one is neither)"
    assert _probes(queries) == 1, [q["sql"] for q in queries if "journal_attendanceday" in q["sql"]]
    stored = dict(AttendanceDay.objects.filter(pupil=pupil).values_list("date", "unjustified"))
    assert stored == {days[0]: 1, days[1]: 3, days[2]: 1, new: 2}


def test_a_file_of_unchanged_facts_writes_nothing(world: World) -> None:
    pupil = world.pupil_lizuma
    day = world.year.starts_on
    AttendanceDay.objects.create(pupil=pupil, date=day, lessons=6, unjustified=1)
    before = AttendanceDay.objects.get(pupil=pupil, date=day)

    counts, queries = _merge(_rows(pupil.pk, [(day, 1)]))

    assert counts == (0, 0)
    assert _writes(queries) == []
    assert _probes(queries) == 1
    assert AttendanceDay.objects.get(pupil=pupil, date=day).lessons == before.lessons


def test_a_stage_across_months_and_outside_every_year_counts_and_merges_each_row_once(world: World) -> None:
    """Rows of two months and of a date no school year covers (PostgreSQL: the default partition):
    each is probed once — in its month partition, by name, where it has one, through the table
    otherwise — then merged, and the counts are the same on both engines."""
    pupil = world.pupil_lizuma
    september, october = dt.date(2026, 9, 14), dt.date(2026, 10, 5)
    nowhere = dt.date(2031, 9, 1)  # no school year of the test calendar
    for day in (september, october, nowhere):
        AttendanceDay.objects.create(pupil=pupil, date=day, lessons=6, unjustified=1)
    rows = _rows(
        pupil.pk,
        [
            (september, 1),
            (september + dt.timedelta(days=1), 2),
            (october, 4),
            (nowhere, 3),
            (nowhere.replace(day=2), 0),
        ],
    )

    counts, queries = _merge(rows)

    assert counts == (2, 2), "new: 15.9 and 2.9.2031; changed: 5.10 and 1.9.2031; 14.9 unchanged"
    stored = dict(AttendanceDay.objects.filter(pupil=pupil).values_list("date", "unjustified"))
    assert stored == {
        september: 1,
        september + dt.timedelta(days=1): 2,
        october: 4,
        nowhere: 3,
        nowhere.replace(day=2): 0,
    }
    probe = next(q["sql"] for q in queries if "CREATE TEMPORARY TABLE" in q["sql"] and "_changed" in q["sql"])
    if connection.vendor == "postgresql":
        # By name: the two months, and the table itself only for the rows no month partition holds.
        for month in ("journal_attendanceday_y2026_202609", "journal_attendanceday_y2026_202610"):
            assert f'"{month}"' in probe
        assert probe.count('"journal_attendanceday" t') == 1
        # The merge goes through the table (an inserted grade takes the table's identity).
        merges = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("MERGE")]
        assert len(merges) == 1
    else:
        assert probe.count('"journal_attendanceday" t') == 1


def test_a_stage_within_one_month_is_probed_in_that_month_only(world: World) -> None:
    """PostgreSQL: a day's stage is probed in its month's partition only (not through the parent,
    whose every probe prunes all its partitions at run time)."""
    pupil = world.pupil_lizuma
    day = dt.date(2026, 11, 16)
    AttendanceDay.objects.create(pupil=pupil, date=day, lessons=6, unjustified=1)

    counts, queries = _merge(_rows(pupil.pk, [(day, 1), (day + dt.timedelta(days=1), 2)]))

    assert counts == (1, 0)
    (probe,) = [q["sql"] for q in queries if "CREATE TEMPORARY TABLE" in q["sql"] and "_changed" in q["sql"]]
    if connection.vendor == "postgresql":
        assert '"journal_attendanceday" t' not in probe
        assert '"journal_attendanceday_y2026_202611" t' in probe
