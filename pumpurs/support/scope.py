"""Which cases and plans a user may see or act on — built on ``people.access`` (the one module
that decides visibility). A case belongs to the school that runs it (``Case.institution``,
decision 0020), not to whichever school the pupil is enrolled at:

* the school that runs a case sees it and works on it (a class teacher: her own pupils' cases),
  open or closed, for as long as the record is kept;
* a school that handed a case over keeps *reading* what was there when it let go — the case,
  and the plans, contacts, consents and deliveries dated before the hand-over — as its history,
  never the new school's work, and it writes nothing into it.

Out of scope reads as "does not exist" (views answer 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.support.models import (
    STATUS_AFTER_STEP,
    ApprovalStep,
    Case,
    CaseHandover,
    Consent,
    ContactEntry,
    Delivery,
    Plan,
    PlanStatus,
)

APPROVAL_PERMS = {
    ApprovalStep.DIRECTOR: Perm.APPROVE_AS_DIRECTOR,
    ApprovalStep.MUNICIPALITY: Perm.APPROVE_AS_MUNICIPALITY,
    ApprovalStep.NATIONAL: Perm.APPROVE_AS_NATIONAL,
}

# Reading is all a former school keeps; every other permission is work, and work is the owner's.
HISTORY_PERMS = frozenset({Perm.VIEW_SUPPORT, Perm.VIEW_SENSITIVE})


def _handed_over_by(user: Viewer, perm: Perm, case: str) -> QuerySet[CaseHandover]:
    """Hand-overs of the case at ``case`` (an ``OuterRef`` path) away from a school of ``user``."""
    return CaseHandover.objects.filter(
        case_id=OuterRef(case), from_institution__in=access.school_roles_institutions(user, perm)
    )


def cases_run_by(user: Viewer, perm: Perm) -> QuerySet[Case]:
    """The cases ``user``'s schools run, where ``perm`` lets them work: the only ones they write."""
    return Case.objects.filter(access.held_at_school(user, perm))


def cases_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Case]:
    owned = access.held_at_school(user, perm)
    if perm not in HISTORY_PERMS:
        return Case.objects.filter(owned)
    return Case.objects.filter(owned | Exists(_handed_over_by(user, perm, "pk")))


def _before_hand_over(user: Viewer, perm: Perm, case: str, moment: str) -> Exists:
    return Exists(_handed_over_by(user, perm, case).filter(accepted_at__gt=OuterRef(moment)))


def plans_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Plan]:
    owned = access.held_at_school(user, perm, institution="case__institution", pupil="case__pupil")
    if perm not in HISTORY_PERMS:
        return Plan.objects.filter(owned)
    return Plan.objects.filter(
        owned | _before_hand_over(user, perm, "case_id", "created_at") | _awaiting_national_step(user, perm)
    )


def waiting_at(step: str, chains: set[str] | list[str]) -> Q:
    """Plans whose pending approval step is ``step``, for each of ``chains``."""
    conditions = []
    for chain in chains:
        steps = chain.split(",")
        if step not in steps:
            continue
        index = steps.index(step)
        waiting = PlanStatus.SUBMITTED if index == 0 else STATUS_AFTER_STEP[ApprovalStep(steps[index - 1])]
        conditions.append(Q(chain=chain, status=waiting))
    return reduce(or_, conditions, Q(pk__in=[]))


def _awaiting_national_step(user: Viewer, perm: Perm) -> Q:
    """The national team reads a case's files only through break-the-glass (decision 0041), but
    it approves plans: it reads the plans that wait for its step, at the schools it approves for."""
    if perm != Perm.VIEW_SUPPORT or not access.has_perm(user, Perm.APPROVE_AS_NATIONAL):
        return Q(pk__in=[])
    awaiting = (PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED)
    chains = Plan.objects.filter(status__in=awaiting).exclude(chain="")
    waiting = waiting_at(ApprovalStep.NATIONAL, sorted(set(chains.values_list("chain", flat=True))))
    return waiting & Q(case__institution__in=access.institutions_visible_to(user, Perm.APPROVE_AS_NATIONAL))


def deliveries_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Delivery]:
    owned = access.held_at_school(
        user, perm, institution="line__plan__case__institution", pupil="line__plan__case__pupil"
    )
    if perm not in HISTORY_PERMS:
        return Delivery.objects.filter(owned)
    return Delivery.objects.filter(owned | _before_hand_over(user, perm, "line__plan__case_id", "recorded_at"))


def consents_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Consent]:
    owned = access.held_at_school(user, perm, institution="case__institution", pupil="case__pupil")
    if perm not in HISTORY_PERMS:
        return Consent.objects.filter(owned)
    return Consent.objects.filter(owned | _before_hand_over(user, perm, "case_id", "recorded_at"))


def history_until(user: Viewer, case: Case) -> dt.datetime | None:
    """``None`` when ``user``'s school runs ``case`` (they see all of it); otherwise the moment
    their school handed it over, after which nothing is theirs to read."""
    if may_work_on(user, case, Perm.VIEW_SUPPORT):
        return None
    if access.institutions_visible_to(user, Perm.APPROVE_AS_NATIONAL).filter(pk=case.institution_id).exists():
        return None  # the national approver, on a plan waiting for it (plans_visible_to let it through)
    handed = CaseHandover.objects.filter(
        case=case, from_institution__in=access.school_roles_institutions(user, Perm.VIEW_SUPPORT)
    )
    last = handed.order_by("-accepted_at").values_list("accepted_at", flat=True).first()
    if last is None:  # the callers fetched the case through cases_visible_to: not reached
        raise PermissionDenied(_("You may not do this for this pupil."))
    return last


def contacts_within(entries: QuerySet[ContactEntry], until: dt.datetime | None) -> QuerySet[ContactEntry]:
    return entries if until is None else entries.filter(recorded_at__lt=until)


def plans_within(plans: QuerySet[Plan], until: dt.datetime | None) -> QuerySet[Plan]:
    return plans if until is None else plans.filter(created_at__lt=until)


# Within one page that only reads (``case_checks_remembered``), the answers of ``may_work_on`` by
# the statement that asks: a coordinator's plan page asked the same "does my school run this case"
# five times, once per permission, each the same SQL (decision 0047). Keyed by the statement and its
# parameters, so two questions share an answer only when the database would be asked the same.
_remembered: ContextVar[dict[tuple[str, str], bool] | None] = ContextVar("case_checks", default=None)


@contextmanager
def case_checks_remembered() -> Iterator[None]:
    """Remember ``may_work_on``'s answers until the block ends: for a page that writes nothing."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def may_work_on(actor: Viewer, case: Case, perm: Perm) -> bool:
    query = cases_run_by(actor, perm).filter(pk=case.pk)
    memo = _remembered.get()
    if memo is None:
        return query.exists()
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a scope of nowhere: the database would not be asked either
        return False
    key = (sql, repr(params))
    if key not in memo:
        memo[key] = query.exists()
    return memo[key]


def require_case(actor: Viewer, case: Case | int, perm: Perm) -> None:
    """For services: ``PermissionDenied`` unless ``actor``'s school runs the case (given as a case
    or its id) and ``perm`` lets them do this there. A former school is refused."""
    case_id = case if isinstance(case, int) else case.pk
    if not cases_run_by(actor, perm).filter(pk=case_id).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))


def may_approve_step(actor: Viewer, plan: Plan, step: str) -> bool:
    """Whether ``actor`` may approve (or return) ``plan`` at ``step``: the step's permission over
    the school of the plan's case. Does not check who prepared the plan (``plans`` does)."""
    perm = APPROVAL_PERMS.get(ApprovalStep(step)) if step in ApprovalStep.values else None
    if perm is None:
        return False
    return access.institutions_visible_to(actor, perm).filter(pk=plan.case.institution_id).exists()
