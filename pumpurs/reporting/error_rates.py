"""Fairness as error rates, kept as history (issue 15, decision 0030).

For each semester whose outcomes are known — one year after its first day — the flag rules'
false-positive and false-negative counts by gender, grade band and municipality type, per
municipality, are written once as ``ErrorRateRecord`` rows. ``error_rates_record`` is the
scheduled ``error_rates`` job (daily; it does something only in the days after a semester's
horizon has passed) and the command ``pumpurs error_rates``: running it again writes nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import SystemActor
from pumpurs.people.models import Period
from pumpurs.reporting.models import ErrorRateRecord
from pumpurs.reporting.rule_quality import Confusion, Group, confusion, population_groups, rule_codes, shown

ACTOR = SystemActor(name="system:error_rates")
Dimension = ErrorRateRecord.Dimension


def semester_horizon(period: Period) -> dt.date:
    """The day a semester's outcomes are read: the eve of its first day one year later."""
    start = period.starts_on
    try:
        again = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        again = start.replace(year=start.year + 1, day=28)
    return again - dt.timedelta(days=1)


def semesters_due(today: dt.date) -> list[Period]:
    """Semesters whose horizon has passed by ``today`` and that have no records yet."""
    recorded = ErrorRateRecord.objects.values("period_id")
    return [p for p in Period.objects.exclude(pk__in=recorded).order_by("starts_on") if semester_horizon(p) < today]


@transaction.atomic(durable=True)
def error_rates_record(*, today: dt.date) -> int:
    """Write the records of every semester now due (see the module docstring); returns how many
    semesters were recorded. Idempotent: a semester with records is never recomputed. One audit
    event per semester recorded. A unit of work of its own (the job, the command)."""
    return error_rates_record_in_transaction(today=today)


@transaction.atomic
def error_rates_record_in_transaction(*, today: dt.date) -> int:
    """``error_rates_record`` as a step of a larger transaction (the demo seed's)."""
    done = 0
    now = timezone.now()
    for period in semesters_due(today):
        horizon = semester_horizon(period)
        groups = population_groups(start=period.starts_on, end=period.ends_on, horizon=horizon)
        by_municipality: dict[int, list[Group]] = defaultdict(list)
        for g in groups:
            by_municipality[g.municipality_id].append(g)
        rows = []
        for municipality_id, mine in by_municipality.items():
            for dimension in Dimension:
                for (rule, group), counts in confusion(mine, by=dimension.value).items():
                    rows.append(
                        ErrorRateRecord(
                            period=period,
                            municipality_id=municipality_id,
                            rule=rule,
                            dimension=dimension,
                            group=group,
                            tp=counts.tp,
                            fp=counts.fp,
                            fn=counts.fn,
                            tn=counts.tn,
                            horizon_on=horizon,
                            recorded_at=now,
                        )
                    )
        ErrorRateRecord.objects.bulk_create(rows)
        audit_record(
            actor=ACTOR,
            action="reporting.error_rates.recorded",
            data={"semester": str(period), "period_id": period.pk, "rows": len(rows), "horizon": horizon.isoformat()},
        )
        done += 1
    return done


@dataclass(frozen=True)
class ErrorRateCell:
    group: str
    pupils: int | None
    false_positive_rate: Decimal | None
    false_negative_rate: Decimal | None


def recorded_semesters(municipality_ids: list[int] | None) -> list[Period]:
    records = ErrorRateRecord.objects.all()
    if municipality_ids is not None:
        records = records.filter(municipality_id__in=municipality_ids)
    # with its school year: a semester prints itself with the year's name (the page lists them)
    found = Period.objects.filter(pk__in=records.values("period_id")).select_related("school_year")
    return list(found.order_by("-starts_on"))


def error_rate_table(
    *, period: Period, municipality_ids: list[int] | None, suppress: bool = True
) -> dict[str, dict[str, list[ErrorRateCell]]]:
    """rule → dimension → cells per group: the false-positive and false-negative rates of the
    recorded semester, summed over the municipalities in scope, small cells suppressed."""
    records = ErrorRateRecord.objects.filter(period=period)
    if municipality_ids is not None:
        records = records.filter(municipality_id__in=municipality_ids)
    # summed over the municipalities in the database: a few hundred rows, not one per municipality
    summed = (
        records.order_by()
        .values("rule", "dimension", "group")
        .annotate(tp=Sum("tp"), fp=Sum("fp"), fn=Sum("fn"), tn=Sum("tn"))
        .values_list("rule", "dimension", "group", "tp", "fp", "fn", "tn")
    )
    cells: dict[str, dict[str, list[ErrorRateCell]]] = defaultdict(lambda: defaultdict(list))
    for code, dimension, group, tp, fp, fn, tn in sorted(summed):
        s = shown(code, Confusion(tp, fp, fn, tn), suppress=suppress)
        cells[code][dimension].append(ErrorRateCell(group, s.pupils, s.false_positive_rate, s.false_negative_rate))
    return {
        rule: {dimension.value: cells[rule][dimension.value] for dimension in Dimension if cells[rule][dimension.value]}
        for rule in rule_codes()
        if rule in cells
    }
