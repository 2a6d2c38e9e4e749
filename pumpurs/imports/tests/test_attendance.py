"""Attendance imports: both shapes, every format, every bad-input class, idempotence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pumpurs.imports.tests.conftest import write_csv, write_xlsx
from pumpurs.journal.models import AttendanceDay, AttendanceMark
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


def school_days(world: World, n: int) -> list[dt.date]:
    days, day = [], world.year.starts_on
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def rows_for(world: World) -> list[list[object]]:
    anna, roberts = world.pupil_lizuma.personal_code, world.pupil_lizuma_8a.personal_code
    d1, d2 = school_days(world, 2)
    return [
        HEADER,
        [anna, d1.isoformat(), 6, 2, 0, 0, 1],
        [anna, d2.strftime("%d.%m.%Y"), 7, 0, 7, 0, 0],
        [roberts, d1.isoformat(), 6, 0, 0, 1, 0],
    ]


@pytest.mark.parametrize(
    "fmt",
    ["csv-utf8", "csv-utf8-bom-semicolon", "csv-1257-tab", "xlsx"],
)
def test_clean_file_in_every_format_is_applied(world: World, run_import, tmp_path: Path, fmt: str) -> None:
    rows = rows_for(world)
    if fmt == "csv-utf8":
        path = write_csv(tmp_path / "a.csv", rows)
    elif fmt == "csv-utf8-bom-semicolon":
        path = write_csv(tmp_path / "a.csv", rows, delimiter=";", encoding="utf-8-sig")
    elif fmt == "csv-1257-tab":
        latvian = [
            ["personas_kods", "datums", "stundas", "neattaisnotas", "slimības", "citas_attaisnotas", "novēlošanās"],
            *rows[1:],
        ]
        path = write_csv(tmp_path / "a.csv", latvian, delimiter="\t", encoding="cp1257")
    else:
        path = write_xlsx(tmp_path / "a.xlsx", rows)
    code, summary = run_import("attendance", path, "--user", "liga.berza")
    assert (code, summary["status"], summary["errors"]) == (0, "applied", [])
    assert (summary["rows"], summary["created"], summary["updated"], summary["unchanged"]) == (3, 3, 0, 0)
    anna = AttendanceDay.objects.filter(pupil=world.pupil_lizuma).order_by("date")
    assert [(a.lessons, a.unjustified, a.illness, a.late) for a in anna] == [(6, 2, 0, 1), (7, 0, 7, 0)]


def test_same_file_twice_changes_nothing_and_a_correction_updates(world: World, run_import, tmp_path: Path) -> None:
    rows = rows_for(world)
    path = write_csv(tmp_path / "a.csv", rows)
    assert run_import("attendance", path)[1]["created"] == 3
    code, again = run_import("attendance", path)
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)
    rows[1][3] = 3  # two unjustified lessons were in fact three
    code, corrected = run_import("attendance", write_csv(tmp_path / "b.csv", rows))
    assert (corrected["created"], corrected["updated"], corrected["unchanged"]) == (0, 1, 2)
    assert AttendanceDay.objects.count() == 3
    assert AttendanceDay.objects.get(pupil=world.pupil_lizuma, unjustified=3)


def test_lesson_marks_shape_is_detected_from_the_header(world: World, run_import, tmp_path: Path) -> None:
    d1 = school_days(world, 1)[0].isoformat()
    anna = world.pupil_lizuma.personal_code
    path = write_csv(
        tmp_path / "marks.csv",
        [
            ["personas_kods", "datums", "stunda", "priekšmets", "atzīme"],
            [anna, d1, 1, "Matemātika", "n"],
            [anna, d1, 2, "latviešu valoda", "ns"],
        ],
        delimiter=";",
    )
    code, summary = run_import("attendance", path)
    assert (code, summary["status"], summary["created"]) == (0, "applied", 2)
    assert sorted(AttendanceMark.objects.values_list("lesson", "category")) == [(1, "unjustified"), (2, "illness")]


def test_every_bad_row_is_reported_and_nothing_is_written(world: World, run_import, tmp_path: Path) -> None:
    """Every kind of error at once, each on its row and column: the checks run in one pass over the
    batch and only the ones that hold are turned into error rows (decision 0060)."""
    anna = world.pupil_lizuma.personal_code
    d1 = school_days(world, 1)[0].isoformat()
    future = (world.today + dt.timedelta(days=3)).isoformat()
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            [anna, d1, 6, 2, 0, 0, 0],  # fine
            ["161175-19998", d1, 6, 0, 0, 0, 0],  # checksum
            [anna, "2019-01-10", 6, 0, 0, 0, 0],  # before the calendar
            [anna, future, 6, 0, 0, 0, 0],  # future
            [anna, d1, 6, -1, 0, 0, 0],  # negative
            [anna, d1, 4, 3, 2, 0, 0],  # more absences than lessons
            [world.pupil_tirzas.personal_code, d1, 6, 0, 0, 0, 0],  # not hers to import
            [anna, "31.02.2025", 6, 0, 0, 0, 0],  # not a date
            [anna, d1, 6, 1, 0, 0, 0],  # duplicate of row 2
            [anna, d1, "", 0, 0, 0, 0],  # required cell empty
            ["", d1, 6, 0, 0, 0, 0],  # required cell empty
            [anna, "31.13.2025", 6, 0, -2, 0, "x"],  # three errors in one row
        ],
    )
    code, summary = run_import("attendance", path, "--user", "liga.berza")
    assert (code, summary["status"]) == (1, "rejected")
    got = {(e["row"], e["column"], e["code"]): e["message"] for e in summary["errors"]}
    assert set(got) == {
        (3, "personal_code", "personal_code_invalid"),
        (4, "date", "date_outside_school_year"),
        (5, "date", "date_future"),
        (6, "unjustified", "negative"),
        (7, "lessons", "absences_exceed_lessons"),
        (8, "personal_code", "pupil_unknown"),
        (9, "date", "date_format"),
        (10, "pupil,date", "duplicate_row"),
        (11, "lessons", "required"),
        (12, "personal_code", "required"),
        (13, "date", "date_format"),
        (13, "illness", "negative"),
        (13, "late", "not_a_number"),
    }
    assert summary["rejected"] == 11
    assert all(got.values())
    # Each message is its check's, with the row's own value in it (in Līga's language).
    assert got[6, "unjustified", "negative"] == "-1 ir mazāks par 0: skaits nevar būt negatīvs."
    assert got[13, "illness", "negative"] == "-2 ir mazāks par 0: skaits nevar būt negatīvs."
    assert got[13, "late", "not_a_number"] == "'x' nav vesels skaitlis."
    assert got[11, "lessons", "required"] == "Šūna ir tukša: aizpildiet lessons."
    assert got[7, "lessons", "absences_exceed_lessons"].startswith(
        "unjustified + illness + other_justified ir vairāk nekā dienas 4 stundas"
    )
    assert AttendanceDay.objects.count() == 0
