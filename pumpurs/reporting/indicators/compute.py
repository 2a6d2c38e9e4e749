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
from typing import Any

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
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


def _put(into: dict[int, Figures], rows: QuerySet[Any, Any], fields: dict[str, str]) -> None:
    for row in rows:
        figures = into[row[d.COUNTED_AT]]
        for code, field in fields.items():
            figures[code] = int(row[field] or 0)


def support_statements(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> dict[str, QuerySet[Any, Any]]:
    """The support family's grouped statements, by the codes they give (docs/indicators.md prints
    their SQL): each row is a school (``counted_at``) with its counts."""
    grouped = {"n": Count("pk", distinct=True)}
    pupil = "case__pupil_id"
    # Risk groups: the pupils whose latest plan in force names a risk of the group — grouped over
    # those plans (one per pupil), not per pupil.
    by_group = {
        f"RISK_{_upper(g.value)}": Count(
            pupil, distinct=True, filter=Q(Exists(PlanRisk.objects.filter(group=g.value, plan_id=OuterRef("pk"))))
        )
        for g in RiskGroup
    }
    return {
        "IAP_MADE": d.plans_made(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**grouped),
        "PUPILS_SUPPORTED": d.latest_supporting_plans(schools, start, end)
        .order_by()
        .values(d.COUNTED_AT)
        .annotate(n=Count(pupil, distinct=True)),
        "PUPILS_AT_RISK": d.at_risk_pupils(schools, start, end).order_by().values(d.COUNTED_AT).annotate(**grouped),
        "PUPILS_WITH_ACTIVE_PLAN": d.latest_plans_in_force(schools, start, end)
        .order_by()
        .values(d.COUNTED_AT)
        .annotate(n=Count(pupil, distinct=True), **by_group),
        "SCHOOLS_TAKING_PART": d.plans_in_force(start, end)
        .filter(case__institution__in=schools.values("pk"))
        .order_by()
        .values(**{d.COUNTED_AT: F("case__institution_id")})
        .distinct(),
    }


def support_family(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Plans made, pupils supported, at risk and with a plan in force (with their risk groups),
    per school; and whether the school took part (a plan of its cases in force in the window)."""
    found: dict[int, Figures] = defaultdict(dict)
    statements = support_statements(schools, start, end)
    for code in ("IAP_MADE", "PUPILS_SUPPORTED", "PUPILS_AT_RISK"):
        _put(found, statements[code], {code: "n"})
    groups = {f"RISK_{_upper(g.value)}": f"RISK_{_upper(g.value)}" for g in RiskGroup}
    _put(found, statements["PUPILS_WITH_ACTIVE_PLAN"], {"PUPILS_WITH_ACTIVE_PLAN": "n", **groups})
    for row in statements["SCHOOLS_TAKING_PART"]:
        found[row[d.COUNTED_AT]]["SCHOOLS_TAKING_PART"] = 1
    return found


def _cents(only: Q) -> Coalesce:
    money = DecimalField(max_digits=20, decimal_places=4)
    return Coalesce(Sum(delivered_cents_expr(), filter=only), Value(0), output_field=money)


def delivery_statement(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> QuerySet[Any, Any]:
    """Consultations by specialist (pupils, number, minutes) and compensations by kind (pupils,
    cents), per school where the plan's case is held: one grouped statement."""
    pupil = "line__plan__case__pupil_id"
    consultation = Q(line__measure__category=MeasureCategory.CONSULTATION)
    aggregates: dict[str, Any] = {
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
    rows: QuerySet[Any, Any] = d.deliveries_in(schools, start, end).order_by().values(d.COUNTED_AT)
    grouped: QuerySet[Any, Any] = rows.annotate(**aggregates)
    return grouped


def delivery_family(schools: QuerySet[Institution], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """``delivery_statement``'s rows, minutes turned into hours (one decimal)."""
    rows = delivery_statement(schools, start, end)
    found: dict[int, Figures] = defaultdict(dict)
    for row in rows:
        figures = found[row[d.COUNTED_AT]]
        for name in row:
            if name == d.COUNTED_AT:
                continue
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
