"""Support pages about one pupil: the timeline, the printable plan for the family and the
low-income statuses. Parse, fetch through access (out of scope answers 404), call a service,
render. Every read of a pupil's record is written to the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.audit.services import record_view
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.models import Enrolment
from pumpurs.people.staff import phone_text
from pumpurs.risk.models import RiskGroup
from pumpurs.support.catalogue import low_income_status_record
from pumpurs.support.catalogue_forms import LowIncomeForm, add_service_errors
from pumpurs.support.consent import consent_active
from pumpurs.support.models import Consent, LowIncomeStatus, Plan, PlanStatus, TeamMember
from pumpurs.support.scope import plans_visible_to
from pumpurs.support.timeline import clamp_limit, plan_url, pupil_timeline


@require_GET
def timeline(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = get_object_or_404(access.pupils_visible_to(request.user), public_id=public_id)
    record_view(actor=request_actor(request), pupil_id=pupil.pk, target=pupil, ip_address=client_address(request))
    result = pupil_timeline(request.user, pupil=pupil, limit=clamp_limit(request.GET.get("show")))
    may_record_low_income = access.can_see_pupil(request.user, pupil, Perm.RECORD_LOW_INCOME)
    context = {"timeline": result, "pupil": pupil, "may_record_low_income": may_record_low_income}
    return render(request, "support/timeline.html", context)


@dataclass(frozen=True)
class FamilyPlan:
    """What the family's copy says, already in plain words."""

    plan: Plan
    school: str
    class_name: str
    reasons: list[str]
    consent: Consent | None
    withdrawn: Consent | None
    is_draft: bool
    contact_email: str  # the e-mail of the staff member named as the contact, else the case lead's
    contact_phone: str  # their work phone, as written for people ("" when they gave none)


def _contact(plan: Plan) -> Any:
    """The family needs a way to reach the contact, not only a name: the e-mail of the team member
    or provider whose name the plan gives as the contact, else the case lead's (issue 13)."""
    team = [m for m in plan.case.team.filter(removed_at__isnull=True).select_related("user").order_by("pk")]
    people = [m.user for m in team] + [line.provider for line in plan.measures.all() if line.provider is not None]
    named = next((u for u in people if u.get_full_name() and u.get_full_name() in plan.contact_person), None)
    lead = next((m.user for m in team if m.role == TeamMember.Role.LEAD), None)
    return named or lead


def _family_plan(plan: Plan) -> FamilyPlan:
    today = timezone.localdate()
    reasons: list[str] = []
    for risk in plan.risks.select_related("item"):
        # str(): the label is lazy and must be rendered now, in the family's language.
        # The family's copy names only the group of a sensitive risk, never the detail (DESIGN §7).
        text = capfirst(str(RiskGroup(risk.group).label)) if risk.is_sensitive else risk.description
        if text not in reasons:
            reasons.append(text)
    enrolment = (
        Enrolment.objects.filter(pupil_id=plan.case.pupil_id, institution_id=plan.case.institution_id)
        .select_related("class_group")
        .order_by("-starts_on")
        .first()
    )
    consents = list(plan.case.consents.select_related("guardian"))
    contact = _contact(plan)
    return FamilyPlan(
        plan=plan,
        school=plan.case.institution.name,
        class_name=enrolment.class_group.name if enrolment else "",
        reasons=reasons,
        consent=consent_active(plan.case_id, today),
        withdrawn=next((c for c in consents if c.withdrawn_on is not None and c.withdrawn_on <= today), None),
        is_draft=plan.status == PlanStatus.DRAFT,
        contact_email=contact.email if contact is not None else "",
        contact_phone=phone_text(contact.phone) if contact is not None else "",
    )


@require_GET
def plan_print(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The plan for the family, always in Latvian; a draft carries a "draft" watermark."""
    plan = get_object_or_404(
        plans_visible_to(request.user, Perm.VIEW_SUPPORT).select_related(
            "case__pupil", "case__institution", "period__school_year"
        ),
        public_id=public_id,
    )
    record_view(
        actor=request_actor(request), pupil_id=plan.case.pupil_id, target=plan, ip_address=client_address(request)
    )
    lines = plan.measures.select_related("measure", "provider")
    # The context too is built in Latvian: _family_plan renders the risk groups' labels.
    with translation.override("lv"):
        context = {
            "family": _family_plan(plan),
            "plan": plan,
            "pupil": plan.case.pupil,
            "goals": list(plan.goals.all()),
            "lines": list(lines),
            "plan_url": plan_url(plan),
        }
        return render(request, "support/family_plan.html", context)


@require_http_methods(["GET", "POST"])
def low_income(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = get_object_or_404(access.pupils_visible_to(request.user, Perm.RECORD_LOW_INCOME), public_id=public_id)
    form = LowIncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            low_income_status_record(actor=request_actor(request), pupil=pupil, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The low-income status is recorded."))
            return redirect("support_pupil:low_income", public_id=pupil.public_id)
    record_view(actor=request_actor(request), pupil_id=pupil.pk, target=pupil, ip_address=client_address(request))
    statuses = LowIncomeStatus.objects.filter(pupil=pupil).select_related("recorded_by")
    context = {"pupil": pupil, "form": form, "statuses": list(statuses), "today": timezone.localdate()}
    status = 400 if request.method == "POST" else 200  # a refusal: the form comes back as typed
    return render(request, "support/family_low_income.html", context, status=status)
