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
