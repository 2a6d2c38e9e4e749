"""Writing the audit trail. Callers are services that already hold a transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from pumpurs.audit.models import AuditEvent
from pumpurs.people.actors import Actor, SystemActor, actor_name, actor_user, require_actor
from pumpurs.people.models import User

BULK_BATCH = 1000


@dataclass(frozen=True)
class Entry:
    """One event of a bulk write (``audit_record_many``): what ``audit_record`` takes, less the actor."""

    action: str
    pupil_id: int | None = None
    target: models.Model | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _event(actor: Actor, entry: Entry, ip_address: str | None = None) -> AuditEvent:
    payload = dict(entry.data)
    person = actor_user(actor)
    if isinstance(actor, SystemActor) and person is not None:
        payload["on_behalf_of"] = person.get_username()
    target = entry.target
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", None) or target.pk)
    return AuditEvent(
        actor=person,
        actor_username=actor_name(actor),
        action=entry.action,
        pupil_id=entry.pupil_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=object_id,
        data=payload,
        ip_address=ip_address,
    )


def _require_transaction(action: str) -> None:
    if transaction.get_autocommit():
        raise RuntimeError(f"audit_record({action!r}) must be called inside the transaction of the change it records.")


def audit_record(
    *,
    actor: Actor,
    action: str,
    pupil_id: int | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction so that the event and the
    change it describes commit or roll back together; it refuses to run outside one.

    Who acted: a person (``actor`` and ``actor_username`` are theirs), or a system actor —
    ``actor_username`` is its name (``system:import-worker``) and, when it acts for someone, ``actor``
    is that person and ``data["on_behalf_of"]`` keeps their username after the account is gone.
    Anything else (``None``) is refused: an event always says who."""
    _require_transaction(action)
    event = _event(require_actor(actor), Entry(action, pupil_id, target, data or {}), ip_address)
    event.save()
    return event


def audit_record_many(*, actor: Actor, entries: Iterable[Entry]) -> int:
    """``audit_record`` for many events of one change (a roster of pupils), inserted in batches;
    returns how many. The same rules: inside the change's transaction, never without an actor."""
    _require_transaction("many")
    actor = require_actor(actor)
    events = [_event(actor, entry) for entry in entries]
    AuditEvent.objects.bulk_create(events, batch_size=BULK_BATCH)
    return len(events)


@transaction.atomic
def record_view(*, actor: User, pupil_id: int, target: models.Model, ip_address: str | None = None) -> AuditEvent:
    """Record that ``actor`` opened a pupil's record (``people.pupil.viewed``)."""
    return audit_record(
        actor=actor, action="people.pupil.viewed", pupil_id=pupil_id, target=target, ip_address=ip_address
    )
