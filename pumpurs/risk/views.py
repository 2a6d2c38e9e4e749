"""Early-identification pages: the watch list, municipal counts, fairness, flag decisions.

Views parse, fetch through access (out of scope answers 404) and call a service; they never
write themselves. The pupil's risk picture is part of the pupil profile (template tag
``risk_tags.pupil_risk_picture``).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.core.refusal import form_key, refusal_keep, refusal_take
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import calendar_on, semester_on
from pumpurs.people.listing import WATCH_LIST, record_listed
from pumpurs.people.models import Institution
from pumpurs.risk import selectors, services
from pumpurs.risk.capacity import capacity_set
from pumpurs.risk.forms import SORT_CHOICES, CapacityForm, FairnessScopeForm, FlagDecisionForm, WatchFilterForm

# Rows per page of the watch list: its ranking and counts cover the whole list, but the reasons
# are written and the rows rendered for one page (a 1 000-pupil school can list 200 pupils).
WATCH_PAGE_SIZE = 50


def _watch_url(institution: Institution) -> str:
    return reverse("watch_list") + "?" + urlencode({"institution": str(institution.public_id)})


def _chosen_institution(request: HttpRequest, institutions: list[Institution]) -> Institution:
    """The school named by GET ``institution=`` (404 when not one of the user's), else the first."""
    if not institutions:
        raise Http404
    wanted = request.GET.get("institution")
    if not wanted:
        return institutions[0]
    for institution in institutions:
        if str(institution.public_id) == wanted:
            return institution
    raise Http404


@require_GET
def watch_list(request: HttpRequest) -> HttpResponse:
    institutions = list(selectors.watch_institutions(request.user))
    institution = _chosen_institution(request, institutions)
    calendar = calendar_on(timezone.localdate())
    period = calendar.semester
    classes = list(selectors.watch_classes(request.user, institution=institution, period=period))
    form = WatchFilterForm(request.GET, institutions=institutions, classes=classes, rule_codes=selectors.rule_codes())
    result = selectors.watch_list(
        request.user,
        institution=institution,
        filters=form.watch_filter(),
        page=request.GET.get("page") or 1,
        page_size=WATCH_PAGE_SIZE,
        today=calendar.day,
    )
    record_listed(request, list_code=WATCH_LIST, pupil_ids=[row.pupil.pk for row in result.rows])
    may_set_capacity = (
        access.institutions_visible_to(request.user, Perm.MANAGE_CAPACITY).filter(pk=institution.pk).exists()
    )
    # What the reader may do next from a row (the pages behind the links check it again).
    may = {perm: access.has_perm(request.user, perm) for perm in (Perm.DECIDE_FLAGS, Perm.ASSESS, Perm.MANAGE_CASES)}
    context = {
        "form": form,
        "calendar": calendar,
        "watch": result,
        "institutions": institutions,
        "capacity_form": _capacity_form(request, result.capacity) if may_set_capacity else None,
        "filtered": any(request.GET.get(k) for k in ("reason", "grade", "class", "level")),
        "sort_links": _sort_links(request),
        "may_decide": may[Perm.DECIDE_FLAGS],
        "may_assess": may[Perm.ASSESS],
        "may_open_case": may[Perm.MANAGE_CASES],
        "severity_legend": [
            (selectors.rule_label(code), selectors.rule_severity(code)) for code in selectors.rule_codes()
        ],
    }
    return render(request, "risk/watch_list.html", context)


def _sort_links(request: HttpRequest) -> list[tuple[str, str, bool]]:
    """(label, address, is current) for each order, keeping the other filters of the address."""
    current = request.GET.get("sort") or "severity"
    links = []
    for value, label in SORT_CHOICES:
        query = request.GET.copy()
        query["sort"] = value
        query.pop("page", None)  # a new order starts on its first page
        links.append((str(label), "?" + query.urlencode(), value == current))
    return links


def _capacity_form(request: HttpRequest, capacity: int | None) -> CapacityForm:
    """The capacity form, bound to what was typed when the last try was refused (core/refusal.py)."""
    typed = refusal_take(request, "capacity")
    return CapacityForm(typed) if typed is not None else CapacityForm(initial={"capacity": capacity})


def capacity_update(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # The school is looked up first: another school answers 404 whatever the method.
    institution = get_object_or_404(
        access.institutions_visible_to(request.user, Perm.MANAGE_CAPACITY), public_id=public_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    period = semester_on(timezone.localdate())
    form = CapacityForm(request.POST)
    if period is None or not form.is_valid():
        problem = _("The capacity was not saved: give a whole number of pupils, 0 or more.")
        messages.error(request, problem)
        refusal_keep(request, form="capacity", fields=["capacity"], errors=[problem], back=_watch_url(institution))
        return redirect(_watch_url(institution))
    capacity_set(
        actor=request_actor(request), institution=institution, period=period, capacity=form.cleaned_data["capacity"]
    )
    messages.success(request, _("The capacity for this semester is saved."))
    return redirect(_watch_url(institution))


def flag_decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Accept, dismiss or reopen a flag through the decision services; back to the pupil's profile.

    A flag of a pupil the user cannot see answers 404 whatever the method; a pupil they see but
    may not decide for gets the services' refusal (403).
    """
    flag = get_object_or_404(selectors.flags_decidable_by(request.user), public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = FlagDecisionForm(request.POST)
    back = reverse("pupil_detail", args=[flag.pupil.public_id]) + "#risk"
    # A refusal sends the reader back to the pupil's page with what they typed (core/refusal.py).
    kept = form_key(request.POST.get("action", ""), flag.public_id)
    if not form.is_valid():
        problems = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, _("The decision was not saved: %(errors)s") % {"errors": "; ".join(problems)})
        refusal_keep(request, form=kept, fields=["comment", "reason"], errors=problems, back=back)
        return redirect(back)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"].strip()
    try:
        if action == FlagDecisionForm.ACCEPT:
            services.flag_accept(actor=request_actor(request), flag=flag, comment=comment)
        elif action == FlagDecisionForm.DISMISS:
            services.flag_dismiss(
                actor=request_actor(request), flag=flag, reason=form.cleaned_data["reason"], comment=comment
            )
        else:
            services.flag_reopen(actor=request_actor(request), flag=flag, comment=comment)
    except ValidationError as error:
        messages.error(request, _("The decision was not saved: %(errors)s") % {"errors": "; ".join(error.messages)})
        refusal_keep(request, form=kept, fields=["comment", "reason"], errors=error.messages, back=back)
        return redirect(back)
    done = {
        FlagDecisionForm.ACCEPT: _("The flag is accepted."),
        FlagDecisionForm.DISMISS: _("The flag is dismissed."),
        FlagDecisionForm.REOPEN: _("The flag is reopened."),
    }
    messages.success(request, done[action])
    return redirect(back)


@require_GET
def municipality_index(request: HttpRequest) -> HttpResponse:
    """Where the counts start: straight to the only municipality, else a list to choose from."""
    municipalities = list(access.municipalities_visible_to(request.user, Perm.VIEW_RISK_COUNTS).order_by("name"))
    if not municipalities:
        raise Http404
    if len(municipalities) == 1:
        return redirect("risk_municipality", public_id=municipalities[0].public_id)
    return render(request, "risk/municipality_index.html", {"municipalities": municipalities})


@require_GET
def municipality(request: HttpRequest, public_id: UUID) -> HttpResponse:
    municipality = get_object_or_404(
        access.municipalities_visible_to(request.user, Perm.VIEW_RISK_COUNTS), public_id=public_id
    )
    calendar = calendar_on(timezone.localdate())
    rows = selectors.municipality_counts(request.user, municipality=municipality, today=calendar.day)
    rules = sorted({code for row in rows for code in row.by_rule}, key=_rule_order)
    context = {
        "municipality": municipality,
        "may_set_thresholds": access.municipalities_visible_to(request.user, Perm.MANAGE_THRESHOLDS)
        .filter(pk=municipality.pk)
        .exists(),
        "table": [(row, [row.by_rule.get(code, 0) for code in rules]) for row in rows],
        "rules": [(code, selectors.rule_label(code)) for code in rules],
        "totals": {
            "pupils": sum(r.pupils for r in rows),
            "flagged": sum(r.flagged for r in rows),
            "high_level": sum(r.high_level for r in rows),
            "by_rule": [sum(r.by_rule.get(code, 0) for r in rows) for code in rules],
        },
        "period": calendar.semester,
        "calendar": calendar,
    }
    return render(request, "risk/municipality.html", context)


def _rule_order(code: str) -> tuple[int, str]:
    codes = selectors.rule_codes()
    return (codes.index(code) if code in codes else len(codes), code)


@require_GET
def fairness(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_FAIRNESS):
        raise Http404
    form = FairnessScopeForm(request.GET)
    if not form.is_valid():
        raise Http404
    institutions = access.institutions_visible_to(request.user, Perm.VIEW_FAIRNESS).select_related("municipality")
    municipalities = access.municipalities_visible_to(request.user, Perm.VIEW_FAIRNESS).order_by("name")
    school = municipality = None
    if form.cleaned_data["institution"]:
        school = get_object_or_404(institutions, public_id=form.cleaned_data["institution"])
        scope, municipality = institutions.filter(pk=school.pk), school.municipality
    elif form.cleaned_data["municipality"]:
        municipality = get_object_or_404(municipalities, public_id=form.cleaned_data["municipality"])
        scope = institutions.filter(municipality=municipality)
    else:
        scope = institutions
        only_school, only_municipality = list(institutions[:2]), list(municipalities[:2])
        if len(only_school) == 1:  # a school role: name the school, not its municipality
            school = only_school[0]
        municipality = only_municipality[0] if len(only_municipality) == 1 else None
    result = selectors.fairness(scope)
    context = {
        "result": result,
        "tables": [
            (_("By gender"), [*result.by_gender, result.total], _("Gender")),
            (_("By grade band"), [*result.by_band, result.total], _("Grade band")),
        ],
        "municipalities": list(municipalities),
        "schools": list(institutions.filter(municipality=municipality).order_by("name")) if municipality else [],
        "school": school,
        "municipality": municipality,
        "small_cell": selectors.SMALL_CELL,
    }
    return render(request, "risk/fairness.html", context)
