"""Who sees which pupil: the scope rules of people/access.py, told through the personas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Enrolment
from pumpurs.people.services import enrolment_end
from pumpurs.world.personas import World


def visible(user, perm=Perm.VIEW_PUPILS) -> set[str]:
    return {f"{p.first_name} {p.last_name}" for p in access.pupils_visible_to(user, perm)}


def test_class_teacher_sees_only_pupils_of_own_class(world: World) -> None:
    assert visible(world.teacher_lizuma) == {"Anna Kalniņa"}
    assert visible(world.teacher_tirzas) == {"Jānis Bērziņš"}
    assert set(access.classes_visible_to(world.teacher_lizuma)) == {world.lizuma_7a}


def test_school_roles_see_their_whole_school(world: World) -> None:
    for user in (world.coordinator_lizuma, world.director_lizuma, world.specialist_lizuma):
        assert visible(user) == {"Anna Kalniņa", "Roberts Šmits"}
        assert set(access.institutions_visible_to(user)) == {world.lizuma}


def test_municipality_coordinator_sees_own_municipality_only(world: World) -> None:
    assert visible(world.coordinator_gulbene) == {"Anna Kalniņa", "Roberts Šmits", "Jānis Bērziņš"}
    assert set(access.municipalities_visible_to(world.coordinator_gulbene)) == {world.gulbene}
    assert visible(world.coordinator_madona) == {"Laura Ķēniņa"}


def test_national_sees_everyone_but_not_personal_codes(world: World) -> None:
    assert len(visible(world.national)) == 4
    assert visible(world.national, Perm.VIEW_PERSONAL_CODE) == set()
    assert visible(world.national, Perm.VIEW_GUARDIAN_CONTACTS) == set()
    assert len(visible(world.dpo, Perm.VIEW_PERSONAL_CODE)) == 4


@pytest.mark.parametrize("persona", ["nobody", "admin"])
def test_users_without_a_pupil_role_see_no_pupil(world: World, persona: str) -> None:
    assert visible(getattr(world, persona)) == set()


def test_unknown_role_cannot_be_granted(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        world.nobody.role_grants.create(role="retired_role_name", institution=world.lizuma)


def test_role_without_a_permission_mapping_sees_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: a role the access module does not know grants no permission at all."""
    monkeypatch.delitem(access.ROLE_PERMISSIONS, "director")
    assert visible(world.director_lizuma) == set()
    assert not access.institutions_visible_to(world.director_lizuma).exists()
    assert not access.classes_visible_to(world.director_lizuma).exists()


def test_anonymous_and_inactive_users_see_nothing(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    world.coordinator_lizuma.is_active = False
    assert visible(world.coordinator_lizuma) == set()


def test_pupil_who_left_stays_visible_to_school_for_a_year_but_not_to_class_teacher(world: World) -> None:
    enrolment = Enrolment.objects.get(pupil=world.pupil_lizuma, ends_on__isnull=True)
    left_on = world.today - dt.timedelta(days=1)
    if left_on < enrolment.starts_on:
        left_on = enrolment.starts_on
    enrolment_end(actor=world.coordinator_lizuma, enrolment=enrolment, ends_on=left_on, reason=Enrolment.EndReason.LEFT)
    if left_on < world.today:
        assert "Anna Kalniņa" not in visible(world.teacher_lizuma)
    assert "Anna Kalniņa" in visible(world.coordinator_lizuma)
    later = world.today + dt.timedelta(days=400)
    assert not access.pupils_visible_to(world.coordinator_lizuma, today=later).filter(pk=world.pupil_lizuma.pk).exists()


def test_two_grants_never_lend_a_permission_across_scopes(world: World) -> None:
    """A national programme member who is also a Lizuma class teacher reads codes only of her class."""
    world.national.role_grants.create(role="class_teacher", institution=world.lizuma)
    world.lizuma_8a.class_teacher = world.national
    world.lizuma_8a.save()
    access.forget_cached_grants(world.national)
    assert visible(world.national, Perm.VIEW_PERSONAL_CODE) == {"Roberts Šmits"}
    assert len(visible(world.national)) == 4
