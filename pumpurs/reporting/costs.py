"""Cost per supported pupil and per measure (issue 15), for a semester or a school year, over a
municipality's schools or the whole country.

Money comes from the money records: each delivery (not voided) at its actual cost — its amount,
else its quantity × the unit price its plan line was committed at (``finance.reports.COST_SQL``,
the same cents the monthly expense reports pay). Where neither exists the delivery has no price
yet: it still counts in hours and units, and the page says how many such deliveries there are
("hours and units until money exists").

A *supported pupil* is one with a finally approved plan for the semester (approved, active, in
review or closed after it ran); a pupil *received* a measure when a delivery of it was recorded.
Cost per supported pupil = spent ÷ supported pupils; per measure = the measure's spending ÷ the
pupils who received it. Above school level a pupil count of 1–4 is hidden, and every figure per
pupil built on it (``reporting.suppression``). Three grouped statements, whatever the scope's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from pumpurs.finance.money import round_cents
from pumpurs.finance.reports import COST_SQL
from pumpurs.people.models import Municipality, Period
from pumpurs.reporting.suppression import suppress_counts, total_shown
from pumpurs.support.models import Measure, MeasureUnit

# A plan whose pupil counts as supported: finally approved, whatever happened next.
SUPPORTED_STATUSES = ("approved", "active", "in_review", "closed")

_FROM = """
FROM support_delivery d
JOIN support_planmeasure pm ON pm.id = d.line_id
JOIN support_plan p ON p.id = pm.plan_id
JOIN support_case cs ON cs.id = p.case_id
JOIN people_institution i ON i.id = cs.institution_id
JOIN support_measure m ON m.id = pm.measure_id
LEFT JOIN finance_commitment c ON c.line_id = pm.id
WHERE d.voided_at IS NULL AND p.period_id IN ({periods}) {scope}
"""

_BY_MEASURE = f"""
SELECT m.code, m.unit, COUNT(DISTINCT cs.pupil_id), SUM(d.quantity), SUM({COST_SQL}),
       SUM(CASE WHEN d.amount IS NULL AND c.unit_cents IS NULL THEN 1 ELSE 0 END)
{_FROM}
GROUP BY m.code, m.unit
"""

_SPENT_BY_MUNICIPALITY = f"""
SELECT i.municipality_id, SUM({COST_SQL}) {_FROM} GROUP BY i.municipality_id
"""

_SUPPORTED_BY_MUNICIPALITY = f"""
SELECT i.municipality_id, COUNT(DISTINCT cs.pupil_id)
FROM support_plan p
JOIN support_case cs ON cs.id = p.case_id
JOIN people_institution i ON i.id = cs.institution_id
WHERE p.amends_id IS NULL AND p.period_id IN ({{periods}}) {{scope}}
  AND p.status IN ({", ".join(f"'{s}'" for s in SUPPORTED_STATUSES)})
GROUP BY i.municipality_id
"""  # noqa: S608 — as above

_SUPPORTED_TOTAL = _SUPPORTED_BY_MUNICIPALITY.replace("i.municipality_id, COUNT", "COUNT").replace(
    "GROUP BY i.municipality_id", ""
)


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


def _keys(ids: list[int]) -> str:
    return ", ".join(str(int(k)) for k in ids) or "NULL"


def _fetch(sql: str, periods: list[Period], municipality_ids: list[int] | None) -> list[tuple[Any, ...]]:
    scope = "" if municipality_ids is None else f"AND i.municipality_id IN ({_keys(municipality_ids)})"
    with connection.cursor() as cursor:
        cursor.execute(sql.format(periods=_keys([p.pk for p in periods]), scope=scope))
        return list(cursor.fetchall())


def measure_costs(periods: list[Period], *, municipality_ids: list[int] | None, total_label: str) -> Costs:
    """The costs of ``periods`` (one semester, or a school year's two) over the schools of
    ``municipality_ids`` (``None``: the whole country)."""
    by_measure = _fetch(_BY_MEASURE, periods, municipality_ids)
    labels = {
        m.code: m.label for m in Measure.objects.filter(code__in=[r[0] for r in by_measure]).order_by("valid_from")
    }
    units = dict(MeasureUnit.choices)
    pupils = suppress_counts([int(r[2]) for r in by_measure], total_shown=False)
    measures = sorted(
        (
            MeasureCost(
                code=str(code),
                label=labels.get(str(code), str(code)),
                unit=str(units.get(str(unit), unit)),
                pupils=shown,
                quantity=Decimal(str(quantity or 0)),
                spent=int(spent or 0),
                unpriced=int(unpriced or 0),
            )
            for (code, unit, _n, quantity, spent, unpriced), shown in zip(by_measure, pupils, strict=True)
        ),
        key=lambda row: row.label,
    )

    names = Municipality.objects.order_by("name")
    if municipality_ids is not None:
        names = names.filter(pk__in=municipality_ids)
    spent = {k: int(v or 0) for k, v in _fetch(_SPENT_BY_MUNICIPALITY, periods, municipality_ids)}
    supported = {k: int(v) for k, v in _fetch(_SUPPORTED_BY_MUNICIPALITY, periods, municipality_ids)}
    rows = list(names.values_list("pk", "name"))
    counts = [supported.get(pk, 0) for pk, _name in rows]
    hidden = suppress_counts(counts)
    municipalities = [
        ScopeCost(label=name, supported=shown, spent=spent.get(pk, 0))
        for (pk, name), shown in zip(rows, hidden, strict=True)
    ]
    # The total counts each pupil once, even one supported in two municipalities in the year.
    total_supported = int(_fetch(_SUPPORTED_TOTAL, periods, municipality_ids)[0][0] or 0)
    shown_total: int | None = total_supported
    if (total_shown(counts, hidden) is None and total_supported == sum(counts)) or 0 < total_supported < 5:
        shown_total = None
    return Costs(
        measures=measures,
        municipalities=municipalities,
        total=ScopeCost(label=total_label, supported=shown_total, spent=sum(spent.values())),
    )
