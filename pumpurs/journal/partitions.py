"""The fact tables partitioned by school year on PostgreSQL (issue 18 item 7, decision 0055).

Attendance days, lesson marks and grades are tens of millions of rows a year. On PostgreSQL each of
them is a table partitioned by range of ``date``, one partition per school year as the calendar
counts it (``people.calendar.school_year_start_for``: 1 August to 31 July, the summer belonging to
the year just ended), plus a default partition for any date no year's partition covers. So:

* a statement over the semester (the refresh, the floor, the weekly chart, the dashboards) reads
  only the current year's partition — the current year never pays for the old ones;
* retention drops an old year's partition whole instead of deleting its rows one by one
  (``journal.retention``);
* nothing else changes: the models, the primary keys and every query are the same (Django does not
  know; the partitioning is the database's own), and SQLite has plain tables as before.

A year's partition is made when its ``SchoolYear`` is saved (a ``post_save`` receiver) and by the
migration for every year that already had facts or a calendar row; a date outside them lands in the
default partition and is moved into its year's partition when that is made
(:func:`ensure_year_partitions`), so no write ever depends on a partition existing.

Each school year's partition is itself partitioned by calendar month (decision 0059): a day's
facts go into the month's partition, whose ``(pupil_id, date)`` key holds at most a month of days,
so a national day's import maintains a small index instead of the whole year's (issue 18 item 4).
The twelve months cover the year whole, so a row of a year that exists always has its month; the
year stays the unit of retention (dropping it drops its months) and of :func:`year_partitions`.

Incidents (thousands of rows a year) stay one plain table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

# The partitioned tables and the primary key each gets: the key must include the partition
# column, so a grade's surrogate id is unique together with its date (its sequence keeps it unique).
PARTITIONED: dict[str, tuple[str, ...]] = {
    "journal_attendanceday": ("pupil_id", "date"),
    "journal_attendancemark": ("pupil_id", "date", "lesson"),
    "journal_grade": ("id", "date"),
}

YEAR_STARTS = (8, 1)  # month, day: as people.calendar.school_year_start_for counts a school year


def year_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    """The half-open range [from, to) of the partition of the school year starting in ``start_year``."""
    month, day = YEAR_STARTS
    return dt.date(start_year, month, day), dt.date(start_year + 1, month, day)


def partition_name(table: str, start_year: int) -> str:
    return f"{table}_y{start_year}"


def year_months(start_year: int) -> list[tuple[dt.date, dt.date]]:
    """The twelve half-open calendar months [from, to) of the school year starting in ``start_year``."""
    low, high = year_bounds(start_year)
    months = []
    while low < high:
        after = dt.date(low.year + (low.month == 12), low.month % 12 + 1, 1)
        months.append((low, after))
        low = after
    return months


def month_partition_name(table: str, start_year: int, first_day: dt.date) -> str:
    """``journal_attendanceday_y2026_202612``: the month's partition inside its school year's."""
    return f"{partition_name(table, start_year)}_{first_day:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def start_year_of(day: dt.date) -> int:
    month, first = YEAR_STARTS
    return day.year if (day.month, day.day) >= (month, first) else day.year - 1


def is_partitioned(table: str) -> bool:
    """True on PostgreSQL once the migration has made ``table`` a partitioned table."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


@dataclass(frozen=True)
class YearPartition:
    table: str
    start_year: int
    name: str


def year_partitions(table: str) -> list[YearPartition]:
    """The school-year partitions of ``table`` that exist, oldest first (not the default)."""
    if not is_partitioned(table):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [table],
        )
        names = [name for (name,) in cursor.fetchall()]
    prefix = f"{table}_y"
    found = []
    for name in names:
        suffix = name.removeprefix(prefix)
        if name.startswith(prefix) and suffix.isdigit():
            found.append(YearPartition(table, int(suffix), name))
    return sorted(found, key=lambda p: p.start_year)


def ensure_year_partitions(start_years: Iterable[int]) -> list[str]:
    """Make each school year's partition of every partitioned table unless it exists; rows of that
    year waiting in the default partition move into it in the same transaction. Returns the names
    made. Does nothing on SQLite or before the migration. Takes the tables' locks: meant for the
    rare moments a school year is created, not for every import."""
    wanted = sorted(set(start_years))
    if not wanted or connection.vendor != "postgresql":
        return []
    made: list[str] = []
    qn = connection.ops.quote_name
    for table in PARTITIONED:
        if not is_partitioned(table):
            continue
        have = {p.start_year for p in year_partitions(table)}
        for start_year in wanted:
            if start_year in have:
                continue
            low, high = year_bounds(start_year)
            name = partition_name(table, start_year)
            default = default_name(table)
            with connection.cursor() as cursor:
                exists = f"SELECT EXISTS (SELECT 1 FROM {qn(default)} WHERE date >= %s AND date < %s)"  # noqa: S608 — names from code
                cursor.execute(exists, [low, high])
                waiting = cursor.fetchone()[0]
                if not waiting:
                    cursor.execute(
                        f"CREATE TABLE {qn(name)} PARTITION OF {qn(table)} FOR VALUES FROM (%s) TO (%s) "
                        "PARTITION BY RANGE (date)",
                        [low, high],
                    )
                    _make_months(cursor, table, start_year)
                else:
                    # A default partition may not hold rows of a range a new partition takes: move them.
                    cursor.execute(
                        f"CREATE TABLE {qn(name)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
                        "PARTITION BY RANGE (date)"
                    )
                    _make_months(cursor, table, start_year)
                    cursor.execute(
                        f"WITH moved AS (DELETE FROM {qn(default)} WHERE date >= %s AND date < %s RETURNING *) "  # noqa: S608 — names from code
                        f"INSERT INTO {qn(name)} SELECT * FROM moved",
                        [low, high],
                    )
                    cursor.execute(
                        f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} FOR VALUES FROM (%s) TO (%s)", [low, high]
                    )
            made.append(name)
    return made


def _make_months(cursor: Any, table: str, start_year: int) -> None:
    """The twelve month partitions of a school year's partition (made just before, partitioned by
    range of ``date``); they cover its range whole, so it needs no default of its own."""
    qn = connection.ops.quote_name
    year = partition_name(table, start_year)
    for low, high in year_months(start_year):
        month = month_partition_name(table, start_year, low)
        cursor.execute(f"CREATE TABLE {qn(month)} PARTITION OF {qn(year)} FOR VALUES FROM (%s) TO (%s)", [low, high])


def drop_year_partitions_through(table: str, last_day: dt.date) -> int:
    """Detach and drop every school-year partition of ``table`` whose dates all fall on or before
    ``last_day``; returns the rows they held (counted before the drop). Retention's whole-year step:
    a year's month partitions go with it."""
    qn = connection.ops.quote_name
    removed = 0
    for partition in year_partitions(table):
        _low, high = year_bounds(partition.start_year)
        if high - dt.timedelta(days=1) > last_day:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {qn(partition.name)}")  # noqa: S608 — a name from the catalogue
            removed += cursor.fetchone()[0]
            cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(partition.name)}")
            cursor.execute(f"DROP TABLE {qn(partition.name)}")
    return removed


def school_year_saved(sender: object, instance: object, **kwargs: object) -> None:
    """``post_save`` of a ``SchoolYear``: its partitions exist before any fact of it is written."""
    starts_on = getattr(instance, "starts_on", None)
    if isinstance(starts_on, str):
        starts_on = dt.date.fromisoformat(starts_on)
    if isinstance(starts_on, dt.date):
        ensure_year_partitions([start_year_of(starts_on)])
