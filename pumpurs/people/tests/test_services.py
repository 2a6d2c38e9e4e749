"""Writes to people: each one audited in its own transaction, refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pumpurs.audit.models import AuditEvent
from pumpurs.core import crypto
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Pupil
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.roster import NotInScope
from pumpurs.people.services import (
    enrolment_end,
    guardian_add,
    pupil_create,
    pupil_enrol,
    pupil_find_by_personal_code,
)
from pumpurs.world.personas import World


def new_pupil(world: World, **overrides: object) -> Pupil:
    born = dt.date(world.year.starts_on.year - 12, 5, 6)
    kwargs: dict[str, object] = {
        "actor": world.coordinator_lizuma,
        "personal_code": synthetic_code(born, 555),
        "first_name": "Marta",
        "last_name": "Zariņa",
        "birth_date": born,
        "gender": Pupil.Gender.FEMALE,
        "class_group": world.lizuma_7a,
        "starts_on": world.year.starts_on,
    }
    kwargs.update(overrides)
    return pupil_create(**kwargs)  # type: ignore[arg-type]


def test_pupil_create_encrypts_the_code_and_audits(world: World) -> None:
    before = AuditEvent.objects.count()
    pupil = new_pupil(world)
    assert pupil.personal_code_encrypted != pupil.personal_code
    assert "Zariņa" not in pupil.personal_code_encrypted
    assert pupil.personal_code == synthetic_code(pupil.birth_date, 555)
    assert pupil.personal_code_hash == crypto.lookup_hash(pupil.personal_code)
    actions = list(AuditEvent.objects.filter(pupil_id=pupil.pk).values_list("action", "actor"))
    assert sorted(actions) == [
        ("people.enrolment.started", world.coordinator_lizuma.pk),
        ("people.pupil.created", world.coordinator_lizuma.pk),
    ]
    assert AuditEvent.objects.count() == before + 2
    # The personal code is never written to the trail.
    for event in AuditEvent.objects.filter(pupil_id=pupil.pk):
        assert pupil.personal_code not in str(event.data)


def test_a_failed_write_leaves_no_audit_event(world: World) -> None:
    events = AuditEvent.objects.count()

    def create_then_fail() -> None:
        with transaction.atomic():
            pupil_create(
                actor=world.coordinator_lizuma,
                personal_code="321111-22222",
                first_name="Ēriks",
                last_name="Ābele",
                birth_date=world.today.replace(year=world.today.year - 8),
                class_group=world.lizuma_7a,
                starts_on=world.year.starts_on,
            )
            raise RuntimeError("the surrounding work failed after the pupil was created")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert AuditEvent.objects.count() == events
    assert not Pupil.objects.filter(last_name="Ābele").exists()


def test_second_pupil_with_same_code_is_refused_with_pointer_to_existing(world: World) -> None:
    first = new_pupil(world)
    count = Pupil.objects.count()
    with pytest.raises(ValidationError) as caught:
        new_pupil(world, first_name="Cita", personal_code=first.personal_code[:6] + "-" + first.personal_code[6:])
    assert caught.value.code == "personal_code_duplicate"
    assert str(first.public_id) in caught.value.messages[0]
    assert Pupil.objects.count() == count


def test_invalid_code_is_refused_and_nothing_is_written(world: World) -> None:
    pupils, events = Pupil.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        new_pupil(world, personal_code="161175-19998")
    assert caught.value.code == "personal_code_invalid"  # the roster's code; the message says which part
    assert "kontrolcipar" in caught.value.messages[0]  # Latvian by default: the check digit
    assert (Pupil.objects.count(), AuditEvent.objects.count()) == (pupils, events)


def test_birth_date_must_agree_with_old_format_code(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        new_pupil(world, birth_date=dt.date(2010, 1, 1))
    assert caught.value.code == "birth_date_mismatch"


def test_teacher_of_tirzas_may_not_register_a_lizuma_pupil(world: World) -> None:
    with pytest.raises(PermissionDenied):
        new_pupil(world, actor=world.coordinator_tirzas)
    with pytest.raises(PermissionDenied):
        new_pupil(world, actor=world.teacher_lizuma)  # class teachers read, coordinators register


def test_find_by_personal_code_uses_the_keyed_hash(world: World) -> None:
    assert pupil_find_by_personal_code(world.pupil_tirzas.personal_code) == world.pupil_tirzas
    assert pupil_find_by_personal_code("161175-19997") is None


def test_moving_class_keeps_history(world: World) -> None:
    pupil = world.pupil_lizuma
    move_on = min(world.today, world.year.starts_on + dt.timedelta(days=30))
    pupil_enrol(actor=world.coordinator_lizuma, pupil=pupil, class_group=world.lizuma_8a, starts_on=move_on)
    history = list(Enrolment.objects.filter(pupil=pupil).order_by("starts_on"))
    assert [(e.class_group, e.ends_on, e.end_reason) for e in history] == [
        (world.lizuma_7a, move_on - dt.timedelta(days=1), Enrolment.EndReason.CLASS_CHANGED),
        (world.lizuma_8a, None, ""),
    ]
    assert AuditEvent.objects.filter(pupil_id=pupil.pk, action="people.enrolment.ended").count() == 1


def test_a_transfer_is_a_hand_over_the_receiving_school_cannot_pull_a_pupil(world: World) -> None:
    """Tirzas may not take Anna out of Lizuma's class; Lizuma ends her enrolment (transferred),
    then Tirzas enrols her — each school does its own part, as a roster import would."""
    move_on = min(world.today, world.year.starts_on + dt.timedelta(days=40))
    with pytest.raises(NotInScope) as refused:
        pupil_enrol(
            actor=world.coordinator_tirzas, pupil=world.pupil_lizuma, class_group=world.tirzas_7a, starts_on=move_on
        )
    assert refused.value.code == "pupil_out_of_scope"
    old = Enrolment.objects.get(pupil=world.pupil_lizuma, class_group=world.lizuma_7a)
    assert old.ends_on is None
    enrolment_end(
        actor=world.coordinator_lizuma,
        enrolment=old,
        ends_on=move_on - dt.timedelta(days=1),
        reason=Enrolment.EndReason.TRANSFERRED,
    )
    pupil_enrol(
        actor=world.coordinator_tirzas, pupil=world.pupil_lizuma, class_group=world.tirzas_7a, starts_on=move_on
    )
    assert world.pupil_lizuma.enrolments.get(ends_on__isnull=True).class_group == world.tirzas_7a


def test_someone_who_manages_both_schools_moves_a_pupil_as_a_transfer(world: World) -> None:
    both = SystemActor(
        name="system:test",
        perms=frozenset({Perm.MANAGE_PUPILS}),
        scope=Scope.schools([world.lizuma.pk, world.tirzas.pk]),
    )
    move_on = min(world.today, world.year.starts_on + dt.timedelta(days=40))
    pupil_enrol(actor=both, pupil=world.pupil_lizuma, class_group=world.tirzas_7a, starts_on=move_on)
    old = Enrolment.objects.get(pupil=world.pupil_lizuma, class_group=world.lizuma_7a)
    assert old.end_reason == Enrolment.EndReason.TRANSFERRED


def test_enrolment_end_refuses_bad_dates_and_double_end(world: World) -> None:
    enrolment = Enrolment.objects.get(pupil=world.pupil_lizuma)
    with pytest.raises(ValidationError):
        enrolment_end(
            actor=world.coordinator_lizuma,
            enrolment=enrolment,
            ends_on=enrolment.starts_on - dt.timedelta(days=1),
            reason="left",
        )
    enrolment_end(actor=world.coordinator_lizuma, enrolment=enrolment, ends_on=enrolment.starts_on, reason="left")
    with pytest.raises(ValidationError):
        enrolment_end(actor=world.coordinator_lizuma, enrolment=enrolment, ends_on=enrolment.starts_on, reason="left")


def test_guardian_add_is_audited_and_scoped(world: World) -> None:
    guardian = guardian_add(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        first_name="Inga",
        last_name="Kalniņa",
        relation=Guardian.Relation.MOTHER,
        phone="+371 20000000",
    )
    assert AuditEvent.objects.filter(action="people.guardian.added", object_id=str(guardian.public_id)).count() == 1
    with pytest.raises(PermissionDenied):
        guardian_add(
            actor=world.coordinator_tirzas,
            pupil=world.pupil_lizuma,
            first_name="X",
            last_name="Y",
            relation=Guardian.Relation.FATHER,
        )


def test_class_names_are_unique_per_school_and_year(world: World) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ClassGroup.objects.create(institution=world.lizuma, school_year=world.year, grade=7, name="7.a")
