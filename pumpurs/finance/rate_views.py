"""The rates page (issue 14): each catalogue measure's unit price and caps in force today —
national, and the reader's municipality's own where the measure allows one — with every rate it has
had, and the form that sets a new one from a date (``rates.rate_set`` decides who may). Unknown real
rates stay visibly "not set"; example figures say so. The form carries the measure's rate version:
a rate set by someone else meanwhile is a conflict, never overwritten."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pumpurs.finance.forms import RateForm
from pumpurs.finance.models import Rate
from pumpurs.finance.rates import rate_set, rates_visible_to
from pumpurs.people.access import Perm, has_perm, is_national, municipalities_visible_to
from pumpurs.people.actors import Actor, request_actor
from pumpurs.support.models import Measure


@dataclass
class RateRow:
    """One measure: its rates in force on the day and its whole history, newest first."""

    code: str
    name: str
    unit: str
    municipal_allowed: bool
    national: Rate | None = None
    own: list[Rate] = field(default_factory=list)  # the reader's municipalities' rates in force
    history: list[Rate] = field(default_factory=list)

    @property
    def version(self) -> int:
        return len(self.history)


def _in_force(rate: Rate, day: dt.date) -> bool:
    return rate.valid_from <= day and (rate.valid_to is None or rate.valid_to >= day)


def rate_rows(user: Actor, day: dt.date) -> list[RateRow]:
    """Every measure of the catalogue in force on ``day`` with the rates ``user`` may see: two
    queries, whatever the number of measures or rates."""
    rows: dict[str, RateRow] = {}
    for measure in Measure.objects.filter(
        Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    ).order_by("category", "name"):
        rows[measure.code] = RateRow(
            code=measure.code,
            name=measure.name,
            unit=str(measure.get_unit_display()),
            municipal_allowed=measure.municipal_rate_allowed,
        )
    for rate in rates_visible_to(user).select_related("municipality", "set_by").order_by("-valid_from", "-set_at"):
        row = rows.get(rate.measure_code)
        if row is None:
            continue
        row.history.append(rate)
        if _in_force(rate, day):
            if rate.municipality_id is None:
                row.national = rate
            elif row.municipal_allowed:
                row.own.append(rate)
    return list(rows.values())


def _may_set(user: Actor) -> bool:
    return is_national(user, Perm.MANAGE_RATES) or municipalities_visible_to(user, Perm.MANAGE_RATES).exists()


def _form(user: Actor, row: RateRow | None, data: dict[str, str] | None = None) -> RateForm | None:
    if row is None or not _may_set(user):
        return None
    municipalities = municipalities_visible_to(user, Perm.MANAGE_RATES) if row.municipal_allowed else None
    return RateForm(
        data,
        measure_code=row.code,
        national=is_national(user, Perm.MANAGE_RATES),
        municipalities=municipalities,
        initial={"version": row.version, "valid_from": timezone.localdate()},
    )


def _page(request: HttpRequest, *, form: RateForm | None = None, chosen: str = "", status: int = 200) -> HttpResponse:
    user = request_actor(request)
    if not has_perm(user, Perm.VIEW_FINANCE):
        raise Http404
    today = timezone.localdate()
    rows = rate_rows(user, today)
    row = next((r for r in rows if r.code == chosen), None)
    if chosen and row is None:
        raise Http404
    context = {
        "rows": rows,
        "today": today,
        "chosen": row,
        "may_set": _may_set(user),
        "form": form or _form(user, row),
    }
    return render(request, "finance/rates.html", context, status=status)


@require_GET
def rates_page(request: HttpRequest) -> HttpResponse:
    return _page(request, chosen=request.GET.get("measure", ""))


@require_POST
def rate_save(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    code = request.POST.get("measure", "")
    row = next((r for r in rate_rows(user, timezone.localdate()) if r.code == code), None)
    form = _form(user, row, request.POST)
    if form is None:
        raise Http404
    if not form.is_valid():
        return _page(request, form=form, chosen=code, status=400)
    data = form.cleaned_data
    try:
        rate_set(
            actor=user,
            measure_code=code,
            valid_from=data["valid_from"],
            unit_cents=data["unit"],
            cap_unit_cents=data["cap_unit"],
            cap_semester_cents=data["cap_semester"],
            cap_month_cents=data["cap_month"],
            municipality=data.get("municipality"),
            is_example=data["is_example"],
            note=data["note"],
            expected_version=data["version"],
        )
    except (PermissionDenied, ValidationError) as error:
        form.add_error(None, list(getattr(error, "messages", [str(error)])) or [_("You may not do this.")])
        return _page(request, form=form, chosen=code, status=409 if getattr(error, "code", "") == "conflict" else 400)
    messages.success(request, _("The rate of “%(name)s” is set.") % {"name": row.name if row else code})
    return redirect(f"{reverse('finance_rates')}?{urlencode({'measure': code})}")
