"""Which pupils a person sees, and the records a school owns that they hold (decision 0020)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.people.access.grants import _glass_only, _grants_with, _opened, _system_scope
from pumpurs.people.access.roles import EMERGENCY_PERMS
from pumpurs.people.actors import Scope, SystemActor, Viewer
from pumpurs.people.models import Enrolment, Pupil, Role, RoleGrant, User
from pumpurs.people.perms import Perm


def former_pupil_cutoff(today: dt.date | None = None) -> dt.date:
    """School and municipality roles keep seeing a pupil who left for this many days."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.PUMPURS_FORMER_PUPIL_VISIBLE_DAYS)


def _enrolment_scope(grants: list[RoleGrant], user: Viewer, today: dt.date) -> Q | None:
    """The enrolments through which ``grants`` reveal a pupil, as a filter on ``Enrolment``.

    ``None`` means no restriction (national scope); an empty ``Q(pk__in=[])`` means nothing.
    """
    open_now = Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    recent = Q(ends_on__isnull=True) | Q(ends_on__gte=former_pupil_cutoff(today))
    q = Q(pk__in=[])
    for grant in grants:
        if grant.institution_id is None and grant.municipality_id is None:
            return None
        if grant.role == Role.CLASS_TEACHER:
            q |= Q(class_group__class_teacher=user, institution_id=grant.institution_id) & open_now
        elif grant.institution_id is not None:
            q |= Q(institution_id=grant.institution_id) & recent
        else:
            q |= Q(institution__municipality_id=grant.municipality_id) & recent
    return q


def _system_enrolment_scope(scope: Scope, today: dt.date) -> Q:
    """A system actor sees the pupils of its schools as a school role does: open enrolments and
    those ended within the former-pupil window."""
    recent = Q(ends_on__isnull=True) | Q(ends_on__gte=former_pupil_cutoff(today))
    schools = Q(institution_id__in=sorted(scope.institution_ids)) | Q(
        institution__municipality_id__in=sorted(scope.municipality_ids)
    )
    return schools & recent


def pupils_visible_to(user: Viewer, perm: Perm = Perm.VIEW_PUPILS, *, today: dt.date | None = None) -> QuerySet[Pupil]:
    if isinstance(user, SystemActor):
        held = _system_scope(user, perm)
        if held.is_empty:
            return Pupil.objects.none()
        if held.national:
            return Pupil.objects.all()
        within = _system_enrolment_scope(held, today or timezone.localdate())
        return Pupil.objects.filter(Exists(Enrolment.objects.filter(within, pupil_id=OuterRef("pk"))))
    pupils = _pupils_by_grants(user, perm, today)
    if perm in EMERGENCY_PERMS and isinstance(user, User) and _grants_with(user, Perm.BREAK_GLASS):
        # Break-the-glass (decisions 0035, 0041): the pupils whose file this person opened, while it lasts.
        pupils = pupils | Pupil.objects.filter(pk__in=_opened(user))
    return pupils


def _pupils_by_grants(user: Viewer, perm: Perm, today: dt.date | None) -> QuerySet[Pupil]:
    grants = _grants_with(user, perm)
    if not grants:
        return Pupil.objects.none()
    scope = _enrolment_scope(grants, user, today or timezone.localdate())
    if scope is None:
        return Pupil.objects.all()
    return Pupil.objects.filter(Exists(Enrolment.objects.filter(scope, pupil_id=OuterRef("pk"))))


def can_see_pupil(user: Viewer, pupil: Pupil, perm: Perm = Perm.VIEW_PUPILS) -> bool:
    return pupils_visible_to(user, perm).filter(pk=pupil.pk).exists()


def require_pupil(actor: Viewer, pupil: Pupil | int, perm: Perm) -> None:
    """For services: raise ``PermissionDenied`` unless ``actor`` holds ``perm`` over the pupil
    (given as a pupil or its id)."""
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    if not pupils_visible_to(actor, perm).filter(pk=pupil_id).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))


def held_at_school(
    user: Viewer, perm: Perm, *, institution: str = "institution", pupil: str = "pupil", today: dt.date | None = None
) -> Q:
    """A filter for records a school owns — a support case and what hangs on it (decision 0020):
    those whose ``institution`` lies in ``user``'s scope for ``perm``, whatever the pupil's
    enrolments say. A class teacher holds only her own pupils' records at her school (open
    enrolments of the classes she leads). Never an empty ``Q()`` — which would vanish when or-ed
    with another condition: everywhere is ``Q(pk__isnull=False)``, nowhere ``Q(pk__in=[])``."""
    nowhere, everywhere = Q(pk__in=[]), Q(pk__isnull=False)
    if isinstance(user, SystemActor):
        scope = _system_scope(user, perm)
        if scope.is_empty:
            return nowhere
        if scope.national:
            return everywhere
        return Q(**{f"{institution}_id__in": sorted(scope.institution_ids)}) | Q(
            **{f"{institution}__municipality_id__in": sorted(scope.municipality_ids)}
        )
    today = today or timezone.localdate()
    open_now = Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    q = nowhere
    if (
        isinstance(user, User)
        and perm in EMERGENCY_PERMS
        and _glass_only(user, perm)
        and _grants_with(user, Perm.BREAK_GLASS)
    ):
        q |= Q(**{f"{pupil}_id__in": _opened(user)})  # decision 0041: the files opened, while it lasts
    for grant in _grants_with(user, perm):
        if grant.institution_id is None and grant.municipality_id is None:
            return everywhere
        if grant.role == Role.CLASS_TEACHER:
            taught = Enrolment.objects.filter(
                open_now & Q(class_group__class_teacher=user, institution_id=grant.institution_id)
            ).values("pupil_id")
            q |= Q(**{f"{institution}_id": grant.institution_id, f"{pupil}_id__in": taught})
        elif grant.institution_id is not None:
            q |= Q(**{f"{institution}_id": grant.institution_id})
        else:
            q |= Q(**{f"{institution}__municipality_id": grant.municipality_id})
    return q
