"""The national measure catalogue: everyone who works with support reads it (today's, or the one
in force on another day, with each measure's versions); the national programme adds and changes
measures from a date. Views parse and call ``support/catalogue.py``; refusals show on the form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.support.catalogue import measure_change as change_service
from pumpurs.support.catalogue import measure_create as create_service
from pumpurs.support.catalogue_forms import (
    CatalogueDateForm,
    MeasureChangeForm,
    MeasureCreateForm,
    add_service_errors,
)
from pumpurs.support.models import Measure
from pumpurs.support.prices import prices_in_force, rates_url_name


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    current: Measure | None  # the version in force on the day, if any
    versions: list[Measure]  # newest first

    @property
    def latest(self) -> Measure:
        return self.versions[0]


def _rows(day: dt.date) -> list[CatalogueRow]:
    """Every measure with all its versions, in one query (the catalogue is a few dozen rows)."""
    versions = Measure.objects.select_related("changed_by").order_by("category", "code", "-valid_from")
    rows = []
    for code, group in groupby(versions, key=lambda m: m.code):
        items = list(group)
        current = next((m for m in items if m.valid_on(day)), None)
        rows.append(CatalogueRow(code=code, current=current, versions=items))
    return rows


def _rates_link(request: HttpRequest) -> str | None:
    """The rates page's address for a reader who may open it (else no link: it would be a 404)."""
    name = rates_url_name()
    return reverse(name) if name and access.has_perm(request.user, Perm.VIEW_FINANCE) else None


def _require_reader(request: HttpRequest) -> None:
    if not access.has_perm(request.user, Perm.VIEW_SUPPORT):
        raise Http404


def _require_manager(request: HttpRequest) -> None:
    # As the questionnaire instruments: the editing pages do not exist for anyone else.
    if not access.has_perm(request.user, Perm.MANAGE_CATALOGUE):
        raise Http404


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form = CatalogueDateForm(request.GET or None)
    today = timezone.localdate()
    day = (form.cleaned_data["on"] if form.is_valid() else None) or today
    rows = _rows(day)
    in_force = [r for r in rows if r.current is not None]
    # The national unit prices in force on the day, for every measure in one look-up.
    prices = prices_in_force([r.code for r in in_force], None, day)
    context = {
        "form": form,
        "day": day,
        "is_today": day == today,
        "in_force": [(r, prices.get(r.code)) for r in in_force],
        "not_in_force": [r for r in rows if r.current is None],
        "may_manage": access.has_perm(request.user, Perm.MANAGE_CATALOGUE),
        "rates_url": _rates_link(request),
    }
    return render(request, "support/catalogue.html", context)


@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = MeasureCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            measure = create_service(actor=request_actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” is added to the catalogue.") % {"name": measure.name})
            return redirect(reverse("support_catalogue:catalogue") + f"?on={measure.valid_from.isoformat()}")
    return render(request, "support/catalogue_measure_create.html", {"form": form, "rates_url": _rates_link(request)})


@require_http_methods(["GET", "POST"])
def measure_change(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    chosen = get_object_or_404(Measure, public_id=public_id)
    versions = list(Measure.objects.filter(code=chosen.code).select_related("changed_by").order_by("-valid_from"))
    today = timezone.localdate()
    current = next((m for m in versions if m.valid_on(today)), versions[0])
    form = MeasureChangeForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        retire = form.cleaned_data["action"] == MeasureChangeForm.RETIRE
        changes = {} if retire else form.changes()
        effective_from = form.cleaned_data["effective_from"]
        try:
            change_service(
                actor=request_actor(request), measure=current, effective_from=effective_from, retire=retire, **changes
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = _("“%(name)s” is retired from %(date)s.") if retire else _("“%(name)s” changes from %(date)s.")
            messages.success(
                request, done % {"name": current.name, "date": date_format(effective_from, "SHORT_DATE_FORMAT")}
            )
            return redirect(reverse("support_catalogue:catalogue") + f"?on={effective_from.isoformat()}")
    context = {
        "form": form,
        "measure": current,
        "versions": versions,
        "price": prices_in_force([current.code], None, today).get(current.code),
        "rates_url": _rates_link(request),
    }
    return render(request, "support/catalogue_measure_change.html", context)
