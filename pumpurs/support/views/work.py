"""Delivery against an active plan (consultations, compensations and items; the pupil's
confirmation of a remote consultation) and the semester review."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pumpurs.core.refusal import form_key, refusal_keep
from pumpurs.people.actors import request_actor
from pumpurs.support import delivery as services
from pumpurs.support import selectors
from pumpurs.support.forms import CompensationForm, ConsultationForm, ReviewForm
from pumpurs.support.plans import PlanAction, plan_actions_for
from pumpurs.support.reviews import review_submit
from pumpurs.support.scope import deliveries_visible_to
from pumpurs.support.views.common import attach, flash, not_post, record
from pumpurs.support.views.plans import get_plan, plan_page


def consultation_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = get_plan(request, public_id)
    if refused := not_post(request):
        return refused
    lines = [line for line in plan.measures.select_related("measure") if line.measure.is_consultation]
    form = ConsultationForm(request.POST, request.FILES, lines=lines, staff=selectors.school_staff(plan.case))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.consultation_record(
                actor=request_actor(request),
                plan=plan,
                measure=form.chosen().measure,
                held_on=data["held_on"],
                minutes=data["minutes"],
                specialist=form.chosen_specialist(),
                mode=data["mode"],
                topic=data["topic"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The consultation is recorded."))
            return redirect("support_plan", public_id=plan.public_id)
    return plan_page(request, plan, 400, consultation_form=form)


def compensation_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = get_plan(request, public_id)
    if refused := not_post(request):
        return refused
    lines = [line for line in plan.measures.select_related("measure") if not line.measure.is_consultation]
    form = CompensationForm(request.POST, request.FILES, lines=lines)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.compensation_record(
                actor=request_actor(request),
                plan=plan,
                measure=form.chosen().measure,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                quantity=data["quantity"],
                amount=data["amount"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            attach(form, error)
        else:
            messages.success(request, _("The delivery is recorded."))
            return redirect("support_plan", public_id=plan.public_id)
    return plan_page(request, plan, 400, compensation_form=form)


def delivery_confirm(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The pupil's confirmation of a remote consultation, as told to the school."""
    delivery = get_object_or_404(
        deliveries_visible_to(request.user).select_related("line__plan__case"), public_id=public_id
    )
    if refused := not_post(request):
        return refused
    try:
        services.consultation_confirm(actor=request_actor(request), delivery=delivery)
    except ValidationError as error:
        flash(request, _("Not confirmed:"), error)
    else:
        messages.success(request, _("The pupil's confirmation is recorded."))
    return redirect("support_plan", public_id=delivery.line.plan.public_id)


def delivery_void(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Void a delivery entered by mistake, with the reason; it stays listed, no longer counted."""
    delivery = get_object_or_404(
        deliveries_visible_to(request.user).select_related("line__plan__case"), public_id=public_id
    )
    if refused := not_post(request):
        return refused
    back = reverse("support_plan", args=[delivery.line.plan.public_id])
    try:
        services.delivery_void(actor=request_actor(request), delivery=delivery, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        flash(request, _("Not voided:"), error)
        # The reason typed comes back in its field on the plan page (core/refusal.py).
        refusal_keep(
            request, form=form_key("void", delivery.public_id), fields=["reason"], errors=error.messages, back=back
        )
    else:
        messages.success(request, _("The delivery is voided; it no longer counts against the plan."))
    return redirect(back)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The semester review: every goal and measure judged, the new questionnaire, the decision.
    Continue or change lead to the next semester's pre-filled draft."""
    plan = get_plan(request, public_id)
    actions = plan_actions_for(request.user, plan)
    if PlanAction.REVIEW not in actions.permitted:
        raise Http404
    if PlanAction.REVIEW not in actions:
        messages.error(request, _("Only an active plan is reviewed."))
        return redirect("support_plan", public_id=plan.public_id)
    assessments = selectors.review_assessments(plan)
    form = ReviewForm(
        request.POST or None,
        initial={"version": plan.version, "assessment": str(assessments[0].public_id) if assessments else ""},
        goals=list(plan.goals.all()),
        lines=list(plan.measures.select_related("measure")),
        assessments=assessments,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = review_submit(
                actor=request_actor(request),
                plan=plan,
                goal_outcomes=form.goal_outcomes(),
                measure_usefulness=form.measure_usefulness(),
                assessment=form.chosen_assessment(),
                decision=data["decision"],
                close_reason=data["close_reason"],
                summary=data["summary"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            attach(form, error)
        else:
            if done.next_plan is not None:
                messages.success(request, _("The review is recorded. Here is next semester's draft, pre-filled."))
                return redirect("support_plan_edit", public_id=done.next_plan.public_id)
            messages.success(request, _("The review is recorded and the case is closed."))
            return redirect("support_case", public_id=plan.case.public_id)
    if request.method == "GET":
        record(request, plan.case, plan)
    context = {"plan": plan, "case": plan.case, "pupil": plan.case.pupil, "form": form, "assessments": assessments}
    return render(request, "support/review.html", context, status=400 if request.method == "POST" else 200)
