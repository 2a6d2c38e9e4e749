"""Who may see what, and do what — the one place that decides (STYLE.md "Access").

Every view, selector and service starts from these functions. The rules (issue 2, DESIGN §2):

* a class teacher sees the classes they lead and the pupils currently enrolled in them;
* school roles (specialist, school coordinator, director) see their school;
* the municipality coordinator sees the schools of their municipality;
* national roles see the whole country, personal detail only where the role needs it;
* a user without a recognised grant sees nothing. Out of scope is answered with 404.

Permissions are names in code mapped from roles; a scope query always takes the permission it
serves, so a user who holds two grants never gets one grant's permission over the other's scope.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.people.models import (
    ClassGroup,
    Enrolment,
    Institution,
    Municipality,
    Pupil,
    Role,
    RoleGrant,
    User,
)


class Perm(StrEnum):
    VIEW_OVERVIEW = "people.view_overview"  # institutions, classes and pupil counts
    VIEW_PUPILS = "people.view_pupils"  # pupil lists and profiles (names, enrolments)
    VIEW_PERSONAL_CODE = "people.view_personal_code"
    VIEW_GUARDIAN_CONTACTS = "people.view_guardian_contacts"
    SEARCH_BY_PERSONAL_CODE = "people.search_by_personal_code"
    MANAGE_PUPILS = "people.manage_pupils"
    IMPORT_DATA = "imports.run"  # load rosters and e-journal facts for the schools in scope
    VIEW_AUDIT = "audit.view"
    MANAGE_STAFF = "people.manage_staff"
    # Early identification (issue 4).
    VIEW_RISK = "risk.view"  # a pupil's flags, indicators, questionnaire results, decision log
    VIEW_RISK_COUNTS = "risk.view_counts"  # per-school counts of flagged pupils, no names
    DECIDE_FLAGS = "risk.decide"  # accept or dismiss a flag
    ASSESS = "risk.assess"  # fill or add to the semester risk questionnaire
    VIEW_SENSITIVE = "risk.view_sensitive"  # family and health items of the questionnaire
    MANAGE_CAPACITY = "risk.capacity"  # how many pupils the school can support this semester
    MANAGE_THRESHOLDS = "risk.thresholds"  # municipal overrides of rule thresholds
    MANAGE_INSTRUMENTS = "risk.instruments"  # new versions of the questionnaire
    VIEW_FAIRNESS = "risk.fairness"  # flag rates by gender and grade band, small cells suppressed
    VIEW_OUTBOX = "risk.outbox"  # notices sent to guardians and the municipality
    # Individual support (issue 5).
    VIEW_SUPPORT = "support.view"  # cases, plans, deliveries and reviews of pupils in scope
    MANAGE_CASES = "support.manage"  # open cases, team, contacts, consent, draft and submit plans
    APPROVE_AS_DIRECTOR = "support.approve_director"
    APPROVE_AS_MUNICIPALITY = "support.approve_municipality"
    APPROVE_AS_NATIONAL = "support.approve_national"
    DELIVER = "support.deliver"  # log consultations, compensations and items
    REVIEW_PLANS = "support.review"  # the semester review
    MANAGE_CATALOGUE = "support.catalogue"  # the national measure catalogue
    RECORD_LOW_INCOME = "support.low_income"  # low-income statuses from the social service


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
        _SCHOOL_DETAIL | _RISK_READ | _SUPPORT_WORK | {Perm.DECIDE_FLAGS, Perm.ASSESS, Perm.VIEW_SENSITIVE}
    ),
    Role.SPECIALIST: frozenset(_SCHOOL_DETAIL | _RISK_READ | _SUPPORT_WORK | {Perm.ASSESS, Perm.VIEW_SENSITIVE}),
    Role.SCHOOL_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {
            Perm.MANAGE_PUPILS,
            Perm.IMPORT_DATA,
            Perm.DECIDE_FLAGS,
            Perm.ASSESS,
            Perm.VIEW_SENSITIVE,
            Perm.MANAGE_CAPACITY,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            Perm.RECORD_LOW_INCOME,
        }
        | _SUPPORT_WORK
    ),
    Role.DIRECTOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {Perm.MANAGE_CAPACITY, Perm.VIEW_FAIRNESS, Perm.VIEW_SUPPORT, Perm.APPROVE_AS_DIRECTOR}
    ),
    # The municipality sees how many pupils each school flags, not who (issue 4).
    Role.MUNICIPALITY_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | {
            Perm.IMPORT_DATA,
            Perm.VIEW_RISK_COUNTS,
            Perm.MANAGE_THRESHOLDS,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            # Approving a plan means reading it: the municipality sees the plans of its schools.
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_MUNICIPALITY,
            Perm.RECORD_LOW_INCOME,
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
        }
    ),
    # Subject-access requests need the code and the whole record; the trail is theirs to read.
    Role.DATA_PROTECTION_OFFICER: frozenset(
        _SCHOOL_DETAIL | {Perm.VIEW_AUDIT, Perm.VIEW_RISK, Perm.VIEW_FAIRNESS, Perm.VIEW_SUPPORT}
    ),
    Role.SYSTEM_ADMIN: frozenset({Perm.VIEW_OVERVIEW, Perm.MANAGE_STAFF}),
}


def _grants(user: Any) -> list[RoleGrant]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[RoleGrant] | None = getattr(user, "_pumpurs_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).select_related("institution", "municipality"))
        user._pumpurs_grants = cached
    return cached


def _grants_with(user: Any, perm: Perm) -> list[RoleGrant]:
    return [g for g in _grants(user) if perm in ROLE_PERMISSIONS.get(g.role, frozenset())]


def forget_cached_grants(user: Any) -> None:
    if hasattr(user, "_pumpurs_grants"):
        del user._pumpurs_grants


def roles_of(user: Any) -> set[str]:
    return {g.role for g in _grants(user)}


def has_perm(user: Any, perm: Perm) -> bool:
    """True when some grant gives ``perm`` somewhere; use the scope queries for a given object."""
    return bool(_grants_with(user, perm))


def former_pupil_cutoff(today: dt.date | None = None) -> dt.date:
    """School and municipality roles keep seeing a pupil who left for this many days."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.PUMPURS_FORMER_PUPIL_VISIBLE_DAYS)


def _enrolment_scope(grants: list[RoleGrant], user: Any, today: dt.date) -> Q | None:
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


def pupils_visible_to(user: Any, perm: Perm = Perm.VIEW_PUPILS, *, today: dt.date | None = None) -> QuerySet[Pupil]:
    grants = _grants_with(user, perm)
    if not grants:
        return Pupil.objects.none()
    scope = _enrolment_scope(grants, user, today or timezone.localdate())
    if scope is None:
        return Pupil.objects.all()
    return Pupil.objects.filter(Exists(Enrolment.objects.filter(scope, pupil_id=OuterRef("pk"))))


def can_see_pupil(user: Any, pupil: Pupil, perm: Perm = Perm.VIEW_PUPILS) -> bool:
    return pupils_visible_to(user, perm).filter(pk=pupil.pk).exists()


def require_pupil(actor: Any, pupil: Pupil | int, perm: Perm) -> None:
    """For services: raise ``PermissionDenied`` unless ``actor`` holds ``perm`` over the pupil
    (given as a pupil or its id)."""
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    if not pupils_visible_to(actor, perm).filter(pk=pupil_id).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))


def institutions_visible_to(user: Any, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[Institution]:
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


def municipalities_visible_to(user: Any, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[Municipality]:
    return Municipality.objects.filter(
        Exists(institutions_visible_to(user, perm).filter(municipality_id=OuterRef("pk")))
    )


def classes_visible_to(user: Any, perm: Perm = Perm.VIEW_OVERVIEW) -> QuerySet[ClassGroup]:
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


def can_manage_pupils_of(user: Any, institution: Institution) -> bool:
    return institutions_visible_to(user, Perm.MANAGE_PUPILS).filter(pk=institution.pk).exists()
