"""The measure-effect page (issue 15): cost and observational effect of each measure for a
semester, over the reader's municipality or the whole country, and its CSV export.

Readers hold ``Perm.VIEW_EFFECTS`` (municipality coordinators, the national programme); anyone
else, and a municipality outside the reader's scope, gets 404. Aggregates only: no pupil is named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.core.export import Cell, csv_bytes
from pumpurs.finance.money import euros
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Municipality, Period
from pumpurs.reporting.costs import Costs, costs_of, measure_figures
from pumpurs.reporting.effects import Effects, measure_effects, minimum_pupils
from pumpurs.reporting.effects_refresh import aggregated_effects, aggregated_figures
from pumpurs.reporting.estimation import Estimate


@dataclass(frozen=True)
class Selection:
    period: Period
    periods: list[Period]  # what the costs cover: the semester, or its school year's semesters
    whole_year: bool
    municipality: Municipality | None  # None: the whole country (national readers only)
    municipality_ids: list[int] | None
    choices: list[Period]
    municipalities: list[Municipality]  # what the reader may choose from (national readers)
    national: bool


def _period_key(period: Period) -> str:
    return f"{period.school_year.name}-{period.number}"


def _select(request: HttpRequest, today: dt.date) -> Selection:
    user = request.user
    if not access.has_perm(user, Perm.VIEW_EFFECTS):
        raise Http404
    national = access.is_national(user, Perm.VIEW_EFFECTS)
    visible = list(access.municipalities_visible_to(user, Perm.VIEW_EFFECTS).order_by("name"))
    choices = list(Period.objects.filter(starts_on__lte=today).select_related("school_year").order_by("-starts_on"))
    if not choices:
        raise Http404
    wanted = request.GET.get("semester", "")
    period = next((p for p in choices if _period_key(p) == wanted), None) if wanted else choices[0]
    if period is None:
        raise Http404
    code = request.GET.get("municipality", "")
    municipality: Municipality | None = None
    if code:
        municipality = next((m for m in visible if m.code == code), None)
        if municipality is None:
            raise Http404  # not theirs, or no such municipality: the same answer
    elif not national:
        municipality = visible[0] if len(visible) == 1 else None
    if municipality is not None:
        ids: list[int] | None = [municipality.pk]
    else:
        ids = None if national else [m.pk for m in visible]
    whole_year = request.GET.get("span") == "year"
    periods = list(period.school_year.periods.order_by("number")) if whole_year else [period]
    return Selection(
        period=period,
        periods=periods,
        whole_year=whole_year,
        municipality=municipality,
        municipality_ids=ids,
        choices=choices,
        municipalities=visible if national or len(visible) > 1 else [],
        national=national,
    )


def _gather(request: HttpRequest) -> tuple[Selection, Costs, Effects, dt.date]:
    today = timezone.localdate()
    selection = _select(request, today)
    label = selection.municipality.name if selection.municipality else _("Latvia")
    start, end = selection.periods[0].starts_on, selection.periods[-1].ends_on
    ids = selection.municipality_ids
    # The pre-aggregate (decision 0038); what it does not hold is counted live.
    figures = aggregated_figures(start, end, municipality_ids=ids) or measure_figures(start, end, municipality_ids=ids)
    costs = costs_of(figures, ids, label)
    effects = aggregated_effects(selection.period, municipality_ids=ids, minimum=minimum_pupils())
    if effects is None:
        effects = measure_effects(selection.period, municipality_ids=ids, today=today)
    return selection, costs, effects, today


@require_GET
def effects_page(request: HttpRequest) -> HttpResponse:
    selection, costs, effects, today = _gather(request)
    effect_of = {m.code: m for m in effects.measures}
    rows = [(cost, effect_of.get(cost.code)) for cost in costs.measures]
    return render(
        request,
        "reporting/effects.html",
        {
            "selection": selection,
            "semester_key": _period_key(selection.period),
            "costs": costs,
            "effects": effects,
            "rows": rows,
            "today": today,
        },
    )


def _round(value: float | None) -> Decimal | None:
    """A number to two places, kept a number (a text "-5.00" would be guarded as a formula)."""
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.01"))


def _estimate_cells(estimate: Estimate | None) -> list[Cell]:
    """Effect, interval and the pupils behind it — empty where not estimated."""
    if estimate is None or not estimate.enough:
        return [None, None, None, None, None]
    return [_round(estimate.effect), _round(estimate.low), _round(estimate.high), estimate.treated, estimate.compared]


@require_GET
def effects_csv(request: HttpRequest) -> HttpResponse:
    selection, costs, effects, _today = _gather(request)
    effect_of = {m.code: m for m in effects.measures}
    header = [
        _("Measure"),
        _("Unit"),
        _("Pupils who received it"),
        _("Delivered quantity"),
        _("Spent, EUR"),
        _("Cost per pupil, EUR"),
        _("Deliveries without a price"),
        _("Effect on unjustified absences, percentage points"),
        _("95 % interval, from"),
        _("95 % interval, to"),
        _("Pupils who received it, compared"),
        _("Comparable pupils who did not"),
        _("Effect on leaving within a year, percentage points"),
        _("95 % interval, from"),
        _("95 % interval, to"),
        _("Pupils who received it, compared"),
        _("Comparable pupils who did not"),
        _("Note"),
    ]
    rows: list[list[Cell]] = []
    for cost in costs.measures:
        effect = effect_of.get(cost.code)
        notes = []
        if effect is not None and not (effect.attendance.enough and (effect.left is None or effect.left.enough)):
            notes.append(_("Not enough pupils (at least %(n)s in each group)") % {"n": effects.minimum})
        if effect is not None and effect.left is None:
            notes.append(_("The one-year outcome is not yet known."))
        rows.append(
            [
                cost.label,
                cost.unit,
                cost.pupils,
                cost.quantity,
                euros(cost.spent),
                None if cost.per_pupil is None else euros(cost.per_pupil),
                cost.unpriced,
                *_estimate_cells(effect.attendance if effect else None),
                *_estimate_cells(effect.left if effect else None),
                " ".join(notes),
            ]
        )
    total = costs.total
    rows.append(
        [
            _("Cost per supported pupil"),
            "",
            total.supported,
            None,
            euros(total.spent),
            None if total.per_pupil is None else euros(total.per_pupil),
            None,
            *_estimate_cells(None),
            *_estimate_cells(None),
            "",
        ]
    )
    scope = selection.municipality.code if selection.municipality else "latvia"
    span = selection.period.school_year.name.replace("/", "-") + (
        "" if selection.whole_year else f"-{selection.period.number}"
    )
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="measure-effects-{scope}-{span}.csv"'
    return response
