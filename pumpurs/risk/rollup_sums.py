"""The indicator families' per-pupil sums read from the weekly rollups (issue 18, decision 0050).

The same numbers as the refresh's family statements (``indicators._attendance_selects`` and
``GRADES_SQL``) for the semester window and the 4-week window, but each is a difference of two
rollup rows per pupil found by equality on (semester, week, pupil) — a day's running total is
the column of its weekday in its week's row — instead of an aggregate over the facts:

* attendance: ``p_<measure>`` over [semester start, period_to] and ``r_<measure>`` over
  [w_from, w_to] for lessons, unjustified, illness, other_justified, late;
* grades: failing_p / failing_4, nv_p / nv_4, avg_p / avg_4 (the semester's grades, and those
  dated in the 4 weeks), avg_prev (the previous semester's average, for pupils with grades in
  this one — the only ones whose change is defined).

A day after the semester's last day with facts reads as that last day (the totals no longer
change), so every day read has its week's row for every pupil with a fact before it. Pupils
without a row have no facts: the refresh's left joins give them zeros and nulls as before.
``risk.indicators.rollups_family_sums`` reads these while ``PUMPURS_FACT_ROLLUPS`` is on; the
tests prove them equal to the family statements on the same facts, and the whole refresh equal
both ways (``risk/tests/test_refresh_equality.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from pumpurs.journal.models import ATTENDANCE_MEASURES, AttendanceWeek, GradeWeek
from pumpurs.journal.rollups import week_of, weekday_of

ATT = AttendanceWeek._meta.db_table
GRD = GradeWeek._meta.db_table


@dataclass(frozen=True)
class SumWindows:
    period_id: int
    previous_id: int | None
    period_from: dt.date
    period_to: dt.date
    w_from: dt.date
    w_to: dt.date


def _extent(table: str, period_id: int) -> tuple[int | None, dt.date | None]:
    """(last week, last day with a fact) of a semester's rollup: an index probe for the week,
    then the last day among that week's rows (one per pupil)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(week) FROM {table} WHERE period_id = %s", [period_id])  # noqa: S608 — names from code
        week = cursor.fetchone()[0]
        if week is None:
            return None, None
        cursor.execute(f"SELECT MAX(last_day) FROM {table} WHERE period_id = %s AND week = %s", [period_id, week])  # noqa: S608 — names from code
        last = cursor.fetchone()[0]
    return int(week), last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last))


def attendance_last_day(period_id: int, upto: dt.date) -> dt.date | None:
    """The semester's last day with attendance on or before ``upto`` (the refresh's 4-week end).
    From the rollups when the facts end by then; otherwise (a refresh of a past day) from the facts
    of ``upto``'s week and the five before it, and when those have none, from the rollup rows of
    the week before them (dense rows: the latest ``last_day`` among a week's rows is the last day
    with a fact up to that week's end)."""
    _week, last = _extent(ATT, period_id)
    if last is None or last <= upto:
        return last
    monday = upto - dt.timedelta(days=upto.weekday() + 7 * 5)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(d) FROM (SELECT MAX(date) AS d FROM journal_attendanceday WHERE date BETWEEN %s AND %s "
            "UNION ALL SELECT MAX(date) FROM journal_attendancemark WHERE date BETWEEN %s AND %s) x",
            [connection.ops.adapt_datefield_value(v) for v in (monday, upto, monday, upto)],
        )
        value = cursor.fetchone()[0]
        if value is None:
            cursor.execute(
                f"SELECT MAX(last_day) FROM {ATT} WHERE period_id = %s AND week = %s",  # noqa: S608 — names from code
                [period_id, week_of(monday) - 1],
            )
            value = cursor.fetchone()[0]
    return None if value is None else value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _at(alias: str, measure: str, day: dt.date) -> str:
    return f"COALESCE({alias}.{measure}_{weekday_of(day)}, 0)"


def _probe(alias: str, table: str, period: str, day: dt.date) -> str:
    return (
        f"LEFT JOIN {table} {alias} ON {alias}.period_id = {period} AND {alias}.week = {week_of(day)} "
        f"AND {alias}.pupil_id = t.pupil_id"
    )


def attendance_sums_sql(w: SumWindows) -> str | None:
    """One row per pupil with attendance up to the window's end; None when the semester has none."""
    _week, last = _extent(ATT, w.period_id)
    if last is None:
        return None
    end = min(w.period_to, last)
    four_end = min(w.w_to, last)
    before = min(w.w_from - dt.timedelta(days=1), last)
    joins = []
    f_alias = "t" if week_of(four_end) == week_of(end) else "f"
    if f_alias == "f":
        joins.append(_probe("f", ATT, "%(period)s", four_end))
    s_alias = {week_of(end): "t", week_of(four_end): f_alias}.get(week_of(before), "s")
    if s_alias == "s":
        joins.append(_probe("s", ATT, "%(period)s", before))
    cols = [f"{_at('t', m, end)} AS p_{m}" for m in ATTENDANCE_MEASURES]
    cols += [f"{_at(f_alias, m, four_end)} - {_at(s_alias, m, before)} AS r_{m}" for m in ATTENDANCE_MEASURES]
    return (
        f"SELECT t.pupil_id, {', '.join(cols)} FROM {ATT} t {' '.join(joins)} "  # noqa: S608 — names from code
        f"WHERE t.period_id = %(period)s AND t.week = {week_of(end)}"
    )


def _average(alias_sum: str, alias_n: str) -> str:
    if connection.vendor == "postgresql":
        return f"CASE WHEN {alias_n} > 0 THEN ROUND(CAST({alias_sum} AS NUMERIC) / {alias_n}, 2) END"
    return f"CASE WHEN {alias_n} > 0 THEN ROUND(1.0 * {alias_sum} / {alias_n}, 2) END"


def grade_sums_sql(w: SumWindows) -> str | None:
    """One row per pupil with grades of the semester; None when it has none."""
    week, last = _extent(GRD, w.period_id)
    if week is None or last is None:
        return None
    four_end = min(w.w_to, last)
    before = min(w.w_from - dt.timedelta(days=1), last)
    f_alias = "t" if four_end == last else "f"
    joins = [] if f_alias == "t" else [_probe("f", GRD, "%(period)s", four_end)]
    s_alias = "t" if before == last else "s"
    if s_alias == "s":
        joins.append(_probe("s", GRD, "%(period)s", before))

    def four(measure: str) -> str:
        end = f"{measure}_6" if f_alias == "t" else f"{measure}_{weekday_of(four_end)}"
        start = f"{measure}_6" if s_alias == "t" else f"{measure}_{weekday_of(before)}"
        return f"(COALESCE({f_alias}.{end}, 0) - COALESCE({s_alias}.{start}, 0))"

    previous = "CAST(NULL AS NUMERIC)"  # typed: a temporary table made from it keeps a numeric column
    if w.previous_id is not None:
        prev_week, _prev_last = _extent(GRD, w.previous_id)
        if prev_week is not None:
            joins.append(
                f"LEFT JOIN {GRD} q ON q.period_id = %(previous)s AND q.week = {prev_week} AND q.pupil_id = t.pupil_id"
            )
            previous = _average("q.score_sum_6", "q.score_n_6")
    cols = [
        "t.failing_6 AS failing_p",
        f"{four('failing')} AS failing_4",
        "t.nv_6 AS nv_p",
        f"{four('nv')} AS nv_4",
        f"{_average('t.score_sum_6', 't.score_n_6')} AS avg_p",
        f"{_average(four('score_sum'), four('score_n'))} AS avg_4",
        f"{previous} AS avg_prev",
    ]
    return (
        f"SELECT t.pupil_id, {', '.join(cols)} FROM {GRD} t {' '.join(joins)} "  # noqa: S608 — names from code
        f"WHERE t.period_id = %(period)s AND t.week = {week}"
    )


def family_sums(w: SumWindows) -> dict[str, dict[int, dict[str, Any]]]:
    """Both families' sums per pupil, read from the rollups ({"attendance": …, "grades": …})."""
    params = {"period": w.period_id, "previous": w.previous_id if w.previous_id is not None else -1}
    out: dict[str, dict[int, dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        for name, sql in (("attendance", attendance_sums_sql(w)), ("grades", grade_sums_sql(w))):
            out[name] = {}
            if sql is None:
                continue
            cursor.execute(sql, params)
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                out[name][int(row[0])] = dict(zip(names[1:], row[1:], strict=True))
    return out
