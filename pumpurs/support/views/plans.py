"""The plan page (approval chain, history, planned vs delivered), the draft editor with its
version check, the state transitions and the approvals inbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.core.refusal import form_key, refusal_keep
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.registry import plan_line_materials_setter
from pumpurs.support import plans as services
from pumpurs.support import seen, selectors
from pumpurs.support.catalogue import measures_in_force
from pumpurs.support.forms import CompensationForm, ConsultationForm, PlanEditor, TransitionForm
from pumpurs.support.guards import plan_panels
from pumpurs.support.models import ApprovalStep, Plan, PlanMeasure, Review
from pumpurs.support.plans import PlanAction
from pumpurs.support.scope import case_checks_remembered, cases_visible_to, history_until, plans_visible_to
from pumpurs.support.views.common import attach, flash, form_problems, may, not_post, record


def get_plan(request: HttpRequest, public_id: UUID) -> Plan:
    return get_object_or_404(
        plans_visible_to(request.user).select_related(
            "case__pupil", "case__institution", "period__school_year", "prepared_by", "submitted_by", "amends"
        ),
        public_id=public_id,
    )


def plan_page(request: HttpRequest, plan: Plan, status: int = 200, **forms: Any) -> HttpResponse:
    """The plan page; the delivery forms come bound when a refusal is shown on them. What the
    user may do is the services' answer (``plan_actions_for``): the page shows it, nothing more."""
    case = plan.case
    record(request, case, plan)
    until = history_until(request.user, case)  # a former school reads the plan as it stood then
    actions = services.plan_actions_for(request.user, plan)
    transitions = selectors.transitions_of(plan)
    lines = selectors.plan_lines(plan)
    may_deliver = PlanAction.DELIVER in actions
    consultations = [r.line for r in lines if r.line.measure.is_consultation]
    others = [r.line for r in lines if not r.line.measure.is_consultation]
    staff = selectors.school_staff(case) if may_deliver and consultations else []
    changes = None
    if PlanAction.APPROVE in actions or PlanAction.RETURN in actions:
        # An approver sees what changed since they last saw the plan, then this sight is
        # remembered (decision 0034).
        changes = seen.changes_for(request.user, plan)
        seen.plan_seen_record(user=request.user, plan=plan, now=timezone.now())
    context = {
        "changes": changes,
        "plan": plan,
        "case": case,
        "pupil": case.pupil,
        "consent": selectors.consent_state(case, until=until),
        "chain": selectors.chain_state(plan, transitions),
        "transitions": transitions,
        "change_request": selectors.change_request(plan, transitions),
        "review": Review.objects.filter(plan=plan).first(),
        "lines": lines,
        "risks": selectors.plan_risks(plan, may_sensitive=may(request, case, Perm.VIEW_SENSITIVE)),
        "deliveries": [d for d in selectors.deliveries_of(plan) if until is None or d.delivery.recorded_at < until],
        "actions": actions,
        "open_change": None if plan.amends_id else services.open_amendment_of(plan),
        "consultation_form": (
            forms.get("consultation_form") or ConsultationForm(lines=consultations, staff=staff, author=request.user)
        )
        if may_deliver and consultations
        else None,
        "compensation_form": (forms.get("compensation_form") or CompensationForm(lines=others))
        if may_deliver and others
        else None,
        # The national team reads a plan waiting at its step, not the case behind it (break-the-glass,
        # decision 0041): the breadcrumb names the case without a link that would answer 404.
        "case_unreadable": not cases_visible_to(request.user).filter(pk=case.pk).exists(),
        "plan_panels": plan_panels(),  # e.g. finance's costs and remaining budget (support/guards.py)
        "may_link_materials": may_link_materials(actions),
    }
    return render(request, "support/plan_detail.html", context, status=status)


def may_link_materials(actions: services.PlanActions) -> bool:
    """Who may name the materials a line used: whoever may edit the plan or deliver on it."""
    return PlanAction.EDIT in actions.permitted or PlanAction.DELIVER in actions


def plan_materials(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A line names the materials of the library it used (issue 16). The link is kept by the app
    that keeps the library, through ``people.registry`` (decision 0027); nothing registered: 404."""
    plan = get_plan(request, public_id)
    if refused := not_post(request):
        return refused
    setter = plan_line_materials_setter()
    if setter is None or not may_link_materials(services.plan_actions_for(request.user, plan)):
        raise Http404
    try:
        line = plan.measures.select_related("plan__case").get(public_id=UUID(request.POST.get("line", "")))
    except (ValueError, PlanMeasure.DoesNotExist):
        raise Http404 from None
    try:
        setter(request_actor(request), line, request.POST.getlist("materials"), timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The materials used are saved."))
    return redirect("support_plan", public_id=plan.public_id)


@require_GET
def plan_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # A page that reads: its repeated scope checks are asked once (decision 0047). The page's
    # trail event and an approver's "seen" mark are written, but no grant or case owner changes.
    with case_checks_remembered():
        return plan_page(request, get_plan(request, public_id))


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The draft's contact person, risks, goals and measures. The version loaded travels in the
    form: when someone saved in between, nothing is written and the user's input stays on screen
    with the conflict message."""
    plan = get_plan(request, public_id)
    actions = services.plan_actions_for(request.user, plan)
    if PlanAction.EDIT not in actions.permitted:
        raise Http404
    if PlanAction.EDIT not in actions:
        messages.error(
            request, _("Only a draft can be edited; this plan is “%(status)s”.") % {"status": plan.get_status_display()}
        )
        return redirect("support_plan", public_id=plan.public_id)
    measures = list(measures_in_force(plan.period.starts_on).order_by("category", "name"))
    staff = selectors.school_staff(plan.case)
    editor = PlanEditor(request.POST or None, plan=plan, measures=measures, staff=staff)
    status, conflict = 200, False
    if request.method == "POST":
        if editor.is_valid():
            try:
                services.plan_save(
                    actor=request_actor(request),
                    plan=plan,
                    expected_version=editor.header.cleaned_data["version"],
                    contact_person=editor.header.cleaned_data["contact_person"],
                    risks=editor.risk_inputs(),
                    goals=editor.goal_inputs(),
                    measures=editor.measure_inputs(),
                )
            except ValidationError as error:
                conflict = isinstance(error, services.PlanConflict)
                attach(editor.header, error)
            else:
                messages.success(request, _("The plan is saved."))
                return redirect("support_plan", public_id=plan.public_id)
        status = 409 if conflict else 400
    else:
        record(request, plan.case, plan)
    context = {"plan": plan, "case": plan.case, "pupil": plan.case.pupil, "editor": editor, "conflict": conflict}
    context["consent"] = selectors.consent_state(plan.case)
    context["change_request"] = selectors.change_request(plan)
    return render(request, "support/plan_edit.html", context, status=status)


_DONE = {
    TransitionForm.SUBMIT: gettext_lazy("The plan is submitted for approval."),
    TransitionForm.APPROVE: gettext_lazy("The plan is approved."),
    TransitionForm.RETURN: gettext_lazy("The plan is returned to its preparer with your comment."),
    TransitionForm.AMEND: gettext_lazy(
        "A change is drafted: make it and submit it for approval. The approved plan stays in force meanwhile."
    ),
    TransitionForm.WITHDRAW: gettext_lazy("The change is dropped; the approved plan stays as it is."),
    TransitionForm.REVIEW: gettext_lazy(
        "The review has started. Deliveries of the semester can still be recorded until the review is done."
    ),
}


def plan_transition(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Submit, approve, return, amend or start the review — each through its service, which
    checks who may do it (a refusal of what the user may not do is a 403)."""
    plan = get_plan(request, public_id)
    if refused := not_post(request):
        return refused
    form = TransitionForm(request.POST)
    # A refusal goes back to the plan page with the comment as typed (core/refusal.py).
    back, kept = (
        reverse("support_plan", args=[plan.public_id]),
        form_key(request.POST.get("action", ""), plan.public_id),
    )
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": form_problems(form)})
        refusal_keep(request, form=kept, fields=["comment"], errors=[form_problems(form)], back=back)
        return redirect(back)
    action, version, comment = (form.cleaned_data[k] for k in ("action", "version", "comment"))
    try:
        result = services.plan_transition(
            actor=request_actor(request), plan=plan, action=action, expected_version=version, comment=comment
        )
    except ValidationError as error:
        flash(request, _("Nothing was changed:"), error)
        refusal_keep(request, form=kept, fields=["comment"], errors=error.messages, back=back)
        return redirect(back)
    messages.success(request, str(_DONE[action]))
    if action == TransitionForm.AMEND:
        return redirect("support_plan_edit", public_id=result.public_id)  # the amendment
    if action == TransitionForm.WITHDRAW and plan.amends is not None:
        return redirect("support_plan", public_id=plan.amends.public_id)
    if action == TransitionForm.REVIEW:
        return redirect("support_review", public_id=plan.public_id)
    return redirect("support_plan", public_id=plan.public_id)


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    if not selectors.may_approve_any(request.user):
        raise Http404
    plans = list(selectors.approvals_for(request_actor(request)))
    # The step's label (“director”, in the user's language), not its stored code.
    steps = [services.pending_step(plan) for plan in plans]
    rows = [(plan, ApprovalStep(step) if step else None) for plan, step in zip(plans, steps, strict=True)]
    return render(request, "support/approvals.html", {"rows": rows})


__all__ = ["approvals", "get_plan", "plan_detail", "plan_edit", "plan_page", "plan_transition"]
