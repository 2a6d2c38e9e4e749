"""The programme indicator report page (``reporting:indicators``): year and semester, the scopes
the reader may see, CSV / XLSX exports and a printable view. Every read and export is audited;
a reader without ``Perm.VIEW_INDICATORS`` gets 404, as for every page they may not see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pumpurs.core.export import download
from pumpurs.people.access import has_perm
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import Municipality, Period, SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.reporting.indicators import report_record
from pumpurs.reporting.indicators.catalogue import INDICATORS
from pumpurs.reporting.indicators.exports import filename, table
from pumpurs.reporting.indicators.refresh import stored_raw
from pumpurs.reporting.indicators.report import (
    NATIONAL,
    Report,
    UnknownScope,
    indicator_report,
    reach_of,
    window_of,
)
from pumpurs.reporting.models import MonitoringRefresh


def _choice(request: HttpRequest) -> tuple[SchoolYear, Period | None, Municipality | None]:
    years = SchoolYear.objects.all()
    name = request.GET.get("year")
    year = years.filter(name=name).first() if name else school_year_on(timezone.localdate())
    year = year or years.order_by("-starts_on").first()
    if year is None:
        raise Http404
    period = None
    semester = request.GET.get("semester", "")
    if semester:
        if semester not in ("1", "2"):
            raise Http404
        period = Period.objects.filter(school_year=year, number=int(semester)).first()
        if period is None:
            raise Http404
    municipality = None
    code = request.GET.get("municipality", "")
    if code:
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise Http404
    return year, period, municipality


@dataclass(frozen=True)
class AsOf:
    """When the page's numbers were counted: by the refresh whose cells it read, or now (live)."""

    moment: dt.datetime
    live: bool


def _report(request: HttpRequest) -> tuple[Report, Municipality | None, AsOf]:
    user = request_actor(request)
    if not has_perm(user, Perm.VIEW_INDICATORS):
        raise Http404
    year, period, municipality = _choice(request)
    raw = stored_raw(*window_of(year, period))  # the pre-aggregate (decision 0038), else live
    # the cells are rewritten together by one refresh, which records its moment (decision 0038)
    refreshed = MonitoringRefresh.objects.order_by("-computed_at", "-pk").values_list("computed_at", flat=True)
    moment = refreshed.first() if raw is not None else None
    as_of = AsOf(moment, live=False) if moment is not None else AsOf(timezone.now(), live=True)
    try:
        report = indicator_report(user, year=year, period=period, municipality=municipality, raw=raw)
    except UnknownScope:
        raise Http404 from None
    return report, municipality, as_of


def _context(request: HttpRequest, report: Report, municipality: Municipality | None, as_of: AsOf) -> dict[str, object]:
    user = request_actor(request)
    reach = reach_of(user)
    scopes = report.scopes
    if reach.national and municipality is None:
        scopes = [s for s in scopes if s.scope == NATIONAL]  # every municipality is in the export
    query = request.GET.copy()
    query.pop("format", None)
    return {
        "report": report,
        "scopes": scopes,
        "rows": [(i, [s.values[i.code] for s in scopes]) for i in INDICATORS],
        "years": SchoolYear.objects.order_by("-starts_on"),
        "municipalities": Municipality.objects.order_by("name") if reach.national else [],
        "municipality": municipality,
        "national_reader": reach.national,
        "query": query.urlencode(),
        "as_of": as_of,
    }


def _municipality_code(municipality: Municipality | None) -> str:
    return municipality.code if municipality else ""


@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    report, municipality, as_of = _report(request)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in ("csv", "xlsx"):
            raise Http404
        report_record(
            actor=request_actor(request),
            report=report,
            action="reporting.indicators.exported",
            fmt=fmt,
            municipality=_municipality_code(municipality),
        )
        header, rows = table(report)
        return download(fmt, filename=filename(report), header=header, rows=rows, title="Rādītāji")
    report_record(
        actor=request_actor(request),
        report=report,
        action="reporting.indicators.viewed",
        municipality=_municipality_code(municipality),
    )
    return render(request, "reporting/indicators.html", _context(request, report, municipality, as_of))


@require_GET
def indicators_print(request: HttpRequest) -> HttpResponse:
    report, municipality, as_of = _report(request)
    report_record(
        actor=request_actor(request),
        report=report,
        action="reporting.indicators.viewed",
        fmt="print",
        municipality=_municipality_code(municipality),
    )
    return render(request, "reporting/indicators_print.html", _context(request, report, municipality, as_of))
