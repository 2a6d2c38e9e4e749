"""Writing the audit trail. Callers are services that already hold a transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from pumpurs.audit.models import AuditEvent
from pumpurs.people.actors import Actor, SystemActor, actor_name, actor_user, require_actor
from pumpurs.people.models import User


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
    if transaction.get_autocommit():
        raise RuntimeError(f"audit_record({action!r}) must be called inside the transaction of the change it records.")
    actor = require_actor(actor)
    payload = dict(data or {})
    person = actor_user(actor)
    if isinstance(actor, SystemActor) and person is not None:
        payload["on_behalf_of"] = person.get_username()
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", None) or target.pk)
    return AuditEvent.objects.create(
        actor=person,
        actor_username=actor_name(actor),
        action=action,
        pupil_id=pupil_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=object_id,
        data=payload,
        ip_address=ip_address,
    )


@transaction.atomic
def record_view(*, actor: User, pupil_id: int, target: models.Model, ip_address: str | None = None) -> AuditEvent:
    """Record that ``actor`` opened a pupil's record (``people.pupil.viewed``)."""
    return audit_record(
        actor=actor, action="people.pupil.viewed", pupil_id=pupil_id, target=target, ip_address=ip_address
    )
