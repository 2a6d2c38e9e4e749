"""Pages of the youth initiative calls. Each view fetches through ``scope`` (404 outside it),
parses a form and calls one service; refusals show on the form with their numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.youth import forms as f
from pumpurs.youth import scope, services
from pumpurs.youth.models import Application, ApplicationStatus, Call, CallStatus, ProjectReport, ReportStatus
from pumpurs.youth.money import cents_of
from pumpurs.youth.selectors import application_counts, call_money, national_totals, ranked_applications


def _call(request: HttpRequest, public_id: UUID) -> Call:
    return get_object_or_404(scope.calls_visible_to(request.user).select_related("municipality"), public_id=public_id)


def _application(request: HttpRequest, public_id: UUID) -> Application:
    return get_object_or_404(
        scope.applications_visible_to(request.user).select_related("call__municipality"), public_id=public_id
    )


def _try(form: Any, action: Callable[[], Any]) -> bool:
    """Runs a service; a refusal lands on ``form``. True when it went through."""
    try:
        action()
    except ValidationError as error:
        f.add_service_errors(form, error)
        return False
    return True


@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    if not scope.may_see_any_call(request.user):
        raise Http404
    visible = scope.calls_visible_to(request.user).select_related("municipality")
    counts = application_counts(visible)
    return render(
        request,
        "youth/calls.html",
        {
            "calls": visible,
            "counts": counts,
            "totals": national_totals(counts),
            "may_open": scope.may_open_calls(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    if not scope.may_open_calls(request.user):
        raise Http404
    actor = request_actor(request)
    form = f.CallForm(
        request.POST or None,
        municipalities=access.municipalities_visible_to(actor, Perm.MANAGE_YOUTH),
        national=access.is_national(actor, Perm.MANAGE_YOUTH),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result: list[Call] = []
        if _try(
            form,
            lambda: result.append(
                services.call_create(
                    actor=actor,
                    municipality=d["municipality"],
                    title=d["title"],
                    opens_on=d["opens_on"],
                    closes_on=d["closes_on"],
                    total_cents=cents_of(d["total"]),
                    max_per_project_cents=cents_of(d["max_per_project"]),
                    eligibility=d["eligibility"],
                    criteria=form.criteria(),
                    now=timezone.now(),
                )
            ),
        ):
            messages.success(request, _("The call is saved as a draft. Name its evaluators and open it."))
            return redirect("youth:call", result[0].public_id)
    return render(request, "youth/call_form.html", {"form": form})


@require_GET
def call_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    call = _call(request, public_id)
    manages = scope.may_manage(request.user, call)
    evaluators = list(call.evaluators.order_by("last_name"))
    return render(
        request,
        "youth/call_detail.html",
        {
            "call": call,
            "criteria": call.criteria.all(),
            "money": call_money(call),
            "ranked": ranked_applications(call),
            "evaluators": evaluators,
            "manages": manages,
            "evaluators_form": f.EvaluatorsForm(
                initial={"evaluators": evaluators}, candidates=scope.evaluator_candidates(call)
            )
            if manages and call.status in (CallStatus.DRAFT, CallStatus.OPEN)
            else None,
        },
    )


_CALL_ACTIONS = {
    "open": (services.call_open, gettext_lazy("The call is open: enter the applications as they come.")),
    "evaluate": (services.call_start_evaluation, gettext_lazy("The evaluation has started.")),
    "close": (services.call_close, gettext_lazy("The call is closed.")),
}


@require_POST
def call_action(request: HttpRequest, public_id: UUID, action: str) -> HttpResponse:
    call = _call(request, public_id)
    if action not in _CALL_ACTIONS:
        raise Http404
    service, done = _CALL_ACTIONS[action]
    try:
        service(actor=request_actor(request), call=call, now=timezone.now())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, str(done))
    return redirect("youth:call", call.public_id)


@require_POST
def call_evaluators(request: HttpRequest, public_id: UUID) -> HttpResponse:
    call = _call(request, public_id)
    form = f.EvaluatorsForm(request.POST, candidates=scope.evaluator_candidates(call))
    if form.is_valid():
        try:
            services.call_evaluators_set(
                actor=request_actor(request),
                call=call,
                evaluators=list(form.cleaned_data["evaluators"]),
                now=timezone.now(),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The evaluators are saved."))
    else:
        messages.error(request, _("Choose the evaluators."))
    return redirect("youth:call", call.public_id)


@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    call = _call(request, public_id)
    if not scope.may_manage(request.user, call):
        raise Http404
    form = f.ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result: list[Application] = []
        if _try(
            form,
            lambda: result.append(
                services.application_enter(
                    actor=request_actor(request), call=call, data=form.data_for_service(), now=timezone.now()
                )
            ),
        ):
            messages.success(request, _("Application no. %(n)d is entered.") % {"n": result[0].number})
            return redirect("youth:application", result[0].public_id)
    return render(request, "youth/application_form.html", {"call": call, "form": form})


def _application_page(request: HttpRequest, application: Application, **forms: Any) -> HttpResponse:
    call = application.call
    user = request_actor(request)
    manages = scope.may_manage(user, call)
    is_evaluator = call.evaluators.filter(pk=user.pk).exists()
    criteria = list(call.criteria.all())
    evaluations = list(application.evaluations.select_related("evaluator").prefetch_related("scores"))
    waiting_for_me = (
        is_evaluator
        and call.status == CallStatus.EVALUATION
        and application.status == ApplicationStatus.SUBMITTED
        and not any(e.evaluator_id == user.pk for e in evaluations)
        and not application.conflicts.filter(evaluator_id=user.pk).exists()
    )
    report = ProjectReport.objects.filter(application=application).first()
    context = {
        "application": application,
        "call": call,
        "lines": application.budget_lines.all(),
        "criteria": criteria,
        "evaluations": evaluations,
        "conflicts": application.conflicts.select_related("evaluator"),
        "manages": manages,
        "score_form": forms.get("score_form") or (f.ScoreForm(criteria=criteria) if waiting_for_me else None),
        "conflict_form": forms.get("conflict_form") or (f.ConflictForm() if waiting_for_me else None),
        "decision_form": forms.get("decision_form")
        or (
            f.DecisionForm(initial={"awarded": application.requested_cents / 100})
            if manages and call.status == CallStatus.EVALUATION and application.status == ApplicationStatus.SUBMITTED
            else None
        ),
        "report": report,
        "expenses": report.expense_lines.all() if report else [],
        "report_returned": (application.awarded_cents or 0) - report.spent_cents if report else None,
        "may_report": manages
        and application.status == ApplicationStatus.APPROVED
        and report is None
        and timezone.localdate() >= application.ends_on,
        "may_approve_report": report is not None
        and report.status == ReportStatus.SUBMITTED
        and report.entered_by_id != request.user.pk
        and scope.may_approve_reports(request.user, call),
        "entered_it": report is not None and report.entered_by_id == request.user.pk,
    }
    status = 400 if any(form is not None and form.errors for form in forms.values()) else 200
    return render(request, "youth/application_detail.html", context, status=status)


@require_GET
def application_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _application_page(request, _application(request, public_id))


@require_POST
def application_score(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    form = f.ScoreForm(request.POST, criteria=list(application.call.criteria.all()))
    if form.is_valid() and _try(
        form,
        lambda: services.evaluation_submit(
            actor=request_actor(request),
            application=application,
            scores=form.scores(),
            no_conflict=form.cleaned_data["no_conflict"],
            comment=form.cleaned_data["comment"],
            now=timezone.now(),
        ),
    ):
        messages.success(request, _("Your scores are saved."))
        return redirect("youth:application", application.public_id)
    return _application_page(request, application, score_form=form)


@require_POST
def application_conflict(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    form = f.ConflictForm(request.POST)
    if form.is_valid() and _try(
        form,
        lambda: services.conflict_declare(
            actor=request_actor(request),
            application=application,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        ),
    ):
        messages.success(request, _("Your conflict of interest is recorded: you will not score this application."))
        return redirect("youth:application", application.public_id)
    return _application_page(request, application, conflict_form=form)


@require_POST
def application_decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    form = f.DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        awarded = form.cleaned_data["awarded"]
        if _try(
            form,
            lambda: services.application_decide(
                actor=request_actor(request),
                application=application,
                approve=approve,
                awarded_cents=cents_of(awarded) if approve and awarded else None,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            ),
        ):
            messages.success(request, _("The decision is recorded."))
            return redirect("youth:application", application.public_id)
    return _application_page(request, application, decision_form=form)


@require_GET
def award_letter(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    if application.status != ApplicationStatus.APPROVED:
        raise Http404
    return render(request, "youth/award_letter.html", {"application": application, "call": application.call})


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    if not scope.may_manage(request.user, application.call):
        raise Http404
    form = f.ReportForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: services.report_submit(
                actor=request_actor(request),
                application=application,
                participants_reached=form.cleaned_data["participants_reached"],
                activities_done=form.cleaned_data["activities_done"],
                expenses=form.expenses(),
                now=timezone.now(),
            ),
        )
    ):
        messages.success(request, _("The report is entered; approve it when it is checked."))
        return redirect("youth:application", application.public_id)
    return render(request, "youth/report_form.html", {"application": application, "form": form})


@require_POST
def report_approve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application(request, public_id)
    report = get_object_or_404(ProjectReport, application=application)
    try:
        services.report_approve(actor=request_actor(request), report=report, now=timezone.now())
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, PermissionDenied):
            raise
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The report is approved; what was not spent returns to the call."))
    return redirect("youth:application", application.public_id)
