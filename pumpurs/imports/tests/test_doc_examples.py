"""The example files of docs/imports.md import cleanly into the Gulbene demo: the docs cannot drift.

Story: a coordinator seeds the demo, tries every example file with ``--dry-run``, applies the
roster (facts need their pupils), then tries the fact files — no errors anywhere.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from pumpurs.journal.models import AttendanceDay
from pumpurs.people.models import Pupil

EXAMPLES = Path(settings.PACKAGE_DIR).parent / "docs" / "examples" / "imports"
TODAY = "2026-11-28"
REGISTER = [
    ("institutions", "institutions.csv"),
    ("pupils", "pupils.csv"),
    ("staff", "staff.csv"),
    ("budgets", "budgets.csv"),
]
FACTS = [
    ("attendance", "attendance-daily.csv"),
    ("attendance", "attendance-daily-lv.csv"),
    ("attendance", "attendance-marks.csv"),
    ("grades", "grades.csv"),
    ("incidents", "incidents.csv"),
]


def test_every_example_file_is_listed_here() -> None:
    assert {p.name for p in EXAMPLES.glob("*.csv")} == {name for _, name in REGISTER + FACTS}


@pytest.fixture
def gulbene(db: None) -> None:
    call_command("seed", preset="gulbene", today=TODAY, no_facts=True, stdout=io.StringIO())


def test_example_files_import_cleanly_after_the_gulbene_seed(gulbene: None, run_import) -> None:
    for kind, name in REGISTER:
        code, summary = run_import(kind, EXAMPLES / name, "--dry-run", "--today", TODAY)
        assert (code, summary["status"], summary["errors"]) == (0, "dry-run", []), name
        assert summary["rows"] > 0
    pupils = Pupil.objects.count()
    code, summary = run_import("pupils", EXAMPLES / "pupils.csv", "--today", TODAY)
    assert (code, summary["status"], summary["created"]) == (0, "applied", 4)
    assert Pupil.objects.count() == pupils + 4
    for kind, name in FACTS:
        code, summary = run_import(kind, EXAMPLES / name, "--dry-run", "--today", TODAY)
        assert (code, summary["status"], summary["errors"]) == (0, "dry-run", []), name
        assert summary["rows"] == summary["created"] > 0, name
    assert not AttendanceDay.objects.exists()  # dry runs write nothing
