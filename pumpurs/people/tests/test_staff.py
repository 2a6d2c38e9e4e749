"""Staff, role grants and invitations (issue 12): each level appoints the level below it, inside its
own scope, and nobody grants a role above or outside it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import Invitation, Role, RoleGrant, SpecialistKind, User
from pumpurs.people.staff import (
    class_teacher_set,
    invitation_accept,
    invitation_find,
    role_grant_create,
    role_grant_revoke,
    staff_deactivate,
    staff_invite,
    staff_reactivate,
    staff_reinvite,
)
from pumpurs.world.personas import World

NEW_PASSWORD = "Sniegs-uz-Gaiziņa-2026"


def invite_teacher(world: World, *, actor: User | None = None, email: str = "baiba.kalna@lizums.lv") -> User:
    # The mail leaves after the commit, as in production.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return staff_invite(
            actor=actor or world.coordinator_lizuma,
            email=email,
            first_name="Baiba",
            last_name="Kalna",
            role=Role.CLASS_TEACHER,
            institution=world.lizuma,
        )


def token_from_mail() -> str:
    match = re.search(r"/invitation/([A-Za-z0-9_-]+)/", mail.outbox[-1].body)
    assert match is not None
    return match.group(1)


# --- the grant policy -------------------------------------------------------------------------


def test_each_level_appoints_the_level_below_within_its_scope(world: World) -> None:
    may = access.may_grant
    # The school coordinator and the director appoint class teachers and specialists of their school.
    assert may(world.coordinator_lizuma, Role.CLASS_TEACHER, institution=world.lizuma)
    assert may(world.director_lizuma, Role.SPECIALIST, institution=world.lizuma)
    # ... not a role of their own level or above, and not at another school.
    assert not may(world.coordinator_lizuma, Role.DIRECTOR, institution=world.lizuma)
    assert not may(world.coordinator_lizuma, Role.SCHOOL_COORDINATOR, institution=world.lizuma)
    assert not may(world.coordinator_lizuma, Role.MUNICIPALITY_COORDINATOR, municipality=world.gulbene)
    assert not may(world.coordinator_lizuma, Role.CLASS_TEACHER, institution=world.tirzas)
    # The municipality coordinator appoints directors and school coordinators of its schools only.
    assert may(world.coordinator_gulbene, Role.DIRECTOR, institution=world.tirzas)
    assert not may(world.coordinator_gulbene, Role.DIRECTOR, institution=world.madona_school)
    assert not may(world.coordinator_gulbene, Role.MUNICIPALITY_COORDINATOR, municipality=world.gulbene)
    assert not may(world.coordinator_gulbene, Role.NATIONAL_PROGRAMME)
    # The system administrator: municipality coordinators, national roles, the DPO.
    assert may(world.admin, Role.MUNICIPALITY_COORDINATOR, municipality=world.madona)
    assert may(world.admin, Role.DATA_PROTECTION_OFFICER)
    # Nobody else appoints anyone, and a scope that does not fit the role is never grantable.
    for persona in (world.teacher_lizuma, world.specialist_lizuma, world.national, world.dpo, world.nobody):
        assert not may(persona, Role.CLASS_TEACHER, institution=world.lizuma)
    assert not may(world.admin, Role.DIRECTOR, municipality=world.gulbene)
    assert not may(world.admin, Role.NATIONAL_PROGRAMME, institution=world.lizuma)
    assert not may(world.admin, "retired_role_name")


def test_a_deactivated_coordinator_appoints_nobody(world: World) -> None:
    world.coordinator_lizuma.is_active = False
    assert not access.may_grant(world.coordinator_lizuma, Role.CLASS_TEACHER, institution=world.lizuma)
    assert not access.grants_manageable_by(world.coordinator_lizuma).exists()


def test_a_system_actor_grants_by_the_scope_it_carries(world: World) -> None:
    lizuma_only = SystemActor(
        name="system:test", perms=frozenset({Perm.MANAGE_STAFF}), scope=Scope.schools([world.lizuma.pk])
    )
    assert access.may_grant(lizuma_only, Role.DIRECTOR, institution=world.lizuma)
    assert not access.may_grant(lizuma_only, Role.DIRECTOR, institution=world.tirzas)
    assert not access.may_grant(lizuma_only, Role.MUNICIPALITY_COORDINATOR, municipality=world.gulbene)
    assert not access.may_grant(SystemActor(name="system:test"), Role.CLASS_TEACHER, institution=world.lizuma)
    country = SystemActor(name="system:test", perms=frozenset({Perm.MANAGE_STAFF}), scope=Scope.country())
    assert access.may_grant(country, Role.SYSTEM_ADMIN)


def test_the_grants_one_may_manage_are_those_one_may_give(world: World) -> None:
    lizuma = set(access.grants_manageable_by(world.coordinator_lizuma).values_list("user__username", flat=True))
    assert lizuma == {"ilze.ozola", "peteris.liepa", "maris.egle"}
    gulbene = set(access.grants_manageable_by(world.coordinator_gulbene).values_list("user__username", flat=True))
    assert gulbene == {"liga.berza", "juris.priede", "anna.vitola"}
    assert world.teacher_tirzas not in access.staff_visible_to(world.coordinator_lizuma)
    assert not access.staff_visible_to(world.teacher_lizuma).exists()


# --- granting and revoking --------------------------------------------------------------------


def test_a_lizuma_coordinator_cannot_grant_at_tirzas_and_nothing_changes(world: World) -> None:
    before = RoleGrant.objects.count()
    with pytest.raises(PermissionDenied):
        role_grant_create(
            actor=world.coordinator_lizuma, user=world.nobody, role=Role.CLASS_TEACHER, institution=world.tirzas
        )
    with pytest.raises(PermissionDenied):
        invite_teacher(world, actor=world.coordinator_tirzas)
    assert RoleGrant.objects.count() == before
    assert not User.objects.filter(email="baiba.kalna@lizums.lv").exists()
    assert not AuditEvent.objects.filter(action__in=["people.role.granted", "people.staff.invited"]).exists()


def test_a_school_coordinator_cannot_grant_a_municipality_role(world: World) -> None:
    with pytest.raises(PermissionDenied):
        role_grant_create(
            actor=world.coordinator_lizuma,
            user=world.nobody,
            role=Role.MUNICIPALITY_COORDINATOR,
            municipality=world.gulbene,
        )
    assert not world.nobody.role_grants.exists()


def test_the_municipality_appoints_a_director_who_appoints_a_specialist(world: World) -> None:
    grant = role_grant_create(
        actor=world.coordinator_gulbene, user=world.nobody, role=Role.DIRECTOR, institution=world.tirzas
    )
    event = AuditEvent.objects.get(action="people.role.granted")
    assert event.actor == world.coordinator_gulbene
    assert event.data["role"] == "director"
    assert event.data["institution"] == "T-TIRZA"
    specialist = role_grant_create(
        actor=world.nobody,
        user=world.teacher_tirzas,
        role=Role.SPECIALIST,
        institution=world.tirzas,
        specialist_kind=SpecialistKind.SPEECH_THERAPIST,
    )
    assert world.teacher_tirzas in access.staff_of(world.tirzas)
    role_grant_revoke(actor=world.nobody, grant=specialist)
    role_grant_revoke(actor=world.coordinator_gulbene, grant=grant)
    assert not world.nobody.role_grants.exists()
    assert AuditEvent.objects.filter(action="people.role.revoked").count() == 2


def test_a_specialist_needs_a_kind_and_a_bad_grant_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError):
        role_grant_create(
            actor=world.coordinator_lizuma, user=world.nobody, role=Role.SPECIALIST, institution=world.lizuma
        )
    assert not world.nobody.role_grants.exists()
    assert not AuditEvent.objects.filter(action="people.role.granted").exists()


def test_nobody_revokes_a_grant_outside_their_scope(world: World) -> None:
    tirzas_teacher = world.teacher_tirzas.role_grants.get()
    lizuma_director = world.director_lizuma.role_grants.get()
    with pytest.raises(PermissionDenied):
        role_grant_revoke(actor=world.coordinator_lizuma, grant=tirzas_teacher)
    with pytest.raises(PermissionDenied):
        role_grant_revoke(actor=world.coordinator_lizuma, grant=lizuma_director)
    assert RoleGrant.objects.filter(pk__in=[tirzas_teacher.pk, lizuma_director.pk]).count() == 2


def test_a_teacher_who_loses_the_role_stops_leading_the_class(world: World) -> None:
    role_grant_revoke(actor=world.coordinator_lizuma, grant=world.teacher_lizuma.role_grants.get())
    world.lizuma_7a.refresh_from_db()
    assert world.lizuma_7a.class_teacher is None
    assert AuditEvent.objects.get(action="people.role.revoked").data["classes"] == "7.a"
    assert not access.pupils_visible_to(world.teacher_lizuma).exists()


def test_the_last_system_administrator_stays(world: World) -> None:
    with pytest.raises(ValidationError):
        role_grant_revoke(actor=world.admin, grant=world.admin.role_grants.get())
    assert world.admin.role_grants.exists()


# --- class teachers ---------------------------------------------------------------------------


def test_the_coordinator_names_who_leads_a_class(world: World) -> None:
    class_teacher_set(actor=world.coordinator_lizuma, class_group=world.lizuma_7a, teacher=world.teacher_lizuma_8a)
    world.lizuma_7a.refresh_from_db()
    assert world.lizuma_7a.class_teacher == world.teacher_lizuma_8a
    assert world.pupil_lizuma in access.pupils_visible_to(world.teacher_lizuma_8a)
    assert world.pupil_lizuma not in access.pupils_visible_to(world.teacher_lizuma)
    event = AuditEvent.objects.get(action="people.class.teacher_set")
    assert (event.data["teacher"], event.data["previous"]) == ("peteris.liepa", "ilze.ozola")


def test_a_class_is_led_only_by_a_class_teacher_of_its_school(world: World) -> None:
    for teacher in (world.teacher_tirzas, world.specialist_lizuma):
        with pytest.raises(ValidationError):
            class_teacher_set(actor=world.coordinator_lizuma, class_group=world.lizuma_7a, teacher=teacher)
    with pytest.raises(PermissionDenied):
        class_teacher_set(actor=world.coordinator_lizuma, class_group=world.tirzas_7a, teacher=world.teacher_lizuma)
    world.lizuma_7a.refresh_from_db()
    world.tirzas_7a.refresh_from_db()
    assert world.lizuma_7a.class_teacher == world.teacher_lizuma
    assert world.tirzas_7a.class_teacher == world.teacher_tirzas


# --- invitations ------------------------------------------------------------------------------


def test_an_invited_teacher_sets_a_password_once_and_signs_in(world: World, client) -> None:
    user = invite_teacher(world)
    assert not user.has_usable_password()
    assert user.role_grants.get().role == Role.CLASS_TEACHER
    assert mail.outbox[-1].to == ["baiba.kalna@lizums.lv"]
    token = token_from_mail()
    assert not Invitation.objects.filter(token_hash__contains=token).exists()  # only a hash is kept
    invitation_accept(token=token, password=NEW_PASSWORD)
    assert client.login(username="baiba.kalna@lizums.lv", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="people.invitation.accepted", actor=user).count() == 1
    # Used once, the link is useless: nothing changes.
    with pytest.raises(ValidationError) as refused:
        invitation_accept(token=token, password="Cits-parole-2026-x")
    assert refused.value.code == "invitation_invalid"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_link_changes_nothing(world: World) -> None:
    invite_teacher(world)
    token = token_from_mail()
    with time_machine.travel(dt.datetime(2026, 11, 19, 10, 1, tzinfo=dt.UTC)):
        assert invitation_find(token) is None
        with pytest.raises(ValidationError):
            invitation_accept(token=token, password=NEW_PASSWORD)
    user = User.objects.get(email="baiba.kalna@lizums.lv")
    assert not user.has_usable_password()
    assert not AuditEvent.objects.filter(action="people.invitation.accepted").exists()


def test_a_weak_password_is_refused_and_the_link_still_works(world: World) -> None:
    invite_teacher(world)
    token = token_from_mail()
    with pytest.raises(ValidationError):
        invitation_accept(token=token, password="123")
    assert invitation_find(token) is not None


def test_a_new_link_ends_the_old_one(world: World) -> None:
    user = invite_teacher(world)
    first = token_from_mail()
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_reinvite(actor=world.director_lizuma, user=user)
    assert invitation_find(first) is None
    assert invitation_find(token_from_mail()) is not None
    assert AuditEvent.objects.filter(action="people.staff.reinvited").count() == 1
    with pytest.raises(PermissionDenied):
        staff_reinvite(actor=world.coordinator_tirzas, user=user)


def test_an_address_in_use_or_a_bad_address_is_refused(world: World) -> None:
    invite_teacher(world)
    with pytest.raises(ValidationError):
        invite_teacher(world, email="BAIBA.KALNA@lizums.lv")
    with pytest.raises(ValidationError):
        invite_teacher(world, email="not-an-address")
    assert User.objects.filter(email__iexact="baiba.kalna@lizums.lv").count() == 1
    assert len(mail.outbox) == 1


def test_an_invitation_without_a_specialist_kind_writes_no_account(world: World) -> None:
    with pytest.raises(ValidationError):
        staff_invite(
            actor=world.coordinator_lizuma,
            email="x@lizums.lv",
            first_name="X",
            last_name="Y",
            role=Role.SPECIALIST,
            institution=world.lizuma,
        )
    assert not User.objects.filter(email="x@lizums.lv").exists()
    assert not mail.outbox


# --- deactivation -----------------------------------------------------------------------------


def test_a_teacher_who_leaves_can_no_longer_sign_in_and_history_stays(world: World, client) -> None:
    staff_deactivate(actor=world.coordinator_lizuma, user=world.teacher_lizuma)
    world.teacher_lizuma.refresh_from_db()
    assert not world.teacher_lizuma.is_active
    assert not client.login(username="ilze.ozola", password="demo-password-for-tests")
    assert world.teacher_lizuma.role_grants.exists()  # the record of what she held
    assert world.teacher_lizuma not in access.staff_of(world.lizuma)
    assert not access.pupils_visible_to(world.teacher_lizuma).exists()
    event = AuditEvent.objects.get(action="people.staff.deactivated")
    assert event.data["roles"][0]["role"] == "class_teacher"
    staff_reactivate(actor=world.coordinator_lizuma, user=world.teacher_lizuma)
    assert client.login(username="ilze.ozola", password="demo-password-for-tests")


def test_deactivation_refused_outside_scope_or_for_oneself(world: World) -> None:
    with pytest.raises(PermissionDenied):
        staff_deactivate(actor=world.coordinator_lizuma, user=world.coordinator_lizuma)
    with pytest.raises(PermissionDenied):
        staff_deactivate(actor=world.coordinator_lizuma, user=world.teacher_tirzas)
    with pytest.raises(PermissionDenied):
        staff_deactivate(actor=world.coordinator_lizuma, user=world.director_lizuma)
    # A teacher who also works at Tirzas loses her Lizuma roles by revocation, not her account.
    RoleGrant.objects.create(user=world.teacher_lizuma, role=Role.CLASS_TEACHER, institution=world.tirzas)
    with pytest.raises(ValidationError):
        staff_deactivate(actor=world.coordinator_lizuma, user=world.teacher_lizuma)
    assert User.objects.filter(is_active=False).count() == 0


def test_a_deactivated_invitee_cannot_use_the_link(world: World) -> None:
    user = invite_teacher(world)
    token = token_from_mail()
    staff_deactivate(actor=world.coordinator_lizuma, user=user)
    with pytest.raises(ValidationError):
        invitation_accept(token=token, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert not user.has_usable_password()
