"""The weekly rollups equal the facts after every kind of write (issue 18 item 1, decision 0050).

The expected rows are computed here in Python from the facts, independently of the SQL that
keeps them: for every semester and pupil, one row per week from the pupil's first week with a
fact to the semester's last week with one, each day's running totals since the semester began.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.journal.models import (
    ATTENDANCE_MEASURES,
    GRADE_MEASURES,
    WEEKDAYS,
    AttendanceDay,
    AttendanceMark,
    AttendanceWeek,
    Grade,
    GradeWeek,
)
from pumpurs.journal.rollups import keep_rollups, monday_of, rollups_check, rollups_rebuild, week_of
from pumpurs.people.models import Period
from pumpurs.world.personas import World

DAILY = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]
MARKS = ["personal_code", "date", "lesson", "subject", "mark"]
GRADES = ["personas_kods", "priekšmets", "semestris", "datums", "vērtējums", "veids"]


@pytest.fixture(autouse=True)
def rollups_on(settings: Any) -> None:
    """The imports keep the rollups only with the setting on (off by default, decision 0050)."""
    settings.PUMPURS_FACT_ROLLUPS = True


def _per_day_attendance(period: Period) -> dict[tuple[int, dt.date], list[int]]:
    daily: dict[tuple[int, dt.date], list[int]] = {}
    span = (period.starts_on, period.ends_on)
    for row in AttendanceDay.objects.filter(date__range=span):
        daily[(row.pupil_id, row.date)] = [getattr(row, m) for m in ATTENDANCE_MEASURES]
    marks: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * 5)
    for mark in AttendanceMark.objects.filter(date__range=span):
        values = marks[(mark.pupil_id, mark.date)]
        values[0] += 1
        if mark.category in ATTENDANCE_MEASURES[1:]:
            values[ATTENDANCE_MEASURES.index(mark.category)] += 1
    for key, values in marks.items():
        daily.setdefault(key, values)  # a daily row wins over the marks of its day
    return daily


def _per_day_grades(period: Period) -> dict[tuple[int, dt.date], list[int]]:
    daily: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * 4)
    for g in Grade.objects.filter(period=period):
        values = daily[(g.pupil_id, g.date)]
        averaged = g.value_kind == "score" and g.kind in ("ongoing", "term")
        failing = g.kind == "term" and ((g.value_kind == "score" and (g.score or 0) < 4) or g.value_kind == "failed")
        for i, v in enumerate((failing, g.value_kind == "nv", g.score if averaged else 0, averaged)):
            values[i] += int(v or 0)
    return daily


def expected(kind: str) -> dict[tuple[int, int, int], tuple[Any, ...]]:
    rows: dict[tuple[int, int, int], tuple[Any, ...]] = {}
    for period in Period.objects.all():
        daily = _per_day_attendance(period) if kind == "attendance" else _per_day_grades(period)
        if not daily:
            continue
        wmax = max(week_of(day) for _pupil, day in daily)
        width = len(ATTENDANCE_MEASURES if kind == "attendance" else GRADE_MEASURES)
        by_pupil: dict[int, dict[dt.date, list[int]]] = defaultdict(dict)
        for (pupil, day), values in daily.items():
            by_pupil[pupil][day] = values
        for pupil, days in by_pupil.items():
            for week in range(week_of(min(days)), wmax + 1):
                cells = []
                for d in WEEKDAYS:
                    upto = monday_of(week) + dt.timedelta(days=d)
                    cells.append([sum(v[i] for day, v in days.items() if day <= upto) for i in range(width)])
                sunday = monday_of(week) + dt.timedelta(days=6)
                last = max(day for day in days if day <= sunday)
                flat = tuple(cells[d][i] for i in range(width) for d in WEEKDAYS)
                rows[(period.pk, week, pupil)] = (last, *flat)
    return rows


def kept(kind: str) -> dict[tuple[int, int, int], tuple[Any, ...]]:
    model, measures = (AttendanceWeek, ATTENDANCE_MEASURES) if kind == "attendance" else (GradeWeek, GRADE_MEASURES)
    columns = [f"{m}_{d}" for m in measures for d in WEEKDAYS]
    return {
        (r[0], r[1], r[2]): tuple(r[3:])
        for r in model.objects.values_list("period_id", "week", "pupil_id", "last_day", *columns)
    }


def assert_rollups_equal_facts() -> None:
    for kind in ("attendance", "grades"):
        assert kept(kind) == expected(kind), kind


def school_days(world: World, first: dt.date, n: int) -> list[dt.date]:
    days, day = [], first
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def test_rollups_equal_the_facts_after_new_changed_repeated_rejected_and_deleted_files(
    world: World, run_import, tmp_path: Path
) -> None:
    anna, roberts, janis = world.pupil_lizuma, world.pupil_lizuma_8a, world.pupil_tirzas
    days = school_days(world, world.year.starts_on + dt.timedelta(days=14), 30)  # six weeks, ending before today
    assert days[-1] < world.today
    rows: list[list[Any]] = [DAILY]
    for i, day in enumerate(days[:20]):
        rows.append([anna.personal_code, day.isoformat(), 6, i % 3, 1 if i % 7 == 0 else 0, 0, i % 2])
        if i % 2 == 0:
            rows.append([roberts.personal_code, day.isoformat(), 7, 0, 0, 1, 0])
    new = write_csv(tmp_path / "new.csv", rows)
    code, summary = run_import("attendance", new)
    assert (code, summary["status"]) == (0, "applied"), summary["errors"]
    assert AttendanceWeek.objects.exists()
    assert_rollups_equal_facts()

    # Lesson marks: a pupil without daily rows, and a day of Anna's that has one (the daily row wins).
    marks = write_csv(
        tmp_path / "marks.csv",
        [
            MARKS,
            [janis.personal_code, days[3].isoformat(), 1, "Matemātika", "n"],
            [janis.personal_code, days[3].isoformat(), 2, "Matemātika", "ns"],
            [janis.personal_code, days[12].isoformat(), 1, "Fizika", "n"],
            [anna.personal_code, days[5].isoformat(), 1, "Fizika", "n"],
        ],
    )
    assert run_import("attendance", marks)[1]["status"] == "applied"
    assert_rollups_equal_facts()

    # A correction of an old day and a new week for one pupil only (the others are carried on).
    rows[3][3] = 5
    rows.append([anna.personal_code, days[27].isoformat(), 8, 2, 0, 0, 0])
    code, changed = run_import("attendance", write_csv(tmp_path / "changed.csv", rows))
    assert (changed["updated"], changed["created"]) == (1, 1)
    assert_rollups_equal_facts()
    before = kept("attendance")

    # The same file again, and a rejected one: nothing changes.
    assert run_import("attendance", write_csv(tmp_path / "again.csv", rows))[1]["unchanged"] == len(rows) - 1
    rejected = [*rows[:3], [roberts.personal_code, days[25].isoformat(), 3, 9, 0, 0, 0]]
    rejected[1] = [*rejected[1][:2], 9, 0, 0, 0, 0]
    code, refused = run_import("attendance", write_csv(tmp_path / "rejected.csv", rejected))
    assert (code, refused["status"]) == (1, "rejected")
    assert kept("attendance") == before
    assert_rollups_equal_facts()

    # A deletion (a service removing facts keeps the same contract): Anna's last week goes, so the
    # semester's last week moves back; and Jānis's first day goes, so his first week moves on.
    gone = list(AttendanceDay.objects.filter(pupil=anna, date=days[27]).values_list("pupil_id", "date"))
    gone += list(AttendanceMark.objects.filter(pupil=janis, date=days[3]).values_list("pupil_id", "date"))
    AttendanceDay.objects.filter(pupil=anna, date=days[27]).delete()
    AttendanceMark.objects.filter(pupil=janis, date=days[3]).delete()
    keep_rollups("attendance", gone)
    assert_rollups_equal_facts()

    # Grades: new, then a term grade corrected to failing and an nv.
    grades = [
        GRADES,
        [anna.personal_code, "Matemātika", "1", days[1].isoformat(), "7", "ikdienas"],
        [anna.personal_code, "Matemātika", "1", days[9].isoformat(), "3", "ikdienas"],
        [anna.personal_code, "Fizika", "1", days[9].isoformat(), "nv", "ongoing"],
        [roberts.personal_code, "Fizika", "1", days[15].isoformat(), "neieskaitits", "ongoing"],
        [roberts.personal_code, "Matemātika", "1", days[2].isoformat(), "8", "ikdienas"],
    ]
    assert run_import("grades", write_csv(tmp_path / "g.csv", grades, delimiter=";"))[1]["status"] == "applied"
    assert_rollups_equal_facts()
    grades[5][4] = "2"
    grades.append([janis.personal_code, "Matemātika", "1", days[20].isoformat(), "nv", "ongoing"])
    assert run_import("grades", write_csv(tmp_path / "g2.csv", grades, delimiter=";"))[1]["status"] == "applied"
    assert_rollups_equal_facts()

    period = Period.objects.get(school_year=world.year, number=1)
    assert rollups_check(period=period) == {"attendance": 0, "grades": 0}


def test_check_finds_a_wrong_row_and_rebuild_mends_it(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 8)
    rows = [DAILY, *([anna.personal_code, d.isoformat(), 6, 1, 0, 0, 0] for d in days)]
    assert run_import("attendance", write_csv(tmp_path / "a.csv", rows))[1]["status"] == "applied"
    period = Period.objects.get(school_year=world.year, number=1)
    AttendanceWeek.objects.filter(pupil=anna).update(unjustified_3=99)
    assert rollups_check(period=period)["attendance"] == AttendanceWeek.objects.filter(pupil=anna).count() * 2
    assert AttendanceWeek.objects.filter(unjustified_3=99).exists()  # the check wrote nothing
    with pytest.raises(CommandError):
        call_command("indicators", "check-rollups", "--period", str(period.pk), stdout=StringIO())
    AttendanceWeek.objects.all().delete()
    out = StringIO()
    call_command("indicators", "rebuild-rollups", "--period", str(period.pk), stdout=out)
    assert f" {len(expected('attendance'))} " in out.getvalue()
    assert_rollups_equal_facts()
    out = StringIO()
    call_command("indicators", "check-rollups", "--period", str(period.pk), stdout=out)
    assert rollups_check(period=period) == {"attendance": 0, "grades": 0}
    assert rollups_rebuild(period=period)["attendance"] == AttendanceWeek.objects.count()
