"""Which cases and plans a user may see or act on — built on ``people.access`` (the one module
that decides visibility): a case or plan is visible exactly when its pupil is visible with the
permission asked for. Out of scope reads as "does not exist" (views answer 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.support.models import ApprovalStep, Case, Delivery, Plan

APPROVAL_PERMS = {
    ApprovalStep.DIRECTOR: Perm.APPROVE_AS_DIRECTOR,
    ApprovalStep.MUNICIPALITY: Perm.APPROVE_AS_MUNICIPALITY,
    ApprovalStep.NATIONAL: Perm.APPROVE_AS_NATIONAL,
}


def cases_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Case]:
    return Case.objects.filter(pupil__in=access.pupils_visible_to(user, perm))


def plans_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Plan]:
    return Plan.objects.filter(case__pupil__in=access.pupils_visible_to(user, perm))


def deliveries_visible_to(user: Viewer, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Delivery]:
    return Delivery.objects.filter(line__plan__case__pupil__in=access.pupils_visible_to(user, perm))


def may_approve_step(actor: Viewer, plan: Plan, step: str) -> bool:
    """Whether ``actor`` may approve (or return) ``plan`` at ``step``: the step's permission over
    the school of the plan's case. Does not check who prepared the plan (``plans`` does)."""
    perm = APPROVAL_PERMS.get(ApprovalStep(step)) if step in ApprovalStep.values else None
    if perm is None:
        return False
    return access.institutions_visible_to(actor, perm).filter(pk=plan.case.institution_id).exists()
