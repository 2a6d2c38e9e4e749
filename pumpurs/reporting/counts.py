"""The people and plans a dashboard counts, per school, for one window — every figure through
``reporting.definitions`` (one grouped statement each, never a loop over pupils)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from pumpurs.people.models import Institution
from pumpurs.reporting import definitions as d
from pumpurs.risk.models import Flag, Level, RiskGroup

Row = tuple[int, str, int]  # (institution id, metric, value)

# metric → the definition that answers it (all at every school, for the window)
_FAMILIES: dict[str, Callable[[QuerySet[Institution], dt.date, dt.date], QuerySet]] = {  # type: ignore[type-arg]
    "flagged": d.flagged_pupils,
    "assessed": d.assessed_pupils,
    "at_risk": d.at_risk_pupils,
    "covered": d.at_risk_with_active_plan,
    "with_case": d.pupils_with_case,
    "active_plan": d.pupils_with_active_plan,
    "supported": d.supported_pupils,
    "plans_made": d.plans_made,
}


def people_counted(start: dt.date, end: dt.date, *, detail: bool = True) -> Iterator[Row]:
    """Every school's counts for ``[start, end]``: the families above and, with ``detail`` (the
    semesters; the weekly trend shows the families only), flagged by each rule, assessed by each
    level and by each of the four risk groups."""
    schools = Institution.objects.all()
    for metric, definition in _FAMILIES.items():
        for inst, n in d.count_by_institution(definition(schools, start, end)).items():
            yield inst, metric, n
    if not detail:
        return
    # every rule that ever raised a flag (a retired rule's flags still count in past buckets)
    for rule in Flag.objects.order_by().values_list("rule", flat=True).distinct():
        for inst, n in d.count_by_institution(d.flagged_pupils(schools, start, end, rule=rule)).items():
            yield inst, f"flagged:{rule}", n
    for level in Level.values:
        for inst, n in d.count_by_institution(d.assessed_pupils(schools, start, end, level=level)).items():
            yield inst, f"assessed:{level}", n
    for group in RiskGroup.values:
        for inst, n in d.count_by_institution(d.assessed_pupils(schools, start, end, group=group)).items():
            yield inst, f"group:{group}", n


def deliveries_by_measure(start: dt.date, end: dt.date) -> QuerySet:  # type: ignore[type-arg]
    """Counted deliveries (``definitions.deliveries_counted``) of the window, for grouping."""
    return d.deliveries_counted(start, end)
