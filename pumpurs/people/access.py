"""Who may see what, and do what — the one place that decides (STYLE.md "Access").

Every view, selector and service starts from these functions. The rules (issue 2, DESIGN §2):

* a class teacher sees the classes they lead and the pupils currently enrolled in them;
* school roles (specialist, school coordinator, director) see their school;
* the municipality coordinator sees the schools of their municipality;
* national roles see the whole country, personal detail only where the role needs it;
* a user without a recognised grant sees nothing. Out of scope is answered with 404;
* a ``SystemActor`` (background work, the operator's commands) is answered from the permissions
  and the scope it carries, never from a default: an empty scope is nowhere (decision 0012).

Permissions are names in code mapped from roles; a scope query always takes the permission it
serves, so a user who holds two grants never gets one grant's permission over the other's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.people.actors import NOWHERE, Scope, SystemActor, Viewer
from pumpurs.people.models import (
    ClassGroup,
    EmergencyAccess,
    Enrolment,
    Institution,
    Municipality,
    Pupil,
    Role,
    RoleGrant,
    User,
)
from pumpurs.people.perms import Perm as Perm  # re-exported: callers say access.Perm

_SCHOOL_DETAIL = {
    Perm.VIEW_OVERVIEW,
    Perm.VIEW_PUPILS,
    Perm.VIEW_PERSONAL_CODE,
    Perm.VIEW_GUARDIAN_CONTACTS,
    Perm.SEARCH_BY_PERSONAL_CODE,
}

_RISK_READ = {Perm.VIEW_RISK, Perm.VIEW_RISK_COUNTS}
# Those who work on a pupil's support at school: they see it, keep the case, deliver and review.
_SUPPORT_WORK = {Perm.VIEW_SUPPORT, Perm.MANAGE_CASES, Perm.DELIVER, Perm.REVIEW_PLANS}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.CLASS_TEACHER: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | _SUPPORT_WORK
        | {Perm.DECIDE_FLAGS, Perm.ASSESS, Perm.VIEW_SENSITIVE, Perm.CHANGE_ANY_CASE}
    ),
    Role.SPECIALIST: frozenset(_SCHOOL_DETAIL | _RISK_READ | _SUPPORT_WORK | {Perm.ASSESS, Perm.VIEW_SENSITIVE}),
    Role.SCHOOL_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {
            Perm.MANAGE_PUPILS,
            Perm.VIEW_OUT_OF_SCHOOL,
            Perm.IMPORT_DATA,
            Perm.DECIDE_FLAGS,
            Perm.ASSESS,
            Perm.VIEW_SENSITIVE,
            Perm.MANAGE_CAPACITY,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            Perm.RECORD_LOW_INCOME,
            Perm.MANAGE_STAFF,
            Perm.VIEW_TRAININGS,
            Perm.REGISTER_TRAINEES,
            Perm.VIEW_FINANCE,
            Perm.PREPARE_EXPENSES,
            Perm.CHANGE_ANY_CASE,
            Perm.STEWARD_CASES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
        }
        | _SUPPORT_WORK
    ),
    Role.DIRECTOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {
            Perm.MANAGE_CAPACITY,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_DIRECTOR,
            Perm.MANAGE_STAFF,
            Perm.VIEW_TRAININGS,
            Perm.REGISTER_TRAINEES,
            Perm.VIEW_FINANCE,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
        }
    ),
    # The municipality sees how many pupils each school flags, not who (issue 4).
    Role.MUNICIPALITY_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | {
            Perm.IMPORT_DATA,
            Perm.VIEW_OUT_OF_SCHOOL,
            Perm.VIEW_RISK_COUNTS,
            Perm.MANAGE_THRESHOLDS,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            Perm.FOLLOW_ABSENCES,
            # Approving a plan means reading it: the municipality sees the plans of its schools.
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_MUNICIPALITY,
            Perm.RECORD_LOW_INCOME,
            Perm.MANAGE_STAFF,
            Perm.VIEW_YOUTH,
            Perm.MANAGE_YOUTH,
            Perm.VIEW_TRAININGS,
            Perm.MANAGE_TRAININGS,
            Perm.MANAGE_MATERIALS,
            # The municipality manages its schools' budgets and its own rates where allowed.
            Perm.VIEW_FINANCE,
            Perm.MANAGE_BUDGETS,
            Perm.MANAGE_RATES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
            Perm.VIEW_EFFECTS,
            Perm.BREAK_GLASS,
        }
    ),
    # The national team monitors and approves; it sees pupils by name but not their codes or
    # their families' contacts.
    Role.NATIONAL_PROGRAMME: frozenset(
        {
            Perm.VIEW_OVERVIEW,
            Perm.VIEW_PUPILS,
            Perm.VIEW_RISK_COUNTS,
            Perm.MANAGE_INSTRUMENTS,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_NATIONAL,
            Perm.MANAGE_CATALOGUE,
            Perm.MANAGE_CALENDAR,
            Perm.VIEW_YOUTH,
            Perm.MANAGE_YOUTH,
            Perm.VIEW_TRAININGS,
            Perm.MANAGE_TRAININGS,
            Perm.MANAGE_MATERIALS,
            Perm.VIEW_FINANCE,
            Perm.MANAGE_BUDGETS,
            Perm.MANAGE_RATES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
            Perm.VIEW_EFFECTS,
            Perm.BREAK_GLASS,
            # The controller's management reviews the DPO's own openings (decision 0046).
            Perm.REVIEW_DPO_OPENINGS,
        }
    ),
    # Subject-access requests need the code and the whole record; the trail is theirs to read. The
    # pupil's file itself (risk record, support) only through break-the-glass (GLASS_ONLY).
    Role.DATA_PROTECTION_OFFICER: frozenset(
        _SCHOOL_DETAIL
        | {
            Perm.VIEW_AUDIT,
            Perm.EXPORT_SUBJECT,
            Perm.ERASE_PUPIL,
            Perm.VIEW_RISK,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.BREAK_GLASS,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset({Perm.VIEW_OVERVIEW, Perm.MANAGE_STAFF, Perm.VIEW_JOBS}),
}

# Who may give which roles (issue 12): each level appoints the level below it, within its own
# scope, and nobody grants a role above or outside their own. The system administrator is the root
# of the tree: the national roles, the municipality coordinators, and — so that a school whose
# municipality has no coordinator yet can start — any school role (decision 0016).
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Role.values),
    Role.MUNICIPALITY_COORDINATOR: frozenset({Role.DIRECTOR, Role.SCHOOL_COORDINATOR}),
    Role.DIRECTOR: frozenset({Role.CLASS_TEACHER, Role.SPECIALIST}),
    Role.SCHOOL_COORDINATOR: frozenset({Role.CLASS_TEACHER, Role.SPECIALIST}),
}
# A system actor (the operator's ``pumpurs import staff``) grants by the scope it carries: over the
# whole country anything, over named schools or municipalities the school roles there.
_SYSTEM_GRANTABLE_IN_SCHOOLS = frozenset({Role.CLASS_TEACHER, Role.SPECIALIST, Role.SCHOOL_COORDINATOR, Role.DIRECTOR})


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


# Break-the-glass instead of routine access (issue 17; decision 0041): the national programme and
# the data protection officer hold these permissions, but over no pupil by their grant — only over
# the pupils whose file they opened with a reason, while the opening lasts (``EmergencyAccess``;
# ``pupils_visible_to``, ``held_at_school``). By default the DPO reads the audit trail, not the file.
GLASS_ONLY: dict[str, frozenset[Perm]] = {
    Role.NATIONAL_PROGRAMME: frozenset({Perm.VIEW_SUPPORT}),
    Role.DATA_PROTECTION_OFFICER: frozenset({Perm.VIEW_RISK, Perm.VIEW_SUPPORT}),
}


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


# What an emergency opening shows of the one pupil: the risk record (flags, decisions, questionnaire,
# indicators) and the support file (case, plans, contacts, consents, deliveries), which these roles
# otherwise see only as counts, or — the national team and the DPO — not at all.
EMERGENCY_PERMS = frozenset({Perm.VIEW_RISK, Perm.VIEW_SUPPORT})


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


def can_manage_pupils_of(user: Viewer, institution: Institution) -> bool:
    return institutions_visible_to(user, Perm.MANAGE_PUPILS).filter(pk=institution.pk).exists()


def acting_for(
    user: User | None, *, name: str, perms: Iterable[Perm], within: Institution | None = None
) -> SystemActor:
    """A system actor that carries out ``user``'s request with ``user``'s authority as it is now:
    ``perms`` in the schools where ``user`` holds every one of them, narrowed to ``within``.

    Fails closed: a deleted (``None``) or deactivated user, or one who no longer holds one of
    ``perms``, gives an actor whose scope is nowhere. Class-teacher grants are not delegated — they
    reach only the teacher's own classes, which a school scope cannot express.
    """
    wanted = frozenset(perms)
    if user is None:
        return SystemActor(name=name)
    schools: set[int] | None = None  # None: national for every permission so far
    for perm in sorted(wanted):
        grants = [g for g in _grants_with(user, perm) if g.role != Role.CLASS_TEACHER]
        if not grants:
            return SystemActor(name=name, on_behalf_of=user)
        if any(g.institution_id is None and g.municipality_id is None for g in grants):
            continue
        q = Q(pk__in=[g.institution_id for g in grants if g.institution_id is not None]) | Q(
            municipality_id__in=[g.municipality_id for g in grants if g.municipality_id is not None]
        )
        held = set(Institution.objects.filter(q).values_list("pk", flat=True))
        schools = held if schools is None else schools & held
    if within is not None:
        schools = {within.pk} if schools is None else schools & {within.pk}
    scope = Scope.country() if schools is None else Scope.schools(schools)
    return SystemActor(name=name, perms=wanted, scope=scope, on_behalf_of=user)


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
