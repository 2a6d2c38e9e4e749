"""Where a dashboard is: the school, municipality or country the reader may open (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution, Municipality
from pumpurs.people.perms import Perm
from pumpurs.reporting.models import Level

# --- Where -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    level: str
    unit_id: int
    name: str
    public_id: UUID | None
    suppress: bool  # small cells hidden
    institution: Institution | None = None
    municipality: Municipality | None = None

    @property
    def url(self) -> str:
        if self.level == Level.SCHOOL:
            return reverse("reporting:school", args=[self.public_id])
        if self.level == Level.MUNICIPALITY:
            return reverse("reporting:municipality", args=[self.public_id])
        return reverse("reporting:national")


def school_place(user: Viewer, public_id: UUID) -> Place:
    school = access.institutions_visible_to(user, Perm.VIEW_DASHBOARD).filter(public_id=public_id).first()
    if school is None:
        raise Http404
    return Place(
        level=Level.SCHOOL,
        unit_id=school.pk,
        name=school.name,
        public_id=school.public_id,
        suppress=not access.holds_at_school(user, Perm.VIEW_DASHBOARD, school),
        institution=school,
    )


def municipality_place(user: Viewer, public_id: UUID) -> Place:
    municipality = access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).filter(public_id=public_id).first()
    if municipality is None:
        raise Http404
    return Place(
        level=Level.MUNICIPALITY,
        unit_id=municipality.pk,
        name=municipality.name,
        public_id=municipality.public_id,
        suppress=True,
        municipality=municipality,
    )


def national_place(user: Viewer) -> Place:
    if not access.is_national(user, Perm.VIEW_DASHBOARD):
        raise Http404
    return Place(level=Level.NATIONAL, unit_id=0, name=str(_("Latvia")), public_id=None, suppress=True)


def place_above(user: Viewer, place: Place) -> Place | None:
    """The dashboard one level up that the reader may open (the breadcrumb's link), if any."""
    if place.level == Level.SCHOOL and place.institution is not None:
        up = access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).filter(pk=place.institution.municipality_id)
        municipality = up.first()
        return municipality_place(user, municipality.public_id) if municipality is not None else None
    if place.level == Level.MUNICIPALITY and access.is_national(user, Perm.VIEW_DASHBOARD):
        return national_place(user)
    return None


def places_for(user: Viewer) -> list[Place]:
    """Every dashboard the reader may open at the top: the country, their municipalities, the
    schools where they hold a school role (a national or municipal reader reaches schools from
    the tables)."""
    found: list[Place] = []
    if access.is_national(user, Perm.VIEW_DASHBOARD):
        found.append(national_place(user))
        return found
    for m in access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).order_by("name"):
        found.append(municipality_place(user, m.public_id))
    for school in access.institutions_visible_to(user, Perm.VIEW_DASHBOARD).order_by("name"):
        if access.holds_at_school(user, Perm.VIEW_DASHBOARD, school):
            found.append(school_place(user, school.public_id))
    return found
