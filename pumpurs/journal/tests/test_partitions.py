"""The fact tables partitioned by school year on PostgreSQL (decision 0055): the shape the migration
leaves, where a row lands, the default partition emptied into a year made later, retention dropping
a year whole, and the migration's way back and forth with rows in the tables. SQLite keeps plain
tables: there, these tests check that nothing is partitioned and nothing breaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pumpurs.journal import partitions
from pumpurs.journal.models import AttendanceDay, AttendanceMark, Grade, Subject
from pumpurs.people.models import Period, SchoolYear
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's (SQLite keeps plain tables)"
)
TABLES = ("journal_attendanceday", "journal_attendancemark", "journal_grade")


def _where(table: str, **key: Any) -> str:
    """The partition that holds the row of ``table`` with ``key``."""
    condition = " AND ".join(f"{column} = %s" for column in key)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE {condition}", list(key.values()))  # noqa: S608 — test's own names
        (name,) = cursor.fetchone()
    return name


def _subject() -> Subject:
    """A subject of the test's own: a transactional test before this one may have flushed the list
    the migrations load."""
    subject, _ = Subject.objects.get_or_create(code="partition-test", defaults={"name": "Partition test subject"})
    return subject


def _new_year(start_year: int) -> SchoolYear:
    return SchoolYear.objects.create(
        name=f"{start_year}/{(start_year + 1) % 100:02d}",
        starts_on=dt.date(start_year, 9, 1),
        ends_on=dt.date(start_year + 1, 6, 19),
    )


def test_sqlite_keeps_plain_tables() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL: see the tests below")
    assert not any(partitions.is_partitioned(table) for table in TABLES)
    assert partitions.ensure_year_partitions([2030]) == []


@postgres_only
def test_the_migration_leaves_partitioned_tables_with_their_keys_and_a_default(world: World) -> None:
    for table in TABLES:
        assert partitions.is_partitioned(table), table
        names = {p.start_year for p in partitions.year_partitions(table)}
        assert partitions.start_year_of(world.year.starts_on) in names
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'journal_grade'::regclass "
            "AND contype IN ('p', 'u') ORDER BY conname"
        )
        keys = dict(cursor.fetchall())
    assert keys["grade_key"] == "UNIQUE (pupil_id, subject_id, period_id, kind, date)"
    assert [definition for definition in keys.values() if definition.startswith("PRIMARY KEY")] == [
        "PRIMARY KEY (id, date)"
    ]


@postgres_only
def test_a_fact_lands_in_its_school_years_partition_and_the_summer_in_the_year_just_ended(world: World) -> None:
    pupil = world.pupil_lizuma
    start = partitions.start_year_of(world.today)
    AttendanceDay.objects.create(pupil=pupil, date=world.today, lessons=6, unjustified=1)
    summer = dt.date(start + 1, 7, 20)  # after the year's last day, before 1 August
    AttendanceDay.objects.create(pupil=pupil, date=summer, lessons=0)
    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=world.today) == f"journal_attendanceday_y{start}"
    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=summer) == f"journal_attendanceday_y{start}"


@postgres_only
def test_a_year_made_later_takes_its_rows_out_of_the_default_partition(world: World) -> None:
    pupil = world.pupil_lizuma
    far = dt.date(2031, 10, 6)
    assert 2031 not in {p.start_year for p in partitions.year_partitions("journal_attendanceday")}
    AttendanceDay.objects.create(pupil=pupil, date=far, lessons=6, illness=6)
    subject = _subject()
    AttendanceMark.objects.create(pupil=pupil, date=far, lesson=1, subject=subject, mark="n", category="unjustified")
    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=far) == "journal_attendanceday_default"

    year = _new_year(2031)  # post_save makes its partitions

    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=far) == "journal_attendanceday_y2031"
    assert _where("journal_attendancemark", pupil_id=pupil.pk, date=far) == "journal_attendancemark_y2031"
    row = AttendanceDay.objects.get(pupil=pupil, date=far)
    assert (row.lessons, row.illness) == (6, 6)
    period = Period.objects.create(school_year=year, number=1, starts_on=year.starts_on, ends_on=dt.date(2031, 12, 22))
    grade = Grade.objects.create(
        pupil=pupil, subject=subject, period=period, date=far, kind="ongoing", value_kind="score", score=7
    )
    assert _where("journal_grade", id=grade.pk, date=far) == "journal_grade_y2031"
    assert partitions.ensure_year_partitions([2031]) == [], "made once"


@postgres_only
def test_retention_drops_a_whole_year_and_deletes_only_the_rest(world: World) -> None:
    pupil = world.pupil_lizuma
    old = partitions.start_year_of(world.today)
    partitions.ensure_year_partitions([old + 1])
    AttendanceDay.objects.create(pupil=pupil, date=world.today, lessons=6)
    AttendanceDay.objects.create(pupil=pupil, date=dt.date(old + 1, 8, 20), lessons=0)  # the old year's summer
    AttendanceDay.objects.create(pupil=pupil, date=dt.date(old + 1, 9, 1), lessons=6)  # the next year

    removed = partitions.drop_year_partitions_through("journal_attendanceday", dt.date(old + 1, 8, 31))

    assert removed == 1
    assert old not in {p.start_year for p in partitions.year_partitions("journal_attendanceday")}
    assert sorted(AttendanceDay.objects.values_list("date", flat=True)) == [
        dt.date(old + 1, 8, 20),
        dt.date(old + 1, 9, 1),
    ]
    # Not a year whose last day is after the span's end.
    assert partitions.drop_year_partitions_through("journal_attendanceday", dt.date(old + 2, 7, 30)) == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_to_plain_tables_and_forth_keeping_every_row(municipalities: None) -> None:
    from pumpurs.world.personas import build_world

    world = build_world(dt.date(2026, 11, 16))
    pupil = world.pupil_lizuma
    subject = _subject()
    period = Period.objects.filter(school_year=world.year).order_by("number").first()
    assert period is not None
    AttendanceDay.objects.create(pupil=pupil, date=dt.date(2026, 11, 16), lessons=6, unjustified=2)
    AttendanceDay.objects.create(pupil=pupil, date=dt.date(2019, 3, 4), lessons=5)  # a year with no calendar row
    AttendanceMark.objects.create(
        pupil=pupil, date=dt.date(2026, 11, 16), lesson=2, subject=subject, mark="n", category="unjustified"
    )
    first = Grade.objects.create(
        pupil=pupil,
        subject=subject,
        period=period,
        date=dt.date(2026, 11, 16),
        kind="ongoing",
        value_kind="score",
        score=4,
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("journal", "0003_weekly_rollups")])
        assert not any(partitions.is_partitioned(table) for table in TABLES)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'journal_grade'::regclass AND contype = 'p'"
            )
            assert cursor.fetchone()[0] == "PRIMARY KEY (id)"
        assert AttendanceDay.objects.count() == 2
        executor = MigrationExecutor(connection)
        executor.migrate([("journal", "0004_partition_facts_by_school_year")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert all(partitions.is_partitioned(table) for table in TABLES)
    assert {p.start_year for p in partitions.year_partitions("journal_attendanceday")} >= {2018, 2026}
    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=dt.date(2019, 3, 4)) == "journal_attendanceday_y2018"
    assert AttendanceMark.objects.get(pupil=pupil).mark == "n"
    assert Grade.objects.get().pk == first.pk
    second = Grade.objects.create(
        pupil=pupil,
        subject=subject,
        period=period,
        date=dt.date(2026, 11, 17),
        kind="ongoing",
        value_kind="score",
        score=6,
    )
    assert second.pk > first.pk, "the id's sequence goes on after the copied rows"
