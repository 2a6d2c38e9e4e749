"""The indicators' raw figures: one grouped statement per family over every pupil of the schools
asked for, grouped by the school where each row is counted (``definitions.COUNTED_AT``). A
municipality's figure is the sum of its schools' and the national one the sum of the
municipalities', added up from those few hundred grouped rows — never a loop over pupils.

Youth calls and trainings belong to a municipality (or to the national programme), not to a
school: they are grouped by municipality, ``None`` standing for the national ones."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from pumpurs.finance.commitments import delivered_cents_expr
from pumpurs.people.models import Institution, SpecialistKind
from pumpurs.prevention.models import Training
from pumpurs.prevention.selectors import training_counts
from pumpurs.reporting import definitions as d
from pumpurs.reporting.indicators.catalogue import COMPENSATION_CATEGORIES, _upper
from pumpurs.risk.models import RiskGroup
from pumpurs.support.models import MeasureCategory, PlanRisk
from pumpurs.youth.models import Call, CallStatus
from pumpurs.youth.selectors import application_counts

Number = int | Decimal
Figures = dict[str, Number]
TENTH = Decimal("0.1")


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(TENTH, rounding=ROUND_HALF_UP)


def _put(into: dict[int, Figures], rows: QuerySet, fields: dict[str, str]) -> None:  # type: ignore[type-arg]
    for row in rows:
        figures = into[row[d.COUNTED_AT]]
        for code, field in fields.items():
            figures[code] = int(row[field] or 0)


def support_family(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Plans made, pupils supported, at risk and with a plan in force (with their risk groups),
    per school; and whether the school took part (a plan of its cases in force in the window)."""
    found: dict[int, Figures] = defaultdict(dict)
    grouped = {"n": Count("pk", distinct=True)}
    _put(
        found, d.plans_made(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**grouped), {"IAP_MADE": "n"}
    )
    _put(
        found,
        d.supported_pupils(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**grouped),
        {"PUPILS_SUPPORTED": "n"},
    )
    _put(
        found,
        d.at_risk_pupils(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**grouped),
        {"PUPILS_AT_RISK": "n"},
    )
    # Risk groups: the pupils whose plan in force addresses a risk of the group.
    in_force = d.plans_in_force(start, end).values("pk")
    by_group = {
        f"RISK_{_upper(g.value)}": Count(
            "pk",
            distinct=True,
            filter=Q(
                Exists(PlanRisk.objects.filter(group=g.value, plan__case__pupil_id=OuterRef("pk"), plan__in=in_force))
            ),
        )
        for g in RiskGroup
    }
    rows = (
        d.pupils_with_active_plan(schools, start, end)
        .order_by()
        .values(d.COUNTED_AT)
        .annotate(PUPILS_WITH_ACTIVE_PLAN=Count("pk", distinct=True), **by_group)
    )
    _put(found, rows, {code: code for code in ["PUPILS_WITH_ACTIVE_PLAN", *by_group]})
    taking_part = (
        d.plans_in_force(start, end)
        .filter(case__institution__in=schools.values("pk"))
        .order_by()
        .values_list("case__institution_id", flat=True)
        .distinct()
    )
    for school in taking_part:
        found[school]["SCHOOLS_TAKING_PART"] = 1
    return found


def _cents(only: Q) -> Coalesce:
    money = DecimalField(max_digits=20, decimal_places=4)
    return Coalesce(Sum(delivered_cents_expr(), filter=only), Value(0), output_field=money)


def delivery_family(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Consultations by specialist (pupils, number, hours) and compensations by kind (pupils,
    cents), per school where the plan's case is held: one grouped statement."""
    pupil = "line__plan__case__pupil_id"
    consultation = Q(line__measure__category=MeasureCategory.CONSULTATION)
    aggregates: dict[str, object] = {
        "CONSULT_PUPILS": Count(pupil, distinct=True, filter=consultation),
        "CONSULTATIONS": Count("pk", filter=consultation),
        "CONSULT_MINUTES": Coalesce(Sum("minutes", filter=consultation), 0),
        "COMP_PUPILS": Count(pupil, distinct=True, filter=~consultation),
        "COMP_CENTS": _cents(~consultation),
    }
    for specialist in SpecialistKind:
        key, only = _upper(specialist.value), consultation & Q(line__measure__specialist_kind=specialist.value)
        aggregates[f"CONSULT_PUPILS_{key}"] = Count(pupil, distinct=True, filter=only)
        aggregates[f"CONSULTATIONS_{key}"] = Count("pk", filter=only)
        aggregates[f"CONSULT_MINUTES_{key}"] = Coalesce(Sum("minutes", filter=only), 0)
    for category in COMPENSATION_CATEGORIES:
        key, only = _upper(category.value), Q(line__measure__category=category.value)
        aggregates[f"COMP_PUPILS_{key}"] = Count(pupil, distinct=True, filter=only)
        aggregates[f"COMP_CENTS_{key}"] = _cents(only)
    rows = d.deliveries_in(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**aggregates)
    found: dict[int, Figures] = defaultdict(dict)
    for row in rows:
        figures = found[row[d.COUNTED_AT]]
        for name in aggregates:
            if "MINUTES" in name:
                figures[name.replace("MINUTES", "HOURS")] = _hours(row[name])
            else:
                figures[name] = int(row[name] or 0)
    return found


def youth_and_prevention(
    municipality_ids: list[int], start: dt.date, end: dt.date, *, national: bool
) -> dict[int | None, Figures]:
    """Youth initiative calls opened and trainings begun in the window, per organising municipality
    (``None``: the national programme's, only when ``national``), through the selectors of
    youth and prevention."""
    where = Q(municipality_id__in=municipality_ids)
    if national:
        where |= Q(municipality__isnull=True)
    calls = Call.objects.filter(where, opens_on__gte=start, opens_on__lte=end).exclude(status=CallStatus.DRAFT)
    trainings = Training.objects.filter(where, starts_on__gte=start, starts_on__lte=end)
    found: dict[int | None, Figures] = defaultdict(dict)
    for row in application_counts(calls):
        figures = found[row["municipality_id"]]  # type: ignore[index]
        figures["YOUTH_CALLS"] = int(str(row["calls"]))
        figures["YOUTH_PROJECTS_APPROVED"] = int(str(row["approved"]))
        figures["YOUTH_AWARDED_CENTS"] = int(str(row["awarded_cents"]))
        figures["YOUTH_SPENT_CENTS"] = int(str(row["spent_cents"]))
        figures["YOUTH_PARTICIPANTS"] = int(str(row["participants_reached"]))
    for row in training_counts(trainings):
        figures = found[row["municipality_id"]]  # type: ignore[index]
        figures["TRAININGS"] = int(str(row["trainings"]))
        figures["TRAINING_PARTICIPANTS"] = int(str(row["present"]))
    return found
