"""With ``PUMPURS_FACT_ROLLUPS`` off (a deployment's choice; on by default since decision 0050's
"daily case in place") an import writes its facts and no rollup, and ``check-rollups`` says the
rollups are off instead of reporting every row as wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_rollups import DAILY, school_days
from pumpurs.journal.models import AttendanceDay, AttendanceWeek, RollupBuilt
from pumpurs.journal.rollups import rollups_rebuild
from pumpurs.people.models import Period
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rollups_off(settings: Any) -> None:
    settings.PUMPURS_FACT_ROLLUPS = False


def test_an_import_keeps_no_rollup_while_they_are_off(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma
    days = school_days(world, world.year.starts_on + dt.timedelta(days=14), 3)
    rows = [DAILY, *([anna.personal_code, day.isoformat(), 6, 1, 0, 0, 0] for day in days)]
    code, summary = run_import("attendance", write_csv(tmp_path / "days.csv", rows))
    assert (code, summary["status"]) == (0, "applied")
    assert AttendanceDay.objects.filter(pupil=anna).count() == 3
    assert not AttendanceWeek.objects.exists()


def test_check_rollups_refuses_while_they_are_off(world: World) -> None:
    period = Period.objects.filter(school_year=world.year, number=1).get()
    with pytest.raises(CommandError, match="PUMPURS_FACT_ROLLUPS") as refused:
        call_command("indicators", "check-rollups", "--period", str(period.pk))
    assert refused.value.returncode == 2


def test_an_import_while_they_are_off_removes_the_built_marks(world: World, run_import, tmp_path: Path) -> None:
    """Rollups built once and then not kept no longer hold the facts: both write paths (a file of
    new days by ``COPY``, a changed file by the merge) drop the marks, so the refresh reads the facts."""
    period = Period.objects.filter(school_year=world.year, number=1).get()
    anna = world.pupil_lizuma
    days = school_days(world, world.year.starts_on + dt.timedelta(days=14), 3)
    rows = [DAILY, *([anna.personal_code, day.isoformat(), 6, 1, 0, 0, 0] for day in days)]
    for name, change in (("new.csv", 1), ("changed.csv", 2)):
        rollups_rebuild(period=period)
        assert RollupBuilt.objects.filter(period=period).count() == 2
        rows[1][3] = change
        assert run_import("attendance", write_csv(tmp_path / name, rows))[1]["status"] == "applied"
        assert not RollupBuilt.objects.filter(period=period, kind="attendance").exists(), name
