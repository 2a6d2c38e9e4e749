"""Reads for the people pages. Every query starts from people/access.py; counts are done in SQL.

Counts on overview pages are sums over the classes the user may see in the current school year,
so that a class teacher's numbers match the classes they are shown and a school's numbers match
its class list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from pumpurs.core.text import Folded, fold
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import (
    INSTITUTION_ROLES,
    ClassGroup,
    Enrolment,
    Guardian,
    Institution,
    Municipality,
    Pupil,
    Role,
    RoleGrant,
    SchoolYear,
    User,
)
from pumpurs.people.personal_code import parse_personal_code

NAME_SEARCH_LIMIT = 50


def open_on(day: dt.date, prefix: str = "") -> Q:
    """Enrolments (or, with a prefix, rows reached through one) that are open on ``day``."""
    return Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})


def _count(queryset: QuerySet[Any], group_by: str) -> Coalesce:
    """A correlated ``COUNT(*)`` over ``queryset`` grouped by ``group_by`` (already tied to OuterRef)."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def classes_this_year(user: Viewer, year: SchoolYear | None) -> QuerySet[ClassGroup]:
    if year is None:
        return ClassGroup.objects.none()
    return access.classes_visible_to(user).filter(school_year=year)


def _current_enrolments(user: Viewer, year: SchoolYear | None, today: dt.date) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(open_on(today), class_group__in=classes_this_year(user, year))


def municipalities_with_counts(user: Viewer, *, today: dt.date | None = None) -> QuerySet[Municipality]:
    today = today or timezone.localdate()
    year = school_year_on(today)
    institutions = access.institutions_visible_to(user)
    return access.municipalities_visible_to(user).annotate(
        institution_count=_count(institutions.filter(municipality_id=OuterRef("pk")), "municipality_id"),
        class_count=_count(
            classes_this_year(user, year).filter(institution__municipality_id=OuterRef("pk")),
            "institution__municipality_id",
        ),
        pupil_count=_count(
            _current_enrolments(user, year, today).filter(institution__municipality_id=OuterRef("pk")),
            "institution__municipality_id",
        ),
    )


def institutions_with_counts(
    user: Viewer, *, municipality: Municipality, today: dt.date | None = None
) -> QuerySet[Institution]:
    today = today or timezone.localdate()
    year = school_year_on(today)
    return (
        access.institutions_visible_to(user)
        .filter(municipality=municipality)
        .annotate(
            class_count=_count(classes_this_year(user, year).filter(institution_id=OuterRef("pk")), "institution_id"),
            pupil_count=_count(
                _current_enrolments(user, year, today).filter(institution_id=OuterRef("pk")), "institution_id"
            ),
        )
    )


def classes_with_counts(
    user: Viewer, *, institution: Institution, today: dt.date | None = None
) -> QuerySet[ClassGroup]:
    today = today or timezone.localdate()
    year = school_year_on(today)
    return (
        classes_this_year(user, year)
        .filter(institution=institution)
        .select_related("class_teacher")
        .annotate(pupil_count=Count("enrolments", filter=open_on(today, "enrolments__")))
        .order_by("grade", "name")
    )


@dataclass(frozen=True)
class Summary:
    classes: int
    pupils: int


def summary_of(rows: list[Any]) -> Summary:
    """Totals of rows already annotated above (no further query); a class row counts as one class."""
    return Summary(classes=sum(getattr(r, "class_count", 1) for r in rows), pupils=sum(r.pupil_count for r in rows))


def class_pupils(user: Viewer, *, class_group: ClassGroup, today: dt.date | None = None) -> QuerySet[Enrolment]:
    """Current enrolments of the class, limited to the pupils the user may see."""
    today = today or timezone.localdate()
    return (
        Enrolment.objects.filter(open_on(today), class_group=class_group, pupil__in=access.pupils_visible_to(user))
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name")
    )


def pupils_with_current_class(queryset: QuerySet[Pupil], *, today: dt.date | None = None) -> QuerySet[Pupil]:
    today = today or timezone.localdate()
    current = Enrolment.objects.filter(open_on(today), pupil_id=OuterRef("pk")).order_by("-starts_on")
    return queryset.annotate(
        class_name=Subquery(current.values("class_group__name")[:1]),
        institution_name=Subquery(current.values("institution__name")[:1]),
    )


def pupil_search_by_name(user: Viewer, *, query: str) -> list[Pupil]:
    """Pupils the user may see whose first or last name contains every word of ``query``,
    ignoring case and Latvian diacritics ("berzins" finds "Bērziņš")."""
    words = query.split()[:5]
    if not words:
        return []
    queryset = access.pupils_visible_to(user).annotate(_first=Folded("first_name"), _last=Folded("last_name"))
    for word in words:
        folded = fold(word)
        queryset = queryset.filter(Q(_first__contains=folded) | Q(_last__contains=folded))
    return list(pupils_with_current_class(queryset).order_by("last_name", "first_name")[: NAME_SEARCH_LIMIT + 1])


@dataclass(frozen=True)
class PupilProfile:
    pupil: Pupil
    personal_code: str
    code_is_masked: bool
    enrolments: list[Enrolment]
    guardians: list[Guardian]
    show_contacts: bool


def pupil_profile(user: Viewer, *, pupil: Pupil) -> PupilProfile:
    """What the user may read of a pupil they can already see; code and contacts need their own permission."""
    code = parse_personal_code(pupil.personal_code)
    code_allowed = access.can_see_pupil(user, pupil, Perm.VIEW_PERSONAL_CODE)
    return PupilProfile(
        pupil=pupil,
        personal_code=code.display if code_allowed else code.masked,
        code_is_masked=not code_allowed,
        enrolments=list(
            pupil.enrolments.select_related("class_group__school_year", "institution").order_by("-starts_on")
        ),
        guardians=list(pupil.guardians.all()),
        show_contacts=access.can_see_pupil(user, pupil, Perm.VIEW_GUARDIAN_CONTACTS),
    )


def role_grants_of(user: Viewer) -> list[RoleGrant]:
    if not isinstance(user, User) or not user.is_authenticated:
        return []  # a system actor holds no grants; nobody signed in holds nothing
    return list(RoleGrant.objects.filter(user=user).select_related("institution", "municipality"))


def home_url(user: Viewer, *, today: dt.date | None = None) -> str | None:
    """Where a user starts: the narrowest place that shows all they work with; None without a role."""
    roles = access.roles_of(user)
    if not access.has_perm(user, Perm.VIEW_OVERVIEW):
        return None
    if roles == {Role.DATA_PROTECTION_OFFICER}:
        return reverse("audit_events")
    if roles & {Role.NATIONAL_PROGRAMME, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN}:
        return reverse("municipality_list")
    if roles == {Role.CLASS_TEACHER}:
        classes = list(classes_this_year(user, school_year_on(today or timezone.localdate()))[:2])
        if len(classes) == 1:
            return reverse("class_detail", args=[classes[0].public_id])
    if roles <= set(INSTITUTION_ROLES):
        institutions = list(access.institutions_visible_to(user)[:2])
        if len(institutions) == 1:
            return reverse("institution_detail", args=[institutions[0].public_id])
    municipalities = list(access.municipalities_visible_to(user)[:2])
    if len(municipalities) == 1:
        return reverse("municipality_detail", args=[municipalities[0].public_id])
    return reverse("municipality_list")


def staff_rows(*, institution: Institution | None = None, municipality: Municipality | None = None) -> list[RoleGrant]:
    """Who works at a school, or in a municipality (its coordinators and the staff of its schools):
    one row per grant, people who left included, with the classes each class teacher leads this
    school year (``led``). Callers check that the reader may see the place (``access.staff_institutions_of``)."""
    grants = RoleGrant.objects.select_related("user", "institution", "municipality")
    if institution is not None:
        grants = grants.filter(institution=institution)
    elif municipality is not None:
        grants = grants.filter(Q(municipality=municipality) | Q(institution__municipality=municipality))
    else:
        return []
    rows = list(grants.order_by("user__last_name", "user__first_name", "role", "pk"))
    led: dict[tuple[int, int], list[str]] = {}
    teachers = [g.user_id for g in rows if g.role == Role.CLASS_TEACHER]
    year = school_year_on(timezone.localdate())
    classes = ClassGroup.objects.filter(class_teacher_id__in=teachers, school_year=year)
    for cls in classes.order_by("grade", "name"):
        led.setdefault((cls.class_teacher_id or 0, cls.institution_id), []).append(cls.name)
    for grant in rows:
        grant.led = led.get((grant.user_id, grant.institution_id or 0), [])  # type: ignore[attr-defined]
    return rows
