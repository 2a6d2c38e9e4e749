"""The dashboards (issue 15): thin views over ``reporting.dashboard``; out of scope is 404."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from pumpurs.audit.services import Entry, audit_record_many
from pumpurs.people import access
from pumpurs.people.actors import request_actor
from pumpurs.reporting import dashboard as board
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


def _render(request: HttpRequest, place: board.Place) -> HttpResponse:
    data = board.dashboard_for(request.user, place, tiles_by=request.GET.get("map", "at_risk"))
    return render(request, "reporting/dashboard.html", {"board": data, "place": place})


@require_GET
def national(request: HttpRequest) -> HttpResponse:
    return _render(request, board.national_place(request.user))


@require_GET
def municipality(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _render(request, board.municipality_place(request.user, public_id))


@require_GET
def school(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _render(request, board.school_place(request.user, public_id))


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
    pupils = list(counted_pupils(request.user, place.unit_id, metric, start, end, perm=perm)[:PAGE_LIMIT])
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
