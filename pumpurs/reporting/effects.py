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

import numpy as np
from django.conf import settings
from django.db import connection

from pumpurs.people.models import Period
from pumpurs.reporting.estimation import Estimate, estimate_att
from pumpurs.support.models import Measure

WINDOW_DAYS = 28  # the first and the last four weeks of the semester

_LEVEL = "CASE a.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

_POPULATION = f"""
SELECT e.pupil_id,
       (CASE i.kind WHEN 'general' THEN 1 WHEN 'vocational' THEN 2 ELSE 3 END) * 1000
       + ((cg.grade - 1) / 3) * 100
       + COALESCE(lv.level, 0) * 10
       + CASE WHEN fl.pupil_id IS NULL THEN 0 ELSE 1 END AS stratum,
       at.lessons0, at.unjustified0, at.lessons1, at.unjustified1
FROM people_enrolment e
JOIN people_institution i ON i.id = e.institution_id
JOIN people_classgroup cg ON cg.id = e.class_group_id
LEFT JOIN (
    SELECT a.pupil_id, MAX({_LEVEL}) AS level
    FROM risk_assessment a WHERE a.period_id = %s AND a.status = 'submitted'
    GROUP BY a.pupil_id
) lv ON lv.pupil_id = e.pupil_id
LEFT JOIN (SELECT DISTINCT f.pupil_id FROM risk_flag f WHERE f.period_id = %s) fl ON fl.pupil_id = e.pupil_id
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
WHERE e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s) {{scope}}
ORDER BY e.pupil_id
"""  # noqa: S608 — fixed text; the scope is integer keys only, every value a parameter

_RECEIVED = """
SELECT DISTINCT cs.pupil_id, m.code
FROM support_delivery d
JOIN support_planmeasure pm ON pm.id = d.line_id
JOIN support_plan p ON p.id = pm.plan_id
JOIN support_case cs ON cs.id = p.case_id
JOIN support_measure m ON m.id = pm.measure_id
WHERE p.period_id = %s AND d.voided_at IS NULL
"""


@dataclass(frozen=True)
class Cohort:
    """The semester's pupils as arrays, sorted by pupil id (one row each)."""

    pupil_ids: np.ndarray
    stratum: np.ndarray
    attendance_change: np.ndarray  # percentage points; NaN without lessons in either window
    received: dict[str, np.ndarray]  # measure code → the pupil ids who received it


@dataclass(frozen=True)
class MeasureEffect:
    code: str
    label: str
    attendance: Estimate


@dataclass(frozen=True)
class Effects:
    period: Period
    first_window: tuple[dt.date, dt.date]
    last_window: tuple[dt.date, dt.date]
    pupils: int
    minimum: int
    measures: list[MeasureEffect]


def minimum_pupils() -> int:
    return int(settings.PUMPURS_EFFECT_MIN_PUPILS)


def _windows(period: Period, today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    end = min(period.ends_on, today)
    first_end = min(period.starts_on + dt.timedelta(days=WINDOW_DAYS - 1), end)
    last_start = max(end - dt.timedelta(days=WINDOW_DAYS - 1), first_end + dt.timedelta(days=1))
    return (period.starts_on, first_end), (last_start, end)


def cohort(period: Period, *, municipality_ids: list[int] | None, today: dt.date) -> Cohort:
    """The pupils of ``period`` in scope (``None``: the whole country) with their strata, their
    attendance change and the measures they received: two statements."""
    (start, first_end), (last_start, end) = _windows(period, today)
    scope = ""
    if municipality_ids is not None:
        keys = ", ".join(str(int(k)) for k in municipality_ids) or "NULL"
        scope = f"AND i.municipality_id IN ({keys})"
    params: list[int | dt.date] = [
        period.pk,
        period.pk,
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
    ]
    with connection.cursor() as cursor:
        cursor.execute(_POPULATION.format(scope=scope), params)
        rows = cursor.fetchall()
        cursor.execute(_RECEIVED, [period.pk])
        received_rows = cursor.fetchall()

    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    # A pupil with two enrolments open on the first day (a class change that day) counts once.
    _ids, first = np.unique(table[:, 0], return_index=True)
    table = table[first]
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
        received={str(code): receivers[codes == code] for code in np.unique(codes)},
    )


def measure_effects(
    period: Period, *, municipality_ids: list[int] | None, today: dt.date, minimum: int | None = None
) -> Effects:
    """Each measure received by someone in the semester, with its effect on attendance."""
    minimum = minimum_pupils() if minimum is None else minimum
    found = cohort(period, municipality_ids=municipality_ids, today=today)
    labels = _labels(list(found.received))
    measures = []
    for code in sorted(found.received, key=lambda c: labels.get(c, c)):
        treated = np.isin(found.pupil_ids, found.received[code])
        if not treated.any():
            continue  # received only by pupils outside the scope
        measures.append(
            MeasureEffect(
                code=code,
                label=labels.get(code, code),
                attendance=estimate_att(found.attendance_change, treated, found.stratum, minimum=minimum),
            )
        )
    first, last = _windows(period, today)
    return Effects(
        period=period,
        first_window=first,
        last_window=last,
        pupils=len(found.pupil_ids),
        minimum=minimum,
        measures=measures,
    )


def _labels(codes: list[str]) -> dict[str, str]:
    """The latest catalogue version's name of each code, in the reader's language."""
    return {m.code: m.label for m in Measure.objects.filter(code__in=codes).order_by("code", "valid_from")}
