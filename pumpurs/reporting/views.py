"""The dashboards (issue 15): thin views over ``reporting.dashboard``; out of scope is 404."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from pumpurs.audit.services import Entry, audit_record, audit_record_many
from pumpurs.core.export import download
from pumpurs.people import access
from pumpurs.people.actors import request_actor
from pumpurs.reporting import dashboard as board
from pumpurs.reporting import dashboard_export
from pumpurs.reporting.pupils import counted_pupils

PAGE_LIMIT = 500  # a school's list behind a number; more is a sign to narrow the window


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Straight to the reader's only dashboard, else a choice of them."""
    places = board.places_for(request.user)
    if not places:
        raise Http404
    if len(places) == 1:
        return redirect(places[0].url)
    return render(request, "reporting/choose.html", {"places": places})


CACHE_SECONDS = 6 * 3600  # a rendered dashboard; its key names the refresh, so a new one is never stale


def _render(request: HttpRequest, place: board.Place) -> HttpResponse:
    """The page from the rendered body kept since the last refresh, or rendered now (decision 0029:
    the pre-aggregate changes only when it is refreshed, and the key says everything else the body
    depends on)."""
    tiles_by = "covered" if request.GET.get("map") == "covered" else "at_risk"
    key = board.view_key(request.user, place, tiles_by=tiles_by)
    body = cache.get(key)
    if body is None:
        data = board.dashboard_for(request.user, place, tiles_by=tiles_by)
        body = render_to_string("reporting/_board.html", {"board": data, "place": place}, request=request)
        cache.set(key, body, CACHE_SECONDS)
    context = {"body": mark_safe(body), "place": place, "up": board.place_above(request.user, place)}  # noqa: S308 — our own rendered template
    return render(request, "reporting/dashboard.html", context)


def _page_or_export(request: HttpRequest, place: board.Place) -> HttpResponse:
    fmt = request.GET.get("format", "")
    return _export(request, place, fmt) if fmt else _render(request, place)


def _export(request: HttpRequest, place: board.Place, fmt: str) -> HttpResponse:
    """The dashboard's tables as CSV or XLSX, suppressed as the page is; audited (counts only, no
    pupil named: one event for the export)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = board.dashboard_for(request.user, place)
    with transaction.atomic():
        audit_record(
            actor=request_actor(request),
            action="reporting.dashboard.exported",
            data={"level": place.level, "place": str(place.public_id or ""), "format": fmt},
        )
    return download(
        fmt,
        filename=dashboard_export.filename(data, timezone.localdate()),
        header=dashboard_export.header(),
        rows=list(dashboard_export.rows(data)),
        title=gettext("Dashboard"),
    )


@require_GET
def national(request: HttpRequest) -> HttpResponse:
    return _page_or_export(request, board.national_place(request.user))


@require_GET
def municipality(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _page_or_export(request, board.municipality_place(request.user, public_id))


@require_GET
def school(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _page_or_export(request, board.school_place(request.user, public_id))


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise Http404 from None


@require_GET
def school_pupils(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The pupils behind one number of a school's own dashboard, counted by the same definition;
    only for the school's staff who may see those pupils (everyone else: 404). Recorded in the
    audit trail, one event per pupil named."""
    place = board.school_place(request.user, public_id)
    metric = request.GET.get("metric", "")
    perm = board.list_perm(metric)
    start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
    if place.suppress or perm is None or end < start or (end - start).days > 400:
        raise Http404
    if not access.institutions_visible_to(request.user, perm).filter(pk=place.unit_id).exists():
        raise Http404
    counted = counted_pupils(request.user, place.unit_id, metric, start, end, perm=perm)
    if counted is None:
        raise Http404
    pupils = list(counted[:PAGE_LIMIT])
    if pupils:
        with transaction.atomic():
            audit_record_many(
                actor=request_actor(request),
                entries=[Entry("reporting.pupils.listed", pupil_id=p.pk, data={"metric": metric}) for p in pupils],
            )
    return render(
        request,
        "reporting/pupils.html",
        {
            "place": place,
            "metric": metric,
            "label": board.metric_label(metric),
            "start": start,
            "end": end,
            "pupils": pupils,
            "limit": PAGE_LIMIT,
        },
    )
