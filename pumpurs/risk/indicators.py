"""Indicators for every pupil of a semester, computed set-based in the database (DESIGN §5).

``indicators_refresh`` writes two ``IndicatorSnapshot`` rows per pupil with an enrolment in the
semester: window "period" (the semester's first day up to min(today, its last day)) and window
"4w" (the 28 days ending at the latest school day with attendance data on or before that day,
clipped to the semester). Then ``flags.flags_refresh`` turns them into flags.

Each indicator family is one SQL statement over all pupils, materialised in a temporary table
(PostgreSQL may then scan the big fact tables in parallel); one statement joins the families into
every pupil's two snapshots and compares them with the stored ones on the natural key (temporary
table ``fresh``), then only the new ones are inserted and only the changed ones updated:
``computed_at`` is when a snapshot's values last changed, not when it was last checked. The flags
are evaluated from ``fresh`` (decision record 0009). The number of statements does not depend on
the number of pupils. Rules per family:

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
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from pumpurs.people.calendar import semester_on, weekday_on_or_before
from pumpurs.people.models import Period, SchoolYear
from pumpurs.risk.flags import flags_refresh
from pumpurs.risk.models import RefreshMark
from pumpurs.risk.rules import RULE_VERSION
from pumpurs.risk.sql import (
    create_temp,
    date_number_sql,
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
MARK_FIELDS.append("last_fact_day")
TEMP_TABLES = ("touched", "pupils", "days", "marks", "days4", "marks4", "grades", "incidents", "fresh")


@dataclass(frozen=True)
class RefreshResult:
    period_id: int | None
    today: dt.date
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    four_weeks_from: dt.date | None = None
    four_weeks_to: dt.date | None = None
    pupils: int = 0
    snapshots: int = 0  # the semester's snapshots after the refresh: two per pupil
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


# The pupils of the semester (latest enrolment in it) with their enrolment history, in one
# temporary table. The latest enrolment is the one with no later one in the semester (an
# anti-join: cheaper than numbering every pupil's enrolments); the history is gathered only for
# pupils who can have one (more than one enrolment, or one that ended in a transfer): most pupils
# of a semester have a single enrolment.
PUPILS_SQL = """
SELECT s.pupil_id, CASE WHEN s.age - s.usual > 0 THEN s.age - s.usual ELSE 0 END AS over_age_years,
  COALESCE(h.repeated, 0) AS repeated, COALESCE(h.changes, 0) AS changes
FROM (
  SELECT e.pupil_id,
    (%(year_start_number)s - {birth}) / 10000 AS age,
    CASE WHEN i.kind = 'vocational' THEN 15 + cg.grade ELSE 6 + cg.grade END AS usual
  FROM people_enrolment e
  JOIN people_classgroup cg ON cg.id = e.class_group_id
  JOIN people_institution i ON i.id = e.institution_id
  JOIN people_pupil p ON p.id = e.pupil_id
  WHERE e.starts_on <= %(to)s AND (e.ends_on IS NULL OR e.ends_on >= %(from)s) {only_e}
    AND NOT EXISTS (
      SELECT 1 FROM people_enrolment l
      WHERE l.pupil_id = e.pupil_id AND l.starts_on <= %(to)s AND (l.ends_on IS NULL OR l.ends_on >= %(from)s)
        AND (l.starts_on > e.starts_on OR (l.starts_on = e.starts_on AND l.id > e.id)))
) s
LEFT JOIN (
  SELECT pupil_id, MAX(repeated) AS repeated, SUM(changes) AS changes FROM (
    SELECT e.pupil_id,
      CASE WHEN COUNT(DISTINCT cg.school_year_id) > 1 THEN 1 ELSE 0 END AS repeated,
      SUM(CASE WHEN e.end_reason = 'transferred' AND e.ends_on BETWEEN %(year_ago)s AND %(to)s
          THEN 1 ELSE 0 END) AS changes
    FROM people_enrolment e
    JOIN people_classgroup cg ON cg.id = e.class_group_id
    JOIN people_institution i ON i.id = e.institution_id
    WHERE e.starts_on <= %(to)s {only_e} AND e.pupil_id IN (
      SELECT pupil_id FROM people_enrolment WHERE starts_on <= %(to)s {only} GROUP BY pupil_id
      HAVING COUNT(*) > 1 OR MAX(CASE WHEN end_reason = 'transferred' THEN 1 ELSE 0 END) = 1)
    GROUP BY e.pupil_id, cg.grade, i.kind
  ) g GROUP BY pupil_id
) h ON h.pupil_id = s.pupil_id
"""

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

SNAPSHOT_COLUMNS = (
    "lessons",
    "unjustified",
    "illness",
    "other_justified",
    "late",
    "attendance_rate",
    "failing_grades",
    "nv_count",
    "average_grade",
    "average_change",
    "incidents",
    "repeated_grade",
    "over_age_years",
    "school_changes_12m",
)


def _four_week_sum(column: str, path: str) -> str:
    """The 4-week sum of one attendance column, from the one scan when a guess was right."""
    if path == "slow":
        parts = [f"d4.r_{column}", f"m4.r_{column}"]
    else:
        parts = [f"d.r_{column}", f"m.r_{column}"]
        if path == "before":
            parts += [f"d.b_{column}", f"m.b_{column}"]
    return " + ".join(f"COALESCE({p}, 0)" for p in parts)


def _distinct_sql(left: str, right: str) -> str:
    """Null-safe "differs" for two expressions (SQLite spells ``IS DISTINCT FROM`` as ``IS NOT``)."""
    return f"{left} IS DISTINCT FROM {right}" if is_postgres() else f"{left} IS NOT {right}"


def _fence() -> str:
    """Keeps PostgreSQL from pulling a subquery up into its parent: its expressions are then
    computed once per row, not again wherever the parent uses them."""
    return "OFFSET 0" if is_postgres() else ""


def _fresh_sql(path: str, touched: bool = False) -> str:
    """Every pupil's two snapshots as this refresh computes them, typed as the snapshot table
    stores them, each with its ``state`` against the stored one: ``new`` (no snapshot yet),
    ``changed`` (a value differs) or ``same``; on PostgreSQL also the stored snapshots of pupils
    no longer in the semester, as ``gone`` rows with only their key.

    One hash join on the natural key; the values are compared once per snapshot, and the writes
    that follow touch only the ``new`` and ``changed`` rows. The flags are then evaluated from
    this table too, so the refresh never reads back what it has just written."""
    attendance = ",\n    ".join(
        f"CASE WHEN w.win = 'period' THEN COALESCE(d.p_{c}, 0) + COALESCE(m.p_{c}, 0) "
        f"ELSE {_four_week_sum(c, path)} END AS {c}"
        for c in ATTENDANCE_COLUMNS
    )
    slow_joins = ""
    if path == "slow":
        slow_joins = (
            f"LEFT JOIN {temp_name('days4')} d4 ON d4.pupil_id = s.pupil_id "
            f"LEFT JOIN {temp_name('marks4')} m4 ON m4.pupil_id = s.pupil_id"
        )
    differs = " OR ".join(_distinct_sql(f"o.{c}", f"n.{c}") for c in COMPARED)
    return f"""
SELECT COALESCE(n.pupil_id, o.pupil_id) AS pupil_id, n.period_id, COALESCE(n."window", o."window") AS "window",
  {", ".join(f"n.{c}" for c in COMPARED)},
  CASE WHEN n.pupil_id IS NULL THEN 'gone' WHEN o.pupil_id IS NULL THEN 'new'
       WHEN {differs} THEN 'changed' ELSE 'same' END AS state
FROM (
  SELECT x.pupil_id, CAST(%(period)s AS BIGINT) AS period_id, x.win AS "window",
    x.w_from AS window_start, x.w_to AS window_end, %(version)s AS rule_version,
    CAST(x.lessons AS INTEGER) AS lessons, CAST(x.unjustified AS INTEGER) AS unjustified,
    CAST(x.illness AS INTEGER) AS illness, CAST(x.other_justified AS INTEGER) AS other_justified,
    CAST(x.late AS INTEGER) AS late,
    CAST(CASE WHEN x.lessons > 0
      THEN ROUND(100.0 * (x.lessons - x.unjustified - x.illness - x.other_justified) / x.lessons, 2) END
      AS NUMERIC(5, 2)) AS attendance_rate,
    CAST(x.failing AS INTEGER) AS failing_grades, CAST(x.nv AS INTEGER) AS nv_count,
    CAST(x.average AS NUMERIC(4, 2)) AS average_grade, CAST(x.change AS NUMERIC(4, 2)) AS average_change,
    CAST(x.incidents AS INTEGER) AS incidents, x.repeated = 1 AS repeated_grade,
    CAST(x.over_age AS INTEGER) AS over_age_years, CAST(x.changes AS INTEGER) AS school_changes_12m
  FROM (
    SELECT s.pupil_id, w.win, w.w_from, w.w_to,
      {attendance},
      CASE WHEN w.win = 'period' THEN COALESCE(g.failing_p, 0) ELSE COALESCE(g.failing_4, 0) END AS failing,
      CASE WHEN w.win = 'period' THEN COALESCE(g.nv_p, 0) ELSE COALESCE(g.nv_4, 0) END AS nv,
      CASE WHEN w.win = 'period' THEN g.avg_p ELSE g.avg_4 END AS average,
      CASE WHEN w.win = 'period' THEN g.avg_p - g.avg_prev END AS change,
      CASE WHEN w.win = 'period' THEN COALESCE(i.n_p, 0) ELSE COALESCE(i.n_4, 0) END AS incidents,
      s.repeated, s.over_age_years AS over_age, s.changes
    FROM {temp_name("pupils")} s
    CROSS JOIN (SELECT 'period' AS win, %(from)s AS w_from, %(to)s AS w_to
                UNION ALL SELECT '4w', %(w_from)s, %(w_to)s) w
    LEFT JOIN {temp_name("days")} d ON d.pupil_id = s.pupil_id
    LEFT JOIN {temp_name("marks")} m ON m.pupil_id = s.pupil_id
    {slow_joins}
    LEFT JOIN {temp_name("grades")} g ON g.pupil_id = s.pupil_id
    LEFT JOIN {temp_name("incidents")} i ON i.pupil_id = s.pupil_id
  ) x {_fence()}
) n
{"FULL" if is_postgres() else "LEFT"} JOIN (
  SELECT * FROM risk_indicatorsnapshot WHERE period_id = %(period)s {only_touched("pupil_id", touched)}) o
  ON o.pupil_id = n.pupil_id AND o."window" = n."window"
"""  # noqa: S608 — names and rule codes from code, every value a parameter


COMPARED = ("window_start", "window_end", "rule_version", *SNAPSHOT_COLUMNS)
KEY = ("period_id", "pupil_id", '"window"')

INSERT_NEW_SQL = f"""
INSERT INTO risk_indicatorsnapshot ({", ".join(KEY)}, {", ".join(COMPARED)}, computed_at)
SELECT {", ".join(KEY)}, {", ".join(COMPARED)}, %(now)s FROM {temp_name("fresh")} WHERE state = 'new'
"""  # noqa: S608 — names and rule codes from code, every value a parameter

UPDATE_CHANGED_SQL = f"""
UPDATE risk_indicatorsnapshot SET {", ".join(f"{c} = n.{c}" for c in COMPARED)}, computed_at = %(now)s
FROM {temp_name("fresh")} n
WHERE n.state = 'changed' AND risk_indicatorsnapshot.period_id = %(period)s
  AND risk_indicatorsnapshot.pupil_id = n.pupil_id AND risk_indicatorsnapshot."window" = n."window"
"""  # noqa: S608 — names and rule codes from code, every value a parameter


def _stale_sql(touched: bool = False) -> str:
    """Delete the semester's snapshots of pupils no longer enrolled in it. On PostgreSQL ``fresh``
    has already found them (its full join keeps stored snapshots without a fresh partner, state
    ``gone``); SQLite before 3.39 has no full join, so there they are looked for again."""
    if is_postgres():
        return f"""
DELETE FROM risk_indicatorsnapshot WHERE period_id = %(period)s AND pupil_id IN (
  SELECT pupil_id FROM {temp_name("fresh")} WHERE state = 'gone')
"""  # noqa: S608 — names and rule codes from code, every value a parameter
    return f"""
DELETE FROM risk_indicatorsnapshot WHERE period_id = %(period)s {only_touched("pupil_id", touched)} AND NOT EXISTS (
  SELECT 1 FROM {temp_name("pupils")} s WHERE s.pupil_id = risk_indicatorsnapshot.pupil_id)
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
        base = _partial_base(period, windows, seq, touched)
        with connection.cursor() as cursor:
            tune_session(cursor)
            done = None
            if base is not None and touched is not None:
                done = _compute(cursor, period, windows, params, now, touched=touched, base=base)
                if done is None:  # a touched fact moves the 4-week window: every pupil after all
                    drop_temps(cursor, TEMP_TABLES)
            if done is None:
                done = _compute(cursor, period, windows, params, now)
            drop_temps(cursor, TEMP_TABLES)
        assert done is not None, "a refresh of every pupil always completes"
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
        snapshots=2 * pupils,
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


def _partial_base(period: Period, windows: Windows, seq: int, touched: Touched | None) -> RefreshMark | None:
    """The last refresh's mark when only ``touched``'s pupils need recomputing, else None."""
    if touched is None or not touched.institutions:
        return None
    mark = RefreshMark.objects.filter(period=period).first()
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
    *,
    touched: Touched | None = None,
    base: RefreshMark | None = None,
) -> _Done | None:
    """The refresh's statements, over every pupil of the semester or (``touched``) only over the
    touched ones. None when the touched facts end after ``base``'s last day with facts."""
    only = touched is not None
    if touched is not None:
        sql, names = _touched_sql(touched.institutions)
        create_temp(cursor, "touched", sql, names, index=[] if is_postgres() else ["pupil_id"])
    # Indexed for SQLite's stale delete, which probes it once per snapshot row; on PostgreSQL
    # the compare join finds the stale snapshots and nothing probes this table.
    create_temp(
        cursor,
        "pupils",
        PUPILS_SQL.format(
            birth=date_number_sql("p.birth_date"),
            only_e=only_touched("e.pupil_id", only),
            only=only_touched("pupil_id", only),
        ),
        params,
        index=[] if is_postgres() else ["pupil_id"],
    )
    days_sql, marks_sql = _attendance_selects({"r_": ("g_from", "g_to"), "b_": ("b_from", "b_to")}, only)
    create_temp(cursor, "days", days_sql, params)
    create_temp(cursor, "marks", marks_sql, params)
    cursor.execute(
        f"SELECT MAX(last_day) FROM (SELECT MAX(last_day) AS last_day FROM {temp_name('days')} "  # noqa: S608 — names and rule codes from code, every value a parameter
        f"UNION ALL SELECT MAX(last_day) FROM {temp_name('marks')}) x"
    )
    last_day = _as_date(cursor.fetchone()[0])
    if base is not None:
        # The other pupils' facts are as the last refresh saw them, so the semester's last day
        # with facts is the later of theirs and the touched ones'; a later one moves everyone's window.
        if last_day is not None and base.last_fact_day is not None and last_day > base.last_fact_day:
            return None
        last_day = base.last_fact_day
    w_from, w_to = windows.four_weeks(last_day)
    params = params | {"w_from": w_from, "w_to": w_to}
    if last_day is None or last_day == windows.guess_end:
        path = "guess"
    elif last_day == windows.guess_end_before:
        path = "before"
    else:
        # The facts end elsewhere (a holiday, a late import): scan the 4 weeks again.
        path = "slow"
        days4, marks4 = _attendance_selects({"r_": ("w_from", "w_to")}, only)
        create_temp(cursor, "days4", days4, params | {"from": w_from, "to": w_to})
        create_temp(cursor, "marks4", marks4, params | {"from": w_from, "to": w_to})
    create_temp(cursor, "grades", GRADES_SQL.format(only=only_touched("pupil_id", only)), params)
    create_temp(cursor, "incidents", INCIDENTS_SQL.format(only=only_touched("pupil_id", only)), params)
    create_temp(cursor, "fresh", _fresh_sql(path, only), params, keys=("pupil_id", '"window"', "state"))
    written = execute(cursor, INSERT_NEW_SQL, params)
    written += execute(cursor, UPDATE_CHANGED_SQL, params)
    execute(cursor, _stale_sql(only), params)
    cursor.execute(f"SELECT COUNT(*) FROM {temp_name('pupils')}")  # noqa: S608 — names and rule codes from code, every value a parameter
    pupils = int(cursor.fetchone()[0])
    raised, closed = flags_refresh(
        period=period, now=now, snapshots=temp_name("fresh"), touched=temp_name("touched") if only else None
    )
    return _Done(written, pupils, raised, closed, w_from, w_to, last_day, pupils if only else None)


def _unchanged(mark: RefreshMark, today: dt.date, windows: Windows, started: float) -> RefreshResult:
    return RefreshResult(
        period_id=mark.period_id,
        today=today,
        period_from=windows.period_from,
        period_to=windows.period_to,
        four_weeks_from=mark.four_weeks_from,
        four_weeks_to=mark.four_weeks_to,
        pupils=mark.pupils,
        snapshots=2 * mark.pupils,
        seconds=time.perf_counter() - started,
        unchanged=True,
    )


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
