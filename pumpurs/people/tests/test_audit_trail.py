"""The audit trail is append-only and written in the transaction of the change it records."""

from __future__ import annotations

import pytest
from django.db import transaction

from pumpurs.audit.models import AppendOnlyError, AuditEvent
from pumpurs.audit.services import Entry, audit_record, audit_record_many, record_view
from pumpurs.people.actors import SystemActor
from pumpurs.world.personas import World


def test_events_cannot_be_changed_or_deleted(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert AuditEvent.objects.get(pk=event.pk).action != "tampered"


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction() -> None:
    system = SystemActor(name="system:test")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=system, action="test.outside")
    assert not AuditEvent.objects.filter(action="test.outside").exists()
    with transaction.atomic():
        audit_record(actor=system, action="test.inside")
    event = AuditEvent.objects.get(action="test.inside")
    assert (event.actor, event.actor_username, event.data) == (None, "system:test", {})


def test_an_event_without_an_actor_is_refused(world: World) -> None:
    """Untyped code (a shell, a template) could still pass ``None``: the trail never records a
    change by no one, and the change it would describe rolls back with it."""
    count = AuditEvent.objects.count()
    with pytest.raises(TypeError, match="User or a SystemActor"), transaction.atomic():
        audit_record(actor=None, action="test.nobody")  # type: ignore[arg-type]  # what the test is about
    assert AuditEvent.objects.count() == count


def test_a_system_actor_is_recorded_by_name_with_the_person_it_acts_for(world: World) -> None:
    worker = SystemActor(name="system:import-worker", on_behalf_of=world.coordinator_lizuma)
    with transaction.atomic():
        event = audit_record(actor=worker, action="test.for", data={"rows": 3})
    assert event.actor == world.coordinator_lizuma
    assert event.actor_username == "system:import-worker"
    assert event.data == {"rows": 3, "on_behalf_of": "liga.berza"}


def test_record_view_names_the_person_and_the_pupil(world: World) -> None:
    event = record_view(actor=world.teacher_lizuma, pupil_id=world.pupil_lizuma.pk, target=world.pupil_lizuma)
    assert (event.action, event.actor, event.actor_username, event.pupil_id) == (
        "people.pupil.viewed",
        world.teacher_lizuma,
        "ilze.ozola",
        world.pupil_lizuma.pk,
    )
    assert event.object_id == str(world.pupil_lizuma.public_id)


def test_many_events_of_one_change_read_back_like_single_ones(world: World) -> None:
    worker = SystemActor(name="system:import-worker", on_behalf_of=world.coordinator_lizuma)
    pupil = world.pupil_lizuma
    with transaction.atomic():
        single = audit_record(actor=worker, action="test.one", pupil_id=pupil.pk, target=pupil, data={"n": 1})
        written = audit_record_many(
            actor=worker,
            entries=[Entry("test.many", pupil.pk, pupil, {"n": n}) for n in range(3)] + [Entry("test.many")],
        )
    assert written == 4
    many = list(AuditEvent.objects.filter(action="test.many").order_by("id"))
    for event in many[:3]:
        assert (event.actor, event.actor_username, event.pupil_id) == (world.coordinator_lizuma, worker.name, pupil.pk)
        assert (event.object_type, event.object_id) == (single.object_type, single.object_id)
        assert event.data["on_behalf_of"] == "liga.berza"
        assert abs((event.at - single.at).total_seconds()) < 60
    assert [e.data["n"] for e in many[:3]] == [0, 1, 2]
    assert (many[3].object_type, many[3].object_id, many[3].pupil_id) == ("", "", None)
    with pytest.raises(TypeError), transaction.atomic():
        audit_record_many(actor=None, entries=[Entry("test.nobody")])  # type: ignore[arg-type]  # the point
