"""Reads for the support pages: lists in one query each, the plan's planned-vs-delivered table
in two, the approval chain's state. Everything starts from ``support.scope`` (out of scope is
simply absent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Enrolment, RoleGrant, User
from pumpurs.risk.models import Assessment
from pumpurs.support.consent import consent_active
from pumpurs.support.delivery import is_confirmation_late
from pumpurs.support.models import (
    ApprovalStep,
    Case,
    Consent,
    ContactEntry,
    Delivery,
    Plan,
    PlanMeasure,
    PlanStatus,
    PlanTransition,
    TeamMember,
)
from pumpurs.support.plans import AWAITING, chain_for, delivered_by_line, pending_step
from pumpurs.support.scope import (
    APPROVAL_PERMS,
    cases_visible_to,
    contacts_within,
    plans_visible_to,
    plans_within,
    waiting_at,
)

# --- Lists -----------------------------------------------------------------------------------------


def case_list(user: Viewer, *, status: str = "") -> QuerySet[Case]:
    """The cases the user may see (a class teacher: their pupils'; a school role: the school's),
    with the newest plan's status, in one query."""
    newest = Plan.objects.filter(case=OuterRef("pk"), amends__isnull=True).order_by("-period__starts_on", "-created_at")
    cases = cases_visible_to(user).select_related("pupil", "institution")
    if status:
        cases = cases.filter(status=status)
    return cases.annotate(
        plan_status=Subquery(newest.values("status")[:1]),
        plan_public_id=Subquery(newest.values("public_id")[:1]),
    ).order_by("status", "-opened_at")


def approvals_for(user: User) -> QuerySet[Plan]:
    """Plans waiting for a step the user may approve, minus the ones they prepared or submitted —
    one query (the director: the school's submitted plans; the municipality: the director-approved
    plans of its schools; the national team: what waits for the national step)."""
    # Every chain a waiting plan carries: a plan keeps the chain it was submitted with, even if
    # the settings changed since.
    chains = set(Plan.objects.filter(status__in=AWAITING).exclude(chain="").values_list("chain", flat=True).distinct())
    q = Q(pk__in=[])
    for step, perm in APPROVAL_PERMS.items():
        schools = access.institutions_visible_to(user, perm)
        q |= waiting_at(step, chains) & Q(case__institution__in=schools)
    return (
        plans_visible_to(user)
        .filter(q)
        .exclude(prepared_by=user)
        .exclude(submitted_by=user)
        .select_related("case__pupil", "case__institution", "period__school_year")
        .order_by("updated_at")
    )


def may_approve_any(user: Viewer) -> bool:
    return any(access.has_perm(user, perm) for perm in APPROVAL_PERMS.values())


def school_staff(case: Case) -> list[User]:
    """Staff of the case's school (``access.staff_of``), by name: the team, providers and
    specialists are chosen from here. Each carries ``jobs_here``, their roles at that school, so
    that a picker can say who is the psychologist and who the class teacher (issue 13)."""
    here = RoleGrant.objects.filter(institution_id=case.institution_id).order_by("role", "specialist_kind")
    return list(
        access.staff_of(case.institution_id)
        .order_by("last_name", "first_name")
        .prefetch_related(Prefetch("role_grants", queryset=here, to_attr="jobs_here"))
    )


# --- The case page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    consents: list[Consent]
    active: Consent | None
    withdrawn: Consent | None  # the latest withdrawal when no consent covers today


def consent_state(case: Case, *, until: dt.datetime | None = None) -> ConsentState:
    """The case's consents; with ``until`` (a former school's history) those recorded before it."""
    recorded = case.consents.all() if until is None else case.consents.filter(recorded_at__lt=until)
    consents = list(recorded.select_related("guardian", "recorded_by", "withdrawal_recorded_by"))
    active = consent_active(case, timezone.localdate())
    withdrawn = None
    if active is None:
        gone = [c for c in consents if c.withdrawn_on is not None]
        withdrawn = max(gone, key=lambda c: c.withdrawn_on or dt.date.min) if gone else None
    return ConsentState(consents, active, withdrawn)


@dataclass(frozen=True)
class ContactRow:
    entry: ContactEntry
    restricted: bool  # sensitive and the reader may not see it: shown as "restricted note"


def team_of(case: Case) -> list[TeamMember]:
    return list(case.team.filter(removed_at__isnull=True).select_related("user"))


def contacts_of(case: Case, *, may_sensitive: bool, until: dt.datetime | None = None) -> list[ContactRow]:
    entries = contacts_within(case.contacts.all(), until).select_related("guardian", "recorded_by")
    return [ContactRow(e, e.sensitive and not may_sensitive) for e in entries]


def plans_of(case: Case, *, until: dt.datetime | None = None) -> list[Plan]:
    """The case's semester plans (an amendment is reached from the plan it amends); a former
    school sees only those made before it handed the case over (``until``)."""
    plans = plans_within(case.plans.filter(amends__isnull=True), until)
    return list(plans.select_related("period__school_year").order_by("-period__starts_on"))


# --- The plan page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    line: PlanMeasure
    delivered_quantity: Decimal
    delivered_amount: Decimal
    remaining: Decimal


def plan_lines(plan: Plan) -> list[LineRow]:
    """Planned against delivered per measure line (two queries)."""
    done = delivered_by_line(plan)
    rows = []
    for line in plan.measures.select_related("measure", "provider"):
        quantity, amount = done.get(line.pk, (Decimal(0), Decimal(0)))
        rows.append(LineRow(line, quantity, amount, line.planned_quantity - quantity))
    return rows


@dataclass(frozen=True)
class RiskRow:
    risk: Any  # PlanRisk
    restricted: bool  # from a sensitive questionnaire item and the reader may not see such items


def plan_risks(plan: Plan, *, may_sensitive: bool) -> list[RiskRow]:
    """The plan's risks; one in a family or health group, or taken from a sensitive item of the
    questionnaire, is shown only to readers with the sensitive-data permission (the director and
    the municipality see its group, not its text)."""
    risks = plan.risks.select_related("item")
    return [RiskRow(r, r.is_sensitive and not may_sensitive) for r in risks]


@dataclass(frozen=True)
class StepRow:
    step: str
    label: str
    state: str  # "done", "pending", "to_come"
    transition: PlanTransition | None


def chain_state(plan: Plan, transitions: list[PlanTransition]) -> list[StepRow]:
    """Each approval step: done (by whom, when — since the last submission), pending, or to come."""
    steps = plan.chain_steps or chain_for(plan.case)
    submitted = [t for t in transitions if t.action == PlanTransition.Action.SUBMITTED]
    since = submitted[-1] if submitted else None
    approvals: dict[str, PlanTransition] = {}
    if since is not None and plan.status != PlanStatus.DRAFT:
        for t in transitions:
            if t.action == PlanTransition.Action.APPROVED and (t.at, t.pk) >= (since.at, since.pk):
                approvals[t.step] = t
    waiting = pending_step(plan)
    rows = []
    for step in steps:
        if step in approvals:
            state = "done"
        elif step == waiting:
            state = "pending"
        else:
            state = "to_come"
        rows.append(StepRow(step, str(ApprovalStep(step).label), state, approvals.get(step)))
    return rows


def transitions_of(plan: Plan) -> list[PlanTransition]:
    return list(plan.transitions.select_related("actor"))


def change_request(plan: Plan, transitions: list[PlanTransition] | None = None) -> PlanTransition | None:
    """Why a draft is a draft again: the approver's return (or the amendment) with its comment,
    shown where the preparer starts editing."""
    if plan.status != PlanStatus.DRAFT:
        return None
    rows = transitions if transitions is not None else transitions_of(plan)
    last = rows[-1] if rows else None
    if last is not None and last.action in (PlanTransition.Action.RETURNED, PlanTransition.Action.AMENDED):
        return last
    return None


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    late: bool  # a remote consultation confirmed late, or still unconfirmed past its deadline
    awaiting: bool  # a remote consultation not yet confirmed (a voided one awaits nothing)


def deliveries_of(plan: Plan) -> list[DeliveryRow]:
    """Every delivery of the plan, voided ones included (shown struck through, not counted)."""
    deliveries = Delivery.objects.filter(line__plan=plan).select_related("line__measure", "specialist", "voided_by")
    today = timezone.localdate()
    return [
        DeliveryRow(d, is_confirmation_late(d, today), d.is_remote and d.confirmed_at is None and not d.is_voided)
        for d in deliveries
    ]


def approved_at(plan: Plan) -> dt.datetime | None:
    last = plan.transitions.filter(action=PlanTransition.Action.APPROVED).order_by("-at").first()
    return last.at if last else None


def review_assessments(plan: Plan) -> list[Assessment]:
    """The pupil's questionnaires submitted after the plan was approved (the review needs one)."""
    since = approved_at(plan) or plan.created_at
    return list(
        Assessment.objects.filter(
            pupil_id=plan.case.pupil_id, status=Assessment.Status.SUBMITTED, submitted_at__gte=since
        ).order_by("-submitted_at")
    )


__all__ = [
    "ConsentState",
    "ContactRow",
    "DeliveryRow",
    "LineRow",
    "RiskRow",
    "StepRow",
    "SupportLink",
    "approvals_for",
    "case_list",
    "chain_state",
    "consent_state",
    "contacts_of",
    "deliveries_of",
    "may_approve_any",
    "plan_lines",
    "plan_risks",
    "plans_of",
    "pupil_support_link",
    "review_assessments",
    "school_staff",
    "team_of",
    "transitions_of",
]


@dataclass(frozen=True)
class SupportLink:
    case: Case | None  # the open case, if any, when the reader's school runs it (or ran it)
    may_open: bool
    elsewhere: bool = False  # an open case another school runs (decision 0020): not the reader's


def pupil_support_link(user: Viewer, *, pupil: Any) -> SupportLink | None:
    """For the pupil's profile and risk picture: their open case and whether ``user`` may open
    one; None when ``user`` may not see the pupil's support at all."""
    if not access.can_see_pupil(user, pupil, Perm.VIEW_SUPPORT):
        return None
    open_case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN)
    case = cases_visible_to(user).filter(pk__in=open_case.values("pk")).first()
    if case is None and open_case.exists():
        return SupportLink(None, may_open=False, elsewhere=True)
    return SupportLink(case, case is None and _may_open(user, pupil))


def _may_open(user: Viewer, pupil: Any) -> bool:
    """As ``case_open`` decides: the pupil's school today is one where ``user`` runs cases."""
    if not access.can_see_pupil(user, pupil, Perm.MANAGE_CASES):
        return False
    today = timezone.localdate()
    in_force = Enrolment.objects.filter(pupil=pupil, starts_on__lte=today).exclude(ends_on__lt=today)
    school = in_force.order_by("-starts_on").values_list("institution_id", flat=True).first()
    return school is not None and access.institutions_visible_to(user, Perm.MANAGE_CASES).filter(pk=school).exists()
