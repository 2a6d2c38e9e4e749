"""System actors: access answers them from the scope they carry, and an empty scope is nowhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor, request_actor, require_actor
from pumpurs.people.models import Pupil, RoleGrant
from pumpurs.world.personas import World

IMPORTING = frozenset({Perm.IMPORT_DATA, Perm.MANAGE_PUPILS})


def test_a_system_actor_without_a_scope_sees_and_may_do_nothing(world: World) -> None:
    nowhere = SystemActor(name="system:test", perms=IMPORTING)
    assert not access.has_perm(nowhere, Perm.IMPORT_DATA)
    assert not access.pupils_visible_to(nowhere, Perm.IMPORT_DATA).exists()
    assert not access.institutions_visible_to(nowhere, Perm.IMPORT_DATA).exists()
    assert not access.classes_visible_to(nowhere, Perm.IMPORT_DATA).exists()
    assert not access.municipalities_visible_to(nowhere, Perm.IMPORT_DATA).exists()
    assert access.roles_of(nowhere) == set()


def test_a_system_actor_holds_only_the_permissions_it_names(world: World) -> None:
    importer = SystemActor(name="system:test", perms=frozenset({Perm.IMPORT_DATA}), scope=Scope.country())
    assert access.pupils_visible_to(importer, Perm.IMPORT_DATA).count() == Pupil.objects.count()
    assert not access.pupils_visible_to(importer, Perm.VIEW_PUPILS).exists()
    assert not access.can_manage_pupils_of(importer, world.lizuma)
    assert access.is_national(importer, Perm.IMPORT_DATA)
    assert not access.is_national(importer, Perm.MANAGE_INSTITUTIONS)


def test_a_school_scoped_system_actor_sees_that_school_only(world: World) -> None:
    lizuma = SystemActor(name="system:test", perms=IMPORTING, scope=Scope.schools([world.lizuma.pk]))
    pupils = set(access.pupils_visible_to(lizuma, Perm.IMPORT_DATA))
    assert world.pupil_lizuma in pupils
    assert world.pupil_lizuma_8a in pupils
    assert world.pupil_tirzas not in pupils
    assert list(access.institutions_visible_to(lizuma, Perm.MANAGE_PUPILS)) == [world.lizuma]
    assert {c.institution_id for c in access.classes_visible_to(lizuma, Perm.MANAGE_PUPILS)} == {world.lizuma.pk}
    assert not access.is_national(lizuma, Perm.IMPORT_DATA)
    with pytest.raises(PermissionDenied):
        access.require_pupil(lizuma, world.pupil_tirzas, Perm.IMPORT_DATA)


def test_a_municipality_scope_covers_its_schools(world: World) -> None:
    gulbene = SystemActor(
        name="system:test", perms=IMPORTING, scope=Scope(municipality_ids=frozenset({world.gulbene.pk}))
    )
    assert set(access.institutions_visible_to(gulbene, Perm.IMPORT_DATA)) == {world.lizuma, world.tirzas}
    assert world.pupil_madona not in set(access.pupils_visible_to(gulbene, Perm.IMPORT_DATA))


def test_a_system_actor_names_itself_and_never_means_everywhere_by_default() -> None:
    with pytest.raises(ValueError, match="system:"):
        SystemActor(name="import-worker")
    with pytest.raises(ValueError, match="national"):
        Scope(institution_ids=frozenset({1}), national=True)
    actor = SystemActor(name="system:test", perms={Perm.IMPORT_DATA})  # type: ignore[arg-type]  # a set by mistake
    assert actor.perms == frozenset({Perm.IMPORT_DATA})
    assert actor.scope.is_empty
    assert hash(actor) == hash(SystemActor(name="system:test", perms=frozenset({Perm.IMPORT_DATA})))


def test_acting_for_a_person_carries_their_scope_and_no_more(world: World) -> None:
    liga = access.acting_for(world.coordinator_lizuma, name="system:test", perms=IMPORTING)
    assert (liga.on_behalf_of, liga.scope) == (world.coordinator_lizuma, Scope.schools([world.lizuma.pk]))
    narrowed = access.acting_for(world.coordinator_lizuma, name="system:test", perms=IMPORTING, within=world.tirzas)
    assert narrowed.scope.is_empty
    # The municipality coordinator imports facts for every school of Gulbene, registers no pupils.
    inese_facts = access.acting_for(world.coordinator_gulbene, name="system:test", perms={Perm.IMPORT_DATA})
    assert inese_facts.scope == Scope.schools([world.lizuma.pk, world.tirzas.pk])
    assert access.acting_for(world.coordinator_gulbene, name="system:test", perms=IMPORTING).scope.is_empty
    # A class teacher's grant reaches their own classes only, which a school scope cannot say.
    assert access.acting_for(world.teacher_lizuma, name="system:test", perms={Perm.VIEW_PUPILS}).scope.is_empty


def test_acting_for_someone_deleted_deactivated_or_stripped_is_nowhere(world: World) -> None:
    assert access.acting_for(None, name="system:test", perms=IMPORTING).scope.is_empty
    world.coordinator_tirzas.is_active = False
    world.coordinator_tirzas.save()
    assert access.acting_for(world.coordinator_tirzas, name="system:test", perms=IMPORTING).scope.is_empty
    RoleGrant.objects.filter(user=world.coordinator_lizuma).delete()
    access.forget_cached_grants(world.coordinator_lizuma)
    assert access.acting_for(world.coordinator_lizuma, name="system:test", perms=IMPORTING).scope.is_empty


def test_none_is_not_an_actor(world: World) -> None:
    with pytest.raises(TypeError, match="not None"):
        require_actor(None)
    with pytest.raises(TypeError):
        require_actor(AnonymousUser())
    # Reads from untyped code fail closed: nobody sees nothing.
    assert not access.pupils_visible_to(None, Perm.VIEW_PUPILS).exists()  # type: ignore[arg-type]  # the point
    assert not access.has_perm(None, Perm.IMPORT_DATA)  # type: ignore[arg-type]  # the point


def test_a_request_acts_for_its_signed_in_person_only(world: World) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        request_actor(request)
    request.user = world.teacher_lizuma
    assert request_actor(request) == world.teacher_lizuma
