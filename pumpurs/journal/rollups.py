"""Weekly rollups of the facts, kept by every writer of facts (issue 18 item 1, decision 0050).

``AttendanceWeek`` and ``GradeWeek`` hold each pupil's semester-to-date totals at the end of
every day of every week (``journal.models``), densely from the pupil's first week with a fact up
to the semester's last week with a fact of anyone. A window's sums are then a difference of two
rows per pupil found by equality on (semester, week, pupil) — ``risk.rollup_sums`` reads them.

**The contract** (decision 0050): whoever writes, changes or deletes attendance days, lesson
marks or grades calls ``keep_rollups`` in the same transaction, after the write, with the
(pupil, date) — for grades (pupil, semester, date) — of every fact row written, changed or
deleted. A pupil whose one touched day lies in the semester's last week after its last fact
(the daily file) gets that week's row as its existing row plus the day (``_keep_appended``); any
other touched pupil is recomputed from its earliest touched day on, the base taken from its
existing row (``_keep_recomputed``); the other pupils' rows are only carried into a new week when
the semester's last week moves. A semester not marked built (``RollupBuilt``) is built whole. Set-based: a constant number of statements per semester touched, whatever the number
of pupils, each a join probing keys (a pupil's facts by the (pupil, date) key, a row by
(semester, week, pupil)). Never a trigger: a trigger fires per row or per statement without
knowing the batch, and a bulk load (``COPY``) would pay it row by row.

``rollups_rebuild`` recomputes a semester from the facts; ``rollups_check`` compares the kept rows
with a rebuild (inside a savepoint rolled back) and counts the rows that differ.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pumpurs.core.frames import read_frame, write_frame
from pumpurs.journal.models import (
    ATTENDANCE_MEASURES,
    GRADE_MEASURES,
    WEEKDAYS,
    AttendanceDay,
    AttendanceMark,
    AttendanceWeek,
    Grade,
    GradeWeek,
    RollupBuilt,
)
from pumpurs.people.models import Period

# polars is imported inside the functions that read a writer's frame: the indicator refresh, which
# the URL conf reaches, reads only the light ones (``rollups_readable``, ``week_of``) and a web
# process must not load polars at start (decision 0054).
if TYPE_CHECKING:
    import polars as pl

Kind = Literal["attendance", "grades"]
EPOCH = dt.date(2000, 1, 3)  # a Monday: week numbers and weekdays are integer arithmetic from it
_EPOCH_JULIAN = 2451546.5  # SQLite's julianday('2000-01-03')
TEMP = "journal_roll_"


def week_of(day: dt.date) -> int:
    return (day - EPOCH).days // 7


def weekday_of(day: dt.date) -> int:
    return (day - EPOCH).days % 7


def monday_of(week: int) -> dt.date:
    return EPOCH + dt.timedelta(days=7 * week)


@dataclass(frozen=True)
class _Shape:
    table: str
    measures: tuple[str, ...]


SHAPES: dict[str, _Shape] = {
    "attendance": _Shape(AttendanceWeek._meta.db_table, ATTENDANCE_MEASURES),
    "grades": _Shape(GradeWeek._meta.db_table, GRADE_MEASURES),
}
FACT_MODELS: dict[type, Kind] = {AttendanceDay: "attendance", AttendanceMark: "attendance", Grade: "grades"}


def rollup_kind(model: type) -> Kind | None:
    """The rollup a fact table's writers keep (None: none — incidents). They call ``keep_rollups``
    whatever ``PUMPURS_FACT_ROLLUPS`` says: while it is off, it keeps nothing and only removes the
    built marks, so that rollups left behind are never read once it is turned on again."""
    return FACT_MODELS.get(model)


def rollups_on() -> bool:
    """Whether the writers keep the rollups (``PUMPURS_FACT_ROLLUPS``); while off, ``keep_rollups``
    reads nothing of what it is given, so a writer may skip listing its changes."""
    return bool(settings.PUMPURS_FACT_ROLLUPS)


def rollups_built(period_id: int, kind: Kind) -> bool:
    """Whether a semester's ``kind`` rollups are marked built (hold all its facts)."""
    return RollupBuilt.objects.filter(period_id=period_id, kind=kind).exists()


def rollups_readable(period_id: int, previous_id: int | None) -> bool:
    """Whether the refresh may read a semester's rollups (decision 0050, "the guard"): its
    attendance and grades are marked built, and so are the previous semester's grades (their
    average change) unless that semester has no grades. Otherwise it reads the facts."""
    built = set(RollupBuilt.objects.filter(period_id__in=[period_id, previous_id]).values_list("period_id", "kind"))
    if not {(period_id, "attendance"), (period_id, "grades")} <= built:
        return False
    if previous_id is None or (previous_id, "grades") in built:
        return True
    return not Grade.objects.filter(period_id=previous_id).exists()


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _day_number(expr: str) -> str:
    """Days since 2000-01-03 as an integer (week = n / 7, weekday = n % 7; dates after 2000)."""
    if _pg():
        return f"({expr} - DATE '2000-01-03')"
    return f"CAST(julianday({expr}) - {_EPOCH_JULIAN} AS INTEGER)"


def _monday_sql(week_expr: str) -> str:
    if _pg():
        return f"(DATE '2000-01-03' + 7 * {week_expr})"
    return f"date('2000-01-03', '+' || (7 * {week_expr}) || ' days')"


def _adapt(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: connection.ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for k, v in params.items()}


def _run(cursor: Any, sql: str, params: Mapping[str, Any] | None = None) -> int:
    cursor.execute(sql, _adapt(params or {}))
    return int(cursor.rowcount or 0)


def _temp(cursor: Any, name: str, select: str, params: Mapping[str, Any] | None = None, analyse: str = "") -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP}{name}")
    _run(cursor, f"CREATE TEMP TABLE {TEMP}{name} AS {select}", params)
    if analyse and _pg():
        # Autovacuum never analyses temporary tables; without statistics the joins go wrong.
        cursor.execute(f"ANALYZE {TEMP}{name} ({analyse})")


_TEMPS = ("tk0", "tk", "tu", "tb", "td", "tw", "tn")


def _drop_temps(cursor: Any) -> None:
    for name in _TEMPS:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}{name}")


# --- Input: what the writer touched --------------------------------------------------------------


def touched_columns(kind: Kind, columns: Iterable[str]) -> list[str]:
    """The columns a writer lists its touched rows with, out of the ``columns`` it has: the keys
    (attendance: pupil and date; grades: pupil, semester and date) and, for attendance days, the
    day's values as now stored (``ATTENDANCE_MEASURES``) — the daily case then adds them without
    reading the day back (decision 0050). A writer of lesson marks, or of deletions, lists keys only."""
    have = set(columns)
    if kind == "grades":
        return ["pupil_id", "period_id", "date"]
    return ["pupil_id", "date", *(ATTENDANCE_MEASURES if set(ATTENDANCE_MEASURES) <= have else ())]


def semesters() -> list[tuple[int, dt.date, dt.date]]:
    """(id, first day, last day) of every semester, for ``touched_summary``."""
    return list(Period.objects.values_list("pk", "starts_on", "ends_on"))


def touched_summary(
    kind: Kind, frame: pl.DataFrame, periods: list[tuple[int, dt.date, dt.date]] | None = None
) -> pl.DataFrame:
    """A writer's touched rows cut down to each pupil's earliest and latest date per semester
    (what the upkeep needs: where to start, and whether one day was touched — the daily case),
    with the day's values (``touched_columns``) where only one day was: a batch of a bulk load
    keeps this instead of its rows. Pass ``periods`` (``semesters()``) when the connection is busy,
    e.g. inside a ``COPY``."""
    import polars as pl

    if kind == "grades":
        return _ends(frame.select("pupil_id", "period_id", "date"), ())
    measures = touched_columns(kind, frame.columns)[2:]
    tagged: Any = None  # polars when/then chain
    for pk, starts, ends in semesters() if periods is None else periods:
        inside = pl.col("date").is_between(pl.lit(starts), pl.lit(ends))
        tagged = pl.when(inside).then(pl.lit(pk)) if tagged is None else tagged.when(inside).then(pl.lit(pk))
    if tagged is None:  # no semesters: nothing is rolled up
        return frame.select("pupil_id", "date", *measures).clear().with_columns(pl.lit(0).alias("period_id"))
    return _ends(
        frame.select("pupil_id", "date", *measures)
        .with_columns(tagged.otherwise(None).alias("period_id"))
        .drop_nulls("period_id"),
        measures,
    )


def _ends(frame: pl.DataFrame, measures: Sequence[str]) -> pl.DataFrame:
    """Per (pupil, semester): a row of its earliest and one of its latest date (one if the same),
    with the ``measures`` of its one row where it has one date (else null)."""
    import polars as pl

    one = pl.col("date").min() == pl.col("date").max()
    ends = frame.group_by(["pupil_id", "period_id"]).agg(
        pl.col("date").min().alias("first"),
        pl.col("date").max(),
        *(pl.when(one).then(pl.col(m).first()).alias(m) for m in measures),
    )
    return pl.concat(
        [
            ends.select("pupil_id", "period_id", pl.col("first").alias("date"), *measures),
            ends.select("pupil_id", "period_id", "date", *measures),
        ]
    ).unique()


@dataclass(frozen=True)
class Upkeep:
    pupils: int  # touched pupil-semesters recomputed
    rows_written: int  # rollup rows inserted or updated (touched pupils and carried-on ones)


def keep_rollups(
    kind: Kind, touched: str | pl.DataFrame | Iterable[tuple[Any, ...]], params: Mapping[str, Any] | None = None
) -> Upkeep:
    """Bring the ``kind`` rollups up to date after a write of facts, in the caller's transaction.

    ``touched``: a SELECT (run after the write) or rows (a polars frame or tuples) giving
    ``pupil_id, date`` (attendance: days and lesson marks) or ``pupil_id, period_id, date``
    (grades) of every fact written, changed or deleted; repeats are fine. Idempotent: calling it
    again, or with untouched rows, changes nothing. Inverse: none (the rollups follow the facts).

    A semester not marked built (``RollupBuilt``: its first write, or rollups never built) is
    built from all its facts instead, then marked. While ``PUMPURS_FACT_ROLLUPS`` is off nothing
    is kept and every mark is removed: the rollups no longer follow the facts."""
    if not rollups_on():
        RollupBuilt.objects.filter(kind=kind).delete()
        return Upkeep(pupils=0, rows_written=0)
    return _keep(kind, touched, params)


def _keep(
    kind: Kind, touched: str | pl.DataFrame | Iterable[tuple[Any, ...]], params: Mapping[str, Any] | None = None
) -> Upkeep:
    shape = SHAPES[kind]
    with transaction.atomic(), connection.cursor() as cursor, _upkeep_settings(cursor):
        carried = _load_touched(cursor, kind, touched, params)
        cursor.execute(
            f"SELECT period_id, COUNT(*), MIN(d0), MAX(d1) FROM {TEMP}tk0 GROUP BY period_id ORDER BY period_id"  # noqa: S608 — a temp table's name from code
        )
        found = [(int(p), int(n), _as_date(first), _as_date(last)) for p, n, first, last in cursor.fetchall()]
        built = set(
            RollupBuilt.objects.filter(kind=kind, period_id__in=[p for p, *_ in found]).values_list(
                "period_id", flat=True
            )
        )
        _temp(cursor, "tk", f"SELECT *, 1 AS slow FROM {TEMP}tk0 WHERE 1 = 0")  # noqa: S608 — a temp table's name from code
        semesters = []
        written = 0
        for period_id, pupils, first, last in found:
            if period_id in built:
                semester = _semester(cursor, shape, period_id, pupils, (first, last))
                done = _add_day_in_place(cursor, shape, semester) if kind == "attendance" and carried else 0
                written += done
                if done < pupils:
                    _sort(cursor, kind, shape, semester, carried=bool(carried), skip_added=done > 0)
                semesters.append(semester)
            else:
                written += _build_whole(cursor, kind, shape, period_id)
                RollupBuilt.objects.create(period_id=period_id, kind=kind, built_at=timezone.now())
        if _pg():  # autovacuum never analyses temporary tables; the writes below join ``tk``
            cursor.execute(f"ANALYZE {TEMP}tk (period_id, pupil_id, slow)")
        for semester in semesters:
            written += _keep_period(cursor, kind, shape, semester, carried=bool(carried))
        _drop_temps(cursor)
    return Upkeep(pupils=sum(n for _p, n, _f, _l in found), rows_written=written)


def _load_touched(
    cursor: Any, kind: Kind, touched: str | pl.DataFrame | Iterable[tuple[Any, ...]], params: Mapping[str, Any] | None
) -> list[str]:
    """The touched pupils as ``tk0``: per (semester, pupil) the earliest and latest touched day
    ``d0``/``d1`` and, for attendance, the day's values where it is one day and the writer listed
    them. Returns the value columns carried. A writer's frame is summed up in polars and copied
    in; a writer's SELECT is grouped by the server."""
    import polars as pl

    if isinstance(touched, str):
        carried: list[str] = []
        if kind == "attendance":  # which columns the writer's SELECT gives (grades: keys only)
            cursor.execute(f"SELECT * FROM ({touched}) i LIMIT 0", _adapt(params or {}))  # noqa: S608 — the writer's own SELECT
            carried = touched_columns(kind, [column[0] for column in cursor.description])[2:]
        # A pupil's day values, where it has one touched day and the writer listed them.
        values = "".join(f", CASE WHEN MIN(i.date) = MAX(i.date) THEN MAX(i.{m}) END AS {m}" for m in carried)
        if kind == "attendance":
            grouped = (
                f"SELECT p.id AS period_id, i.pupil_id, MIN(i.date) AS d0, MAX(i.date) AS d1{values} "  # noqa: S608 — names from code
                f"FROM ({touched}) i JOIN people_period p ON i.date BETWEEN p.starts_on AND p.ends_on "
                "GROUP BY p.id, i.pupil_id"
            )
        else:
            grouped = (
                "SELECT i.period_id, i.pupil_id, MIN(i.date) AS d0, MAX(i.date) AS d1 "  # noqa: S608 — names from code
                f"FROM ({touched}) i GROUP BY i.period_id, i.pupil_id"
            )
        _temp(cursor, "tk0", grouped, params, analyse="period_id, pupil_id")
        return carried
    frame = touched if isinstance(touched, pl.DataFrame) else _tuples_frame(kind, touched)
    carried = touched_columns(kind, frame.columns)[2:] if kind == "attendance" else []  # grades: keys only
    pupils = (
        touched_summary(kind, frame)
        .group_by("period_id", "pupil_id")
        .agg(pl.col("date").min().alias("d0"), pl.col("date").max().alias("d1"), *(pl.col(m).first() for m in carried))
    )
    columns = ["period_id", "pupil_id", "d0", "d1", *carried]
    types = ", ".join(f"{c} {'date' if c in ('d0', 'd1') else 'bigint'}" for c in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP}tk0")
    cursor.execute(f"CREATE TEMP TABLE {TEMP}tk0 ({types})")
    write_frame(cursor, f"{TEMP}tk0", pupils.select(columns))
    if _pg():  # without statistics the planner took 250 000 pupils for 1 250 and probed ``b`` for each
        cursor.execute(f"ANALYZE {TEMP}tk0 (period_id, pupil_id)")
    return carried


# PostgreSQL settings for the upkeep's statements, the caller's values put back after:
# random page reads priced as on an SSD, so that the planner probes the touched pupils' keys instead
# of scanning whole tables (issue 18: at the default 4 a school's few hundred pupils were read by
# whole-table scans); no JIT (it compiled every statement, ~0.1 s each, for a single run); and
# room for the weekly pivot's hash aggregate (it spilled in 81 batches at the default 4 MB).
UPKEEP_SETTINGS = {"random_page_cost": "1.1", "jit": "off", "work_mem": "64MB"}


@contextlib.contextmanager
def _upkeep_settings(cursor: Any) -> Iterator[None]:
    """``UPKEEP_SETTINGS`` inside, the caller's values put back after (PostgreSQL)."""
    previous = {}
    for name, value in UPKEEP_SETTINGS.items() if _pg() else ():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous[name] = str(cursor.fetchone()[0])
    yield
    for name, value in previous.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _tuples_frame(kind: Kind, rows: Iterable[tuple[Any, ...]]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"pupil_id": pl.Int64, "date": pl.Date}
    if kind == "grades":
        schema = {"pupil_id": pl.Int64, "period_id": pl.Int64, "date": pl.Date}
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _daily_sql(kind: Kind, *, whole: bool = False) -> str:
    """The touched pupils' facts from their start day (``_base_sql``), one row per fact day
    (attendance: the daily row, else that day's lesson marks) or per grade. ``whole``: every
    pupil's facts of the semester, read by scanning it (``_build_whole``)."""
    dn = _day_number

    def source(table: str, a: str) -> str:
        if whole:
            return f"{table} {a} WHERE"
        return f"{TEMP}tb k JOIN {table} {a} ON {a}.pupil_id = k.pupil_id AND {a}.date >= k.s AND"

    who = "{a}.pupil_id" if whole else "k.pupil_id"
    if kind == "attendance":
        cols = ", ".join(f"d.{c}" for c in ATTENDANCE_MEASURES)
        marks = who.format(a="m")
        return f"""
SELECT {who.format(a="d")} AS pupil_id, {dn("d.date")} AS dn, d.date, {cols}
FROM {source("journal_attendanceday", "d")} d.date >= %(starts)s AND d.date <= %(ends)s
UNION ALL
SELECT {marks}, {dn("m.date")}, m.date, COUNT(*),
  SUM(CASE WHEN m.category = 'unjustified' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.category = 'illness' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.category = 'other_justified' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.category = 'late' THEN 1 ELSE 0 END)
FROM {source("journal_attendancemark", "m")} m.date >= %(starts)s AND m.date <= %(ends)s
  AND NOT EXISTS (SELECT 1 FROM journal_attendanceday x WHERE x.pupil_id = m.pupil_id AND x.date = m.date)
GROUP BY {marks}, m.date
"""  # noqa: S608 — names from code, values parameters
    return f"""
SELECT {who.format(a="g")} AS pupil_id, {dn("g.date")} AS dn, g.date,
  CASE WHEN g.kind = 'term' AND ((g.value_kind = 'score' AND g.score < 4) OR g.value_kind = 'failed') THEN 1 ELSE 0 END AS failing,
  CASE WHEN g.value_kind = 'nv' THEN 1 ELSE 0 END AS nv,
  CASE WHEN g.value_kind = 'score' AND g.kind IN ('ongoing', 'term') THEN g.score ELSE 0 END AS score_sum,
  CASE WHEN g.value_kind = 'score' AND g.kind IN ('ongoing', 'term') THEN 1 ELSE 0 END AS score_n
FROM {source("journal_grade", "g")} g.period_id = %(period)s
"""  # noqa: S608 — names from code, values parameters


def _weekly_sql(measures: tuple[str, ...]) -> str:
    """Per touched pupil and week with facts: each measure's total within the week up to each day."""
    cols = ", ".join(
        f"CAST(SUM(CASE WHEN dn % 7 <= {d} THEN {m} ELSE 0 END) AS INTEGER) AS {m}_{d}"
        for m in measures
        for d in WEEKDAYS
    ).replace("%", "%%")
    return f"SELECT pupil_id, dn / 7 AS week, {cols}, MAX(date) AS last FROM {TEMP}td GROUP BY pupil_id, dn / 7"  # noqa: S608 — names from code


def _base_sql(shape: _Shape) -> str:
    """Per touched pupil: where its recompute starts and the totals just before (decision 0050,
    "proportional upkeep"). The pupil's facts before its earliest touched day ``d0`` are
    unchanged, so the existing row of ``d0``'s week (``b``, by key) is right up to the day before:
    the recompute starts at ``d0`` (``s``, weekday ``ws``) with the base taken from ``b``'s column
    of that day (or, on a Monday or without ``b``, from the previous week's row ``p``). Only when
    ``b`` says the pupil had a fact on or after ``d0`` in that week (a correction or a deletion)
    is its last day before ``d0`` unknown: then the week is recomputed from its Monday, as before.
    ``first_<m>_<d>``: ``b``'s columns of the days before ``s``, kept as they are."""
    ms = shape.measures
    dn = _day_number("d0")
    picked = ", ".join(f"b.{m}_{d} AS b_{m}_{d}" for m in ms for d in WEEKDAYS[:-1])
    before = ", ".join(
        f"COALESCE(CASE WHEN restart = 0 THEN CASE wd {' '.join(f'WHEN {d + 1} THEN b_{m}_{d}' for d in WEEKDAYS[:-1])} "
        f"END END, p_{m}, 0) AS base_{m}"
        for m in ms
    )
    firsts = ", ".join(
        f"CASE WHEN restart = 0 AND wd > {d} THEN b_{m}_{d} END AS first_{m}_{d}" for m in ms for d in WEEKDAYS[:-1]
    )
    return f"""
SELECT pupil_id, w0, CASE WHEN restart = 1 THEN 0 ELSE wd END AS ws,
  CASE WHEN restart = 1 THEN {_monday_sql("w0")} ELSE d0 END AS s,
  CASE WHEN restart = 1 THEN p_last ELSE COALESCE(b_last, p_last) END AS base_last, {before}, {firsts}
FROM (
  SELECT k.pupil_id, k.d0, k.dn / 7 AS w0, k.dn % 7 AS wd,
    CASE WHEN b.last_day >= k.d0 THEN 1 ELSE 0 END AS restart,
    b.last_day AS b_last, p.last_day AS p_last, {picked}, {", ".join(f"p.{m}_6 AS p_{m}" for m in ms)}
  FROM (SELECT pupil_id, d0, {dn} AS dn FROM {TEMP}tk WHERE period_id = %(period)s AND slow = 1) k
  LEFT JOIN {shape.table} b ON b.period_id = %(period)s AND b.week = k.dn / 7 AND b.pupil_id = k.pupil_id
  LEFT JOIN {shape.table} p ON p.period_id = %(period)s AND p.week = k.dn / 7 - 1 AND p.pupil_id = k.pupil_id
) x
""".replace("%", "%%").replace("%%(period)s", "%(period)s")  # noqa: S608 — names from code, values parameters


def _new_rows_sql(shape: _Shape) -> str:
    """Every touched pupil's rows from its start week to the semester's last week: the base
    (``_base_sql``) plus the running totals of the facts read from the start day."""
    ms = shape.measures
    running = ", ".join(f"SUM(COALESCE(w.{m}_6, 0)) OVER win AS cum_{m}" for m in ms)
    bases = ", ".join(f"k.base_{m}" for m in ms)
    firsts = ", ".join(f"k.first_{m}_{d}" for m in ms for d in WEEKDAYS[:-1])
    inweek = ", ".join(f"w.{m}_{d} AS in_{m}_{d}" for m in ms for d in WEEKDAYS)

    def value(m: str, d: int) -> str:
        run = f"base_{m} + cum_{m} - COALESCE(in_{m}_6, 0) + COALESCE(in_{m}_{d}, 0)"
        if d == WEEKDAYS[-1]:
            return f"{run} AS {m}_{d}"
        return f"CASE WHEN i = 0 AND ws > {d} THEN COALESCE(first_{m}_{d}, base_{m}) ELSE {run} END AS {m}_{d}"

    values = ", ".join(value(m, d) for m in ms for d in WEEKDAYS)
    return f"""
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %(span)s)
SELECT pupil_id, week, CASE WHEN base_last IS NOT NULL OR fact_weeks > 0 THEN 1 ELSE 0 END AS keep,
  CASE WHEN run_last IS NULL THEN base_last ELSE run_last END AS last_day, {values}
FROM (
  SELECT k.pupil_id, k.w0 + n.i AS week, n.i AS i, k.ws, k.base_last, {bases}, {firsts}, {inweek}, {running},
    COUNT(w.week) OVER win AS fact_weeks, MAX(w.last) OVER win AS run_last
  FROM {TEMP}tb k
  JOIN n ON k.w0 + n.i <= %(wmax)s
  LEFT JOIN {TEMP}tw w ON w.pupil_id = k.pupil_id AND w.week = k.w0 + n.i
  WINDOW win AS (PARTITION BY k.pupil_id ORDER BY k.w0 + n.i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) x
"""  # noqa: S608 — names from code, values parameters


def _columns(shape: _Shape) -> list[str]:
    return ["last_day", *(f"{m}_{d}" for m in shape.measures for d in WEEKDAYS)]


@dataclass(frozen=True)
class _Semester:
    """One semester the write touched: its bounds, its last week with rows before the write
    (``old_wmax``; None when it has none) and after it (``wstar``: no fact lies beyond a touched
    day or an old week)."""

    period_id: int
    starts: dt.date
    ends: dt.date
    old_wmax: int | None
    wstar: int
    pupils: int  # touched
    one_day: dt.date | None  # the day every touched pupil was touched on, if one (a day's file)

    @property
    def params(self) -> dict[str, Any]:
        return {"period": self.period_id, "starts": self.starts, "ends": self.ends, "wstar": self.wstar}


def _semester(
    cursor: Any, shape: _Shape, period_id: int, pupils: int, touched: tuple[dt.date | None, dt.date | None]
) -> _Semester:
    """``touched``: the earliest and the latest touched day of the semester."""
    starts, ends = Period.objects.filter(pk=period_id).values_list("starts_on", "ends_on").get()
    cursor.execute(f"SELECT MAX(week) FROM {shape.table} WHERE period_id = %s", [period_id])  # noqa: S608 — names from code
    old_wmax = cursor.fetchone()[0]
    first, last = touched
    weeks = [w for w in (old_wmax, week_of(last) if last else None) if w is not None]
    return _Semester(period_id, starts, ends, old_wmax, max(weeks), pupils, first if first == last else None)


def _sort(
    cursor: Any, kind: Kind, shape: _Shape, semester: _Semester, *, carried: bool, skip_added: bool = False
) -> None:
    """A built semester's touched pupils from ``tk0`` into ``tk``, each marked how its rows are
    kept (``slow``): 1 — recomputed from its earliest touched day (``_keep_recomputed``); for
    attendance, where the semester has rows, the daily case (``_keep_appended``): 0 — its one
    touched day lies in the last week after the last fact of its row ``b`` of that week, and is
    added to ``b``; 2 — the same without ``b`` (a new week, a pupil's first fact), added to the
    previous week's row. One statement: ``b`` is read once, by a merge join over the week's key
    range beside the sorted pupils when they are many, by probes when few, and the day's lesson
    marks are probed only for a pupil whose day the writer gave no values for (a day's row, when
    there is one, counts instead of its marks). A pupil first touched after the week following
    the last one starts at that week (its weeks in between are written too). ``skip_added``:
    the pupils ``_add_day_in_place`` already added (``tu``) are left out."""
    values = "".join(f", k.{m}" for m in (shape.measures if carried and kind == "attendance" else ()))
    params = semester.params
    if semester.old_wmax is None:
        shifted, slow, joined = "k.d0", "1", ""
    else:
        params |= {"next": monday_of(semester.old_wmax + 1), "after": monday_of(semester.old_wmax + 2)}
        shifted = "CASE WHEN k.d0 >= %(after)s THEN %(next)s ELSE k.d0 END"
        slow, joined = "1", ""
        if kind == "attendance":
            # Lesson marks count only on a day without its daily row: with the day's values given, none.
            marked = (
                f"{f'k.{shape.measures[0]} IS NULL AND ' if carried else ''}EXISTS (SELECT 1 FROM "  # noqa: S608 — names from code
                "journal_attendancemark m WHERE m.pupil_id = k.pupil_id AND m.date = k.d0)"
            )
            slow = (
                f"CASE WHEN k.d0 <> k.d1 OR k.d0 >= %(after)s OR {_day_number('k.d0')} / 7 <> %(wstar)s THEN 1 "
                f"WHEN {marked} THEN 1 "
            )
            if semester.wstar > semester.old_wmax:  # a new week: nobody has ``b`` yet
                slow += "ELSE 2 END"
            else:
                slow += "WHEN b.last_day IS NULL THEN 2 WHEN b.last_day >= k.d0 THEN 1 ELSE 0 END"
                joined = f"LEFT JOIN {shape.table} b ON b.period_id = %(period)s AND b.week = %(wstar)s AND b.pupil_id = k.pupil_id"
    added = f" AND NOT EXISTS (SELECT 1 FROM {TEMP}tu u WHERE u.pupil_id = k.pupil_id)" if skip_added else ""  # noqa: S608 — a temp table's name from code
    with _probing(cursor, _way(semester.pupils)):  # the week's rows: the only table joined
        _run(
            cursor,
            f"INSERT INTO {TEMP}tk (period_id, pupil_id, d0, d1{values.replace('k.', '')}, slow) "  # noqa: S608 — names from code
            f"SELECT k.period_id, k.pupil_id, {shifted}, k.d1{values}, {slow} "
            f"FROM {TEMP}tk0 k {joined} WHERE k.period_id = %(period)s{added}",
            params,
        )


def _build_whole(cursor: Any, kind: Kind, shape: _Shape, period_id: int) -> int:
    """An unbuilt semester (its first write, or a rebuild) built whole from all its facts; returns
    the rows written. The facts are read once, by a scan of the semester (``_daily_sql``), the
    rows computed from them in polars (``weeks_frame``) and written in key order by one bulk
    write into the semester's emptied rows. The upkeep's way — every pupil recomputed from its
    first fact, by probes, a 35-column pivot in SQL and an ``INSERT … ON CONFLICT`` — took 183 s
    (attendance) and 157 s (grades) at 250 000 pupils; now 53 s and 43 s (decision 0062)."""
    import polars as pl

    starts, ends = Period.objects.filter(pk=period_id).values_list("starts_on", "ends_on").get()
    params = {"starts": starts, "ends": ends, "period": period_id}
    _run(cursor, f"DELETE FROM {shape.table} WHERE period_id = %(period)s", params)  # noqa: S608 — names from code
    measures = ", ".join(shape.measures)
    facts = read_frame(
        cursor,
        f"SELECT pupil_id, dn, {measures} FROM ({_daily_sql(kind, whole=True)}) f",  # noqa: S608 — names from code
        _adapt(params),
        {"pupil_id": pl.Int64, "dn": pl.Int32} | dict.fromkeys(shape.measures, pl.Int32),
    )
    if kind == "grades":  # one row per pupil and day (``weeks_frame``); a day's attendance is one already
        facts = facts.group_by("pupil_id", "dn").agg(pl.col(m).sum() for m in shape.measures)
    rows = weeks_frame(facts, shape.measures)
    return write_frame(
        cursor, shape.table, rows.select(pl.lit(period_id).alias("period_id"), "week", "pupil_id", *_columns(shape))
    )


def weeks_frame(facts: pl.DataFrame, measures: Sequence[str]) -> pl.DataFrame:
    """A semester's rollup rows (``week``, ``pupil_id``, ``last_day`` and ``<measure>_<day>``, in
    the order of (week, pupil)) from its facts: ``pupil_id``, ``dn`` (days since ``EPOCH``) and the
    measures, one row per pupil and day. Every pupil gets its weeks from its first fact's to the
    last week with anyone's fact, each day holding the pupil's totals up to that day.

    Set-based over one long run of days, pupil by pupil, each pupil's weeks Monday to Sunday: every
    fact day is placed at its cell, one running sum along the whole run gives each cell the totals
    of all facts up to it, and each pupil's share is that minus the run's value just before its
    first cell. The last fact day up to a week's end is the last one placed at or before its Sunday
    (a pupil's first fact lies in its first week, so it never reaches back to another pupil's)."""
    import polars as pl

    names = ["week", "pupil_id", "last_day", *(f"{m}_{d}" for m in measures for d in WEEKDAYS)]
    if not facts.height:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.Int64) | {"last_day": pl.Date})
    wmax = int(facts.get_column("dn").max()) // 7  # type: ignore[arg-type]  # a number: the frame has rows
    pupils = (
        facts.group_by("pupil_id")
        .agg((pl.col("dn").min() // 7).cast(pl.Int64).alias("w0"))
        .sort("pupil_id")
        .with_columns((wmax + 1 - pl.col("w0")).alias("n"))
        .with_columns((pl.col("n").cum_sum() - pl.col("n")).alias("first"))  # the pupil's first row
    )
    cells = int(pupils.get_column("n").sum()) * 7
    at = (
        facts.select("pupil_id", "dn")
        .join(pupils, on="pupil_id", maintain_order="left")  # aligned with the facts
        .select((pl.col("first") + pl.col("dn") // 7 - pl.col("w0")) * 7 + pl.col("dn") % 7)
        .to_series()
    )
    rows = pupils.select(
        "pupil_id", pl.int_ranges("w0", wmax + 1).alias("week"), pl.int_range(pl.len()).alias("k")
    ).explode("week")
    k = rows.get_column("k")
    before = pupils.get_column("first") * 7  # each pupil's first cell
    columns = []
    for m in measures:
        run = pl.zeros(cells, pl.Int64, eager=True).scatter(at, facts.get_column(m).fill_null(0)).cum_sum()
        base = pl.concat([pl.Series([0], dtype=pl.Int64), run]).gather(before).gather(k)  # the run before the pupil
        columns += [(run.gather_every(7, d) - base).cast(pl.Int32).alias(f"{m}_{d}") for d in WEEKDAYS]
    last = pl.repeat(None, cells, dtype=pl.Int32, eager=True).scatter(at, facts.get_column("dn")).forward_fill()
    epoch = (EPOCH - dt.date(1970, 1, 1)).days  # polars dates count days from 1970-01-01
    last_day = (last.gather_every(7, 6) + epoch).cast(pl.Date).alias("last_day")
    return rows.select("week", "pupil_id").with_columns(last_day, *columns).sort("week", "pupil_id")


def _keep_period(cursor: Any, kind: Kind, shape: _Shape, semester: _Semester, *, carried: bool) -> int:
    cursor.execute(
        f"SELECT slow, COUNT(*) FROM {TEMP}tk WHERE period_id = %s GROUP BY slow",  # noqa: S608 — a temp table's name from code
        [semester.period_id],
    )
    counts = {int(slow): int(n) for slow, n in cursor.fetchall()}
    written = 0
    old_wmax, wstar = semester.old_wmax, semester.wstar
    # A new week's first day (the Monday file): the appended pupils' rows and the untouched
    # pupils' carried rows come from the same previous week, read once (``_keep_appended``).
    carry = carried and old_wmax is not None and wstar == old_wmax + 1 and bool(counts.get(2))
    if counts.get(0) or counts.get(2):
        written += _keep_appended(cursor, shape, semester, counts, carried=carried, carry_untouched=carry)
    if counts.get(1):
        params = {"period": semester.period_id, "starts": semester.starts, "ends": semester.ends}
        written += _keep_recomputed(cursor, kind, shape, params, wstar)
    if old_wmax is not None and wstar > old_wmax and not carry:
        written += _carry_on(cursor, shape, semester.period_id, old_wmax, wstar)
    _trim_empty_weeks(cursor, shape, semester.period_id)
    return written


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _keep_appended(
    cursor: Any,
    shape: _Shape,
    semester: _Semester,
    appended: dict[int, int],
    *,
    carried: bool,
    carry_untouched: bool,
) -> int:
    """The daily case (sorted by ``_sort``): a pupil whose only touched day ``d0`` lies in the
    semester's last week (``wstar``) after the last fact of its existing row ``b`` (so no fact
    after it now), and whose day counts by its daily row, gets that one row: ``b``'s columns plus
    the day's daily row from its weekday on (``slow`` 0), or, without ``b``, the previous week's
    last totals ``p`` plus the day (``slow`` 2). Attendance only (a day's grades are several rows).
    ``appended``: how many pupils ``_sort`` put in each. ``carry_untouched`` (the week is new, the
    one after the last): the same insert also carries every untouched pupil's last totals of
    ``p`` into the new week, as ``_carry_on`` would, in the same walk over ``p`` (a national
    Monday file read the previous week twice, 0.3 s of 3.6 s at 250 000 pupils). The rows go in
    as the merge join gives them, in key order; an ``ORDER BY`` of the full join's key (either
    side's) sorted them again, on disk (0.3 s).

    Where ``b`` exists (the week has rows) it is updated in place: the key stays as it is, and
    with the table's spare room (fillfactor, decision 0050) PostgreSQL writes the new version into
    the same page without touching the index. Only pupils without ``b`` (a new week, a pupil's
    first fact) are inserted from ``p``. The day's values come with the touched rows where the
    writer listed them (``touched_columns``), else from the day's fact (one more probe per pupil);
    with them the update (and the insert from ``p``) walks the week's rows in key order beside the
    sorted pupils. Before, one ``INSERT … ON CONFLICT`` probed ``b``, ``p`` and the day's fact for
    every pupil and then the key again for the conflict: 2.3 s at 50 000 pupils (docs/performance.md)."""
    t = shape.table
    ms = shape.measures
    params = semester.params
    dn = _day_number("d0")
    # ``v``: where the day's values are read — the touched rows (``k``) when the writer listed
    # them, else the day's fact (``f``, one more probe per pupil, joined by ``day``).
    v, day = ("k", "") if carried else ("f", "journal_attendanceday f ON f.pupil_id = k.pupil_id AND f.date = k.d0")
    picked = "".join(f", {m}" for m in ms) if carried else ""

    def chosen(slow: int | None) -> str:
        return (
            f"(SELECT pupil_id, d0, slow, {dn} %% 7 AS wd{picked} FROM {TEMP}tk "  # noqa: S608 — names from code
            f"WHERE period_id = %(period)s{'' if slow is None else f' AND slow = {slow}'}) k"
        )

    written = 0
    if appended.get(0):
        sets = _day_sets(shape, semester, v)
        # With the values carried, the week's rows are the only table read: walked in key order.
        with _probing(cursor, _way(appended[0] if carried else 0)):
            written += _run(
                cursor,
                f"UPDATE {t} SET last_day = k.d0, {sets} FROM {chosen(0)}{f' JOIN {day}' if day else ''} "  # noqa: S608 — names from code
                f"WHERE {t}.period_id = %(period)s AND {t}.week = %(wstar)s AND {t}.pupil_id = k.pupil_id "
                f"AND {v}.{ms[0]} IS NOT NULL",
                params,
            )
    if appended.get(2):
        values = ", ".join(
            f"COALESCE(p.{m}_6, 0){f' + {plus}' if (plus := _added(semester, d, f'COALESCE({v}.{m}, 0)')) else ''}"
            for m in ms
            for d in WEEKDAYS
        )
        cols = _columns(shape)
        # As the update: the previous week's rows as one range; all of them when the untouched are carried.
        with _probing(cursor, "walk" if carry_untouched else _way(appended[2] if carried else 0)):
            written += _run(
                cursor,
                f"""
INSERT INTO {t} (period_id, week, pupil_id, {", ".join(cols)})
SELECT %(period)s, %(wstar)s, COALESCE(k.pupil_id, p.pupil_id),
  CASE WHEN {v}.{ms[0]} IS NULL THEN p.last_day ELSE k.d0 END, {values}
FROM {chosen(None if carry_untouched else 2)}
{"FULL" if carry_untouched else "LEFT"} JOIN (SELECT * FROM {t} WHERE period_id = %(period)s AND week = %(wstar)s - 1) p
  ON p.pupil_id = k.pupil_id
{f"LEFT JOIN {day}" if day else ""}
WHERE (k.slow = 2 AND ({v}.{ms[0]} IS NOT NULL OR p.pupil_id IS NOT NULL)) OR k.pupil_id IS NULL
{"" if carry_untouched else "ORDER BY k.pupil_id"}
""",  # noqa: S608 — names from code, values parameters
                params,
            )
    return written


def _added(semester: _Semester, d: int, value: str) -> str | None:
    """The day's ``value`` as it adds to weekday ``d``'s total of its measure (None: nothing).
    A day's file (one day for every pupil): known here, so a total before the day is left as it
    is and one from it on gets a plain sum — no test per row and column."""
    if semester.one_day is None:
        return f"CASE WHEN k.wd <= {d} THEN {value} ELSE 0 END"
    return value if weekday_of(semester.one_day) <= d else None


def _day_sets(shape: _Shape, semester: _Semester, v: str) -> str:
    """The in-place update's ``SET`` list: each total from the day's weekday on plus the day's
    value of its measure, read from ``v`` (the touched rows or the day's fact)."""
    return ", ".join(
        f"{m}_{d} = {m}_{d} + {plus}"
        for m in shape.measures
        for d in WEEKDAYS
        if (plus := _added(semester, d, f"{v}.{m}"))
    )


def _add_day_in_place(cursor: Any, shape: _Shape, semester: _Semester) -> int:
    """A day's file whose week has rows, with the day's values given (the normal school day's
    import; PostgreSQL): every pupil whose row ``b`` of that week ends before the day gets the day
    added in place, straight from ``tk0`` — the daily case of ``_keep_appended`` without sorting
    the pupils into ``tk`` first (that statement read ``b`` a second time and wrote every pupil
    into a temporary table: 0.44 s of a 1.8 s upkeep at 250 000 pupils). The pupils added are
    listed in ``tu`` in the same statement, so that ``_sort`` leaves them out; returns how many.
    The conditions are those under which ``_sort`` would say 0: one day, in the last week (no
    later week exists), its values given, after ``b``'s last fact. 0 (nothing done) elsewhere,
    and on SQLite, which has no data-modifying ``WITH``."""
    day = semester.one_day
    if not _pg() or day is None or semester.old_wmax is None or week_of(day) != semester.old_wmax:
        return 0
    t, ms = shape.table, shape.measures
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP}tu")
    cursor.execute(f"CREATE TEMP TABLE {TEMP}tu (pupil_id bigint)")
    with _probing(cursor, _way(semester.pupils)):
        return _run(
            cursor,
            f"WITH u AS (UPDATE {t} SET last_day = k.d0, {_day_sets(shape, semester, 'k')} "  # noqa: S608 — names from code
            f"FROM {TEMP}tk0 k WHERE k.period_id = %(period)s AND {t}.period_id = %(period)s "
            f"AND {t}.week = %(wstar)s AND {t}.pupil_id = k.pupil_id AND k.{ms[0]} IS NOT NULL "
            f"AND {t}.last_day < k.d0 RETURNING {t}.pupil_id) "
            f"INSERT INTO {TEMP}tu (pupil_id) SELECT pupil_id FROM u",
            semester.params,
        )


Way = Literal["probe", "walk", "hash"]
_WAYS: dict[Way, tuple[str, ...]] = {
    "probe": ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"),
    "walk": ("enable_seqscan", "enable_nestloop", "enable_hashjoin"),
    "hash": ("enable_seqscan", "enable_nestloop", "enable_mergejoin"),
}


@contextlib.contextmanager
def _probing(cursor: Any, way: Way = "probe") -> Iterator[None]:
    """PostgreSQL: how the statement(s) inside join the touched pupils (a temporary table, read
    whole) to the rollup and fact tables, chosen here from the counted pupils rather than left to
    the planner, whose estimates of the rollup tables are stale just when it matters (a week's rows
    are written every day and analysed by autovacuum only after a tenth of the table changed).

    By default by index probes, never a whole-table scan, hash or merge: the planner, costing
    50 000 probes above one sequential scan, hashed whole rollup tables (2.8 s at 50 000 pupils).
    ``"walk"`` (many pupils, ``_way``; the statement's only other table read as one key
    range, a week's rows): by a merge join that walks the range in key order beside the sorted
    pupils (0.17 s against 0.31 s of probes for 50 000) — nested loops off, for with a stale
    estimate of one row in the week the planner looped over the whole week for each of 250 000
    pupils (a deletion's upkeep ran for over 13 minutes). ``"hash"``: the touched pupils hashed
    and a week's rows checked against them (``_carry_on``'s anti join), for the same reason."""
    if not _pg():
        yield
        return
    previous = {}
    off = _WAYS[way]
    for name in off:
        cursor.execute("SELECT current_setting(%s), set_config(%s, 'off', true)", [name, name])
        previous[name] = str(cursor.fetchone()[0])
    yield
    for name, value in previous.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# From this many touched pupils of a semester on, a week's rows are walked by a merge join
# (``_probing``), below it probed: a school's or a municipality's file probes, a country's walks.
# A probe costs about four buffers, the walk every row of the week once: at 250 000 rows a week
# the two meet near 50 000 pupils, at 50 000 near 10 000.
_WALK_FROM = 20_000


def _way(pupils: int) -> Way:
    """How ``pupils`` touched pupils join a week's rows (``_probing``): walked from ``_WALK_FROM`` on."""
    return "walk" if pupils >= _WALK_FROM else "probe"


def _keep_recomputed(cursor: Any, kind: Kind, shape: _Shape, params: dict[str, Any], wstar: int) -> int:
    """The ``slow`` touched pupils: each recomputed from its start day (``_base_sql``) through
    the semester's last week ``wstar``."""
    with _probing(cursor):
        _temp(cursor, "tb", _base_sql(shape), params, analyse="pupil_id")
        _temp(cursor, "td", _daily_sql(kind), params)
    _temp(cursor, "tw", _weekly_sql(shape.measures), analyse="pupil_id, week")
    cursor.execute(f"SELECT MIN(w0) FROM {TEMP}tb")  # noqa: S608 — a temp table's name from code
    span = wstar - int(cursor.fetchone()[0])
    params = params | {"wmax": wstar, "span": max(span, 0)}
    _temp(cursor, "tn", _new_rows_sql(shape), params, analyse="pupil_id, week")
    cols = _columns(shape)
    keys = "period_id, week, pupil_id"
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols)
    written = _run(
        cursor,
        f"INSERT INTO {shape.table} ({keys}, {', '.join(cols)}) "  # noqa: S608 — names from code
        # In key order: a week's rows then sit together on disk, and the reader takes a week's
        # rows as a range (written pupil by pupil, each row was on its own page: 2 s at 50 000).
        f"SELECT %(period)s, week, pupil_id, {', '.join(cols)} FROM {TEMP}tn WHERE keep = 1 "
        f"ORDER BY week, pupil_id ON CONFLICT ({keys}) DO UPDATE SET {updates}",
        params,
    )
    # Weeks before a pupil's (new) first fact: rows a deletion or a moved fact left behind.
    cursor.execute(f"SELECT COUNT(*) FROM {TEMP}tn WHERE keep = 0")  # noqa: S608 — a temp table's name from code
    if cursor.fetchone()[0]:
        _run(
            cursor,
            f"DELETE FROM {shape.table} WHERE period_id = %(period)s AND EXISTS ("  # noqa: S608 — names from code
            f"SELECT 1 FROM {TEMP}tn n WHERE n.keep = 0 AND n.week = {shape.table}.week "
            f"AND n.pupil_id = {shape.table}.pupil_id)",
            params,
        )
    return written


def _carry_on(cursor: Any, shape: _Shape, period_id: int, old_wmax: int, wmax: int) -> int:
    """The untouched pupils' rows into the semester's new weeks: their last totals, unchanged."""
    cols = _columns(shape)
    carried = ", ".join("r.last_day" if c == "last_day" else f"r.{c.rsplit('_', 1)[0]}_6" for c in cols)
    with _probing(cursor, "hash"):  # never a loop over ``tk`` per row of the week (``_probing``)
        return _run(
            cursor,
            f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %(span)s)
INSERT INTO {shape.table} (period_id, week, pupil_id, {", ".join(cols)})
SELECT r.period_id, r.week + n.i, r.pupil_id, {carried}
FROM {shape.table} r CROSS JOIN n
WHERE r.period_id = %(period)s AND r.week = %(old)s
  AND NOT EXISTS (SELECT 1 FROM {TEMP}tk k WHERE k.period_id = %(period)s AND k.pupil_id = r.pupil_id)
""",  # noqa: S608 — names from code, values parameters
            {"period": period_id, "old": old_wmax, "span": wmax - old_wmax},
        )


def _trim_empty_weeks(cursor: Any, shape: _Shape, period_id: int) -> None:
    """After a deletion (or a touched day without facts past the last week): drop the semester's
    last weeks in which nobody has a fact any more. One probe of the last week when it has one."""
    while True:
        cursor.execute(f"SELECT MAX(week) FROM {shape.table} WHERE period_id = %s", [period_id])  # noqa: S608 — names from code
        week = cursor.fetchone()[0]
        if week is None:
            return
        cursor.execute(
            f"SELECT 1 FROM {shape.table} WHERE period_id = %s AND week = %s AND last_day >= %s LIMIT 1",  # noqa: S608 — names from code
            [period_id, week, connection.ops.adapt_datefield_value(monday_of(week))],
        )
        if cursor.fetchone():
            return
        cursor.execute(f"DELETE FROM {shape.table} WHERE period_id = %s AND week = %s", [period_id, week])  # noqa: S608 — names from code


# --- Rebuild and check ----------------------------------------------------------------------------


def rollups_rebuild(*, period: Period, kinds: tuple[Kind, ...] = ("attendance", "grades")) -> dict[str, int]:
    """Recompute the semester's rollups from its facts and mark them built (``_build_whole``, as
    the upkeep does for an unbuilt semester; a semester without facts is left without rows).
    Returns the rows written per kind."""
    out: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor, _upkeep_settings(cursor):
        for kind in kinds:
            out[kind] = _build_whole(cursor, kind, SHAPES[kind], period.pk)
            RollupBuilt.objects.update_or_create(period=period, kind=kind, defaults={"built_at": timezone.now()})
    return out


def rollups_check(*, period: Period, kinds: tuple[Kind, ...] = ("attendance", "grades")) -> dict[str, int]:
    """The number of rollup rows that differ from a rebuild from the facts (missing, extra or
    with other totals), per kind; 0 everywhere means the rollups are right. Writes nothing: the
    rebuild runs inside a savepoint that is rolled back."""
    out: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for kind in kinds:
            table = SHAPES[kind].table
            cols = ", ".join(["period_id", "week", "pupil_id", *_columns(SHAPES[kind])])
            _temp(cursor, "kept", f"SELECT {cols} FROM {table} WHERE period_id = %(p)s", {"p": period.pk})  # noqa: S608 — names from code
            point = transaction.savepoint_create()
            rollups_rebuild(period=period, kinds=(kind,))
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT {cols} FROM {TEMP}kept EXCEPT "  # noqa: S608 — names from code
                f"SELECT {cols} FROM {table} WHERE period_id = %s) a",
                [period.pk],
            )
            missing = int(cursor.fetchone()[0])
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT {cols} FROM {table} WHERE period_id = %s EXCEPT "  # noqa: S608 — names from code
                f"SELECT {cols} FROM {TEMP}kept) a",
                [period.pk],
            )
            out[kind] = missing + int(cursor.fetchone()[0])
            transaction.savepoint_rollback(point)
            cursor.execute(f"DROP TABLE IF EXISTS {TEMP}kept")
    return out
