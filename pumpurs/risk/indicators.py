"""Indicators for every pupil of a semester, computed set-based in the database (DESIGN §5).

``indicators_refresh`` keeps one ``IndicatorSnapshot`` row per pupil with an enrolment in the
semester (decision record 0049), holding both windows: "period" (the semester's first day up to
min(today, its last day)) under the plain column names and "4w" (the 28 days ending at the latest
school day with attendance data on or before that day, clipped to the semester) under ``w4_``.
Then ``flags.flags_refresh`` turns them into flags.

The semester's pupils come from a cached table (``semester_pupils``), rebuilt only when the
enrolments, pupils, classes or schools changed. The family sums come from ``family_sums`` (one
statement per family, each into a temporary table: over the facts, or, while
``PUMPURS_FACT_ROLLUPS`` is on, attendance and grades over the weekly rollups). One compare statement builds
every pupil's row and full-joins it with the stored one on the key: only the new, changed and
gone rows leave it (temporary table ``changed``); only those are written (``computed_at`` is when
a snapshot's values last changed, not when it was last checked) and only their pupils' flags
evaluated, unless a rule, threshold or flag row changed outside the refresh (``flag_stamp``).
The number of statements does not depend on the number of pupils. Rules per family:

* **attendance** — daily counts from ``AttendanceDay``; for a pupil-day without an
  ``AttendanceDay`` row, the lesson-level ``AttendanceMark`` rows of that day count instead, one
  lesson per mark, by category (a "late" mark is a lesson attended late). A day with both never
  counts twice: the daily row wins. attendance_rate = 100 × (lessons − unjustified − illness −
  other_justified) / lessons, rounded to 2 places; null without lessons.
* **grades** — by the grade's semester (``Grade.period``): failing_grades = term grades below 4
  or *neieskaitīts*; nv_count = ``nv`` grades; average_grade = mean of the 10-point ongoing and
  term scores (``nv``, pass/fail and levels are never averaged); average_change = average −
  the previous semester's average (null if either is missing). In the "4w" row the counts and the
  average take only grades dated inside the window, and average_change is null.
* **incidents** — behaviour incidents dated in the window.
* **enrolment history** (the same in both rows) — repeated_grade: two enrolments in different
  school years in the same grade (and kind of school); over_age_years: age on the school year's
  first day minus the usual age (6 + grade; for vocational courses 15 + course), never below 0;
  school_changes_12m: enrolments that ended "transferred" in the 12 months up to the window end.
  The pupil's grade is that of their latest enrolment in the semester.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pumpurs.journal.rollups import rollups_readable
from pumpurs.people.calendar import semester_on, weekday_on_or_before
from pumpurs.people.models import Period, SchoolYear
from pumpurs.risk.flags import flags_refresh, loose_holds_sql, loosest_thresholds
from pumpurs.risk.models import RefreshMark, ThresholdOverride
from pumpurs.risk.rollup_sums import SumWindows, attendance_last_day, attendance_sums_sql, grade_sums_sql
from pumpurs.risk.rules import RULE_VERSION
from pumpurs.risk.semester_pupils import MOVED, semester_pupils_ensure
from pumpurs.risk.sql import (
    create_temp,
    drop_temps,
    execute,
    is_postgres,
    temp_name,
    touched_set_sql,
    tune_session,
)
from pumpurs.risk.unchanged import input_seq, only_these_batches_since, rules_stamp, unchanged_mark

FOUR_WEEKS_DAYS = 28
ATTENDANCE_COLUMNS = ("lessons", "unjustified", "illness", "other_justified", "late")
MARK_FIELDS = ["period_to", "rule_version", "input_seq", "four_weeks_from", "four_weeks_to", "pupils", "refreshed_at"]
MARK_FIELDS += ["last_fact_day", "roster_stamp", "flag_stamp"]
TEMP_TABLES = (
    "touched",
    "days",
    "marks",
    "days4",
    "marks4",
    "grades",
    "incidents",
    "changed",
    "r_att",
    "r_grades",
    MOVED,
)


@dataclass(frozen=True)
class RefreshResult:
    period_id: int | None
    today: dt.date
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    four_weeks_from: dt.date | None = None
    four_weeks_to: dt.date | None = None
    pupils: int = 0
    snapshots: int = 0  # the semester's snapshots after the refresh: one per pupil (decision 0049)
    snapshots_written: int = 0  # inserted or changed; the others were left as they were
    flags_raised: int = 0
    flags_closed: int = 0
    seconds: float = 0.0
    # Nothing a refresh reads had changed since the last one (``unchanged``): nothing was read or written.
    unchanged: bool = False
    # Only the pupils of the applied fact batches were recomputed (``Touched``); None: every pupil.
    pupils_recomputed: int | None = None

    def __str__(self) -> str:
        if self.period_id is None:
            return f"No semester on or before {self.today}: nothing to refresh."
        if self.unchanged:
            return (
                f"semester {self.period_id}: {self.period_from} – {self.period_to}, "
                f"4 weeks {self.four_weeks_from} – {self.four_weeks_to}; pupils {self.pupils}; no fact, roster, "
                f"threshold or flag decision since the last refresh and the same window: nothing to do; "
                f"{self.seconds:.2f} s"
            )
        only = "" if self.pupils_recomputed is None else f" (only the {self.pupils_recomputed} an import touched)"
        return (
            f"semester {self.period_id}: {self.period_from} – {self.period_to}, "
            f"4 weeks {self.four_weeks_from} – {self.four_weeks_to}; "
            f"pupils {self.pupils}{only}, snapshots {self.snapshots} ({self.snapshots_written} written), flags raised {self.flags_raised}, "
            f"closed {self.flags_closed}; {self.seconds:.2f} s"
        )


# --- Dates ----------------------------------------------------------------------------------------


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- Windows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    period_from: dt.date
    period_to: dt.date
    # The two likeliest ends of the 4-week window, guessed before the one scan of the facts: the
    # latest weekday on or before ``period_to`` and the weekday before it.
    guess_end: dt.date
    guess_end_before: dt.date

    @classmethod
    def for_period(cls, period: Period, today: dt.date) -> Windows:
        period_to = max(period.starts_on, min(today, period.ends_on))
        guess = weekday_on_or_before(period_to)
        return cls(period.starts_on, period_to, guess, weekday_on_or_before(guess - dt.timedelta(days=1)))

    def four_weeks(self, last_day: dt.date | None) -> tuple[dt.date, dt.date]:
        end = last_day or self.period_to
        return max(self.period_from, end - dt.timedelta(days=FOUR_WEEKS_DAYS - 1)), end


# --- Only the touched pupils ---------------------------------------------------------------------


@dataclass(frozen=True)
class Touched:
    """The applied fact batches a refresh follows and the schools they were imported for: every
    fact such a batch wrote belongs to a pupil with an enrolment at one of ``institutions`` (an
    import scoped to a school matches personal codes only among that school's pupils)."""

    batches: frozenset[str]  # public ids
    institutions: tuple[int, ...]


def only_touched(column: str, touched: bool) -> str:
    """The pupil filter of a refresh of only the touched pupils: the same statements, cut down."""
    if not touched:
        return ""
    return f"AND {column} {touched_set_sql(temp_name('touched'))}"


def _touched_sql(institutions: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    names = {f"inst{i}": pk for i, pk in enumerate(institutions)}
    placeholders = ", ".join(f"%({name})s" for name in names)
    return f"SELECT DISTINCT pupil_id FROM people_enrolment WHERE institution_id IN ({placeholders})", names  # noqa: S608 — placeholders only


# --- The families ---------------------------------------------------------------------------------


def _attendance_selects(extra: dict[str, tuple[str, str]], touched: bool = False) -> tuple[str, str]:
    """(daily rows, lesson marks) aggregated per pupil over [:from, :to]; ``extra`` adds sums
    over sub-ranges, named prefix → (lower bound param, upper bound param)."""

    def sums(prefix: str, lower: str | None, upper: str | None) -> list[str]:
        # BIGINT: a sum of the mark counts (themselves BIGINT) would be NUMERIC, and every sum
        # below would then be computed in PostgreSQL's slow arbitrary-precision arithmetic.
        if lower is None:
            return [f"CAST(SUM({c}) AS BIGINT) AS {prefix}{c}" for c in ATTENDANCE_COLUMNS]
        cond = f"date BETWEEN %({lower})s AND %({upper})s"
        return [f"CAST(SUM({c}) FILTER (WHERE {cond}) AS BIGINT) AS {prefix}{c}" for c in ATTENDANCE_COLUMNS]

    columns = sums("p_", None, None)
    for prefix, (lower, upper) in extra.items():
        columns += sums(prefix, lower, upper)
    columns.append("MAX(date) AS last_day")
    days = (
        f"SELECT pupil_id, {', '.join(columns)} FROM journal_attendanceday "  # noqa: S608 — names and rule codes from code, every value a parameter
        f"WHERE date BETWEEN %(from)s AND %(to)s {only_touched('pupil_id', touched)} GROUP BY pupil_id"
    )
    # One lesson per mark, by category, for pupil-days that have no daily row.
    marks = (
        f"SELECT pupil_id, {', '.join(columns)} FROM ("  # noqa: S608 — names and rule codes from code, every value a parameter
        "SELECT m.pupil_id, m.date, COUNT(*) AS lessons, "
        "SUM(CASE WHEN m.category = 'unjustified' THEN 1 ELSE 0 END) AS unjustified, "
        "SUM(CASE WHEN m.category = 'illness' THEN 1 ELSE 0 END) AS illness, "
        "SUM(CASE WHEN m.category = 'other_justified' THEN 1 ELSE 0 END) AS other_justified, "
        "SUM(CASE WHEN m.category = 'late' THEN 1 ELSE 0 END) AS late "
        f"FROM journal_attendancemark m WHERE m.date BETWEEN %(from)s AND %(to)s {only_touched('m.pupil_id', touched)} "
        "AND NOT EXISTS ("
        "SELECT 1 FROM journal_attendanceday d WHERE d.pupil_id = m.pupil_id AND d.date = m.date) "
        "GROUP BY m.pupil_id, m.date) lesson_days GROUP BY pupil_id"
    )
    return days, marks


# Counts with ``FILTER`` and averages of the integer score: ``AVG`` of an integer keeps a 64-bit
# sum and count per pupil, of a NUMERIC (``1.0 * score``) an arbitrary-precision one — 11 million
# grades took 7.1 s that way, most of it in the arithmetic.
_FAILING = "kind = 'term' AND ((value_kind = 'score' AND score < 4) OR value_kind = 'failed')"
_AVERAGED = "value_kind = 'score' AND kind IN ('ongoing', 'term')"
_HERE = "period_id = %(period)s"
_IN4 = "date BETWEEN %(w_from)s AND %(w_to)s"
GRADES_SQL = f"""
SELECT pupil_id,
  COUNT(*) FILTER (WHERE {_HERE} AND {_FAILING}) AS failing_p,
  COUNT(*) FILTER (WHERE {_HERE} AND {_FAILING} AND {_IN4}) AS failing_4,
  COUNT(*) FILTER (WHERE {_HERE} AND value_kind = 'nv') AS nv_p,
  COUNT(*) FILTER (WHERE {_HERE} AND value_kind = 'nv' AND {_IN4}) AS nv_4,
  ROUND(AVG(score) FILTER (WHERE {_HERE} AND {_AVERAGED}), 2) AS avg_p,
  ROUND(AVG(score) FILTER (WHERE {_HERE} AND {_AVERAGED} AND {_IN4}), 2) AS avg_4,
  ROUND(AVG(score) FILTER (WHERE period_id = %(previous)s AND {_AVERAGED}), 2) AS avg_prev
FROM journal_grade WHERE period_id IN (%(period)s, %(previous)s) {{only}} GROUP BY pupil_id
"""  # noqa: S608 — names and rule codes from code, every value a parameter

INCIDENTS_SQL = """
SELECT pupil_id, COUNT(*) AS n_p,
  SUM(CASE WHEN date BETWEEN %(w_from)s AND %(w_to)s THEN 1 ELSE 0 END) AS n_4
FROM journal_incident WHERE date BETWEEN %(from)s AND %(to)s {only} GROUP BY pupil_id
"""

# --- The family sums (pluggable) -----------------------------------------------------------------


@dataclass(frozen=True)
class FamilySums:
    """Every pupil's indicator family sums for both windows, as the compare statement reads them:
    ``joins`` (LEFT JOINs on the pupil alias ``s``) and, per indicator column of the snapshot
    (``lessons`` … ``incidents``, ``w4_lessons`` … ``w4_incidents``, ``average_change``), the SQL
    of its raw value over those joins. A different source of the same sums (issue 18 item 1's
    weekly rollups) replaces ``family_sums`` and nothing else."""

    joins: str
    columns: dict[str, str]
    last_day: dt.date | None
    w_from: dt.date
    w_to: dt.date
    temps: tuple[str, ...]


def family_sums(
    cursor: Any, windows: Windows, params: dict[str, Any], *, touched: bool, base: RefreshMark | None
) -> FamilySums | None:
    """The family sums: from the weekly rollups while ``settings.PUMPURS_FACT_ROLLUPS`` is on (the
    imports keep them then; decision 0050) and they are marked built for the semester (and the
    previous one's grades: ``journal.rollups.rollups_readable``), from the facts otherwise. Both give the same sums, so
    the same snapshots and flags (``risk/tests/test_refresh_equality.py``). None when ``base`` (a
    refresh of only the touched pupils) no longer holds."""
    previous = params["previous"] if params["previous"] != -1 else None
    if settings.PUMPURS_FACT_ROLLUPS and rollups_readable(params["period"], previous):
        return rollups_family_sums(cursor, windows, params, touched=touched, base=base)
    return facts_family_sums(cursor, windows, params, touched=touched, base=base)


def _window_after(last_day: dt.date | None, base: RefreshMark | None) -> tuple[bool, dt.date | None]:
    """(holds, the semester's last day with facts) for a refresh of only the touched pupils
    (``base``): the other pupils' facts are as the last refresh saw them, so the semester's last
    day with facts is the later of theirs and the touched ones'; a later one moves everyone's
    window and the partial refresh no longer holds."""
    if base is None:
        return True, last_day
    if last_day is not None and base.last_fact_day is not None and last_day > base.last_fact_day:
        return False, None
    return True, base.last_fact_day


def rollups_family_sums(
    cursor: Any, windows: Windows, params: dict[str, Any], *, touched: bool, base: RefreshMark | None
) -> FamilySums | None:
    """The attendance and grade sums from the weekly rollups (``risk.rollup_sums``: two rollup
    rows per pupil found by key, no aggregate over the facts), the incidents from their table as
    always; the last day with attendance from the rollups' last week. One temporary table per
    family, as from the facts. With ``touched``, the semester's last day with facts (not only the
    touched pupils') is compared with ``base``'s: the others' facts are unchanged since, so it
    moved past ``base``'s only if a touched fact did."""
    holds, last_day = _window_after(attendance_last_day(params["period"], windows.period_to), base)
    if not holds:
        return None
    w_from, w_to = windows.four_weeks(last_day)
    params.update(w_from=w_from, w_to=w_to)
    previous = params["previous"] if params["previous"] != -1 else None
    sums = SumWindows(params["period"], previous, windows.period_from, windows.period_to, w_from, w_to)
    only = only_touched("t.pupil_id", touched)
    columns: dict[str, str] = {}
    joins = []
    temps = []
    if (att := attendance_sums_sql(sums)) is not None:
        create_temp(cursor, "r_att", f"{att} {only}", params)
        joins.append(f"LEFT JOIN {temp_name('r_att')} a ON a.pupil_id = s.pupil_id")
        temps.append("r_att")
        for c in ATTENDANCE_COLUMNS:
            columns[c] = f"COALESCE(a.p_{c}, 0)"
            columns[f"w4_{c}"] = f"COALESCE(a.r_{c}, 0)"
    else:
        columns |= {c: "0" for c in ATTENDANCE_COLUMNS} | {f"w4_{c}": "0" for c in ATTENDANCE_COLUMNS}
    if (grades := grade_sums_sql(sums)) is not None:
        create_temp(cursor, "r_grades", f"{grades} {only}", params)
        joins.append(f"LEFT JOIN {temp_name('r_grades')} g ON g.pupil_id = s.pupil_id")
        temps.append("r_grades")
        columns |= _GRADE_COLUMNS
    else:
        columns |= dict.fromkeys(("failing_grades", "w4_failing_grades", "nv_count", "w4_nv_count"), "0")
        columns |= dict.fromkeys(("average_grade", "w4_average_grade", "average_change"), "NULL")
    create_temp(cursor, "incidents", INCIDENTS_SQL.format(only=only_touched("pupil_id", touched)), params)
    joins.append(f"LEFT JOIN {temp_name('incidents')} i ON i.pupil_id = s.pupil_id")
    temps.append("incidents")
    columns |= _INCIDENT_COLUMNS
    return FamilySums(" ".join(joins), columns, last_day, w_from, w_to, tuple(temps))


_GRADE_COLUMNS = {
    "failing_grades": "COALESCE(g.failing_p, 0)",
    "w4_failing_grades": "COALESCE(g.failing_4, 0)",
    "nv_count": "COALESCE(g.nv_p, 0)",
    "w4_nv_count": "COALESCE(g.nv_4, 0)",
    "average_grade": "g.avg_p",
    "w4_average_grade": "g.avg_4",
    "average_change": "g.avg_p - g.avg_prev",
}
_INCIDENT_COLUMNS = {"incidents": "COALESCE(i.n_p, 0)", "w4_incidents": "COALESCE(i.n_4, 0)"}


def facts_family_sums(
    cursor: Any, windows: Windows, params: dict[str, Any], *, touched: bool, base: RefreshMark | None
) -> FamilySums | None:
    """The family sums from the facts, one statement per family into a temporary table each
    (PostgreSQL may then scan the big fact tables in parallel). None when ``base`` (a refresh of
    only the touched pupils) no longer holds: the touched facts end after its last day with facts."""
    days_sql, marks_sql = _attendance_selects({"r_": ("g_from", "g_to"), "b_": ("b_from", "b_to")}, touched)
    create_temp(cursor, "days", days_sql, params)
    create_temp(cursor, "marks", marks_sql, params)
    cursor.execute(
        f"SELECT MAX(last_day) FROM (SELECT MAX(last_day) AS last_day FROM {temp_name('days')} "  # noqa: S608 — names and rule codes from code, every value a parameter
        f"UNION ALL SELECT MAX(last_day) FROM {temp_name('marks')}) x"
    )
    holds, last_day = _window_after(_as_date(cursor.fetchone()[0]), base)
    if not holds:
        return None
    w_from, w_to = windows.four_weeks(last_day)
    params.update(w_from=w_from, w_to=w_to)
    temps = ["days", "marks"]
    if last_day is None or last_day == windows.guess_end:
        path = "guess"
    elif last_day == windows.guess_end_before:
        path = "before"
    else:
        # The facts end elsewhere (a holiday, a late import): scan the 4 weeks again.
        path = "slow"
        days4, marks4 = _attendance_selects({"r_": ("w_from", "w_to")}, touched)
        create_temp(cursor, "days4", days4, params | {"from": w_from, "to": w_to})
        create_temp(cursor, "marks4", marks4, params | {"from": w_from, "to": w_to})
        temps += ["days4", "marks4"]
    create_temp(cursor, "grades", GRADES_SQL.format(only=only_touched("pupil_id", touched)), params)
    create_temp(cursor, "incidents", INCIDENTS_SQL.format(only=only_touched("pupil_id", touched)), params)
    temps += ["grades", "incidents"]
    joins = [
        f"LEFT JOIN {temp_name(t)} {alias} ON {alias}.pupil_id = s.pupil_id" for t, alias in _ALIASES if t in temps
    ]
    columns: dict[str, str] = {}
    for c in ATTENDANCE_COLUMNS:
        columns[c] = f"COALESCE(d.p_{c}, 0) + COALESCE(m.p_{c}, 0)"
        columns[f"w4_{c}"] = _four_week_sum(c, path)
    columns |= _GRADE_COLUMNS | _INCIDENT_COLUMNS
    return FamilySums(" ".join(joins), columns, last_day, w_from, w_to, tuple(temps))


_ALIASES = (("days", "d"), ("marks", "m"), ("days4", "d4"), ("marks4", "m4"), ("grades", "g"), ("incidents", "i"))


def _four_week_sum(column: str, path: str) -> str:
    """The 4-week sum of one attendance column, from the one scan when a guess was right."""
    if path == "slow":
        parts = [f"d4.r_{column}", f"m4.r_{column}"]
    else:
        parts = [f"d.r_{column}", f"m.r_{column}"]
        if path == "before":
            parts += [f"d.b_{column}", f"m.b_{column}"]
    return " + ".join(f"COALESCE({p}, 0)" for p in parts)


# --- The compare statement ------------------------------------------------------------------------

# The snapshot's columns the refresh computes and compares (all but the key and ``computed_at``).
COUNTS = ("lessons", "unjustified", "illness", "other_justified", "late", "failing_grades", "nv_count", "incidents")
COMPARED = (
    "rule_version",
    "window_start",
    "window_end",
    *COUNTS,
    "attendance_rate",
    "average_grade",
    "average_change",
    "w4_start",
    "w4_end",
    *(f"w4_{c}" for c in COUNTS),
    "w4_attendance_rate",
    "w4_average_grade",
    "repeated_grade",
    "over_age_years",
    "school_changes_12m",
)
KEY = ("period_id", "pupil_id")


def _distinct_sql(left: str, right: str) -> str:
    """Null-safe "differs" for two expressions (SQLite spells ``IS DISTINCT FROM`` as ``IS NOT``)."""
    return f"{left} IS DISTINCT FROM {right}" if is_postgres() else f"{left} IS NOT {right}"


def _fence() -> str:
    """Keeps PostgreSQL from pulling a subquery up into its parent: its expressions are then
    computed once per row, not again wherever the parent uses them."""
    return "OFFSET 0" if is_postgres() else ""


def _rate(prefix: str) -> str:
    lessons = f"x.{prefix}lessons"
    missed = " - ".join(f"x.{prefix}{c}" for c in ("unjustified", "illness", "other_justified"))
    return (
        f"CAST(CASE WHEN {lessons} > 0 THEN ROUND(100.0 * ({lessons} - {missed}) / {lessons}, 2) END AS NUMERIC(5, 2))"
    )


def _changed_sql(sums: FamilySums, touched: bool, loosest: dict[str, str]) -> str:
    """Every pupil's one snapshot row as this refresh computes it (both windows as columns, typed
    as the table stores them), compared in the same statement with the stored row on the key
    (period, pupil); only rows that differ come out, with their ``state``: ``new`` (no stored
    row), ``changed`` (a value differs) or, on PostgreSQL, ``gone`` (a stored row of a pupil no
    longer in the semester: its full join keeps it, values null). The writes and the flag rules
    that follow read only these rows: a refresh over unchanged facts writes nothing and
    evaluates no rule."""
    c = sums.columns
    counts = ", ".join(f"CAST({c[name]} AS BIGINT) AS {name}" for name in (*COUNTS, *(f"w4_{n}" for n in COUNTS)))
    typed = ", ".join(f"CAST(x.{name} AS INTEGER) AS {name}" for name in (*COUNTS, *(f"w4_{n}" for n in COUNTS)))
    differs = " OR ".join(_distinct_sql(f"o.{col}", f"n.{col}") for col in COMPARED)
    # The rules, at each one's loosest threshold, evaluated here once per changed row: the flag
    # candidates then read one boolean per rule instead of evaluating the rules again.
    rules = ", ".join(f"{holds} AS f_{code}" for code, holds in loose_holds_sql("n", loosest).items())
    return f"""
SELECT COALESCE(n.pupil_id, o.pupil_id) AS pupil_id, CAST(%(period)s AS BIGINT) AS period_id,
  {", ".join(f"n.{col}" for col in COMPARED)}, {rules},
  CASE WHEN n.pupil_id IS NULL THEN 'gone' WHEN o.pupil_id IS NULL THEN 'new' ELSE 'changed' END AS state
FROM (
  SELECT x.pupil_id, %(version)s AS rule_version,
    %(from)s AS window_start, %(to)s AS window_end, %(w_from)s AS w4_start, %(w_to)s AS w4_end,
    {typed},
    {_rate("")} AS attendance_rate, {_rate("w4_")} AS w4_attendance_rate,
    CAST(x.average_grade AS NUMERIC(4, 2)) AS average_grade,
    CAST(x.w4_average_grade AS NUMERIC(4, 2)) AS w4_average_grade,
    CAST(x.average_change AS NUMERIC(4, 2)) AS average_change,
    x.repeated_grade, CAST(x.over_age_years AS INTEGER) AS over_age_years,
    CAST(x.school_changes_12m AS INTEGER) AS school_changes_12m
  FROM (
    SELECT s.pupil_id, {counts},
      {c["average_grade"]} AS average_grade, {c["w4_average_grade"]} AS w4_average_grade,
      {c["average_change"]} AS average_change,
      s.repeated_grade, s.over_age_years, s.school_changes_12m
    FROM risk_semesterpupil s {sums.joins}
    WHERE s.period_id = %(period)s {only_touched("s.pupil_id", touched)}
  ) x {_fence()}
) n
{"FULL" if is_postgres() else "LEFT"} JOIN (
  SELECT * FROM risk_indicatorsnapshot WHERE period_id = %(period)s {only_touched("pupil_id", touched)}) o
  ON o.pupil_id = n.pupil_id
WHERE n.pupil_id IS NULL OR o.pupil_id IS NULL OR {differs}
"""  # noqa: S608 — names and rule codes from code, every value a parameter


def _gone_sql(touched: bool) -> str:
    """SQLite before 3.39 has no full join: the stored rows of pupils no longer in the semester
    join the changed rows here (PostgreSQL's compare statement has them already)."""
    return f"""
INSERT INTO {temp_name("changed")} (pupil_id, period_id, state)
SELECT o.pupil_id, o.period_id, 'gone' FROM risk_indicatorsnapshot o
WHERE o.period_id = %(period)s {only_touched("o.pupil_id", touched)} AND NOT EXISTS (
  SELECT 1 FROM risk_semesterpupil s WHERE s.period_id = o.period_id AND s.pupil_id = o.pupil_id)
"""  # noqa: S608 — names and rule codes from code, every value a parameter


INSERT_NEW_SQL = f"""
INSERT INTO risk_indicatorsnapshot ({", ".join(KEY)}, {", ".join(COMPARED)}, computed_at)
SELECT {", ".join(KEY)}, {", ".join(COMPARED)}, %(now)s FROM {temp_name("changed")} WHERE state = 'new'
"""  # noqa: S608 — names and rule codes from code, every value a parameter

UPDATE_CHANGED_SQL = f"""
UPDATE risk_indicatorsnapshot SET {", ".join(f"{c} = n.{c}" for c in COMPARED)}, computed_at = %(now)s
FROM {temp_name("changed")} n
WHERE n.state = 'changed' AND risk_indicatorsnapshot.period_id = %(period)s
  AND risk_indicatorsnapshot.pupil_id = n.pupil_id
"""  # noqa: S608 — names and rule codes from code, every value a parameter

DELETE_GONE_SQL = f"""
DELETE FROM risk_indicatorsnapshot WHERE period_id = %(period)s AND pupil_id IN (
  SELECT pupil_id FROM {temp_name("changed")} WHERE state = 'gone')
"""  # noqa: S608 — names and rule codes from code, every value a parameter


def refresh_lock(period: Period) -> None:
    """Take the semester's refresh lock for the rest of the transaction: one refresh of a
    semester at a time; a second one waits, then recomputes. Callers that must decide something
    before refreshing (``imports.facts``) take it first; taking it again is a no-op."""
    list(Period.objects.select_for_update().filter(pk=period.pk).values_list("pk", flat=True))


def indicators_refresh(
    *,
    today: dt.date | None = None,
    period: Period | None = None,
    skip_unchanged: bool = False,
    touched: Touched | None = None,
    everything: bool = False,
) -> RefreshResult:
    """Recompute every pupil's snapshots for ``period`` (default: the one containing ``today``),
    then the flags. Idempotent: the same facts give the same snapshots and no new flags. With
    ``skip_unchanged``, a refresh whose inputs and window are those of the last one does nothing
    and says so (``risk.unchanged``).

    With ``touched`` (the fact batches applied since the last refresh and their schools), only
    the pupils of those schools are recomputed — by the same statements, with a pupil filter —
    when nothing else changed since the last refresh: the same window, the same rules, no other
    input in the audit trail, and no touched fact after the last day with facts (which would move
    every pupil's 4-week window). Otherwise the whole semester, as without it (decision 0048).

    ``everything`` (``pumpurs indicators refresh --force``) trusts no cache: the pupil table is
    rebuilt and every pupil's flags evaluated, not only those whose snapshot changed (decision 0049).

    Invariants: one snapshot per (pupil, semester, window), only for pupils with an enrolment in
    the semester (others' snapshots of that semester are removed); a constant number of
    statements whatever the number of pupils; all in one transaction."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    if period is None:
        period = semester_on(today)
    if period is None:
        return RefreshResult(period_id=None, today=today, seconds=time.perf_counter() - started)
    windows = Windows.for_period(period, today)
    year_start = SchoolYear.objects.filter(pk=period.school_year_id).values_list("starts_on", flat=True).get()
    previous = (
        Period.objects.filter(starts_on__lt=period.starts_on)
        .order_by("-starts_on")
        .values_list("pk", flat=True)
        .first()
    )
    with transaction.atomic():
        refresh_lock(period)
        seq = input_seq()
        if skip_unchanged and (mark := unchanged_mark(period, windows.period_to, seq)) is not None:
            return _unchanged(mark, today, windows, started)
        now = timezone.now()
        params: dict[str, Any] = {
            "period": period.pk,
            "previous": previous if previous is not None else -1,
            "from": windows.period_from,
            "to": windows.period_to,
            "year_ago": one_year_before(windows.period_to),
            "year_start_number": int(year_start.strftime("%Y%m%d")),
            # The 4-week window if the facts end on the guessed day, and the extra days if they
            # end one school day earlier.
            "g_from": windows.guess_end - dt.timedelta(days=FOUR_WEEKS_DAYS - 1),
            "g_to": windows.period_to,
            "b_from": windows.guess_end_before - dt.timedelta(days=FOUR_WEEKS_DAYS - 1),
            "b_to": windows.guess_end - dt.timedelta(days=FOUR_WEEKS_DAYS),
            "now": now,
            "version": RULE_VERSION,
        }
        last = RefreshMark.objects.filter(period=period).first()
        base = _partial_base(last, windows, seq, touched)
        with connection.cursor() as cursor:
            tune_session(cursor)
            roster_stamp, rebuilt = semester_pupils_ensure(
                cursor, params=params, mark=None if everything else last, year_ago=params["year_ago"]
            )
            flag_stamp = _flag_stamp(cursor, period)
            # While the rules, thresholds and pupil table are as the last refresh saw them, a pupil
            # whose snapshot did not change keeps its flags: only the changed rows are evaluated.
            only_changed = last is not None and last.flag_stamp == flag_stamp and not rebuilt
            done = None
            if base is not None and touched is not None:
                done = _compute(cursor, period, windows, dict(params), now, only_changed, touched=touched, base=base)
                if done is None:  # a touched fact moves the 4-week window: every pupil after all
                    drop_temps(cursor, TEMP_TABLES)
            if done is None:
                done = _compute(cursor, period, windows, dict(params), now, only_changed)
            assert done is not None, "a refresh of every pupil always completes"
            # Kept as the flags stand after this refresh's own writes.
            done = replace(done, roster_stamp=roster_stamp, flag_stamp=_flag_stamp(cursor, period))
            drop_temps(cursor, TEMP_TABLES)
        pupils = done.pupils if base is None or done.recomputed is None else base.pupils
        # One statement whether the semester has a mark or not: the refresh's statements stay constant.
        mark = RefreshMark(
            period=period,
            period_to=windows.period_to,
            rule_version=rules_stamp(),
            input_seq=seq,
            four_weeks_from=done.w_from,
            four_weeks_to=done.w_to,
            last_fact_day=done.last_day,
            pupils=pupils,
            refreshed_at=now,
            roster_stamp=done.roster_stamp,
            flag_stamp=done.flag_stamp,
        )
        RefreshMark.objects.bulk_create(
            [mark], update_conflicts=True, unique_fields=["period"], update_fields=MARK_FIELDS
        )
    return RefreshResult(
        period_id=period.pk,
        today=today,
        period_from=windows.period_from,
        period_to=windows.period_to,
        four_weeks_from=done.w_from,
        four_weeks_to=done.w_to,
        pupils=pupils,
        snapshots=pupils,
        snapshots_written=done.written,
        flags_raised=done.raised,
        flags_closed=done.closed,
        seconds=time.perf_counter() - started,
        pupils_recomputed=done.recomputed,
    )


@dataclass(frozen=True)
class _Done:
    written: int
    pupils: int
    raised: int
    closed: int
    w_from: dt.date
    w_to: dt.date
    last_day: dt.date | None
    recomputed: int | None  # the touched pupils recomputed; None: the whole semester
    roster_stamp: str = ""
    flag_stamp: str = ""


def _partial_base(mark: RefreshMark | None, windows: Windows, seq: int, touched: Touched | None) -> RefreshMark | None:
    """The last refresh's mark when only ``touched``'s pupils need recomputing, else None."""
    if touched is None or not touched.institutions:
        return None
    if (
        mark is None
        or mark.last_fact_day is None  # no attendance yet (or a mark older than this rule): all pupils
        or (mark.period_to, mark.rule_version) != (windows.period_to, rules_stamp())
        or not only_these_batches_since(mark, seq, touched.batches)
    ):
        return None
    return mark


def _compute(
    cursor: Any,
    period: Period,
    windows: Windows,
    params: dict[str, Any],
    now: dt.datetime,
    only_changed: bool,
    *,
    touched: Touched | None = None,
    base: RefreshMark | None = None,
) -> _Done | None:
    """The refresh's statements, over every pupil of the semester or (``touched``) only over the
    touched ones. None when the touched facts end after ``base``'s last day with facts."""
    only = touched is not None
    loosest = loosest_thresholds()
    params |= loosest
    if touched is not None:
        sql, names = _touched_sql(touched.institutions)
        create_temp(cursor, "touched", sql, names, index=[] if is_postgres() else ["pupil_id"])
    sums = family_sums(cursor, windows, params, touched=only, base=base)
    if sums is None:
        return None
    # Only the rows that differ from the stored ones: on a steady day a few, on the first refresh
    # or after the window moved, every pupil's.
    create_temp(cursor, "changed", _changed_sql(sums, only, loosest), params, keys=("pupil_id", "state"))
    if not is_postgres():
        execute(cursor, _gone_sql(only), params)
    written = execute(cursor, INSERT_NEW_SQL, params)
    written += execute(cursor, UPDATE_CHANGED_SQL, params)
    execute(cursor, DELETE_GONE_SQL, params)
    pupils_sql = "SELECT COUNT(*) FROM risk_semesterpupil WHERE period_id = %(period)s"
    if only:
        pupils_sql += f" AND pupil_id {touched_set_sql(temp_name('touched'))}"
    execute(cursor, pupils_sql, params)
    pupils = int(cursor.fetchone()[0])
    if only_changed:
        raised, closed = flags_refresh(
            period=period, now=now, snapshots=temp_name("changed"), touched=temp_name("changed"), prefiltered=True
        )
    elif only:
        # Every touched pupil's flags, from their stored rows (the others' are neither read nor written).
        touched_rows = f"(SELECT * FROM risk_indicatorsnapshot WHERE pupil_id {touched_set_sql(temp_name('touched'))})"  # noqa: S608 — names from code
        raised, closed = flags_refresh(period=period, now=now, snapshots=touched_rows, touched=temp_name("touched"))
    elif written == pupils:
        # Every pupil's row was written (the first refresh, a day later): the changed rows are the
        # whole semester, and the rules read them from the temporary table — dense, no index —
        # rather than from the snapshot table's half-empty pages (0.35–0.45 of the floor at
        # 50 000 pupils, now 0.1). Every flag of the semester is evaluated (no ``touched``).
        raised, closed = flags_refresh(period=period, now=now, snapshots=temp_name("changed"), prefiltered=True)
    else:
        raised, closed = flags_refresh(period=period, now=now)
    return _Done(written, pupils, raised, closed, sums.w_from, sums.w_to, sums.last_day, pupils if only else None)


def _flag_stamp(cursor: Any, period: Period) -> str:
    """What the semester's flags were evaluated against, as one digest: the rule version, the
    national thresholds, every municipal override and the semester's flag rows (how many, the
    latest): a flag deleted or raised outside the refresh (erasure, retention, a manual fix)
    changes it, and the next refresh then evaluates every pupil's flags again."""
    overrides = list(
        ThresholdOverride.objects.order_by("municipality_id", "rule").values_list("municipality_id", "rule", "value")
    )
    cursor.execute("SELECT COUNT(*), MAX(id) FROM risk_flag WHERE period_id = %s", [period.pk])
    flags = cursor.fetchone()
    text = f"{rules_stamp()}|{overrides}|{flags[0]}:{flags[1]}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _unchanged(mark: RefreshMark, today: dt.date, windows: Windows, started: float) -> RefreshResult:
    return RefreshResult(
        period_id=mark.period_id,
        today=today,
        period_from=windows.period_from,
        period_to=windows.period_to,
        four_weeks_from=mark.four_weeks_from,
        four_weeks_to=mark.four_weeks_to,
        pupils=mark.pupils,
        snapshots=mark.pupils,
        seconds=time.perf_counter() - started,
        unchanged=True,
    )


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
