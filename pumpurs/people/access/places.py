"""Which schools, municipalities and classes a person sees, or holds a permission over as a whole."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from pumpurs.people.access.grants import _grants_with, _system_scope
from pumpurs.people.actors import Scope, SystemActor, Viewer
from pumpurs.people.models import ClassGroup, Institution, Municipality, Role
from pumpurs.people.perms import Perm


def school_roles_institutions(user: Viewer, perm: Perm) -> QuerySet[Institution]:
    """The schools where ``user`` holds ``perm`` over the whole school (not a class teacher's
    classes): where a school answers for its own past work (decision 0020)."""
    if isinstance(user, SystemActor):
        return institutions_visible_to(user, perm)
    q = Q(pk__in=[])
    for grant in _grants_with(user, perm):
        if grant.role == Role.CLASS_TEACHER:
            continue
        if grant.institution_id is not None:
            q |= Q(pk=grant.institution_id)
        elif grant.municipality_id is not None:
            q |= Q(municipality_id=grant.municipality_id)
        else:
            return Institution.objects.all()
    return Institution.objects.filter(q)


def _system_institutions(scope: Scope) -> Q:
    return Q(pk__in=sorted(scope.institution_ids)) | Q(municipality_id__in=sorted(scope.municipality_ids))


def institutions_visible_to(user: Viewer, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[Institution]:
    if isinstance(user, SystemActor):
        scope = _system_scope(user, perm)
        if scope.is_empty:
            return Institution.objects.none()
        return Institution.objects.all() if scope.national else Institution.objects.filter(_system_institutions(scope))
    grants = _grants_with(user, perm)
    if not grants:
        return Institution.objects.none()
    q = Q(pk__in=[])
    for grant in grants:
        if grant.institution_id is not None:
            q |= Q(pk=grant.institution_id)
        elif grant.municipality_id is not None:
            q |= Q(municipality_id=grant.municipality_id)
        else:
            return Institution.objects.all()
    return Institution.objects.filter(q)


def municipalities_visible_to(user: Viewer, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[Municipality]:
    return Municipality.objects.filter(
        Exists(institutions_visible_to(user, perm).filter(municipality_id=OuterRef("pk")))
    )


def classes_visible_to(user: Viewer, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[ClassGroup]:
    if isinstance(user, SystemActor):
        scope = _system_scope(user, perm)
        if scope.is_empty:
            return ClassGroup.objects.none()
        if scope.national:
            return ClassGroup.objects.all()
        return ClassGroup.objects.filter(institution__in=Institution.objects.filter(_system_institutions(scope)))
    grants = _grants_with(user, perm)
    if not grants:
        return ClassGroup.objects.none()
    q = Q(pk__in=[])
    for grant in grants:
        if grant.role == Role.CLASS_TEACHER:
            q |= Q(class_teacher=user, institution_id=grant.institution_id)
        elif grant.institution_id is not None:
            q |= Q(institution_id=grant.institution_id)
        elif grant.municipality_id is not None:
            q |= Q(institution__municipality_id=grant.municipality_id)
        else:
            return ClassGroup.objects.all()
    return ClassGroup.objects.filter(q)


def can_manage_pupils_of(user: Viewer, institution: Institution) -> bool:
    return institutions_visible_to(user, Perm.MANAGE_PUPILS).filter(pk=institution.pk).exists()


def municipalities_held_by(user: Viewer, perm: Perm) -> QuerySet[Municipality]:
    """The municipalities ``user`` holds ``perm`` over as a whole: through a municipality grant, or
    all of them through a national one. A grant at one school gives none (unlike
    ``municipalities_visible_to``, which names the municipality of any school in scope): a
    municipality's own pages — its dashboard — are for the municipality and national levels."""
    if isinstance(user, SystemActor):
        scope = _system_scope(user, perm)
        if scope.is_empty:
            return Municipality.objects.none()
        return (
            Municipality.objects.all()
            if scope.national
            else Municipality.objects.filter(pk__in=sorted(scope.municipality_ids))
        )
    q = Q(pk__in=[])
    for grant in _grants_with(user, perm):
        if grant.institution_id is None and grant.municipality_id is None:
            return Municipality.objects.all()
        if grant.institution_id is None:
            q |= Q(pk=grant.municipality_id)
    return Municipality.objects.filter(q)
