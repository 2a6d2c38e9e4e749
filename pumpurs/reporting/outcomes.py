"""What became of the pupils who were ever flagged or supported (issue 15, decision 0030).

An outcome is read from a pupil's enrolments on a day (the *horizon*), in one CASE over them:

* **enrolled** — an enrolment in force after the horizon (started on or before it, not ended by
  it), or the last one ended with a class change and another one follows (the summer between two
  school years: the rollover ends the old class on the eve of the new year);
* otherwise the end reason of the last enrolment that started on or before the horizon:
  **completed**, **moved_school** (transferred, and no enrolment in force here), **moved_abroad**,
  **left** (left without completing), **other** (the reason "other", or a class change with
  nothing after it).

A pupil with no enrolment started by the horizon has no outcome there (``NULL``, left out).

Horizons: **one year** after the pupil's first flag or first support (a flag raised; a plan
activated), and the **end of each school year** from the one of that first day on — the eve of
the next year's first day, so that pupils completing grade 9 or 12 late in June count as completed
and the summer's class changes as still enrolled. A horizon still in the future is not due: no
outcome yet. The *cohort* is the school year of the first flag or support.

Everything is one statement over all pupils (no per-pupil loop); ``outcome_case_sql`` is the CASE
itself, for the pages that need an outcome of other pupils (helper "effects" compares supported
pupils with similar ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Min, TextChoices
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.people.calendar import school_year_start_for, year_dates
from pumpurs.people.models import Enrolment, SchoolYear
from pumpurs.reporting import definitions
from pumpurs.risk.models import Flag

FIRST_DAY = dt.date(2000, 1, 1)  # before any record: the window of "ever"


class OutcomeKind(TextChoices):
    ENROLLED = "enrolled", _("still enrolled")
    COMPLETED = "completed", _("completed")
    MOVED_SCHOOL = "moved_school", _("moved to another school")
    MOVED_ABROAD = "moved_abroad", _("moved abroad")
    LEFT = "left", _("left without completing")
    OTHER = "other", _("other or not known")


class Horizon(TextChoices):
    ONE_YEAR = "one_year", _("one year after the first flag or support")
    YEAR_END = "year_end", _("end of the school year")


_REASON_TO_OUTCOME = {
    Enrolment.EndReason.COMPLETED: OutcomeKind.COMPLETED,
    Enrolment.EndReason.TRANSFERRED: OutcomeKind.MOVED_SCHOOL,
    Enrolment.EndReason.MOVED_ABROAD: OutcomeKind.MOVED_ABROAD,
    Enrolment.EndReason.LEFT: OutcomeKind.LEFT,
}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def add_one_year_sql(expr: str) -> str:
    if is_postgres():
        return f"CAST({expr} + INTERVAL '1 year' AS DATE)"
    return f"date({expr}, '+1 year')"


def outcome_case_sql(pupil: str, day: str) -> str:
    """The outcome of pupil ``pupil`` (a SQL column) on day ``day`` (a SQL date expression), as
    one of :class:`OutcomeKind`'s values or NULL — see the module docstring."""
    last_reason = " ".join(f"WHEN '{reason}' THEN '{outcome}'" for reason, outcome in _REASON_TO_OUTCOME.items())
    return f"""CASE
  WHEN EXISTS (SELECT 1 FROM people_enrolment oe WHERE oe.pupil_id = {pupil} AND oe.starts_on <= {day}
               AND (oe.ends_on IS NULL OR oe.ends_on > {day})) THEN '{OutcomeKind.ENROLLED}'
  ELSE (SELECT CASE
                 WHEN le.end_reason = '{Enrolment.EndReason.CLASS_CHANGED}' AND EXISTS (
                   SELECT 1 FROM people_enrolment ne WHERE ne.pupil_id = le.pupil_id AND ne.starts_on > le.starts_on)
                   THEN '{OutcomeKind.ENROLLED}'
                 ELSE CASE le.end_reason {last_reason} ELSE '{OutcomeKind.OTHER}' END
               END
        FROM people_enrolment le WHERE le.pupil_id = {pupil} AND le.starts_on <= {day}
        ORDER BY le.starts_on DESC, le.id DESC LIMIT 1)
END"""  # noqa: S608 — column names and choice values from code, no input


def year_end_horizon(year: SchoolYear) -> dt.date:
    """The day an end-of-year outcome is read: the eve of the next school year's first day."""
    start_year = school_year_start_for(year.starts_on)
    following = SchoolYear.objects.filter(starts_on__gt=year.starts_on).order_by("starts_on").first()
    first_day = following.starts_on if following is not None else year_dates(start_year + 1).starts_on
    return first_day - dt.timedelta(days=1)


def year_end_horizons(years: Iterable[SchoolYear]) -> dict[int, dt.date]:
    """``year_end_horizon`` of each of ``years`` — every school year there is, as one query reads
    them — without a query per year: the next year is the next in the list."""
    ordered = sorted(years, key=lambda y: y.starts_on)
    horizons = {}
    for year, following in zip(ordered, [*ordered[1:], None], strict=True):
        first_day = (
            following.starts_on
            if following is not None
            else year_dates(school_year_start_for(year.starts_on) + 1).starts_on
        )
        horizons[year.pk] = first_day - dt.timedelta(days=1)
    return horizons


@dataclass(frozen=True)
class PupilOutcome:
    pupil_id: int
    institution_id: int  # the school the pupil attended on their first flag or support day
    municipality_id: int
    cohort_id: int  # SchoolYear of the first flag or support
    first_on: dt.date  # first flag or support
    horizon: str  # Horizon
    horizon_year_id: int | None  # the school year whose end is the horizon (YEAR_END), else None
    horizon_on: dt.date
    flagged: bool  # flagged on or before the horizon
    supported: bool  # support started on or before the horizon
    outcome: str  # OutcomeKind


def _started_sql(today: dt.date) -> tuple[str, list[Any]]:
    """Per pupil ever flagged or supported by ``today``: the day of the first flag raised
    (``definitions``: whatever was decided about it) and of the first counted delivery
    (``definitions.deliveries_counted``: support under a finally approved plan), and the earlier
    of the two. Days in ``TIME_ZONE`` (Django's ``TruncDate`` on both engines)."""
    flags = (
        Flag.objects.filter(raised_at__lt=_first_moment(today + dt.timedelta(days=1)))
        .values("pupil_id")
        .annotate(p=F("pupil_id"), day=Min(TruncDate("raised_at")))
        .values("p", "day")
    )
    support = (
        definitions.deliveries_counted(FIRST_DAY, today)
        .values("line__plan__case__pupil_id")
        .annotate(p=F("line__plan__case__pupil_id"), day=Min("delivered_on"))
        .values("p", "day")
    )
    flags_sql, flags_params = flags.query.sql_with_params()
    support_sql, support_params = support.query.sql_with_params()
    sql = f"""SELECT m.p AS pupil_id, MIN(m.flagged_on) AS flagged_on, MIN(m.supported_on) AS supported_on,
       MIN(COALESCE(m.flagged_on, m.supported_on)) AS first_on
FROM (SELECT f.p, f.day AS flagged_on, CAST(NULL AS DATE) AS supported_on FROM ({flags_sql}) f
      UNION ALL
      SELECT s.p, CAST(NULL AS DATE), s.day FROM ({support_sql}) s) m
GROUP BY m.p"""  # noqa: S608 — compiled querysets, every value a parameter
    return sql, [*flags_params, *support_params]


def _first_moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _years_sql(years: Sequence[tuple[int, dt.date, dt.date]]) -> tuple[str, list[Any]]:
    """A small inline table of the school years: (id, first day, horizon day)."""
    parts, params = [], []
    for year_id, first, horizon in years:
        parts.append("SELECT %s AS year_id, %s AS first_on, %s AS horizon_on")
        params += [year_id, first, horizon]
    if not parts:
        return "SELECT NULL AS year_id, NULL AS first_on, NULL AS horizon_on WHERE 1 = 0", []
    return " UNION ALL ".join(parts), params


def _adapt(params: Iterable[Any]) -> list[Any]:
    ops = connection.ops
    return [ops.adapt_datefield_value(p) if isinstance(p, dt.date) else p for p in params]


def _outcomes_sql(
    *, today: dt.date, institution_ids: Iterable[int] | None, horizon: str | None
) -> tuple[str, list[Any]] | None:
    """The statement behind ``pupil_outcomes`` and ``outcome_counts`` (None: an empty scope)."""
    every = list(SchoolYear.objects.order_by("starts_on"))
    horizons = year_end_horizons(every)
    years = [(y.pk, y.starts_on, horizons[y.pk]) for y in every]
    years_sql, year_params = _years_sql(years)
    started_sql, started_params = _started_sql(today)
    where, where_params = "", []
    if institution_ids is not None:
        ids = sorted(set(institution_ids))
        if not ids:
            return None
        where = f"AND h.institution_id IN ({', '.join(['%s'] * len(ids))})"
        where_params = ids
    horizon_params = [horizon] if horizon is not None else []
    sql = f"""
WITH years AS ({years_sql}),
started AS ({started_sql}),
base AS (
  SELECT s.pupil_id, s.flagged_on, s.supported_on, s.first_on,
         (SELECT e.institution_id FROM people_enrolment e WHERE e.pupil_id = s.pupil_id AND e.starts_on <= s.first_on
          ORDER BY e.starts_on DESC, e.id DESC LIMIT 1) AS institution_id,
         (SELECT y.year_id FROM years y WHERE y.first_on <= s.first_on ORDER BY y.first_on DESC LIMIT 1) AS cohort_id
  FROM started s
),
horizons AS (
  SELECT b.*, '{Horizon.ONE_YEAR}' AS horizon, CAST(NULL AS INTEGER) AS horizon_year_id,
         {add_one_year_sql("b.first_on")} AS horizon_on
  FROM base b
  UNION ALL
  SELECT b.*, '{Horizon.YEAR_END}', y.year_id, y.horizon_on
  FROM base b JOIN years y ON y.horizon_on >= b.first_on
)
SELECT h.pupil_id, h.institution_id, i.municipality_id, h.cohort_id, h.first_on, h.horizon, h.horizon_year_id,
       h.horizon_on,
       CASE WHEN h.flagged_on IS NOT NULL AND h.flagged_on <= h.horizon_on THEN 1 ELSE 0 END AS flagged,
       CASE WHEN h.supported_on IS NOT NULL AND h.supported_on <= h.horizon_on THEN 1 ELSE 0 END AS supported,
       {outcome_case_sql("h.pupil_id", "h.horizon_on")} AS outcome
FROM horizons h JOIN people_institution i ON i.id = h.institution_id
WHERE h.cohort_id IS NOT NULL AND h.horizon_on < %s {where}
{"AND h.horizon = %s" if horizon is not None else ""}
"""  # noqa: S608 — fragments from code, every value a parameter
    return sql, [*year_params, *started_params, today, *where_params, *horizon_params]


def pupil_outcomes(
    *,
    today: dt.date,
    institution_ids: Iterable[int] | None = None,
    horizon: str | None = None,
) -> list[PupilOutcome]:
    """Every outcome due by ``today`` of every pupil ever flagged or supported: one row per pupil
    and horizon (one year after; the end of each school year from the cohort's on). Restricted to
    pupils whose school on their first day is in ``institution_ids`` when given (``None``: all)."""
    statement = _outcomes_sql(today=today, institution_ids=institution_ids, horizon=horizon)
    if statement is None:
        return []
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql + "ORDER BY 1, 6, 8", _adapt(params))
        rows = cursor.fetchall()
    return [
        PupilOutcome(
            pupil_id=r[0],
            institution_id=r[1],
            municipality_id=r[2],
            cohort_id=r[3],
            first_on=_as_date(r[4]),
            horizon=r[5],
            horizon_year_id=r[6],
            horizon_on=_as_date(r[7]),
            flagged=bool(r[8]),
            supported=bool(r[9]),
            outcome=r[10],
        )
        for r in rows
        if r[10] is not None
    ]


@dataclass(frozen=True)
class OutcomeCount:
    cohort_id: int
    horizon: str
    horizon_year_id: int | None
    supported: bool
    outcome: str
    pupils: int
    institution_id: int | None = None  # the school of the first day, when counted per school
    municipality_id: int | None = None  # and its municipality


def outcome_counts(
    *,
    today: dt.date,
    institution_ids: Iterable[int] | None = None,
    horizon: str | None = None,
    per_school: bool = False,
) -> list[OutcomeCount]:
    """``pupil_outcomes`` counted per cohort, horizon, supported or not and outcome — in the
    database, one statement. ``per_school``: also per school of the first day (and its
    municipality), the grain of the pre-aggregate (``reporting.outcome_cells``): every pupil and
    horizon is counted at one school, so any set of schools' counts are the sums of theirs."""
    statement = _outcomes_sql(today=today, institution_ids=institution_ids, horizon=horizon)
    if statement is None:
        return []
    sql, params = statement
    school = ", o.institution_id, o.municipality_id" if per_school else ""
    grouped = f"""SELECT o.cohort_id, o.horizon, o.horizon_year_id, o.supported, o.outcome, COUNT(*){school}
FROM ({sql}) o WHERE o.outcome IS NOT NULL
GROUP BY o.cohort_id, o.horizon, o.horizon_year_id, o.supported, o.outcome{school}"""  # noqa: S608 — as above
    with connection.cursor() as cursor:
        cursor.execute(grouped, _adapt(params))
        rows = cursor.fetchall()
    return [OutcomeCount(r[0], r[1], r[2], bool(r[3]), r[4], int(r[5]), *r[6:]) for r in rows]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


__all__ = [
    "Horizon",
    "OutcomeCount",
    "OutcomeKind",
    "PupilOutcome",
    "outcome_case_sql",
    "outcome_counts",
    "pupil_outcomes",
    "year_end_horizon",
    "year_end_horizons",
]
