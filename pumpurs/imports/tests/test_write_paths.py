"""Which write path a fact file takes, and the stage's merge by key (issue 18 item 4, decision 0051)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.db import connection, transaction

from pumpurs.imports import engine, staging
from pumpurs.imports.readers import iter_batches
from pumpurs.imports.specs.attendance import ATTENDANCE_DAILY
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the direct COPY and MERGE are PostgreSQL's")


def test_a_file_of_known_facts_is_read_once_and_merged(
    world: World, run_import, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(1)
        yield from iter_batches(*args, **kwargs)

    monkeypatch.setattr(engine, "iter_batches", counted)
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    assert run_import("attendance", path)[1]["created"] == 3
    assert len(reads) == 1  # new facts: the direct COPY
    reads.clear()
    code, again = run_import("attendance", path)
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)
    # The first batch's keys were found stored: straight to the stage, not a failed COPY and a second reading.
    assert len(reads) == 1
    assert AttendanceDay.objects.count() == 3


def _stage_with(rows: pl.DataFrame) -> staging.Stage:
    stage = staging.Stage(ATTENDANCE_DAILY)
    stage.load(rows)
    return stage


def _settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        hashjoin, mergejoin = cursor.fetchone()
    return hashjoin, mergejoin


@pytest.mark.parametrize(("ratio", "inside"), [(0, ("off", "off")), (10**9, ("on", "on"))])
def test_a_small_stage_is_joined_by_key_and_the_settings_come_back(
    world: World, monkeypatch: pytest.MonkeyPatch, ratio: int, inside: tuple[str, str]
) -> None:
    """Ratio 0: every stage counts as small against its target (the key is probed); a huge ratio:
    none does (the planner's choice). Either way the settings are the session's again afterwards."""
    monkeypatch.setattr(staging, "PROBE_RATIO", ratio)
    rows = pl.DataFrame(
        {"_row": [2], "pupil_id": [world.pupil_lizuma.pk], "date": [world.year.starts_on], "lessons": [6]}
        | {n: [0] for n in ("unjustified", "illness", "other_justified", "late")}
    )
    with transaction.atomic():
        stage = _stage_with(rows)
        assert not stage.has_duplicates()
        with connection.cursor() as cursor, stage._by_key(cursor):
            assert _settings() == inside
        assert _settings() == ("on", "on")
        assert stage.merge() == (1, 0)
        assert _settings() == ("on", "on")
    assert AttendanceDay.objects.filter(pupil=world.pupil_lizuma, date=world.year.starts_on, lessons=6).exists()
