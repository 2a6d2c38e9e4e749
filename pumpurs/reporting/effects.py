"""Effect of each measure (issue 15, decision 0031) — observational, and the page says so.

For one semester and one scope (a municipality's schools or the whole country) the pupils enrolled
on the semester's first day are gathered in one SQL statement, each with:

* their **stratum** at the start of the semester: school type (general / vocational / other), grade
  band (1–3, 4–6, 7–9, 10–12; vocational courses 1–3 and 4), risk level (the highest submitted
  assessment of the semester: none, low, medium, high) and whether any flag was raised for them in
  the semester;
* their **attendance change**: the share of lessons missed without a justification in the
  semester's last four weeks (up to ``today`` while it runs) minus that share in its first four
  weeks, in percentage points, from the e-journal facts (``journal.AttendanceDay``). No lessons in
  either window: no measurement.

A second statement lists who received which measure: a pupil received a measure when a delivery of
it, not voided, was recorded under their plan for the semester. For each measure its receivers are
compared with the pupils of the same strata who did not receive it (``estimation.estimate_att``).
Only that estimation runs in Python, on the assembled arrays; no query per pupil or per measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from pumpurs.people.models import Institution, Period, Pupil
from pumpurs.reporting import definitions
from pumpurs.reporting.estimation import Estimate, estimate_att
from pumpurs.reporting.outcomes import OutcomeKind, outcome_case_sql
from pumpurs.risk.models import Assessment
from pumpurs.support.models import Measure

# numpy is imported inside the functions that compute: loaded at module level it cost 0.5 s of
# every command's and web process's start (the URL conf and the dashboards job import this module).
if TYPE_CHECKING:
    import numpy as np

WINDOW_DAYS = 28  # the first and the last four weeks of the semester

_LEVEL = "CASE lv.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

_POPULATION = """
SELECT e.pupil_id,
       (CASE i.kind WHEN 'general' THEN 1 WHEN 'vocational' THEN 2 ELSE 3 END) * 1000
       + ((cg.grade - 1) / 3) * 100
       + {level} * 10
       + CASE WHEN fl.pk IS NULL THEN 0 ELSE 1 END AS stratum,
       COALESCE(at.lessons0, 0), COALESCE(at.unjustified0, 0), COALESCE(at.lessons1, 0), COALESCE(at.unjustified1, 0),
       {outcome},
       i.municipality_id
FROM people_enrolment e
JOIN people_institution i ON i.id = e.institution_id
JOIN people_classgroup cg ON cg.id = e.class_group_id
LEFT JOIN ({assessed}) lv ON lv.pk = e.pupil_id
LEFT JOIN ({flagged}) fl ON fl.pk = e.pupil_id
LEFT JOIN (
    SELECT d.pupil_id,
           SUM(CASE WHEN d.date <= %s THEN d.lessons ELSE 0 END) AS lessons0,
           SUM(CASE WHEN d.date <= %s THEN d.unjustified ELSE 0 END) AS unjustified0,
           SUM(CASE WHEN d.date >= %s THEN d.lessons ELSE 0 END) AS lessons1,
           SUM(CASE WHEN d.date >= %s THEN d.unjustified ELSE 0 END) AS unjustified1
    FROM journal_attendanceday d
    WHERE d.date >= %s AND d.date <= %s AND (d.date <= %s OR d.date >= %s)
    GROUP BY d.pupil_id
) at ON at.pupil_id = e.pupil_id
WHERE e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s) {scope}
  AND NOT EXISTS (
    SELECT 1 FROM people_enrolment later
    WHERE later.pupil_id = e.pupil_id AND later.starts_on <= %s AND (later.ends_on IS NULL OR later.ends_on > %s)
      AND (later.starts_on > e.starts_on OR (later.starts_on = e.starts_on AND later.id > e.id))
  )
ORDER BY e.pupil_id
"""


@dataclass(frozen=True)
class Cohort:
    """The semester's pupils as arrays, sorted by pupil id (one row each)."""

    pupil_ids: np.ndarray
    stratum: np.ndarray
    attendance_change: np.ndarray  # percentage points; NaN without lessons in either window
    left: np.ndarray  # 1.0 left without completing a year on, 0.0 any other outcome, NaN not known or not due
    municipality: np.ndarray  # the municipality of the pupil's school (their latest enrolment that day)
    received: dict[str, np.ndarray]  # measure code → the pupil ids who received it


@dataclass(frozen=True)
class MeasureEffect:
    code: str
    label: str
    attendance: Estimate
    left: Estimate | None  # None: the year since the semester began has not passed yet


@dataclass(frozen=True)
class Effects:
    period: Period
    first_window: tuple[dt.date, dt.date]
    last_window: tuple[dt.date, dt.date]
    horizon: dt.date  # the day the one-year outcome is read
    pupils: int
    minimum: int
    measures: list[MeasureEffect]
    as_of: dt.date | None = None  # the day of the pre-aggregate read (decision 0038); None: counted live

    @property
    def one_year_due(self) -> bool:
        return any(m.left is not None for m in self.measures)


def minimum_pupils() -> int:
    return int(settings.PUMPURS_EFFECT_MIN_PUPILS)


def _windows(period: Period, today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    end = min(period.ends_on, today)
    first_end = min(period.starts_on + dt.timedelta(days=WINDOW_DAYS - 1), end)
    last_start = max(end - dt.timedelta(days=WINDOW_DAYS - 1), first_end + dt.timedelta(days=1))
    return (period.starts_on, first_end), (last_start, end)


def one_year_on(period: Period) -> dt.date:
    """The day a semester's pupils' one-year outcome is read: a year after its first day."""
    start = period.starts_on
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def _institutions(municipality_ids: list[int] | None) -> QuerySet[Institution]:
    found = Institution.objects.all()
    return found if municipality_ids is None else found.filter(municipality_id__in=municipality_ids)


def cohort(period: Period, *, municipality_ids: list[int] | None, today: dt.date) -> Cohort:
    """The pupils of ``period`` in scope (``None``: the whole country) with their strata, their
    attendance change, their one-year outcome and the measures they received: two statements.
    Who was flagged, at which level assessed, and who received support are the answers of
    ``reporting.definitions`` for the semester's first four weeks (flags, questionnaires) and for
    the whole semester (deliveries), compiled into the statement, not redefined here. A pupil
    with two enrolments open on the first day is counted once, at the latest of them, so that the
    municipalities' pupils add up to the country's (the pre-aggregate sums them, decision 0038)."""
    import numpy as np

    (start, first_end), (last_start, end) = _windows(period, today)
    schools = _institutions(municipality_ids)
    # Only pupils with a questionnaire in the window ask for its level (one look-up each, not 250 000).
    questionnaire = Assessment.objects.filter(
        pupil_id=OuterRef("pk"),
        status=Assessment.Status.SUBMITTED,
        period__starts_on__lte=first_end,
        period__ends_on__gte=start,
    )
    assessed_sql, assessed_params = (
        Pupil.objects.filter(Exists(questionnaire))
        .annotate(level=definitions.assessed_level(start, first_end))
        .filter(level__isnull=False)
        .values("pk", "level")
        .order_by()  # a join, not a list: no sort by name
        .query.sql_with_params()
    )
    flagged_sql, flagged_params = (
        definitions.flagged_pupils(schools, start, first_end).values("pk").order_by().query.sql_with_params()
    )
    horizon = one_year_on(period)
    # The outcome a year on (``reporting.outcomes``), once that day has come.
    outcome_sql, outcome_params = "''", []
    if horizon <= today:
        case = outcome_case_sql("e.pupil_id", "%s")
        outcome_sql, outcome_params = f"COALESCE({case}, '')", [horizon] * case.count("%s")
    scope = ""
    if municipality_ids is not None:
        keys = ", ".join(str(int(k)) for k in municipality_ids) or "NULL"
        scope = f"AND i.municipality_id IN ({keys})"
    sql = _POPULATION.format(level=_LEVEL, outcome=outcome_sql, assessed=assessed_sql, flagged=flagged_sql, scope=scope)
    params: list[Any] = [
        *outcome_params,
        *assessed_params,
        *flagged_params,
        first_end,
        first_end,
        last_start,
        last_start,
        start,
        end,
        first_end,
        last_start,
        start,
        start,
        start,
        start,
    ]
    received_rows = list(
        definitions.deliveries_counted(start, end)
        .values_list("line__plan__case__pupil_id", "line__measure__code")
        .order_by()
        .distinct()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    raw = np.array(rows, dtype=object).reshape(-1, 8)
    # A pupil with two enrolments open on the first day (a class change that day) counts once, at
    # the latest of them (the statement keeps only that one; this guards against a tie).
    _ids, first = np.unique(raw[:, 0].astype(np.int64), return_index=True)
    raw = raw[first]
    table = raw[:, :6].astype(np.float64)
    outcome = raw[:, 6].astype(str)  # "" where not known or not due
    left = np.full(len(raw), np.nan)
    left[outcome != ""] = 0.0
    left[outcome == OutcomeKind.LEFT.value] = 1.0
    lessons0, unjustified0, lessons1, unjustified1 = table[:, 2], table[:, 3], table[:, 4], table[:, 5]
    measured = (lessons0 > 0) & (lessons1 > 0)
    change = np.full(len(table), np.nan)
    change[measured] = 100.0 * (
        unjustified1[measured] / lessons1[measured] - unjustified0[measured] / lessons0[measured]
    )

    pairs = np.array(received_rows, dtype=object).reshape(-1, 2)  # one row per (pupil, measure)
    receivers, codes = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(str)
    return Cohort(
        pupil_ids=table[:, 0].astype(np.int64),
        stratum=table[:, 1].astype(np.int64),
        attendance_change=change,
        left=left,
        municipality=raw[:, 7].astype(np.int64),
        received={str(code): receivers[codes == code] for code in np.unique(codes)},
    )


def measure_effects(
    period: Period, *, municipality_ids: list[int] | None, today: dt.date, minimum: int | None = None
) -> Effects:
    """Each measure received by someone in the semester, with its effect on attendance and, once
    a year has passed since the semester began, on leaving school without completing."""
    import numpy as np

    minimum = minimum_pupils() if minimum is None else minimum
    found = cohort(period, municipality_ids=municipality_ids, today=today)
    horizon = one_year_on(period)
    labels = _labels(list(found.received))
    measures = []
    for code in sorted(found.received, key=lambda c: labels.get(c, c)):
        treated = np.isin(found.pupil_ids, found.received[code])
        if not treated.any():
            continue  # received only by pupils outside the scope
        left = None
        if horizon <= today:
            # In percentage points, like the attendance change.
            left = estimate_att(100.0 * found.left, treated, found.stratum, minimum=minimum)
        measures.append(
            MeasureEffect(
                code=code,
                label=labels.get(code, code),
                attendance=estimate_att(found.attendance_change, treated, found.stratum, minimum=minimum),
                left=left,
            )
        )
    first, last = _windows(period, today)
    return Effects(
        period=period,
        first_window=first,
        last_window=last,
        horizon=horizon,
        pupils=len(found.pupil_ids),
        minimum=minimum,
        measures=measures,
    )


def _labels(codes: list[str]) -> dict[str, str]:
    """The latest catalogue version's name of each code, in the reader's language."""
    return {m.code: m.label for m in Measure.objects.filter(code__in=codes).order_by("code", "valid_from")}
