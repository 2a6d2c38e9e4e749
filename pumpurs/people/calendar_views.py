"""The national role's calendar pages: the school years, a new year, a year's dates, confirming an
estimated year. Parse, check, call ``people.school_years``, render; nothing here writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pumpurs.people import access
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import year_name
from pumpurs.people.forms import NewSchoolYearForm, SchoolYearForm
from pumpurs.people.models import SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.people.school_years import school_year_confirm, school_year_create, school_year_dates, school_year_update


def _require_calendar(request: HttpRequest) -> None:
    # Anyone else: the pages do not exist (404, as everything out of scope).
    if not access.is_national(request.user, Perm.MANAGE_CALENDAR):
        raise Http404


def _year(start_year: int) -> SchoolYear:
    return get_object_or_404(SchoolYear.objects.prefetch_related("periods"), name=year_name(start_year))


def _errors_to_form(form: SchoolYearForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET"])
def school_year_list(request: HttpRequest) -> HttpResponse:
    _require_calendar(request)
    years = SchoolYear.objects.prefetch_related("periods").order_by("-starts_on")
    return render(request, "people/school_year_list.html", {"years": years})


@require_http_methods(["GET", "POST"])
def school_year_new(request: HttpRequest) -> HttpResponse:
    _require_calendar(request)
    form = NewSchoolYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            year = school_year_create(actor=request_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The %(year)s school year is saved.") % {"year": year.name})
            return redirect("school_year_list")
    return render(request, "people/school_year_form.html", {"form": form, "year": None})


@require_http_methods(["GET", "POST"])
def school_year_edit(request: HttpRequest, start_year: int) -> HttpResponse:
    _require_calendar(request)
    year = _year(start_year)
    form = SchoolYearForm(request.POST or None, initial=school_year_dates(year))
    if request.method == "POST" and form.is_valid():
        try:
            school_year_update(actor=request_actor(request), school_year=year, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The %(year)s school year is saved.") % {"year": year.name})
            return redirect("school_year_list")
    return render(request, "people/school_year_form.html", {"form": form, "year": year})


@require_POST
def school_year_confirm_view(request: HttpRequest, start_year: int) -> HttpResponse:
    _require_calendar(request)
    year = school_year_confirm(actor=request_actor(request), school_year=_year(start_year))
    messages.success(request, _("The %(year)s school year's dates are confirmed.") % {"year": year.name})
    return redirect("school_year_list")
