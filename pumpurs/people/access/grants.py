"""The grants a person holds and the permissions they give: where every scope question starts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pumpurs.people.access.roles import GLASS_ONLY, ROLE_PERMISSIONS
from pumpurs.people.actors import NOWHERE, Scope, SystemActor, Viewer
from pumpurs.people.models import EmergencyAccess, Institution, Role, RoleGrant, User
from pumpurs.people.perms import Perm


def _grants(user: Viewer) -> list[RoleGrant]:
    # A system actor holds no grants (its scope is its own); nobody signed in holds nothing.
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return []
    cached: list[RoleGrant] | None = getattr(user, "_pumpurs_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).select_related("institution", "municipality"))
        if user.is_superuser and not any(g.role == Role.SYSTEM_ADMIN for g in cached):
            # The first administrator, made by `pumpurs createsuperuser` on a fresh install, is the
            # system administrator (DESIGN §6): nothing else has to be granted by hand first.
            cached.append(RoleGrant(user=user, role=Role.SYSTEM_ADMIN))
        # A cache on the user object for the request's lifetime (``forget_cached_grants`` drops it).
        user._pumpurs_grants = cached  # type: ignore[attr-defined]
    return cached


def _holds(grant: RoleGrant, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(grant.role, frozenset())


def _grants_with(user: Viewer, perm: Perm) -> list[RoleGrant]:
    """The grants that give ``perm`` over a scope: every scope query starts here. A glass-only
    grant gives none (``GLASS_ONLY``)."""
    return [g for g in _grants(user) if _holds(g, perm) and perm not in GLASS_ONLY.get(g.role, frozenset())]


def _glass_only(user: Viewer, perm: Perm) -> bool:
    """True when ``user`` holds ``perm`` only pupil by pupil, through emergency openings."""
    return any(_holds(g, perm) and perm in GLASS_ONLY.get(g.role, frozenset()) for g in _grants(user))


def _opened(user: User) -> QuerySet[EmergencyAccess, Any]:
    """The pupils whose file ``user`` opened with break-the-glass, while the opening lasts."""
    return EmergencyAccess.objects.filter(user=user, until__gt=timezone.now()).values("pupil_id")


def forget_cached_grants(user: User) -> None:
    if hasattr(user, "_pumpurs_grants"):
        del user._pumpurs_grants


def roles_of(user: Viewer) -> set[str]:
    return {g.role for g in _grants(user)}


def _system_scope(actor: SystemActor, perm: Perm) -> Scope:
    """Where a system actor holds ``perm``: its scope if it carries the permission, else nowhere."""
    return actor.scope if perm in actor.perms else NOWHERE


def has_perm(user: Viewer, perm: Perm) -> bool:
    """True when some grant gives ``perm`` somewhere; use the scope queries for a given object."""
    if isinstance(user, SystemActor):
        return not _system_scope(user, perm).is_empty
    return bool(_grants_with(user, perm)) or _glass_only(user, perm)


def has_perm_by_grant(user: Viewer, perm: Perm) -> bool:
    """True when some grant gives ``perm`` over a scope of pupils, not only pupil by pupil through
    break-the-glass (``GLASS_ONLY``): what a list of pupils (the watch list) needs."""
    if isinstance(user, SystemActor):
        return has_perm(user, perm)
    return bool(_grants_with(user, perm))


def is_national(user: Viewer, perm: Perm) -> bool:
    """True when ``user`` holds ``perm`` over the whole country (a national grant, or a system
    actor whose scope says so)."""
    if isinstance(user, SystemActor):
        return _system_scope(user, perm).national
    return any(g.institution_id is None and g.municipality_id is None for g in _grants_with(user, perm))


def holds_at_school(user: Viewer, perm: Perm, institution: Institution | int) -> bool:
    """True when ``user`` holds ``perm`` through a grant at this very school (a school role), not
    through the municipality or the country: the readers for whom a school's small numbers are
    their own pupils rather than a small cell of a wider view."""
    if isinstance(user, SystemActor):
        return False
    pk = getattr(institution, "pk", institution)
    return any(grant.institution_id == pk for grant in _grants_with(user, perm))


def reads_whole_school(user: Viewer, perm: Perm, institution: Institution) -> bool:
    """True when ``user`` holds ``perm`` over all of ``institution`` — a grant at the school other
    than a class teacher's (hers covers her classes only), at its municipality, or national — from
    the grants already read for the request (no query). False for a system actor (its scope is
    checked by the queries)."""
    if isinstance(user, SystemActor):
        return False
    for grant in _grants_with(user, perm):
        if grant.institution_id is None and grant.municipality_id is None:
            return True
        if grant.institution_id == institution.pk and grant.role != Role.CLASS_TEACHER:
            return True
        if grant.institution_id is None and grant.municipality_id == institution.municipality_id:
            return True
    return False
