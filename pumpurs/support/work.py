"""What individual support gives people to do ("Mani darbi", people/work.py; decision 0021):
plans to prepare, plans returned for changes, plans waiting for the user's approval, remote
consultations the pupil has not confirmed, and reviews due or overdue. Each kind is one queryset
scoped by ``support.scope`` (and so by ``people.access``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Enrolment, Period
from pumpurs.people.registry import any_perm
from pumpurs.people.work import WorkKind, WorkRow, pupil_name, since_date, work_kind_register
from pumpurs.risk.served import SupportState, support_states_register
from pumpurs.support.models import (
    STATUS_AFTER_STEP,
    ApprovalStep,
    Case,
    Delivery,
    Plan,
    PlanMeasure,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.out_of_school import out_of_school
from pumpurs.support.scope import APPROVAL_PERMS, cases_visible_to, deliveries_visible_to, plans_visible_to
from pumpurs.support.seen import changes_for_page

# --- The plan's cost: an extension point -----------------------------------------------------------

PlanCost = Callable[[], Any]  # an expression giving a plan row its total cost in EUR (or NULL)


def _planned_cost() -> Any:
    lines = PlanMeasure.objects.filter(plan_id=OuterRef("pk")).order_by().values("plan_id")
    return Subquery(lines.annotate(total=Sum("planned_cost")).values("total")[:1], output_field=DecimalField())


_plan_cost: list[PlanCost] = [_planned_cost]


def plan_cost_register(cost: PlanCost) -> None:
    """Replace how a waiting plan's cost is computed (finance registers the commitments it keeps;
    until then it is the sum of the plan lines' planned costs). ``cost()`` returns an expression
    evaluated on ``Plan`` rows — set-based, never a query per plan."""
    _plan_cost[:] = [cost]


# --- Helpers --------------------------------------------------------------------------------------


def _planning_semester(today: dt.date) -> Subquery:
    """``people.calendar.planning_semester_on`` as a subquery (no query of its own)."""
    return Subquery(Period.objects.filter(ends_on__gte=today).order_by("starts_on").values("pk")[:1])


def _last_transition(field: str) -> Subquery:
    latest = PlanTransition.objects.filter(plan_id=OuterRef("pk")).order_by("-at", "-pk")
    return Subquery(latest.values(field)[:1])


def _plan_url(plan: Plan) -> str:
    return reverse("support_plan", args=[plan.public_id])


def _plan_rows(what: Callable[[Plan, dt.date], str]) -> Callable[[Sequence[Plan], dt.date], list[WorkRow]]:
    def rows(plans: Sequence[Plan], today: dt.date) -> list[WorkRow]:
        return [
            WorkRow(
                subject=pupil_name(p.case.pupil),
                school=p.case.institution.name,
                what=what(p, today),
                since=since_date(p.work_since) or today,  # type: ignore[attr-defined]  # annotated
                url=_plan_url(p),
                pupil_id=p.case.pupil_id,
            )
            for p in plans
        ]

    return rows


def _plans(queryset: QuerySet[Plan]) -> QuerySet[Plan]:
    return queryset.select_related("case__pupil", "case__institution", "period__school_year")


# --- Plans to prepare ----------------------------------------------------------------------------


def plans_to_prepare(user: Any, today: dt.date) -> QuerySet[Case]:
    """Open cases the user keeps whose plan for the semester to plan for is missing or still a
    draft nobody returned (a returned one is its own kind). Waiting since the draft began, or
    since the case was opened."""
    semester = _planning_semester(today)
    plan = Plan.objects.filter(case_id=OuterRef("pk"), period_id=semester)
    returned = plan.filter(status=PlanStatus.DRAFT).annotate(last=_last_transition("action"))
    return (
        cases_visible_to(user, Perm.MANAGE_CASES)
        .filter(status=Case.Status.OPEN)
        .exclude(Exists(plan.exclude(status=PlanStatus.DRAFT)))
        .exclude(Exists(returned.filter(last=PlanTransition.Action.RETURNED)))
        .select_related("pupil", "institution")
        .annotate(
            draft_id=Subquery(plan.values("public_id")[:1]),
            work_since=Coalesce(Subquery(plan.values("created_at")[:1]), F("opened_at")),
        )
    )


def _case_rows(cases: Sequence[Case], today: dt.date) -> list[WorkRow]:
    rows = []
    for case in cases:
        draft = case.draft_id  # type: ignore[attr-defined]  # annotated
        rows.append(
            WorkRow(
                subject=pupil_name(case.pupil),
                school=case.institution.name,
                what=_("draft plan") if draft else _("no plan for the semester yet"),
                since=since_date(case.work_since) or today,  # type: ignore[attr-defined]  # annotated
                url=reverse("support_plan", args=[draft]) if draft else reverse("support_case", args=[case.public_id]),
                pupil_id=case.pupil_id,
            )
        )
    return rows


# --- Returned for changes ------------------------------------------------------------------------


def plans_returned(user: Any, today: dt.date) -> QuerySet[Plan]:
    return _plans(
        plans_visible_to(user, Perm.MANAGE_CASES)
        .filter(status=PlanStatus.DRAFT)
        .annotate(last=_last_transition("action"), work_since=_last_transition("at"), note=_last_transition("comment"))
        .filter(last=PlanTransition.Action.RETURNED)
    )


def _returned_what(plan: Plan, today: dt.date) -> str:
    note = plan.note or ""  # type: ignore[attr-defined]  # annotated
    return note if len(note) <= 120 else note[:119] + "…"


# --- Waiting for my approval ---------------------------------------------------------------------


def _waiting_at(step: ApprovalStep) -> Q:
    """Plans whose pending step is ``step``, read from the chain each plan carries (fixed at
    submission) without asking the database which chains exist: the first step waits on a
    submitted plan, a later one on the status its predecessor leaves."""
    first = Q(status=PlanStatus.SUBMITTED) & (Q(chain=step.value) | Q(chain__startswith=f"{step.value},"))
    later = [
        Q(status=STATUS_AFTER_STEP[before]) & Q(chain__contains=f"{before.value},{step.value}")
        for before in ApprovalStep
        if before != step
    ]
    return reduce(or_, later, first)


def plans_to_approve(user: Any, today: dt.date) -> QuerySet[Plan]:
    """Plans waiting for a step the user may approve at their schools, minus those they prepared
    or submitted (the four-eyes rule, as ``support.selectors.approvals_for``)."""
    q = Q(pk__in=[])
    for step, perm in APPROVAL_PERMS.items():
        q |= _waiting_at(step) & Q(case__institution__in=access.institutions_visible_to(user, perm))
    return _plans(
        plans_visible_to(user)
        .filter(q)
        .exclude(prepared_by=user)
        .exclude(submitted_by=user)
        .annotate(work_since=_last_transition("at"), work_cost=_plan_cost[0]())
        .annotate(work_viewer=Value(user.pk, output_field=IntegerField()))  # whose "last seen" the rows read
    ).select_related("amends")


def _approval_what(plan: Plan, today: dt.date) -> str:
    cost = plan.work_cost  # type: ignore[attr-defined]  # annotated
    if cost is None:
        return _("no cost planned")
    return _("planned cost %(amount)s EUR") % {"amount": f"{cost:.2f}"}


def _approval_rows(plans: Sequence[Plan], today: dt.date) -> list[WorkRow]:
    """The waiting plans, each with its cost and what changed since the reader last saw it
    (decision 0034: a constant number of queries per page, ``support.seen``)."""
    rows = _plan_rows(_approval_what)(plans, today)
    if not plans:
        return rows
    changes = changes_for_page(plans, plans[0].work_viewer)  # type: ignore[attr-defined]  # annotated
    return [
        replace(row, what=f"{row.what}; {changes[plan.pk].text()}") if plan.pk in changes else row
        for row, plan in zip(rows, plans, strict=True)
    ]


# --- Remote consultations to confirm -------------------------------------------------------------


def consultations_to_confirm(user: Any, today: dt.date) -> QuerySet[Delivery]:
    """Remote consultations the pupil has not confirmed yet (voided ones left out)."""
    return (
        deliveries_visible_to(user, Perm.DELIVER)
        .filter(mode=Delivery.Mode.REMOTE, confirmed_at__isnull=True, voided_at__isnull=True)
        .select_related("line__measure", "line__plan__case__pupil", "line__plan__case__institution")
        .annotate(work_since=F("delivered_on"))
    )


def _delivery_rows(deliveries: Sequence[Delivery], today: dt.date) -> list[WorkRow]:
    days = settings.PUMPURS_REMOTE_CONFIRMATION_DAYS
    rows = []
    for d in deliveries:
        late = today > d.delivered_on + dt.timedelta(days=days)
        case = d.line.plan.case
        rows.append(
            WorkRow(
                subject=pupil_name(case.pupil),
                school=case.institution.name,
                what=f"{d.line.measure}: " + (_("confirmation late") if late else _("awaiting confirmation")),
                since=d.delivered_on,
                url=_plan_url(d.line.plan),
                pupil_id=case.pupil_id,
            )
        )
    return rows


# --- Reviews due or overdue ----------------------------------------------------------------------


def reviews_due(user: Any, today: dt.date) -> QuerySet[Plan]:
    """Plans whose semester has ended (or whose review has begun) and that are not reviewed yet:
    due since the semester's end, overdue ``PUMPURS_REVIEW_GRACE_DAYS`` later."""
    due = Q(status=PlanStatus.ACTIVE, period__ends_on__lt=today) | Q(status=PlanStatus.IN_REVIEW)
    return _plans(plans_visible_to(user, Perm.REVIEW_PLANS).filter(due).annotate(work_since=F("period__ends_on")))


def _review_what(plan: Plan, today: dt.date) -> str:
    overdue = plan.period.ends_on < today - dt.timedelta(days=settings.PUMPURS_REVIEW_GRACE_DAYS)
    return _("review overdue") if overdue else _("review due")


# --- Children without a school ---------------------------------------------------------------------


def children_without_school(user: Any, today: dt.date) -> QuerySet[Enrolment]:
    """The pupils whose last enrolment at the user's schools ended without completing and who are
    enrolled nowhere now (``out_of_school``), waiting since that enrolment ended."""
    return out_of_school(user, today=today, subquery=True).annotate(work_since=F("ends_on"))


def _no_school_rows(enrolments: Sequence[Enrolment], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=pupil_name(e.pupil),
            school=e.institution.name,
            what=_("left %(class_name)s: %(reason)s")
            % {"class_name": e.class_group.name, "reason": e.get_end_reason_display()},
            since=e.ends_on or today,
            url=reverse("support_out_of_school"),  # the list a municipality may read (no pupil page)
            pupil_id=e.pupil_id,
        )
        for e in enrolments
    ]


def _in_case_school(path: str) -> Callable[[QuerySet[Any], Any, dt.date], QuerySet[Any]]:
    return lambda items, school, today: items.filter(**{path: school})


def register() -> None:
    """Called from ``SupportConfig.ready()``."""
    kinds = [
        WorkKind(
            code="no_school",
            label=gettext_lazy("Children without a school"),
            help=gettext_lazy(
                "Their last enrolment ended without completing and no school has enrolled them since: find out where they are."
            ),
            order=15,
            applies=any_perm(Perm.VIEW_OUT_OF_SCHOOL),
            items=children_without_school,
            in_school=_in_case_school("institution"),
            rows=_no_school_rows,
        ),
        WorkKind(
            code="plans-to-prepare",
            label=gettext_lazy("Plans to prepare"),
            help=gettext_lazy("Open support cases with no plan for the semester yet, or a draft not yet submitted."),
            order=40,
            applies=any_perm(Perm.MANAGE_CASES),
            items=plans_to_prepare,
            in_school=_in_case_school("institution"),
            rows=_case_rows,
        ),
        WorkKind(
            code="plans-returned",
            label=gettext_lazy("Plans returned for changes"),
            help=gettext_lazy("An approver sent the plan back with a comment: change it and submit it again."),
            order=45,
            applies=any_perm(Perm.MANAGE_CASES),
            items=plans_returned,
            in_school=_in_case_school("case__institution"),
            rows=_plan_rows(_returned_what),
        ),
        WorkKind(
            code="approvals",
            label=gettext_lazy("Plans waiting for my approval"),
            help=gettext_lazy("Approve the plan at your step of the chain, or return it with a comment."),
            order=50,
            applies=any_perm(*APPROVAL_PERMS.values()),
            items=plans_to_approve,
            in_school=_in_case_school("case__institution"),
            rows=_approval_rows,
        ),
        WorkKind(
            code="confirmations",
            label=gettext_lazy("Remote consultations awaiting confirmation"),
            help=gettext_lazy("The pupil confirms a remote consultation within the set days: record the confirmation."),
            order=60,
            applies=any_perm(Perm.DELIVER),
            items=consultations_to_confirm,
            in_school=_in_case_school("line__plan__case__institution"),
            rows=_delivery_rows,
        ),
        WorkKind(
            code="reviews",
            label=gettext_lazy("Reviews due or overdue"),
            help=gettext_lazy("The plan's semester has ended: judge the goals and decide how support goes on."),
            order=70,
            applies=any_perm(Perm.REVIEW_PLANS),
            items=reviews_due,
            in_school=_in_case_school("case__institution"),
            rows=_plan_rows(_review_what),
        ),
    ]
    for kind in kinds:
        work_kind_register(kind)
    support_states_register(watch_support_states)


# --- What the watch list shows of support (risk.served) -------------------------------------------


def watch_support_states(pupil_ids: list[int]) -> dict[int, SupportState]:
    """For the watch list: each listed pupil's open case and the status of its newest plan, in
    one query. The pages behind the links check access themselves."""
    newest = Plan.objects.filter(case_id=OuterRef("pk")).order_by("-period__starts_on", "-created_at")
    cases = (
        Case.objects.filter(status=Case.Status.OPEN, pupil_id__in=pupil_ids)
        .annotate(plan_status=Subquery(newest.values("status")[:1]), plan_id=Subquery(newest.values("public_id")[:1]))
        .values_list("pupil_id", "public_id", "plan_status", "plan_id")
    )
    labels = dict(PlanStatus.choices)
    states = {}
    for pupil_id, case_id, status, plan_id in cases:
        if status == PlanStatus.ACTIVE:
            states[pupil_id] = SupportState(_("active plan"), reverse("support_plan", args=[plan_id]), active_plan=True)
        elif status:
            label = _("case open; plan %(status)s") % {"status": labels[status]}
            states[pupil_id] = SupportState(label, reverse("support_plan", args=[plan_id]))
        else:
            states[pupil_id] = SupportState(_("case open; no plan yet"), reverse("support_case", args=[case_id]))
    return states
