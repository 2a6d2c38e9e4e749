"""Writing the audit trail. Callers are services that already hold a transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from pumpurs.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    pupil_id: int | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction so that the event and the
    change it describes commit or roll back together; it refuses to run outside one."""
    if transaction.get_autocommit():
        raise RuntimeError(f"audit_record({action!r}) must be called inside the transaction of the change it records.")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", None) or target.pk)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_username=actor.get_username() if is_user else "system",
        action=action,
        pupil_id=pupil_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=object_id,
        data=data or {},
        ip_address=ip_address,
    )


@transaction.atomic
def record_view(*, actor: Any, pupil_id: int, target: models.Model, ip_address: str | None = None) -> AuditEvent:
    """Record that ``actor`` opened a pupil's record (``people.pupil.viewed``)."""
    return audit_record(
        actor=actor, action="people.pupil.viewed", pupil_id=pupil_id, target=target, ip_address=ip_address
    )
