"""``/monitoring/outcomes/`` (with its CSV) and ``/monitoring/rules/``: municipality coordinators
and the national team (``Perm.VIEW_EFFECTS``); anyone else gets 404. Counts only, no names."""

from __future__ import annotations

import csv
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.people import access
from pumpurs.people.models import Municipality, Period
from pumpurs.people.perms import Perm
from pumpurs.reporting.definitions import institutions_in_scope
from pumpurs.reporting.error_rates import ErrorRateCell, error_rate_table, recorded_semesters
from pumpurs.reporting.models import ErrorRateRecord
from pumpurs.reporting.outcome_cells import page_counts
from pumpurs.reporting.outcomes import Horizon, OutcomeKind
from pumpurs.reporting.pages import outcome_blocks, outcome_years, rule_rows
from pumpurs.reporting.rule_quality import GRADE_BANDS, min_sample
from pumpurs.reporting.suppression import SMALL_CELL
from pumpurs.risk.rules import RULES

PERM = Perm.VIEW_EFFECTS


def _scope(request: HttpRequest) -> tuple[list[Municipality], Municipality | None, list[int]]:
    """The municipalities the reader may choose from, the one chosen (``?municipality=``; the only
    one when there is one) and the schools counted. Out of scope or malformed: 404."""
    if not access.has_perm(request.user, PERM):
        raise Http404
    municipalities = list(access.municipalities_visible_to(request.user, PERM).order_by("name"))
    chosen = None
    wanted = request.GET.get("municipality", "")
    if wanted:
        try:
            key = uuid.UUID(wanted)
        except ValueError:
            raise Http404 from None
        chosen = next((m for m in municipalities if m.public_id == key), None)
        if chosen is None:
            raise Http404
    elif len(municipalities) == 1:
        chosen = municipalities[0]
    institutions = institutions_in_scope(request.user, PERM, municipality=chosen)
    return municipalities, chosen, list(institutions.values_list("pk", flat=True))


def _horizon(request: HttpRequest) -> str:
    value = request.GET.get("horizon", Horizon.ONE_YEAR)
    if value not in Horizon.values:
        raise Http404
    return value


@require_GET
def outcomes(request: HttpRequest) -> HttpResponse:
    municipalities, chosen, schools = _scope(request)
    horizon = _horizon(request)
    # the pre-aggregate (decision 0056), counted live until a refresh has written it
    counted = page_counts(today=timezone.localdate(), institution_ids=schools, horizon=horizon)
    blocks = outcome_blocks(counted.counts, horizon=horizon)
    return render(
        request,
        "reporting/outcomes.html",
        {
            "municipalities": municipalities,
            "municipality": chosen,
            "horizon": horizon,
            "horizons": Horizon.choices,
            "kinds": list(OutcomeKind),
            "blocks": blocks,
            "small_cell": SMALL_CELL,
            "counted": counted,
        },
    )


@require_GET
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    """The page's tables as CSV, hidden cells as on the page (``< 5`` / ``×``), after a first line
    that says, as the page does, when the figures were counted."""
    _municipalities, chosen, schools = _scope(request)
    horizon = _horizon(request)
    today = timezone.localdate()
    counted = page_counts(today=today, institution_ids=schools, horizon=horizon)
    blocks = outcome_blocks(counted.counts, horizon=horizon)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{horizon}-{today.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow([counted.note])
    writer.writerow(
        [_("Scope"), _("Cohort"), _("Outcome read at"), _("Pupils"), *[str(k.label) for k in OutcomeKind], _("Total")]
    )
    scope = chosen.name if chosen is not None else _("All municipalities you may see")
    hidden = "×"
    for block in blocks:
        for row in block.rows:
            writer.writerow(
                [
                    scope,
                    block.cohort.name,
                    str(block.horizon_label),
                    str(row.label),
                    *[hidden if v is None else v for v in row.cells],
                    hidden if row.total is None else row.total,
                ]
            )
    return response


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    municipalities, chosen, schools = _scope(request)
    today = timezone.localdate()
    horizons = outcome_years(today)
    years = [y for y, _horizon in horizons]
    chosen_year = horizons[0] if horizons else None
    wanted = request.GET.get("year", "")
    if wanted:
        chosen_year = next((y for y in horizons if y[0].name == wanted), None)
        if chosen_year is None:
            raise Http404
    year = chosen_year[0] if chosen_year is not None else None
    rows = (
        rule_rows(year=chosen_year[0], institution_ids=schools, horizon=chosen_year[1])
        if chosen_year is not None
        else []
    )
    municipality_ids = [chosen.pk] if chosen is not None else [m.pk for m in municipalities]
    semesters = recorded_semesters(municipality_ids)
    semester: Period | None = semesters[0] if semesters else None
    wanted_semester = request.GET.get("semester", "")
    if wanted_semester:
        semester = next((s for s in semesters if str(s.pk) == wanted_semester), None)
        if semester is None:
            raise Http404
    fairness = (
        _fairness_tables(error_rate_table(period=semester, municipality_ids=municipality_ids))
        if semester is not None
        else []
    )
    return render(
        request,
        "reporting/rules.html",
        {
            "municipalities": municipalities,
            "municipality": chosen,
            "years": years,
            "year": year,
            "rows": rows,
            "semesters": semesters,
            "semester": semester,
            "fairness": fairness,
            "small_cell": SMALL_CELL,
            "min_sample": min_sample(),
        },
    )


def _fairness_tables(table: dict[str, dict[str, list[ErrorRateCell]]]) -> list[dict[str, Any]]:
    """One table per dimension: a row per rule, for each group its false-positive and
    false-negative rates."""
    labels: dict[str, dict[str, Any]] = {
        ErrorRateRecord.Dimension.GENDER: {"F": _("girls"), "M": _("boys"), "U": _("not recorded")},
        ErrorRateRecord.Dimension.GRADE_BAND: {f"{lo}–{hi}": f"{lo}–{hi}" for lo, hi in GRADE_BANDS},
        ErrorRateRecord.Dimension.MUNICIPALITY_KIND: dict(Municipality.Kind.choices),
    }
    tables = []
    for dimension in ErrorRateRecord.Dimension:
        groups = sorted(
            {cell.group for per in table.values() for cell in per.get(dimension.value, [])},
        )
        rows = []
        for code, per in table.items():
            cells = {c.group: c for c in per.get(dimension.value, [])}
            rule = RULES.get(code)
            rows.append(
                {
                    "label": rule.label if rule else _("any rule"),
                    "cells": [cells.get(g) for g in groups],
                }
            )
        if rows and groups:
            tables.append(
                {
                    "caption": dimension.label,
                    "groups": [labels[dimension].get(g, g) for g in groups],
                    "rows": rows,
                }
            )
    return tables
