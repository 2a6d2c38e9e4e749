"""Each school year's fact partition split into calendar months on PostgreSQL (decision 0059).

``journal_attendanceday_y2026`` becomes a table partitioned by range of ``date`` with twelve
partitions ``journal_attendanceday_y2026_202608`` … ``_202707``; the same for lesson marks and
grades. A day's import then maintains the ``(pupil_id, date)`` key of one month's rows, not of the
whole year's (issue 18 item 4). The year stays a direct partition of the table, so retention still
drops a year whole, and the default partition is untouched.

Each year's rows are copied once: into twelve plain month tables first (no key, no foreign-key
trigger per row), then the old year partition is dropped, the new one made and the months attached
to it — which builds each month's indexes in one sorted pass and checks its foreign keys with one
anti-join, as adding them would. Minutes on a database holding years of national data; the tables
are locked meanwhile (a maintenance window, ``docs/operations.md``). SQLite: nothing changes.
Reversible: the reverse makes each year one plain partition again, the same way.

The SQL here is written out on purpose rather than imported from ``journal.partitions``: a migration
must do what it did on the day it was written.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

TABLES = ("journal_attendanceday", "journal_attendancemark", "journal_grade")


def _years(cursor, table):
    """(start year, name, partitioned?) of each school-year partition of ``table``."""
    cursor.execute(
        "SELECT c.relname, c.relkind = 'p' FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    found = []
    for name, partitioned in cursor.fetchall():
        suffix = name.removeprefix(f"{table}_y")
        if name.startswith(f"{table}_y") and suffix.isdigit():
            found.append((int(suffix), name, partitioned))
    return found


def _months(start_year):
    low, high = dt.date(start_year, 8, 1), dt.date(start_year + 1, 8, 1)
    while low < high:
        after = dt.date(low.year + (low.month == 12), low.month % 12 + 1, 1)
        yield low, after
        low = after


def _is_partitioned(cursor, table):
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return row is not None and row[0] == "p"


def _rebuild_year(cursor, table, start_year, name, by_month):
    low, high = dt.date(start_year, 8, 1), dt.date(start_year + 1, 8, 1)
    like = f'LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE'
    pieces = []  # (plain table holding the rows, its range)
    if by_month:
        for first, after in _months(start_year):
            piece = f"{name}_{first:%Y%m}__new"
            cursor.execute(f'CREATE TABLE "{piece}" ({like})')
            cursor.execute(
                f'INSERT INTO "{piece}" SELECT * FROM "{name}" WHERE date >= %s AND date < %s',
                [first, after],
            )
            pieces.append((piece, f"{name}_{first:%Y%m}", first, after))
    else:
        piece = f"{name}__new"
        cursor.execute(f'CREATE TABLE "{piece}" ({like})')
        cursor.execute(f'INSERT INTO "{piece}" SELECT * FROM "{name}"')
        pieces.append((piece, name, low, high))
    cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
    cursor.execute(f'DROP TABLE "{name}"')  # its months with it, when it had them
    if by_month:
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s) PARTITION BY RANGE (date)',
            [low, high],
        )
        parent = name
    else:
        parent = table
    for piece, final, first, after in pieces:
        cursor.execute(f'ALTER TABLE "{piece}" RENAME TO "{final}"')
        # The range as a check first: the attach then need not scan the rows to prove it.
        cursor.execute(
            f'ALTER TABLE "{final}" ADD CONSTRAINT "{final}__range" CHECK (date >= %s AND date < %s)', [first, after]
        )
        cursor.execute(f'ALTER TABLE "{parent}" ATTACH PARTITION "{final}" FOR VALUES FROM (%s) TO (%s)', [first, after])
        cursor.execute(f'ALTER TABLE "{final}" DROP CONSTRAINT "{final}__range"')


def _convert(schema_editor, *, by_month: bool) -> None:
    """Rebuild every year partition not yet in the wanted shape (by month, or whole)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if not _is_partitioned(cursor, table):
                continue
            for start_year, name, partitioned in _years(cursor, table):
                if partitioned != by_month:
                    _rebuild_year(cursor, table, start_year, name, by_month=by_month)


def by_month(apps, schema_editor):
    _convert(schema_editor, by_month=True)


def by_year(apps, schema_editor):
    _convert(schema_editor, by_month=False)


class Migration(migrations.Migration):
    dependencies = [("journal", "0004_partition_facts_by_school_year")]
    operations = [migrations.RunPython(by_month, by_year)]
