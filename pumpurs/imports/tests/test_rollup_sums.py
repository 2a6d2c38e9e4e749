"""The family sums read from the rollups equal what the refresh's family statements compute
from the facts, for the semester window and for 4-week windows ending on different days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people.models import Period
from pumpurs.risk.indicators import ATTENDANCE_COLUMNS, FOUR_WEEKS_DAYS, GRADES_SQL, _attendance_selects
from pumpurs.risk.rollup_sums import SumWindows, attendance_last_day, family_sums
from pumpurs.risk.sql import execute
from pumpurs.world.personas import World

DAILY = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]
MARKS = ["personal_code", "date", "lesson", "subject", "mark"]
GRADES = ["personas_kods", "priekšmets", "semestris", "datums", "vērtējums", "veids"]
SEMESTER_2_DAY = dt.date(2027, 3, 11)  # a Thursday in semester 2


@pytest.fixture(autouse=True)
def rollups_on(settings: Any) -> None:
    """The imports keep the rollups only with the setting on (off by default, decision 0050)."""
    settings.PUMPURS_FACT_ROLLUPS = True


def weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    return [
        first + dt.timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + dt.timedelta(days=i)).weekday() < 5
    ]


def from_facts(w: SumWindows) -> dict[str, dict[int, dict[str, Any]]]:
    """The refresh's own statements (``risk.indicators``) over the same facts."""
    params = {
        "from": w.period_from,
        "to": w.period_to,
        "w_from": w.w_from,
        "w_to": w.w_to,
        "period": w.period_id,
        "previous": w.previous_id if w.previous_id is not None else -1,
    }
    attendance: dict[int, dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys([f"{p}{c}" for p in ("p_", "r_") for c in ATTENDANCE_COLUMNS], 0)
    )
    grades: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for sql in _attendance_selects({"r_": ("w_from", "w_to")}):
            execute(cursor, sql, params)
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                values = dict(zip(names, row, strict=True))
                for key in attendance[values["pupil_id"]]:
                    attendance[values["pupil_id"]][key] += values[key] or 0
        execute(cursor, GRADES_SQL.format(only=""), params)
        names = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            values = dict(zip(names, row, strict=True))
            grades[values.pop("pupil_id")] = values
    return {"attendance": dict(attendance), "grades": grades}


def _norm(value: Any) -> Any:
    return None if value is None else round(float(value), 2)


def comparable(sums: dict[str, dict[int, dict[str, Any]]]) -> dict[str, dict[int, dict[str, Any]]]:
    """Pupils without facts in a family read as zeros (the refresh's left joins); the previous
    semester's average counts only where this semester's exists (the change needs both)."""
    attendance = {p: v for p, v in sums["attendance"].items() if any(v.values())}
    grades = {}
    for pupil, v in sums["grades"].items():
        g = {k: (_norm(x) if k.startswith("avg") else int(x or 0)) for k, x in v.items()}
        if g["avg_p"] is None:
            g["avg_prev"] = None
        if any(x not in (None, 0) for x in g.values()):
            grades[pupil] = g
    return {"attendance": {p: {k: int(x) for k, x in v.items()} for p, v in attendance.items()}, "grades": grades}


@pytest.mark.parametrize("today", [SEMESTER_2_DAY])
def test_rollup_sums_equal_the_family_statements(world: World, run_import, tmp_path: Path, today: dt.date) -> None:
    s1 = Period.objects.get(school_year=world.year, number=1)
    s2 = Period.objects.get(school_year=world.year, number=2)
    pupils = [world.pupil_lizuma, world.pupil_lizuma_8a, world.pupil_tirzas, world.pupil_madona]
    days = weekdays(s1.starts_on, today - dt.timedelta(days=1))
    rows: list[list[Any]] = [DAILY]
    marks: list[list[Any]] = [MARKS]
    grades: list[list[Any]] = [GRADES]
    for n, day in enumerate(days):
        for i, pupil in enumerate(pupils):
            code = pupil.personal_code
            if (n + i) % 5 == 4:  # some days only as lesson marks, some days none at all
                if i % 2 == 0:
                    marks.append([code, day.isoformat(), 1, "Matemātika", "n" if n % 3 else "ns"])
                    marks.append([code, day.isoformat(), 2, "Fizika", "n"])
                continue
            if i == 3 and n > len(days) - 12:
                continue  # Laura's facts stop before the others'
            rows.append(
                [
                    code,
                    day.isoformat(),
                    6 + n % 2,
                    (n * (i + 1)) % 3,
                    1 if n % 11 == i else 0,
                    n % 2,
                    int((n + i) % 4 == 0),
                ]
            )
            if (n * 7 + i) % 4 == 0:
                semester = "1" if day <= s1.ends_on else "2"
                kind = "ikdienas" if n % 9 else "semestra"
                value = "nv" if (n + i) % 13 == 0 else str(1 + (n * 3 + i) % 10)
                grades.append([code, "Matemātika", semester, day.isoformat(), value, kind])
    for path, kind in (
        (write_csv(tmp_path / "a.csv", rows), "attendance"),
        (write_csv(tmp_path / "m.csv", marks), "attendance"),
        (write_csv(tmp_path / "g.csv", grades, delimiter=";"), "grades"),
    ):
        code, summary = run_import(kind, path)
        assert (code, summary["status"]) == (0, "applied"), summary["errors"][:3]

    last = attendance_last_day(s2.pk, today)
    assert last == days[-1]
    ends = [last, last - dt.timedelta(days=9), s2.starts_on + dt.timedelta(days=3)]  # the 4 weeks clipped
    for period_to, w_to in ((today, ends[0]), (today, ends[1]), (ends[1], ends[1]), (today, ends[2])):
        w_from = max(s2.starts_on, w_to - dt.timedelta(days=FOUR_WEEKS_DAYS - 1))
        w = SumWindows(s2.pk, s1.pk, s2.starts_on, period_to, w_from, w_to)
        from_rollups = comparable(family_sums(w))
        assert from_rollups == comparable(from_facts(w)), (period_to, w_to)
        assert from_rollups["attendance"]
        assert from_rollups["grades"]
    # Semester 1 as a past semester, read whole.
    w = SumWindows(s1.pk, None, s1.starts_on, s1.ends_on, s1.ends_on - dt.timedelta(days=27), s1.ends_on)
    assert comparable(family_sums(w)) == comparable(from_facts(w))
