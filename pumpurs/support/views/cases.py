"""The cases list, opening a case, and the case page with its consent, team, contact log and
closing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.core.display import day_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import calendar_on, planning_semester_on
from pumpurs.people.listing import CASE_LIST, record_listed
from pumpurs.risk.models import Assessment, Flag
from pumpurs.support import cases as services
from pumpurs.support import selectors
from pumpurs.support.forms import (
    PUPIL,
    CaseCloseForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseReopenForm,
    ConsentForm,
    ConsentWithdrawForm,
    ContactForm,
    TeamMemberForm,
)
from pumpurs.support.handover import handovers_waiting_for
from pumpurs.support.models import Case, CloseReason, PlanStatus
from pumpurs.support.plans import plan_create
from pumpurs.support.scope import cases_visible_to, consents_visible_to, history_until
from pumpurs.support.stewardship import may_change_case, may_steward, require_steward
from pumpurs.support.views.common import attach, confirm_page, confirmed, flash, may, not_post, record

PAGE_SIZE = 50


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_SUPPORT):
        raise Http404
    form = CaseFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.case_list(request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    # plan_status is annotated by selectors.case_list
    statuses = [getattr(case, "plan_status", None) for case in page]
    rows = [(case, PlanStatus(s).label if s else "") for case, s in zip(page, statuses, strict=True)]
    record_listed(request, list_code=CASE_LIST, pupil_ids=[case.pupil_id for case, _status in rows])
    return render(
        request,
        "support/case_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": bool(status),
            "handovers_waiting": handovers_waiting_for(request.user).count(),
        },
    )


def _case(request: HttpRequest, public_id: UUID) -> Case:
    return get_object_or_404(
        cases_visible_to(request.user).select_related("pupil", "institution", "opened_by"), public_id=public_id
    )


@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Open the pupil's case: from an accepted flag or a submitted questionnaire (POSTed from the
    risk picture), or by hand with a reason (the form on this page)."""
    pupil = get_object_or_404(access.pupils_visible_to(request.user, Perm.MANAGE_CASES), public_id=public_id)
    existing = services.open_case_of(pupil)
    if existing is not None:
        messages.info(request, _("The pupil already has an open case."))
        return redirect("support_case", public_id=existing.public_id)
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        flag = get_object_or_404(Flag, pupil=pupil, public_id=data["flag"]) if data["flag"] else None
        assessment = (
            get_object_or_404(Assessment, pupil=pupil, public_id=data["assessment"]) if data["assessment"] else None
        )
        try:
            case = services.case_open(
                actor=request_actor(request), pupil=pupil, flag=flag, assessment=assessment, reason=data["reason"]
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The support case is open. Record the family's consent and plan the support."))
            return redirect("support_case", public_id=case.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "support/case_open.html", {"pupil": pupil, "form": form}, status=status)


def _case_page(request: HttpRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    record(request, case, case)
    guardians = list(case.pupil.guardians.all())
    # A school that handed the case over reads it as it stood then (decision 0020).
    until = history_until(request.user, case)
    may_manage = may_change_case(request.user, case)
    may_sensitive = may(request, case, Perm.VIEW_SENSITIVE) or (
        until is not None and cases_visible_to(request.user, Perm.VIEW_SENSITIVE).filter(pk=case.pk).exists()
    )
    staff = selectors.school_staff(case) if may_manage else []
    plans = selectors.plans_of(case, until=until)
    calendar = calendar_on(timezone.localdate())
    period = calendar.planning
    context = {
        "case": case,
        "pupil": case.pupil,
        "consent": selectors.consent_state(case, until=until),
        "history_until": until,
        "team": selectors.team_of(case),
        "contacts": selectors.contacts_of(case, may_sensitive=may_sensitive, until=until),
        "plans": plans,
        "period": period,
        "calendar": calendar,
        # One plan per semester: no "Plan for this semester" button once it has one.
        "period_planned": period is not None and any(p.period_id == period.pk for p in plans),
        "may_manage": may_manage and case.status == Case.Status.OPEN,
        # The destructive steps and reopening: the case lead or the school coordinator.
        "may_steward": may_steward(request.user, case),
        "not_on_team": case.status == Case.Status.OPEN and not may_manage and may(request, case, Perm.MANAGE_CASES),
        "reopen_form": forms.get("reopen_form") or CaseReopenForm(),
        "consent_form": forms.get("consent_form") or ConsentForm(guardians=guardians, pupil=case.pupil),
        "withdraw_form": forms.get("withdraw_form") or ConsentWithdrawForm(),
        "team_form": forms.get("team_form") or TeamMemberForm(staff=staff),
        "contact_form": forms.get("contact_form") or ContactForm(guardians=guardians, may_sensitive=may_sensitive),
        "close_form": forms.get("close_form") or CaseCloseForm(),
    }
    return render(request, "support/case_detail.html", context, status=status)


@require_GET
def case_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _case_page(request, _case(request, public_id))


def consent_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    form = ConsentForm(request.POST, request.FILES, guardians=list(case.pupil.guardians.all()), pupil=case.pupil)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                actor=request_actor(request),
                case=case,
                given_on=data["given_on"],
                method=data["method"],
                guardian=form.chosen_guardian(),
                by_pupil=data["given_by"] == PUPIL,
                document=data["document"],
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("support_case", public_id=case.public_id)
    return _case_page(request, case, 400, consent_form=form)


def consent_withdraw(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consent = get_object_or_404(
        consents_visible_to(request.user).select_related("case__pupil"),
        public_id=public_id,
    )
    if refused := not_post(request):
        return refused
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid() and not confirmed(request):
        require_steward(request.user, consent.case)
        who = (
            _("the pupil")
            if consent.by_pupil
            else f"{consent.guardian.first_name} {consent.guardian.last_name}"
            if consent.guardian
            else ""
        )
        return confirm_page(
            request,
            consent.case,
            title=_("Record that consent was withdrawn?"),
            consequences=[
                _("Consent given by %(who)s on %(given)s is recorded as withdrawn on %(date)s.")
                % {
                    "who": who,
                    "given": day_text(consent.given_on),
                    "date": day_text(form.cleaned_data["withdrawn_on"]),
                },
                _(
                    "From that day no delivery is accepted on any plan of this case, and every page of the case says so."
                ),
                _(
                    "A withdrawal is the family's decision and cannot be undone here: if they ask for support "
                    "again, record their new application."
                ),
            ],
            button=_("Yes, record the withdrawal"),
        )
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request_actor(request),
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The withdrawal is recorded: no delivery is accepted from that day."))
            return redirect("support_case", public_id=consent.case.public_id)
    return _case_page(request, _case(request, consent.case.public_id), 400, withdraw_form=form)


def team_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    form = TeamMemberForm(request.POST, staff=selectors.school_staff(case))
    if form.is_valid():
        try:
            services.team_member_add(
                actor=request_actor(request), case=case, user=form.chosen_member(), role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The colleague is in the support team."))
            return redirect("support_case", public_id=case.public_id)
    return _case_page(request, case, 400, team_form=form)


def team_remove(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    try:
        user_id = UUID(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None
    member = case.team.filter(removed_at__isnull=True, user__public_id=user_id).select_related("user").first()
    if member is None:
        raise Http404
    if not confirmed(request):
        if member.user_id != request.user.pk:
            require_steward(request.user, case)
        name = member.user.get_full_name() or member.user.get_username()
        return confirm_page(
            request,
            case,
            title=_("Take %(name)s off the support team?") % {"name": name},
            consequences=[
                _("%(name)s (%(role)s) leaves the team from now; the case's history keeps their work.")
                % {"name": name, "role": member.get_role_display()},
                _("They can be added to the team again at any time."),
            ],
            button=_("Yes, take them off the team"),
        )
    try:
        services.team_member_remove(actor=request_actor(request), member=member)
    except ValidationError as error:
        flash(request, _("The team was not changed:"), error)
    else:
        messages.success(request, _("The colleague has left the support team."))
    return redirect("support_case", public_id=case.public_id)


def contact_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    may_sensitive = may(request, case, Perm.VIEW_SENSITIVE)
    form = ContactForm(request.POST, guardians=list(case.pupil.guardians.all()), may_sensitive=may_sensitive)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_log(
                actor=request_actor(request),
                case=case,
                happened_at=data["happened_at"],
                channel=data["channel"],
                summary=data["summary"],
                guardian=form.chosen_guardian(),
                sensitive=bool(data.get("sensitive")),
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The contact is logged."))
            return redirect("support_case", public_id=case.public_id)
    return _case_page(request, case, 400, contact_form=form)


def case_close(request: HttpRequest, public_id: UUID) -> HttpResponse:
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    form = CaseCloseForm(request.POST)
    if form.is_valid() and not confirmed(request):
        require_steward(request.user, case)
        return confirm_page(
            request,
            case,
            title=_("Close the support case?"),
            consequences=[
                _("Reason: %(reason)s.") % {"reason": CloseReason(form.cleaned_data["reason"]).label},
                _("Plans still in preparation or approval are closed with the case."),
                _("The case lead or the school coordinator can reopen it later with a reason."),
            ],
            button=_("Yes, close the case"),
        )
    if form.is_valid():
        try:
            services.case_close(actor=request_actor(request), case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The case is closed."))
            return redirect("support_case", public_id=case.public_id)
    return _case_page(request, case, 400, close_form=form)


def case_reopen(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Reopen a closed case with a reason (the case lead or the school coordinator)."""
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    form = CaseReopenForm(request.POST)
    if form.is_valid():
        try:
            services.case_reopen(actor=request_actor(request), case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The case is open again."))
            return redirect("support_case", public_id=case.public_id)
    return _case_page(request, case, 400, reopen_form=form)


def plan_start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """ "Plan for this semester": a draft for the semester under way (or the next, in a holiday)."""
    case = _case(request, public_id)
    if refused := not_post(request):
        return refused
    period = planning_semester_on(timezone.localdate())
    if period is None:
        messages.error(
            request, _("The calendar does not hold the semester to plan for yet; a plan needs one (see the case page).")
        )
        return redirect("support_case", public_id=case.public_id)
    try:
        plan = plan_create(actor=request_actor(request), case=case, period=period)
    except ValidationError as error:
        flash(request, _("The plan was not started:"), error)
        return redirect("support_case", public_id=case.public_id)
    messages.success(request, _("The draft plan is started; fill in its goals and measures."))
    return redirect("support_plan_edit", public_id=plan.public_id)


__all__ = [
    "case_close",
    "case_detail",
    "case_list",
    "case_open",
    "case_reopen",
    "consent_add",
    "consent_withdraw",
    "contact_add",
    "plan_start",
    "team_add",
    "team_remove",
]
