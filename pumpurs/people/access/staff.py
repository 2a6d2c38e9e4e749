"""Who is the staff of a school, and who may appoint (or remove) whom: the one grant policy (issue 12)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from pumpurs.people.access.grants import _grants_with, _system_scope
from pumpurs.people.access.places import institutions_visible_to
from pumpurs.people.access.roles import _SYSTEM_GRANTABLE_IN_SCHOOLS, GRANTABLE_BY
from pumpurs.people.actors import SystemActor, Viewer
from pumpurs.people.models import Institution, Municipality, Role, RoleGrant, User
from pumpurs.people.perms import Perm


def staff_of(institution: Institution | int) -> QuerySet[User]:
    """The staff of a school: active accounts holding a role grant at that institution (given as
    an institution or its id). The one answer for every list that offers colleagues (support
    team, plan providers, consultation specialists) and every service or API that accepts one.

    A deactivated account is nobody's colleague any more, whatever grants it still holds. Grants
    carry no validity dates: a grant is in force until it is removed. Municipality and national
    roles see the school but are not its staff."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    grants = RoleGrant.objects.filter(user_id=OuterRef("pk"), institution_id=institution_id)
    return User.objects.filter(Exists(grants), is_active=True)


def _grant_reaches(
    grant: RoleGrant, role: str, institution: Institution | None, municipality: Municipality | None
) -> bool:
    """Whether ``grant`` lets its holder give ``role`` at the given scope (a school, a
    municipality, or — both ``None`` — the whole country)."""
    if role not in GRANTABLE_BY.get(grant.role, frozenset()):
        return False
    if grant.institution_id is None and grant.municipality_id is None:
        return True
    if grant.municipality_id is not None:
        return institution is not None and institution.municipality_id == grant.municipality_id
    return institution is not None and institution.pk == grant.institution_id


def may_grant(
    actor: Viewer, role: str, *, institution: Institution | None = None, municipality: Municipality | None = None
) -> bool:
    """The one grant policy: may ``actor`` give (or take away) ``role`` at this scope — a school for
    a school role, a municipality for the municipality coordinator, neither for a national role.

    A scope that does not fit the role is never grantable. Roles of one's own level are not
    grantable (a director does not appoint directors), so no one widens their own reach."""
    if role in (Role.CLASS_TEACHER, Role.SPECIALIST, Role.SCHOOL_COORDINATOR, Role.DIRECTOR):
        if institution is None or municipality is not None:
            return False
    elif role == Role.MUNICIPALITY_COORDINATOR:
        if municipality is None or institution is not None:
            return False
    elif role in Role.values:
        if institution is not None or municipality is not None:
            return False
    else:
        return False
    if isinstance(actor, SystemActor):
        scope = _system_scope(actor, Perm.MANAGE_STAFF)
        if scope.national:
            within = True
        elif role not in _SYSTEM_GRANTABLE_IN_SCHOOLS or institution is None:
            return False
        else:
            within = institution.pk in scope.institution_ids or institution.municipality_id in scope.municipality_ids
        # Carrying out a person's request (a file they submitted), it grants no more than they may:
        # a school scope says nothing of the level their grant stands at.
        if within and actor.on_behalf_of is not None:
            return may_grant(actor.on_behalf_of, role, institution=institution, municipality=municipality)
        return within
    return any(_grant_reaches(g, role, institution, municipality) for g in _grants_with(actor, Perm.MANAGE_STAFF))


def grants_manageable_by(actor: Viewer) -> QuerySet[RoleGrant]:
    """The role grants ``actor`` may revoke: those ``may_grant`` would let them give. The same
    policy as a filter, so a list of grants never offers one its reader may not touch."""
    if isinstance(actor, SystemActor):
        scope = _system_scope(actor, Perm.MANAGE_STAFF)
        if scope.is_empty:
            return RoleGrant.objects.none()
        grants = RoleGrant.objects.all()
        if not scope.national:
            grants = grants.filter(
                Q(institution_id__in=sorted(scope.institution_ids))
                | Q(institution__municipality_id__in=sorted(scope.municipality_ids)),
                role__in=sorted(_SYSTEM_GRANTABLE_IN_SCHOOLS),
            )
        if actor.on_behalf_of is not None:
            grants = grants.filter(pk__in=grants_manageable_by(actor.on_behalf_of).values("pk"))
        return grants
    q = Q(pk__in=[])
    for grant in _grants_with(actor, Perm.MANAGE_STAFF):
        roles = sorted(GRANTABLE_BY.get(grant.role, frozenset()))
        if grant.institution_id is None and grant.municipality_id is None:
            q |= Q(role__in=roles)
        elif grant.municipality_id is not None:
            q |= Q(role__in=roles, institution__municipality_id=grant.municipality_id)
        else:
            q |= Q(role__in=roles, institution_id=grant.institution_id)
    return RoleGrant.objects.filter(q)


def staff_visible_to(actor: Viewer) -> QuerySet[User]:
    """The accounts ``actor`` manages: those holding (or, once deactivated, having held) a grant
    ``actor`` may manage. Active or not — a staff list shows who left, too. Out of it, 404."""
    return User.objects.filter(Exists(grants_manageable_by(actor).filter(user_id=OuterRef("pk"))))


def staff_institutions_of(actor: Viewer) -> QuerySet[Institution]:
    """The schools whose staff list ``actor`` reads: where they appoint someone."""
    return institutions_visible_to(actor, Perm.MANAGE_STAFF)


def staff_municipalities_of(actor: Viewer) -> QuerySet[Municipality]:
    """The municipalities whose staff list ``actor`` reads: their own as municipality coordinator,
    every one for a national grant. A school role does not read its municipality's list."""
    if isinstance(actor, SystemActor):
        scope = _system_scope(actor, Perm.MANAGE_STAFF)
        return (
            Municipality.objects.all()
            if scope.national
            else Municipality.objects.filter(pk__in=sorted(scope.municipality_ids))
        )
    grants = _grants_with(actor, Perm.MANAGE_STAFF)
    if any(g.institution_id is None and g.municipality_id is None for g in grants):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=[g.municipality_id for g in grants if g.municipality_id is not None])
