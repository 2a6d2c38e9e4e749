"""The fact tables partitioned by school year on PostgreSQL (decision 0055): the shape the migration
leaves, where a row lands, the default partition emptied into a year made later, retention dropping
a year whole, and the migration's way back and forth with rows in the tables. SQLite keeps plain
tables: there, these tests check that nothing is partitioned and nothing breaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
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


def _parent(partition: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = %s::regclass", [partition])
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
    month = f"journal_attendanceday_y{start}_{world.today:%Y%m}"
    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=world.today) == month
    assert (
        _where("journal_attendanceday", pupil_id=pupil.pk, date=summer)
        == f"journal_attendanceday_y{start}_{summer:%Y%m}"
    )
    assert _parent(month) == f"journal_attendanceday_y{start}", "the month is a partition of its school year's"


@postgres_only
def test_a_school_year_is_cut_into_its_twelve_months_august_to_july(world: World) -> None:
    """Decision 0059: every day of a year has its month, so no row of a made year waits anywhere."""
    start = partitions.start_year_of(world.today)
    for table in TABLES:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY 1",
                [f"{table}_y{start}"],
            )
            months = cursor.fetchall()
        assert [name for name, _bound in months] == [
            f"{table}_y{start}_{first:%Y%m}" for first, _after in partitions.year_months(start)
        ]
        assert months[0][1] == f"FOR VALUES FROM ('{start}-08-01') TO ('{start}-09-01')"
        assert months[-1][1] == f"FOR VALUES FROM ('{start + 1}-07-01') TO ('{start + 1}-08-01')"


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

    assert _where("journal_attendanceday", pupil_id=pupil.pk, date=far) == "journal_attendanceday_y2031_203110"
    assert _where("journal_attendancemark", pupil_id=pupil.pk, date=far) == "journal_attendancemark_y2031_203110"
    row = AttendanceDay.objects.get(pupil=pupil, date=far)
    assert (row.lessons, row.illness) == (6, 6)
    period = Period.objects.create(school_year=year, number=1, starts_on=year.starts_on, ends_on=dt.date(2031, 12, 22))
    grade = Grade.objects.create(
        pupil=pupil, subject=subject, period=period, date=far, kind="ongoing", value_kind="score", score=7
    )
    assert _where("journal_grade", id=grade.pk, date=far) == "journal_grade_y2031_203110"
    AttendanceDay.objects.create(pupil=pupil, date=dt.date(2032, 2, 2), lessons=6)  # made with the year
    assert (
        _where("journal_attendanceday", pupil_id=pupil.pk, date=dt.date(2032, 2, 2))
        == "journal_attendanceday_y2031_203202"
    )
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
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"journal_attendanceday_y{old}_{world.today:%Y%m}"])
        assert cursor.fetchone()[0] is None, "the year's months are dropped with it"
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
        executor.migrate([("journal", "0004_partition_facts_by_school_year")])  # years without months
        assert (
            _where("journal_attendanceday", pupil_id=pupil.pk, date=dt.date(2026, 11, 16))
            == "journal_attendanceday_y2026"
        )
        assert _where("journal_grade", id=first.pk, date=dt.date(2026, 11, 16)) == "journal_grade_y2026"
        assert not partitions.is_partitioned("journal_attendanceday_y2026")
        assert AttendanceDay.objects.count() == 2
        executor = MigrationExecutor(connection)
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
    assert (
        _where("journal_attendanceday", pupil_id=pupil.pk, date=dt.date(2019, 3, 4))
        == "journal_attendanceday_y2018_201903"
    )
    assert _where("journal_grade", id=first.pk, date=dt.date(2026, 11, 16)) == "journal_grade_y2026_202611"
    assert AttendanceMark.objects.get(pupil=pupil).mark == "n"
    with connection.cursor() as cursor:
        # The month that got its rows by attaching has the table's key, checks and indexes.
        shape = (
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "UNION ALL SELECT 'i', regexp_replace(pg_get_indexdef(indexrelid), '^.* USING ', '') FROM pg_index "
            "WHERE indrelid = %s::regclass ORDER BY 1, 2"
        )
        cursor.execute(shape, ["journal_attendanceday", "journal_attendanceday"])
        table = cursor.fetchall()
        cursor.execute(shape, ["journal_attendanceday_y2026_202611", "journal_attendanceday_y2026_202611"])
        assert cursor.fetchall() == table
        assert ("p", "PRIMARY KEY (pupil_id, date)") in table
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceDay.objects.create(pupil=pupil, date=dt.date(2026, 11, 16), lessons=6)
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
