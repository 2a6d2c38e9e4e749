"""Attendance days, lesson marks and grades partitioned by school year on PostgreSQL (decision 0055).

Each table is rebuilt as a table partitioned by range of ``date``: one partition per school year
that has facts or a calendar row, and a default partition. Constraints and indexes come back with
their own names and definitions; only a grade's primary key becomes ``(id, date)`` (a partitioned
table's keys must include the partition column; the id's sequence keeps it unique). The rows are
copied in one ``INSERT … SELECT`` per table: on a database holding years of national data this
migration rewrites them once, which takes minutes and locks the tables meanwhile — run it in a
maintenance window. SQLite: nothing changes. Reversible: the reverse rebuilds plain tables.

The SQL here is written out on purpose rather than imported from ``journal.partitions``: a migration
must do what it did on the day it was written.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

# table -> (primary key when partitioned, primary key when plain)
TABLES = {
    "journal_attendanceday": (("pupil_id", "date"), ("pupil_id", "date")),
    "journal_attendancemark": (("pupil_id", "date", "lesson"), ("pupil_id", "date", "lesson")),
    "journal_grade": (("id", "date"), ("id",)),
}


def _start_year(day: dt.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def _bounds(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, 8, 1), dt.date(start_year + 1, 8, 1)


def _definitions(cursor, table):
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'f') ORDER BY contype = 'f', conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
        "ORDER BY i.indexrelid",
        [table],
    )
    indexes = [definition for (definition,) in cursor.fetchall()]
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attidentity <> '' AND NOT attisdropped",
        [table],
    )
    identity = [name for (name,) in cursor.fetchall()]
    return constraints, indexes, identity


def _rebuild(cursor, table, key, partitioned, start_years):
    constraints, indexes, identity = _definitions(cursor, table)
    old = f"{table}__rebuilt"
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    like = f'LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE'
    if partitioned:
        cursor.execute(f'CREATE TABLE "{table}" ({like}) PARTITION BY RANGE (date)')
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        for year in sorted(start_years):
            low, high = _bounds(year)
            cursor.execute(
                f'CREATE TABLE "{table}_y{year}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)', [low, high]
            )
    else:
        cursor.execute(f'CREATE TABLE "{table}" ({like})')
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    cursor.execute(f'DROP TABLE "{old}" CASCADE')
    for name, kind, definition in constraints:
        if kind == "p":
            definition = "PRIMARY KEY ({})".format(", ".join(f'"{c}"' for c in key))
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for definition in indexes:
        cursor.execute(definition)
    for column in identity:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX(\"{column}\"), 0) + 1, false) FROM \"{table}\"",
            [table, column],
        )


def _years_to_make(cursor, table):
    cursor.execute(f'SELECT MIN(date), MAX(date) FROM "{table}"')
    low, high = cursor.fetchone()
    years = set()
    if low is not None:
        years.update(range(_start_year(low), _start_year(high) + 1))
    cursor.execute("SELECT starts_on FROM people_schoolyear")
    years.update(_start_year(starts_on) for (starts_on,) in cursor.fetchall())
    return years


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, (partitioned_key, _plain_key) in TABLES.items():
            _rebuild(cursor, table, partitioned_key, True, _years_to_make(cursor, table))


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, (_partitioned_key, plain_key) in TABLES.items():
            _rebuild(cursor, table, plain_key, False, ())


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0003_weekly_rollups"),
        ("people", "0001_initial"),
    ]
    operations = [migrations.RunPython(partition, unpartition)]
