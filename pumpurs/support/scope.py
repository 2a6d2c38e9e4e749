"""Which cases and plans a user may see or act on — built on ``people.access`` (the one module
that decides visibility): a case or plan is visible exactly when its pupil is visible with the
permission asked for. Out of scope reads as "does not exist" (views answer 404)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Pupil
from pumpurs.support.models import ApprovalStep, Case, Delivery, Plan

APPROVAL_PERMS = {
    ApprovalStep.DIRECTOR: Perm.APPROVE_AS_DIRECTOR,
    ApprovalStep.MUNICIPALITY: Perm.APPROVE_AS_MUNICIPALITY,
    ApprovalStep.NATIONAL: Perm.APPROVE_AS_NATIONAL,
}


def cases_visible_to(user: Any, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Case]:
    return Case.objects.filter(pupil__in=access.pupils_visible_to(user, perm))


def plans_visible_to(user: Any, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Plan]:
    return Plan.objects.filter(case__pupil__in=access.pupils_visible_to(user, perm))


def deliveries_visible_to(user: Any, perm: Perm = Perm.VIEW_SUPPORT) -> QuerySet[Delivery]:
    return Delivery.objects.filter(line__plan__case__pupil__in=access.pupils_visible_to(user, perm))


def require_pupil(actor: Any, pupil: Pupil | int, perm: Perm) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` holds ``perm`` over the pupil."""
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    if not access.pupils_visible_to(actor, perm).filter(pk=pupil_id).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))


def may_approve_step(actor: Any, plan: Plan, step: str) -> bool:
    """Whether ``actor`` may approve (or return) ``plan`` at ``step``: the step's permission over
    the school of the plan's case. Does not check who prepared the plan (``plans`` does)."""
    perm = APPROVAL_PERMS.get(ApprovalStep(step)) if step in ApprovalStep.values else None
    if perm is None:
        return False
    return access.institutions_visible_to(actor, perm).filter(pk=plan.case.institution_id).exists()
