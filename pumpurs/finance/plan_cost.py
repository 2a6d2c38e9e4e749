"""A waiting plan's total cost as one SQL expression on ``Plan`` rows (issue 14, for "Mani darbi"):
registered with ``support.work.plan_cost_register``, so the approvals list shows each plan's cost
as the budget check will count it, in the list's own query — never a query per plan.

It is ``commitments.cost_of`` written in SQL: each line at the rate in force on the first day of the
plan's semester (the municipality's own where the measure allows one and it has set one, else the
national rate): quantity × unit price rounded half up once, in integers on both engines; where the
rate has no unit price or there is none, the line's entered planned cost; each held to the rate's
cap per pupil per semester. A line with neither counts nothing; a plan whose every line is unset
has no cost (``NULL``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Round

from pumpurs.finance.models import Rate
from pumpurs.support.models import Measure, PlanMeasure

_EUR = DecimalField(max_digits=20, decimal_places=2)


def _rate(column: str) -> Subquery:
    """``column`` of the rate in force for an outer plan line (``PlanMeasure``), whose plan is the
    outer-outer row: the municipality's own first (where allowed), else the national one."""
    day = OuterRef(OuterRef("period__starts_on"))
    municipality = OuterRef(OuterRef("case__institution__municipality_id"))
    on = OuterRef(OuterRef(OuterRef("period__starts_on")))  # the same day, seen from one level deeper
    allowed = Measure.objects.filter(
        code=OuterRef(OuterRef("measure__code")), municipal_rate_allowed=True, valid_from__lte=on
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    rates = (
        Rate.objects.filter(measure_code=OuterRef("measure__code"), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .filter(Q(municipality__isnull=True) | (Q(municipality_id=municipality) & Exists(allowed)))
        .order_by(F("municipality_id").asc(nulls_last=True))
        .values(column)[:1]
    )
    return Subquery(rates, output_field=BigIntegerField())


def _line_cents() -> Any:
    """One line's cost in whole cents, or NULL when not set."""
    unit = F("rate_unit")
    priced = (Cast(Round(F("planned_quantity") * Value(100)), BigIntegerField()) * unit + Value(50)) / Value(100)
    entered = Cast(Round(F("planned_cost") * Value(100)), BigIntegerField())
    cost = Case(
        When(rate_found__isnull=False, rate_unit__isnull=False, then=priced),
        default=entered,
        output_field=BigIntegerField(),
    )
    return Case(
        When(Q(rate_cap__isnull=False) & Q(uncapped__gt=F("rate_cap")), then=F("rate_cap")),
        default=F("uncapped"),
        output_field=BigIntegerField(),
    ), cost


def plan_total_eur() -> Any:
    """An expression giving a ``Plan`` row its total cost in EUR (``NULL``: no line's cost is set)."""
    capped, cost = _line_cents()
    lines = (
        PlanMeasure.objects.filter(plan_id=OuterRef("pk"))
        .annotate(rate_found=_rate("pk"), rate_unit=_rate("unit_cents"), rate_cap=_rate("cap_semester_cents"))
        .annotate(uncapped=cost)
        .annotate(cents=capped)
        .order_by()
        .values("plan_id")
        .annotate(total=Sum("cents"))
        .values("total")[:1]
    )
    return ExpressionWrapper(
        # × 0.01 rather than ÷ 100: SQLite divides two integers as integers.
        Cast(Subquery(lines, output_field=BigIntegerField()), _EUR) * Value(Decimal("0.01"), output_field=_EUR),
        output_field=_EUR,
    )
