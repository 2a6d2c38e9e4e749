"""The effect page's pre-aggregates (issue 15, decision 0038): written with the dashboards' cells,
read by ``/monitoring/effects/`` so that a national page reads a few thousand small rows instead of
the facts of 250 000 pupils.

* ``EffectCell`` — per semester × municipality (and the country) × stratum × measure × arm, the
  pupils and, for each outcome, the pupils measured, Σ outcome and Σ outcome²: the sufficient
  statistics from which ``estimation.estimate_att_from_cells`` gives the same estimate and the same
  HC1 interval as ``estimation.estimate_att`` on the pupils' rows (decision 0038 shows why).
  Statistics add up, so any set of municipalities is the sum of its rows.
* ``CostCell`` — per window (each semester, and each school year's semesters together) ×
  municipality (and the country) × measure, ``costs.measure_figures``' true numbers. Distinct
  pupils do not add up across municipalities (a pupil supported in two), so a reader of several
  municipalities but not the country gets the costs counted live.

Semesters refreshed: those of this and the previous school year that have started (as the
dashboards'). Older ones, and any semester before its first refresh, are computed live by the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import Period
from pumpurs.reporting import definitions
from pumpurs.reporting.costs import Figures, MeasureFigure, measure_figures, rows_of
from pumpurs.reporting.effects import Cohort, Effects, MeasureEffect, _labels, _windows, cohort, one_year_on
from pumpurs.reporting.estimation import Cells, estimate_att_from_cells
from pumpurs.reporting.models import CostCell, EffectCell

# numpy is imported inside the functions that compute: loaded at module level it cost 0.5 s of
# every command's and web process's start (the URL conf and the dashboards job import this module).
if TYPE_CHECKING:
    import numpy as np

STRATA = 10_000  # stratum codes are below this (school type × 1000 + …): a key is municipality × STRATA + stratum


def periods_for(today: dt.date) -> list[Period]:
    """The semesters refreshed for ``today``: this and the previous school year's, once begun."""
    year = school_year_on(today)
    reference = year.starts_on if year is not None else today
    return list(
        Period.objects.filter(
            starts_on__lte=today, school_year__starts_on__gte=reference - dt.timedelta(days=400)
        ).order_by("starts_on")
    )


# --- Writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stats:
    keys: np.ndarray
    pupils: np.ndarray
    attendance: tuple[np.ndarray, np.ndarray, np.ndarray]
    left: tuple[np.ndarray, np.ndarray, np.ndarray]


def _stats(keys: np.ndarray, attendance: np.ndarray, left: np.ndarray) -> _Stats:
    """Count, Σ and Σ² of both outcomes per key (NaN: not measured, left out of that outcome)."""
    import numpy as np

    codes, index = np.unique(keys, return_inverse=True)

    def three(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ok = ~np.isnan(values)
        y = values[ok]
        return (
            np.bincount(index[ok], minlength=len(codes)).astype(np.float64),
            np.bincount(index[ok], weights=y, minlength=len(codes)),
            np.bincount(index[ok], weights=y * y, minlength=len(codes)),
        )

    return _Stats(codes, np.bincount(index, minlength=len(codes)), three(attendance), three(left))


def _effect_cells(period: Period, found: Cohort, as_of: dt.date) -> list[EffectCell]:
    import numpy as np

    attendance = found.attendance_change
    left = 100.0 * found.left  # in percentage points, as the page estimates it
    local = found.municipality * STRATA + found.stratum
    arms: list[tuple[str, bool, np.ndarray]] = [("", False, np.ones(len(found.pupil_ids), dtype=bool))]
    for code, receivers in sorted(found.received.items()):
        treated = np.isin(found.pupil_ids, receivers)
        if treated.any():
            arms += [(code, True, treated), (code, False, ~treated)]
    cells = []
    for code, arm, rows in arms:
        for national, keys in ((False, local[rows]), (True, found.stratum[rows])):
            stats = _stats(keys, attendance[rows], left[rows])
            for i, key in enumerate(stats.keys.tolist()):
                cells.append(
                    EffectCell(
                        period=period,
                        municipality_id=None if national else key // STRATA,
                        stratum=key if national else key % STRATA,
                        measure=code,
                        treated=arm,
                        pupils=int(stats.pupils[i]),
                        attendance_n=int(stats.attendance[0][i]),
                        attendance_sum=float(stats.attendance[1][i]),
                        attendance_sumsq=float(stats.attendance[2][i]),
                        left_n=int(stats.left[0][i]),
                        left_sum=float(stats.left[1][i]),
                        left_sumsq=float(stats.left[2][i]),
                        as_of=as_of,
                    )
                )
    return cells


def _cost_windows(periods: list[Period]) -> list[tuple[dt.date, dt.date]]:
    """Each semester, and each school year's semesters together (the page's two spans)."""
    found = {(p.starts_on, p.ends_on) for p in periods}
    for year_id in {p.school_year_id for p in periods}:
        semesters = list(Period.objects.filter(school_year_id=year_id).order_by("number"))
        found.add((semesters[0].starts_on, semesters[-1].ends_on))
    return sorted(found)


def _cost_cells(start: dt.date, end: dt.date) -> list[CostCell]:
    """Every municipality's figures (grouped once), and the country's."""
    national = measure_figures(start, end, municipality_ids=None)
    figures: list[tuple[int | None, MeasureFigure]] = [(None, row) for row in national.by_measure]
    grouped = definitions.deliveries_counted(start, end).order_by()
    for row in rows_of(
        grouped.values("line__plan__case__institution__municipality_id", "line__measure__code", "line__measure__unit")
    ):
        figure = MeasureFigure(
            code=row["line__measure__code"],
            unit=row["line__measure__unit"],
            pupils=row["pupils"],
            delivered=Decimal(row["delivered"] or 0),
            spent=int(row["spent"] or 0),
            unpriced=row["unpriced"],
        )
        figures.append((row["line__plan__case__institution__municipality_id"], figure))
    cells = [
        CostCell(
            starts_on=start,
            ends_on=end,
            municipality_id=municipality_id,
            measure=f.code,
            unit=f.unit,
            pupils=f.pupils,
            quantity=f.delivered,
            spent=f.spent,
            unpriced=f.unpriced,
        )
        for municipality_id, f in figures
    ]
    supported = national.supported  # each pupil counted in one municipality (definitions)
    for municipality_id in set(national.spent) | set(supported):
        cells.append(
            CostCell(
                starts_on=start,
                ends_on=end,
                municipality_id=municipality_id,
                measure="",
                unit="",
                pupils=supported.get(municipality_id, 0),
                quantity=0,
                spent=national.spent.get(municipality_id, 0),
                unpriced=0,
            )
        )
    return cells


@transaction.atomic
def effects_refresh(*, today: dt.date) -> tuple[int, int]:
    """Rewrite the effect page's pre-aggregates for ``today``; returns the effect and cost rows
    written. Idempotent. Called by ``reporting.preaggregates.monitoring_refresh``."""
    periods = periods_for(today)
    effect_cells: list[EffectCell] = []
    for period in periods:
        effect_cells += _effect_cells(period, cohort(period, municipality_ids=None, today=today), today)
    cost_cells: list[CostCell] = []
    for start, end in _cost_windows(periods):
        cost_cells += _cost_cells(start, end)
    EffectCell.objects.all().delete()
    CostCell.objects.all().delete()
    EffectCell.objects.bulk_create(effect_cells, batch_size=5000)
    CostCell.objects.bulk_create(cost_cells, batch_size=5000)
    return len(effect_cells), len(cost_cells)


# --- Reading ------------------------------------------------------------------------------------


def _scope[Row: (EffectCell, CostCell)](rows: QuerySet[Row], municipality_ids: list[int] | None) -> QuerySet[Row]:
    if municipality_ids is None:
        return rows.filter(municipality__isnull=True)
    return rows.filter(municipality_id__in=municipality_ids)


def aggregated_effects(period: Period, *, municipality_ids: list[int] | None, minimum: int) -> Effects | None:
    """``effects.measure_effects`` from the pre-aggregate, as of the day it was refreshed; ``None``
    when the semester has not been refreshed (the caller computes it live)."""
    import numpy as np

    fields = ["stratum", "measure", "treated", "pupils", "attendance_n", "attendance_sum", "attendance_sumsq"]
    fields += ["left_n", "left_sum", "left_sumsq", "as_of"]
    rows = list(_scope(EffectCell.objects.filter(period=period), municipality_ids).values_list(*fields))
    if not rows:
        return None  # not refreshed, or nobody in the scope: counted live (quick when nobody is there)
    as_of = rows[0][-1]
    table = np.array([row[3:10] for row in rows], dtype=np.float64)
    strata = np.array([row[0] for row in rows], dtype=np.int64)
    measures = np.array([row[1] for row in rows], dtype=object)
    treated = np.array([row[2] for row in rows], dtype=bool)
    pupils = int(table[(measures == ""), 0].sum())
    due = one_year_on(period) <= as_of
    codes = sorted({str(code) for code in measures[treated] if code})
    labels = _labels(codes)
    found = []
    for code in codes:
        mine = measures == code
        if not table[mine & treated, 0].sum():
            continue
        estimates = [
            estimate_att_from_cells(_cells(strata, table, mine & treated, mine & ~treated, column), minimum=minimum)
            for column in (1, 4)
        ]
        found.append(
            MeasureEffect(
                code=code,
                label=labels.get(code, code),
                attendance=estimates[0],
                left=estimates[1] if due else None,
            )
        )
    found.sort(key=lambda m: m.label)
    return _effects(period, as_of, pupils, found, minimum)


def _effects(period: Period, as_of: dt.date, pupils: int, measures: list[MeasureEffect], minimum: int) -> Effects:
    first, last = _windows(period, as_of)
    return Effects(
        period=period,
        first_window=first,
        last_window=last,
        horizon=one_year_on(period),
        pupils=pupils,
        minimum=minimum,
        measures=measures,
        as_of=as_of,
    )


def _cells(strata: np.ndarray, table: np.ndarray, treated: np.ndarray, compared: np.ndarray, column: int) -> Cells:
    """One outcome's statistics per stratum, the arms' rows summed over the scope's municipalities."""
    import numpy as np

    codes, index = np.unique(strata, return_inverse=True)

    def total(rows: np.ndarray, offset: int) -> np.ndarray:
        return np.bincount(index[rows], weights=table[rows, column + offset], minlength=len(codes))

    return Cells(
        stratum=codes,
        treated_n=total(treated, 0),
        treated_sum=total(treated, 1),
        treated_sumsq=total(treated, 2),
        compared_n=total(compared, 0),
        compared_sum=total(compared, 1),
        compared_sumsq=total(compared, 2),
    )


def aggregated_figures(start: dt.date, end: dt.date, *, municipality_ids: list[int] | None) -> Figures | None:
    """``costs.measure_figures`` from the pre-aggregate, for the country or one municipality;
    ``None`` when the window was not refreshed, or for several municipalities (see above)."""
    if municipality_ids is not None and len(municipality_ids) != 1:
        return None
    window = CostCell.objects.filter(starts_on=start, ends_on=end)
    if not window.exists():
        return None  # not refreshed, or nothing delivered anywhere: counted live (quick then)
    rows = list(_scope(window.exclude(measure=""), municipality_ids).order_by("measure", "unit"))
    totals = window.filter(measure="", municipality__isnull=False)
    if municipality_ids is not None:
        totals = totals.filter(municipality_id__in=municipality_ids)
    by_measure = [
        MeasureFigure(
            code=row.measure,
            unit=row.unit,
            pupils=row.pupils,
            delivered=row.quantity,
            spent=row.spent,
            unpriced=row.unpriced,
        )
        for row in rows
    ]
    spent, supported = {}, {}
    for municipality_id, pupils, cents in totals.values_list("municipality_id", "pupils", "spent"):
        if cents:
            spent[municipality_id] = cents
        if pupils:
            supported[municipality_id] = pupils
    return Figures(by_measure=by_measure, spent=spent, supported=supported)
