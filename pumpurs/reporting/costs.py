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
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from pumpurs.finance.commitments import delivered_cents_expr
from pumpurs.finance.money import round_cents
from pumpurs.people.models import Institution, Municipality
from pumpurs.reporting import definitions
from pumpurs.reporting.suppression import SMALL_CELL, suppress_counts, total_shown
from pumpurs.support.models import Measure, MeasureUnit


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


def measure_costs(start: dt.date, end: dt.date, *, municipality_ids: list[int] | None, total_label: str) -> Costs:
    """The costs of the days ``start``–``end`` (a semester, or a school year) over the schools of
    ``municipality_ids`` (``None``: the whole country)."""
    schools = _schools(municipality_ids)
    # ``definitions.deliveries_in`` with the case's school joined rather than looked up per delivery
    # (its subquery took 11 s over the country's 300 000 deliveries; the join, under one).
    deliveries = definitions.deliveries_counted(start, end).filter(line__plan__case__institution__in=schools)
    by_measure = list(
        deliveries.order_by()
        .values("line__measure__code", "line__measure__unit")
        .annotate(
            pupils=Count("line__plan__case__pupil_id", distinct=True),
            delivered=Sum("quantity"),
            spent=Sum(delivered_cents_expr()),
            unpriced=Count("pk", filter=Q(amount__isnull=True, line__commitment__unit_cents__isnull=True)),
        )
    )
    codes = [row["line__measure__code"] for row in by_measure]
    labels = {m.code: m.label for m in Measure.objects.filter(code__in=codes).order_by("valid_from")}
    units = dict(MeasureUnit.choices)
    pupils = suppress_counts([row["pupils"] for row in by_measure], total_shown=False)
    measures = sorted(
        (
            MeasureCost(
                code=row["line__measure__code"],
                label=labels.get(row["line__measure__code"], row["line__measure__code"]),
                unit=str(units.get(row["line__measure__unit"], row["line__measure__unit"])),
                pupils=shown,
                quantity=Decimal(row["delivered"] or 0),
                spent=int(row["spent"] or 0),
                unpriced=row["unpriced"],
            )
            for row, shown in zip(by_measure, pupils, strict=True)
        ),
        key=lambda row: row.label,
    )

    spent = {
        row["line__plan__case__institution__municipality_id"]: int(row["spent"] or 0)
        for row in deliveries.order_by()
        .values("line__plan__case__institution__municipality_id")
        .annotate(spent=Sum(delivered_cents_expr()))
    }
    supported = definitions.count_by_municipality(definitions.supported_pupils(schools, start, end))
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
