"""The audit trail is append-only and written in the transaction of the change it records."""

from __future__ import annotations

import pytest
from django.db import transaction

from pumpurs.audit.models import AppendOnlyError, AuditEvent
from pumpurs.audit.services import audit_record, record_view
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
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="test.outside")
    assert not AuditEvent.objects.filter(action="test.outside").exists()
    with transaction.atomic():
        audit_record(actor=None, action="test.inside")
    event = AuditEvent.objects.get(action="test.inside")
    assert (event.actor, event.actor_username) == (None, "system")


def test_record_view_names_the_person_and_the_pupil(world: World) -> None:
    event = record_view(actor=world.teacher_lizuma, pupil_id=world.pupil_lizuma.pk, target=world.pupil_lizuma)
    assert (event.action, event.actor, event.actor_username, event.pupil_id) == (
        "people.pupil.viewed",
        world.teacher_lizuma,
        "ilze.ozola",
        world.pupil_lizuma.pk,
    )
    assert event.object_id == str(world.pupil_lizuma.public_id)
