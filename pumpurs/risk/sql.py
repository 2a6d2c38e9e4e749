"""The SQL helpers of the set-based refresh: the few engine differences (PostgreSQL / SQLite),
parameter adaptation, session settings and the temporary tables. ``indicators`` computes the
snapshots with them and ``flags`` evaluates the rules with them; they have their own module so
that neither of the two has to import the other for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def date_number_sql(expr: str) -> str:
    """A date as the integer YYYYMMDD: whole years between two dates are then a plain division."""
    if is_postgres():
        return f"CAST(TO_CHAR({expr}, 'YYYYMMDD') AS INTEGER)"
    return f"CAST(strftime('%%Y%%m%%d', {expr}) AS INTEGER)"


def json_object_sql(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object built in SQL from (key, SQL expression) pairs; keys are code-defined literals."""
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs)
    return f"jsonb_build_object({args})" if is_postgres() else f"json_object({args})"


def _adapt(params: Mapping[str, Any]) -> dict[str, Any]:
    ops = connection.ops
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dt.datetime):
            out[key] = ops.adapt_datetimefield_value(value)
        elif isinstance(value, dt.date):
            out[key] = ops.adapt_datefield_value(value)
        else:
            out[key] = value
    return out


def execute(cursor: Any, sql: str, params: Mapping[str, Any] | None = None) -> int:
    cursor.execute(sql, _adapt(params or {}))
    return int(cursor.rowcount or 0)


def tune_session(cursor: Any) -> None:
    """Settings for the rest of the refresh transaction (PostgreSQL only).

    JIT off: the statements are large, run once and are costed high, so PostgreSQL compiles
    them, and compiling the flag rules' CASE expressions took longer than running them (50 000
    pupils: flag candidates 2.1 s with JIT, 0.16 s without; the attendance scan 0.40 → 0.25 s).

    work_mem ``PUMPURS_REFRESH_WORK_MEM``: the per-pupil hash aggregates hold one state per pupil,
    and at the server's default 4 MB the attendance one spilled to disk (250 000 pupils: 6.8 s →
    3.5 s at 64 MB)."""
    if is_postgres():
        cursor.execute("SET LOCAL jit = off")
        if settings.PUMPURS_REFRESH_WORK_MEM:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PUMPURS_REFRESH_WORK_MEM])


TEMP_STATISTICS_TARGET = 10


def temp_name(name: str) -> str:
    return f"risk_tmp_{name}"


def create_temp(
    cursor: Any,
    name: str,
    select: str,
    params: Mapping[str, Any],
    *,
    index: Sequence[str] = (),
    keys: Sequence[str] = ("pupil_id",),
) -> None:
    """``CREATE TEMP TABLE … AS SELECT`` (PostgreSQL may plan the SELECT in parallel), with an
    optional index for the statements that probe it row by row.

    On PostgreSQL the table is then analysed, but only its ``keys`` (the columns later joins and
    filters use), from a small sample: autovacuum never analyses temporary tables, and without
    statistics the joins go wrong; statistics of every column (the flags' JSON evidence among them)
    cost up to 0.5 s a table at 250 000 pupils and are never used."""
    cursor.execute(f"DROP TABLE IF EXISTS {temp_name(name)}")
    execute(cursor, f"CREATE TEMP TABLE {temp_name(name)} AS {select}", params)
    if index:
        cursor.execute(f"CREATE INDEX {temp_name(name)}_idx ON {temp_name(name)} ({', '.join(index)})")
    if is_postgres():
        # A small sample (3 000 rows, not 30 000): the joins need only the keys' distinct counts
        # and the few values of ``state``, and the default target spent 0.1–0.2 s on each 50 000-row
        # table (0.1–0.2 of the floor for ``changed`` alone); restored at once for the real tables.
        cursor.execute(f"SET LOCAL default_statistics_target = {TEMP_STATISTICS_TARGET}")
        cursor.execute(f"ANALYZE {temp_name(name)} ({', '.join(keys)})")
        cursor.execute("SET LOCAL default_statistics_target TO DEFAULT")


def drop_temps(cursor: Any, names: Sequence[str]) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {temp_name(name)}")


def touched_set_sql(table: str) -> str:
    """``IN`` the pupils of ``table`` (decision 0048). On PostgreSQL as ``= ANY(ARRAY(…))``: the
    array is a constant to the planner, which then probes the snapshot key once per pupil — with
    ``IN (SELECT …)`` it hash-joined the semester's 200 000 snapshots (300 ms against 1.4 ms for a
    554-pupil school)."""
    if is_postgres():
        return f"= ANY(ARRAY(SELECT pupil_id FROM {table}))"  # noqa: S608 — a temp table's name from code
    return f"IN (SELECT pupil_id FROM {table})"  # noqa: S608 — a temp table's name from code


def day_number_sql(expr: str) -> str:
    """A date as a whole number of days (for fingerprints: cheaper than ``date_number_sql``)."""
    if is_postgres():
        return f"({expr} - DATE '2000-01-01')"
    return f"CAST(julianday({expr}) AS INTEGER)"
