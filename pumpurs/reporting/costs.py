"""Cost per supported pupil and per measure (issue 15), for a semester or a school year, over a
municipality's schools or the whole country.

Who counts is ``reporting.definitions``' answer, never redefined here: the deliveries that count as
support (not voided, dated in the window, under a finally approved semester plan) at the schools
whose cases hold them, and the *supported* pupils (at least one such delivery), each counted in
one place. Money comes from the money records: each of those deliveries at its actual cost — its
amount, else its quantity × the unit price its plan line was committed at
(``finance.commitments.delivered_cents_expr``, the same cents the budget page spends). Where
neither exists the delivery has no price yet: it still counts in hours and units, and the page says
how many such deliveries there are ("hours and units until money exists").

Cost per supported pupil = spent ÷ supported pupils; per measure = the measure's spending ÷ the
pupils who received it. Above school level a pupil count of 1–4 is hidden, and every figure per
pupil built on it (``reporting.suppression``). Three grouped statements, whatever the scope's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import Aggregate, Count, Q, QuerySet, Sum

from pumpurs.finance.commitments import delivered_cents_expr
from pumpurs.finance.money import round_cents
from pumpurs.people.models import Institution, Municipality
from pumpurs.reporting import definitions
from pumpurs.reporting.suppression import SMALL_CELL, suppress_counts, total_shown
from pumpurs.support.models import Delivery, Measure, MeasureUnit


@dataclass(frozen=True)
class MeasureCost:
    code: str
    label: str
    unit: str  # the catalogue's unit, readable
    pupils: int | None  # None: hidden (1–4 pupils)
    quantity: Decimal  # delivered, in the measure's unit (hours for consultations)
    spent: int  # cents
    unpriced: int  # deliveries with no price yet (counted in units only)

    @property
    def per_pupil(self) -> int | None:
        return round_cents(Decimal(self.spent) / self.pupils) if self.pupils else None

    @property
    def quantity_per_pupil(self) -> Decimal | None:
        return (self.quantity / self.pupils).quantize(Decimal("0.1")) if self.pupils else None


@dataclass(frozen=True)
class ScopeCost:
    label: str
    supported: int | None  # None: hidden
    spent: int

    @property
    def per_pupil(self) -> int | None:
        return round_cents(Decimal(self.spent) / self.supported) if self.supported else None


@dataclass(frozen=True)
class Costs:
    measures: list[MeasureCost]
    municipalities: list[ScopeCost]  # one per municipality in scope (national readers: all)
    total: ScopeCost


def _schools(municipality_ids: list[int] | None) -> QuerySet[Institution]:
    found = Institution.objects.all()
    return found if municipality_ids is None else found.filter(municipality_id__in=municipality_ids)


@dataclass(frozen=True)
class MeasureFigure:
    """One measure's true numbers: the pupils who received it, the quantity, cents, unpriced."""

    code: str
    unit: str
    pupils: int
    delivered: Decimal
    spent: int
    unpriced: int


@dataclass(frozen=True)
class Figures:
    """The true numbers behind ``Costs``, before labels and suppression: what ``measure_costs``
    counts live and what the pre-aggregate (``reporting.effects_refresh``) keeps."""

    by_measure: list[MeasureFigure]
    spent: dict[int, int]  # municipality id → cents
    supported: dict[int, int]  # municipality id → supported pupils


def measure_sums() -> dict[str, Aggregate]:
    """Per measure: the pupils who received it, the quantity, the cents spent (finance's cost of
    each delivery) and the deliveries without a price."""
    return {
        "pupils": Count("line__plan__case__pupil_id", distinct=True),
        "delivered": Sum("quantity"),
        "spent": Sum(delivered_cents_expr()),
        "unpriced": Count("pk", filter=Q(amount__isnull=True, line__commitment__unit_cents__isnull=True)),
    }


def rows_of(grouped: QuerySet[Delivery, Any]) -> Iterable[dict[str, Any]]:
    """``grouped`` (deliveries grouped by ``values``) with the ``measure_sums`` (their keys are not
    in the stubs' view of ``annotate(**…)``, hence the plain dicts)."""
    return cast("Iterable[dict[str, Any]]", grouped.annotate(**measure_sums()))


def measure_figures(start: dt.date, end: dt.date, *, municipality_ids: list[int] | None) -> Figures:
    """The costs' true numbers over the schools of ``municipality_ids`` (``None``: the country)."""
    schools = _schools(municipality_ids)
    # ``definitions.deliveries_in``: the case's school joined, never looked up per delivery.
    deliveries = definitions.deliveries_in(schools, start, end)
    by_measure = [
        MeasureFigure(
            code=row["line__measure__code"],
            unit=row["line__measure__unit"],
            pupils=row["pupils"],
            delivered=Decimal(row["delivered"] or 0),
            spent=int(row["spent"] or 0),
            unpriced=row["unpriced"],
        )
        for row in rows_of(deliveries.order_by().values("line__measure__code", "line__measure__unit"))
    ]
    spent = {
        row["line__plan__case__institution__municipality_id"]: int(row["spent"] or 0)
        for row in deliveries.order_by()
        .values("line__plan__case__institution__municipality_id")
        .annotate(spent=Sum(delivered_cents_expr()))
    }
    # Supported pupils = their latest supporting plans, one per pupil, at the plan's school
    # (definitions.supported_pupils' own count); grouping the plans skips its per-pupil look-up
    # of the school (75 s → 1 s for 5 000 pupils, decision 0038).
    supported = definitions.count_by_municipality(definitions.latest_supporting_plans(schools, start, end))
    return Figures(by_measure=by_measure, spent=spent, supported=supported)


def measure_costs(start: dt.date, end: dt.date, *, municipality_ids: list[int] | None, total_label: str) -> Costs:
    """The costs of the days ``start``–``end`` (a semester, or a school year) over the schools of
    ``municipality_ids`` (``None``: the whole country), counted live."""
    return costs_of(measure_figures(start, end, municipality_ids=municipality_ids), municipality_ids, total_label)


def costs_of(figures: Figures, municipality_ids: list[int] | None, total_label: str) -> Costs:
    """``Costs`` from the true numbers: labels, units, and the small-cell rule."""
    by_measure = figures.by_measure
    codes = [row.code for row in by_measure]
    labels = {m.code: m.label for m in Measure.objects.filter(code__in=codes).order_by("valid_from")}
    units = dict(MeasureUnit.choices)
    pupils = suppress_counts([row.pupils for row in by_measure], total_shown=False)
    measures = sorted(
        (
            MeasureCost(
                code=row.code,
                label=labels.get(row.code, row.code),
                unit=str(units.get(row.unit, row.unit)),
                pupils=shown,
                quantity=Decimal(row.delivered).quantize(Decimal("0.01")),
                spent=row.spent,
                unpriced=row.unpriced,
            )
            for row, shown in zip(by_measure, pupils, strict=True)
        ),
        key=lambda row: row.label,
    )
    spent, supported = figures.spent, figures.supported
    names = Municipality.objects.order_by("name")
    if municipality_ids is not None:
        names = names.filter(pk__in=municipality_ids)
    rows = list(names.values_list("pk", "name"))
    counts = [supported.get(pk, 0) for pk, _name in rows]
    hidden = suppress_counts(counts)
    municipalities = [
        ScopeCost(label=name, supported=shown, spent=spent.get(pk, 0))
        for (pk, name), shown in zip(rows, hidden, strict=True)
    ]
    # Each pupil is counted in one place (definitions), so the total is the sum; it is withheld
    # when it is itself small or would give a lone hidden municipality away.
    total = total_shown(counts, hidden, threshold=SMALL_CELL) if len(rows) > 1 else (counts[0] if counts else 0)
    if total is not None and 0 < total < SMALL_CELL:
        total = None
    return Costs(
        measures=measures,
        municipalities=municipalities,
        total=ScopeCost(label=total_label, supported=total, spent=sum(spent.values())),
    )
