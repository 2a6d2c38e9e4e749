"""The upkeep starts each pupil's recompute at its earliest touched day, from the existing row's
column of the day before (decision 0050, "proportional upkeep"). Every way that start can be
wrong is walked here at random but reproducibly: a new day appended for some pupils (the daily
case, mid-week and on a Monday), a pupil's first fact, a correction earlier in the same week and
weeks back, a fact inserted before a pupil's first one, a day deleted (the pupil's last, first
or only one), lesson marks beside daily rows, and grades — after each batch the rollups equal
the facts as ``test_rollups.expected`` computes them in Python.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db import connection

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_rollups import DAILY, expected, kept, school_days
from pumpurs.journal import rollups
from pumpurs.journal.models import ATTENDANCE_MEASURES, WEEKDAYS, AttendanceDay, AttendanceMark, Grade, Subject
from pumpurs.journal.rollups import keep_rollups, week_of
from pumpurs.people.models import Period
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rollups_on(settings: Any) -> None:
    settings.PUMPURS_FACT_ROLLUPS = True


@pytest.fixture(params=["probe", "walk"])
def joining(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the upkeep joins the touched pupils to a week's rows: by probes (a school's few
    pupils) and, as for a country's file, by a merge join walking the week (``_WALK_FROM``)."""
    if request.param == "walk":
        monkeypatch.setattr(rollups, "_WALK_FROM", 1)
    return str(request.param)


def _day(rng: random.Random, pupil_id: int, date: dt.date) -> AttendanceDay:
    lessons = rng.randint(0, 8)
    unjustified = rng.randint(0, lessons)
    illness = rng.randint(0, lessons - unjustified)
    return AttendanceDay(
        pupil_id=pupil_id, date=date, lessons=lessons, unjustified=unjustified, illness=illness, late=rng.randint(0, 2)
    )


def _step(rng: random.Random, pupils: list[int], days: list[dt.date], upto: int, subject: Subject) -> list[Any]:
    """One batch of writes; returns the touched (pupil, date) rows."""
    existing = list(AttendanceDay.objects.filter(date__lte=days[upto]).values_list("pupil_id", "date"))
    op = rng.choice(["append", "append", "correct", "delete", "insert", "marks", "mixed"])
    touched: list[tuple[int, dt.date]] = []
    if op in ("append", "mixed"):
        for pupil in rng.sample(pupils, rng.randint(1, len(pupils))):
            if not AttendanceDay.objects.filter(pupil_id=pupil, date=days[upto]).exists():
                _day(rng, pupil, days[upto]).save()
                touched.append((pupil, days[upto]))
    if op in ("correct", "mixed") and existing:
        pupil, date = rng.choice(existing)
        AttendanceDay.objects.filter(pupil_id=pupil, date=date).update(late=rng.randint(3, 5))
        touched.append((pupil, date))
    if op == "delete" and existing:
        pupil, date = rng.choice(existing)
        AttendanceDay.objects.filter(pupil_id=pupil, date=date).delete()
        touched.append((pupil, date))
    if op in ("insert", "mixed"):
        pupil, date = rng.choice(pupils), days[rng.randint(0, upto)]
        if not AttendanceDay.objects.filter(pupil_id=pupil, date=date).exists():
            _day(rng, pupil, date).save()
            touched.append((pupil, date))
    if op == "marks":
        pupil, date = rng.choice(pupils), days[rng.randint(0, upto)]
        for lesson in range(1, rng.randint(2, 4)):
            AttendanceMark.objects.get_or_create(
                pupil_id=pupil,
                date=date,
                lesson=lesson,
                defaults={"subject": subject, "mark": "n", "category": rng.choice(["unjustified", "late", "illness"])},
            )
        touched.append((pupil, date))
    return touched


def test_random_batches_keep_the_rollups_equal_to_the_facts(world: World, joining: str) -> None:
    rng = random.Random(18)
    pupils = [world.pupil_lizuma.pk, world.pupil_lizuma_8a.pk, world.pupil_tirzas.pk]
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 25)  # five weeks
    assert days[-1] < world.today
    subject = Subject.objects.create(code="upkeep-test", name="Upkeep test")
    upto = 0
    for _ in range(30):
        touched = _step(rng, pupils, days, upto, subject)
        keep_rollups("attendance", touched)
        assert kept("attendance") == expected("attendance")
        if rng.random() < 0.7 and upto < len(days) - 1:
            upto += 1 + (rng.random() < 0.2)  # now and then a day without a file


def test_grade_upkeep_from_the_touched_day(world: World) -> None:
    rng = random.Random(50)
    pupils = [world.pupil_lizuma.pk, world.pupil_lizuma_8a.pk]
    period = Period.objects.get(school_year=world.year, number=1)
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 15)
    subjects = [Subject.objects.create(code=f"upkeep-{i}", name=f"Upkeep {i}") for i in range(3)]
    upto = 0
    for _ in range(20):
        touched = []
        for pupil in rng.sample(pupils, rng.randint(1, 2)):
            date = days[upto] if rng.random() < 0.6 else days[rng.randint(0, upto)]
            grade, created = Grade.objects.get_or_create(
                pupil_id=pupil,
                subject=rng.choice(subjects),
                period=period,
                kind=rng.choice(["ongoing", "term"]),
                date=date,
                defaults={"value_kind": "score", "score": rng.randint(1, 10)},
            )
            if not created and rng.random() < 0.5:
                grade.delete()
            elif not created:
                Grade.objects.filter(pk=grade.pk).update(value_kind="nv", score=None)
            touched.append((pupil, period.pk, date))
        keep_rollups("grades", touched)
        assert kept("grades") == expected("grades")
        upto = min(upto + 1, len(days) - 1)


def test_a_first_fact_in_a_week_with_rows_is_added_beside_the_appended_days(world: World, joining: str) -> None:
    """The daily case in a week that already has rows: the pupils with a row get the day added in
    place, a pupil whose first fact it is gets its row inserted in the same upkeep, and a touched
    day without a fact leaves its pupil's row as it is (decision 0050, "the daily case in place")."""
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 10)
    monday = next(d for d in days if d.weekday() == 0)
    tuesday = monday + dt.timedelta(days=1)
    assert tuesday in days
    anna, berta, cecilija = world.pupil_lizuma.pk, world.pupil_lizuma_8a.pk, world.pupil_tirzas.pk
    rng = random.Random(7)
    for pupil in (anna, cecilija):
        _day(rng, pupil, monday).save()
    keep_rollups("attendance", [(anna, monday), (cecilija, monday)])
    _day(rng, anna, tuesday).save()  # an append: Anna's row of the week is updated
    _day(rng, berta, tuesday).save()  # Berta's first fact: her row is inserted
    dace = world.pupil_madona.pk  # touched without any fact in the semester: no row at all
    touched = [(anna, tuesday), (berta, tuesday), (cecilija, tuesday), (dace, tuesday)]  # Cecilija: no fact that day
    before = kept("attendance")
    keep_rollups("attendance", touched)
    after = kept("attendance")
    assert after == expected("attendance")
    assert {key: row for key, row in after.items() if key[2] == cecilija} == {
        key: row for key, row in before.items() if key[2] == cecilija
    }
    assert {key[2] for key in after} == {anna, berta, cecilija}


def _with_values(days: list[AttendanceDay]) -> pl.DataFrame:
    """Touched rows as a writer that lists the day's values gives them (``touched_columns``)."""
    return pl.DataFrame(
        [(d.pupil_id, d.date, *(getattr(d, m) for m in ATTENDANCE_MEASURES)) for d in days],
        schema={"pupil_id": pl.Int64, "date": pl.Date, **dict.fromkeys(ATTENDANCE_MEASURES, pl.Int64)},
        orient="row",
    )


def test_a_day_with_its_row_and_lesson_marks_is_appended_by_its_row(world: World, joining: str) -> None:
    """Lesson marks count only on a day without its daily row: a writer that gives the day's
    values has its day added to the week's row although the pupil also has marks that day; a
    pupil with marks only that day is recomputed from them."""
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 10)
    monday = next(d for d in days if d.weekday() == 0)
    tuesday = monday + dt.timedelta(days=1)
    anna, berta = world.pupil_lizuma.pk, world.pupil_lizuma_8a.pk
    subject = Subject.objects.create(code="marks-test", name="Marks test")
    rng = random.Random(3)
    monday_rows = [_day(rng, pupil, monday) for pupil in (anna, berta)]
    AttendanceDay.objects.bulk_create(monday_rows)
    keep_rollups("attendance", _with_values(monday_rows))
    for pupil in (anna, berta):
        for lesson in (1, 2):
            AttendanceMark.objects.create(
                pupil_id=pupil, date=tuesday, lesson=lesson, subject=subject, mark="n", category="unjustified"
            )
    annas_day = AttendanceDay.objects.create(pupil_id=anna, date=tuesday, lessons=7, unjustified=0, illness=1, late=0)
    keep_rollups("attendance", _with_values([annas_day]))  # the row's values: the marks do not count
    keep_rollups("attendance", [(berta, tuesday)])  # marks only, keys only: recomputed from the marks
    assert kept("attendance") == expected("attendance")
    rows = {key[2]: row for key, row in kept("attendance").items()}
    columns = ["last_day", *(f"{m}_{d}" for m in ATTENDANCE_MEASURES for d in WEEKDAYS)]
    assert rows[anna][columns.index("illness_1")] == monday_rows[0].illness + 1
    assert rows[berta][columns.index("unjustified_1")] == monday_rows[1].unjustified + 2


def test_a_days_file_is_added_in_place_and_only_the_rest_sorted(
    world: World, joining: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day's file with its values, in a week that has rows: on PostgreSQL the pupils whose row
    ends before the day get it added in place straight from the touched rows, and the sorting
    statement runs only when some pupils are left — here a pupil's first fact (no row that
    week), a day sent again with a changed value (its row already holds the day) and a pupil
    listed without values (no fact that day) — and then only for them. Equal to the facts after
    each file, on both engines."""
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 10)
    monday = next(d for d in days if d.weekday() == 0)
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    assert wednesday in days
    anna, berta, cecilija, dace = (
        world.pupil_lizuma.pk,
        world.pupil_lizuma_8a.pk,
        world.pupil_tirzas.pk,
        world.pupil_madona.pk,
    )
    sorted_: list[bool] = []
    real_sort = rollups._sort

    def spy(*args: Any, **kwargs: Any) -> None:
        sorted_.append(kwargs.get("skip_added", False))
        real_sort(*args, **kwargs)

    monkeypatch.setattr(rollups, "_sort", spy)
    rng = random.Random(11)
    for day in (monday, tuesday):
        rows = [_day(rng, pupil, day) for pupil in (anna, berta, cecilija)]
        AttendanceDay.objects.bulk_create(rows)
        keep_rollups("attendance", _with_values(rows))
        assert kept("attendance") == expected("attendance"), day
    pg = connection.vendor == "postgresql"
    assert sorted_ == ([] if pg else [False]), "Tuesday: every pupil added in place on PostgreSQL"

    cecilijas = _day(rng, cecilija, wednesday)
    cecilijas.save()
    keep_rollups("attendance", _with_values([cecilijas]))
    sorted_.clear()
    cecilijas.late += 2  # the day sent again, changed: her row already holds the day
    cecilijas.save()
    written = [_day(rng, anna, wednesday), _day(rng, dace, wednesday)]  # Dace's first fact
    AttendanceDay.objects.bulk_create(written)
    touched = _with_values([*written, cecilijas]).vstack(
        pl.DataFrame(
            {"pupil_id": [berta], "date": [wednesday], **{m: [None] for m in ATTENDANCE_MEASURES}},
            schema=_with_values([]).schema,
        )
    )
    before = kept("attendance")
    upkeep = keep_rollups("attendance", touched)
    after = kept("attendance")
    assert after == expected("attendance")
    assert sorted_ == [pg], "the sorting statement ran for the rest, leaving out the pupils added"
    # One row each for Anna (added), Dace (inserted) and Cecilija (recomputed); Anna not again.
    assert upkeep.rows_written == 3
    assert [key[1] for key in after if key[2] == dace] == [week_of(wednesday)]
    assert {k: r for k, r in after.items() if k[2] == berta} == {k: r for k, r in before.items() if k[2] == berta}


def test_a_file_after_weeks_without_facts_fills_the_weeks_between(world: World) -> None:
    """A day weeks after the semester's last facts: its pupil is recomputed from the week after
    the last one (its rows of the weeks between written too), the other pupils' totals carried
    through every new week."""
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 25)
    first = days[0]
    later = next(d for d in days if (d - first).days >= 21)
    assert later < world.today
    anna, berta = world.pupil_lizuma.pk, world.pupil_lizuma_8a.pk
    rng = random.Random(5)
    rows = [_day(rng, pupil, first) for pupil in (anna, berta)]
    AttendanceDay.objects.bulk_create(rows)
    keep_rollups("attendance", _with_values(rows))
    annas_later = _day(rng, anna, later)
    annas_later.save()
    keep_rollups("attendance", _with_values([annas_later]))
    after = kept("attendance")
    assert after == expected("attendance")
    weeks = sorted({key[1] for key in after})
    assert weeks == list(range(week_of(first), week_of(later) + 1))
    assert {key[1] for key in after if key[2] == berta} == set(weeks)


def test_daily_files_add_each_day_with_the_values_the_import_wrote(
    world: World, run_import, tmp_path: Path, joining: str
) -> None:
    """Day by day, as a school sends them: each file one day of every pupil (a new file goes
    straight in by ``COPY``, the rollups' upkeep takes the day's values from the written rows,
    not from the table), a pupil missing on some days, and a day sent again with a changed value
    (the staging path, which lists the changed rows with their values): after each file the
    rollups equal the facts."""
    anna, roberts, janis = world.pupil_lizuma, world.pupil_lizuma_8a, world.pupil_tirzas
    days = school_days(world, world.year.starts_on + dt.timedelta(days=7), 12)
    assert days[-1] < world.today
    for i, day in enumerate(days):
        rows: list[list[Any]] = [DAILY, [anna.personal_code, day.isoformat(), 6, i % 3, 0, 0, i % 2]]
        if i % 4 != 1:  # Roberts is missing now and then: his next day follows a gap
            rows.append([roberts.personal_code, day.isoformat(), 7, 1, i % 2, 0, 0])
        if i >= 5:  # Jānis starts mid-way (his first fact, in a week that has rows)
            rows.append([janis.personal_code, day.isoformat(), 5, 0, 0, 1, 0])
        code, summary = run_import("attendance", write_csv(tmp_path / f"day-{i}.csv", rows))
        assert (code, summary["status"], summary["created"]) == (0, "applied", len(rows) - 1), summary["errors"]
        assert kept("attendance") == expected("attendance"), day
        if i % 5 == 3:  # the same day again, one value changed
            rows[1][3] = 4
            code, again = run_import("attendance", write_csv(tmp_path / f"day-{i}-again.csv", rows))
            assert (again["updated"], again["unchanged"]) == (1, len(rows) - 2)
            assert kept("attendance") == expected("attendance"), day


@pytest.mark.skipif(connection.vendor != "postgresql", reason="page fill is a PostgreSQL storage setting")
def test_the_weeks_rows_have_room_for_the_days_update_on_their_pages() -> None:
    """Every school day's import updates each pupil's row of the week in place: half of each page
    stays free for the new versions (journal migration 0007)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('journal_attendanceweek', 'journal_gradeweek')"
        )
        options = dict(cursor.fetchall())
    assert options == {"journal_attendanceweek": ["fillfactor=50"], "journal_gradeweek": ["fillfactor=50"]}
