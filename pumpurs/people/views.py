"""Pages about municipalities, schools, classes and pupils: parse, fetch through access, render.

Anything outside the user's scope is fetched through the access querysets and so answers 404,
exactly as something that does not exist.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pumpurs.audit.services import audit_record, record_view
from pumpurs.people import access, emergency, listing, registry, selectors
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.calendar import school_year_on
from pumpurs.people.forms import NameSearchForm, PersonalCodeSearchForm
from pumpurs.people.listing import record_listed
from pumpurs.people.personal_code import CODE_IN_TEXT
from pumpurs.people.services import pupil_find_by_personal_code


@require_GET
def municipality_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_OVERVIEW):
        raise Http404
    rows = list(selectors.municipalities_with_counts(request.user))
    return render(request, "people/municipality_list.html", {"municipalities": rows, **_year_context()})


@require_GET
def municipality_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    municipality = get_object_or_404(access.municipalities_visible_to(request.user), public_id=public_id)
    rows = list(selectors.institutions_with_counts(request.user, municipality=municipality))
    context = {"municipality": municipality, "institutions": rows, "summary": selectors.summary_of(rows)}
    return render(request, "people/municipality_detail.html", {**context, **_year_context()})


@require_GET
def institution_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    institution = get_object_or_404(
        access.institutions_visible_to(request.user).select_related("municipality"), public_id=public_id
    )
    rows = list(selectors.classes_with_counts(request.user, institution=institution))
    context = {"institution": institution, "classes": rows, "summary": selectors.summary_of(rows)}
    return render(request, "people/institution_detail.html", {**context, **_year_context()})


@require_GET
def class_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    class_group = get_object_or_404(
        access.classes_visible_to(request.user).select_related("institution", "school_year", "class_teacher"),
        public_id=public_id,
    )
    enrolments = list(selectors.class_pupils(request.user, class_group=class_group))
    may_see_pupils = access.has_perm(request.user, Perm.VIEW_PUPILS)
    if may_see_pupils:
        record_listed(request, list_code=listing.CLASS_LIST, pupil_ids=[e.pupil_id for e in enrolments])
    context = {"class_group": class_group, "enrolments": enrolments, "may_see_pupils": may_see_pupils}
    return render(request, "people/class_detail.html", context)


@require_GET
def pupil_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = get_object_or_404(access.pupils_visible_to(request.user), public_id=public_id)
    record_view(actor=request_actor(request), pupil_id=pupil.pk, target=pupil, ip_address=client_address(request))
    profile = selectors.pupil_profile(request.user, pupil=pupil)
    # The panels other apps add (risk picture, support case …): people.registry.
    panels = registry.pupil_panels()
    context = {"profile": profile, "pupil": pupil, "panels": panels}
    if access.has_perm(request.user, Perm.BREAK_GLASS):
        context["emergency_active"] = emergency.emergency_access_active(request_actor(request), pupil)
        context["may_break_glass"] = emergency.may_break_glass(request_actor(request), pupil)
        context["emergency_hours"] = settings.PUMPURS_EMERGENCY_ACCESS_HOURS
    return render(request, "people/pupil_detail.html", context)


@require_POST
def emergency_access(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Break-the-glass: open this pupil's risk record for a few hours, with a reason (decision 0035)."""
    if not access.has_perm(request.user, Perm.BREAK_GLASS):
        raise Http404
    pupil = get_object_or_404(access.pupils_visible_to(request.user), public_id=public_id)
    try:
        emergency.emergency_access_open(
            actor=request_actor(request),
            pupil=pupil,
            reason=request.POST.get("reason", ""),
            ip_address=client_address(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("pupil_detail", public_id=pupil.public_id)


@require_http_methods(["GET", "POST"])
def pupil_search(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_PUPILS):
        raise Http404
    # The name form is POSTed, so that whatever is typed — a personal code too — never reaches an
    # address, the browser's history or a server log; ``?q=`` still works for links that name a name.
    by_name = request.method == "POST" and "personal_code" not in request.POST
    name_form = NameSearchForm((request.POST if by_name else request.GET) or None)
    query = name_form.cleaned_data["q"] if name_form.is_valid() else ""
    code_typed = bool(CODE_IN_TEXT.search(query))
    if code_typed:  # a name search does not look up codes, and the page does not repeat one
        query = ""
        name_form = NameSearchForm()
    results = selectors.pupil_search_by_name(request.user, query=query)
    shown = results[: selectors.NAME_SEARCH_LIMIT]
    record_listed(request, list_code=listing.NAME_SEARCH, pupil_ids=[pupil.pk for pupil in shown])
    context = {
        "name_form": name_form,
        "query": query,
        "results": shown,
        "more_results": len(results) > selectors.NAME_SEARCH_LIMIT,
        "code_form": PersonalCodeSearchForm(),
        "may_search_by_code": access.has_perm(request.user, Perm.SEARCH_BY_PERSONAL_CODE),
        "code_typed_in_name_search": code_typed,
    }
    if request.method == "POST" and not by_name:
        return _search_by_code(request, context)
    return render(request, "people/pupil_search.html", context)


def _search_by_code(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    """Found-but-not-visible and not-found answer alike; the trail notes which, never the code."""
    form = PersonalCodeSearchForm(request.POST)
    pupil = pupil_find_by_personal_code(form.cleaned_data["personal_code"].digits) if form.is_valid() else None
    visible = pupil is not None and (
        access.pupils_visible_to(request.user, Perm.SEARCH_BY_PERSONAL_CODE).filter(pk=pupil.pk).exists()
    )
    outcome = _code_search_outcome(valid=form.is_valid(), found=pupil is not None, visible=visible)
    with transaction.atomic():
        audit_record(
            actor=request_actor(request),
            action="people.pupil.searched_by_code",
            pupil_id=pupil.pk if pupil else None,
            data={"outcome": outcome},
            ip_address=client_address(request),
        )
    if visible and pupil is not None:
        return redirect("pupil_detail", public_id=pupil.public_id)
    context.update({"code_form": form, "code_searched": form.is_valid()})
    return render(request, "people/pupil_search.html", context)


def _code_search_outcome(*, valid: bool, found: bool, visible: bool) -> str:
    if not valid:
        return "malformed"
    if not found:
        return "not_found"
    return "found" if visible else "not_visible"


def _year_context() -> dict[str, object]:
    return {"school_year": school_year_on(timezone.localdate())}
