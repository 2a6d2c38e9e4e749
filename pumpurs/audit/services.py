"""Writing the audit trail. Callers are services that already hold a transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from pumpurs.audit import registry
from pumpurs.audit.chain import chain_lock, data_digest, event_hash, link_in_one_statement
from pumpurs.audit.identity import AuditActor, identity_of
from pumpurs.audit.models import AuditEvent

BULK_BATCH = 1000
# The trail's columns (database names), in the order audit_record_many writes them.
_COLUMNS = (
    "at",
    "actor_id",
    "actor_username",
    "action",
    "pupil_id",
    "object_type",
    "object_id",
    "data",
    "ip_address",
    "seq",
    "prev_hash",
    "hash",
    "data_digest",
)


@dataclass(frozen=True)
class Entry:
    """One event of a bulk write (``audit_record_many``): what ``audit_record`` takes, less the actor."""

    action: str
    pupil_id: int | None = None
    target: models.Model | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _event(actor: AuditActor, entry: Entry, ip_address: str | None = None) -> AuditEvent:
    payload = dict(entry.data)
    who = identity_of(actor)
    if who.on_behalf_of:
        payload["on_behalf_of"] = who.on_behalf_of
    target = entry.target
    return AuditEvent(
        actor=who.user,
        actor_username=who.name,
        action=entry.action,
        pupil_id=entry.pupil_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=_object_id(target),
        data=payload,
        ip_address=ip_address,
    )


def _object_id(target: models.Model | None) -> str:
    if target is None:
        return ""
    return str(getattr(target, "public_id", None) or target.pk)


def _require_transaction(action: str) -> None:
    if transaction.get_autocommit():
        raise RuntimeError(f"audit_record({action!r}) must be called inside the transaction of the change it records.")


def audit_record(
    *,
    actor: AuditActor,
    action: str,
    pupil_id: int | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction so that the event and the
    change it describes commit or roll back together; it refuses to run outside one.

    Who acted: a person (``actor`` and ``actor_username`` are theirs), or a system actor —
    ``actor_username`` is its name (``system:import-worker``) and, when it acts for someone, ``actor``
    is that person and ``data["on_behalf_of"]`` keeps their username after the account is gone.
    Anything else (``None``) is refused: an event always says who. ``at`` is the moment of the
    change when it is not now: only a seed writing a story passes it (decision 0013)."""
    _require_transaction(action)
    event = _event(actor, Entry(action, pupil_id, target, data or {}), ip_address)
    if at is not None:
        event.at = at
    if link_in_one_statement(event):
        return event
    chain = chain_lock()
    chain.link(event)
    event.save()
    chain.close()
    return event


def audit_record_many(*, actor: AuditActor, entries: Iterable[Entry]) -> int:
    """``audit_record`` for many events of one change (a roster of pupils); returns how many. The
    same rules: inside the change's transaction, never without an actor.

    The rows go to the driver's ``executemany`` in batches: the ORM's ``bulk_create`` spent about
    0.2 ms per event building model instances and SQL, most of a roster import's time (three
    events per new pupil). One timestamp for the whole change, as they commit together. The chain's
    head is locked once for the whole batch and the links are computed in memory (decision 0025)."""
    _require_transaction("many")
    who = identity_of(actor)
    acting_for = {"on_behalf_of": who.on_behalf_of} if who.on_behalf_of else {}
    meta = AuditEvent._meta
    now = timezone.now()
    at = meta.get_field("at").get_db_prep_save(now, connection)
    data = meta.get_field("data")
    chain = chain_lock()
    rows = []
    for entry in entries:
        payload = {**entry.data, **acting_for}
        target_type = entry.target._meta.label_lower if entry.target is not None else ""
        target_id = _object_id(entry.target)
        digest = data_digest(payload)
        prev, chain.seq = chain.hash, chain.seq + 1
        chain.hash = event_hash(
            prev_hash=prev,
            seq=chain.seq,
            at=now,
            actor_username=who.name,
            action=entry.action,
            pupil_id=entry.pupil_id,
            object_type=target_type,
            object_id=target_id,
            ip_address=None,
            digest=digest,
        )
        rows.append(
            (
                at,
                who.user.pk if who.user is not None else None,
                who.name,
                entry.action,
                entry.pupil_id,
                target_type,
                target_id,
                data.get_db_prep_save(payload, connection),
                None,
                chain.seq,
                prev,
                chain.hash,
                digest,
            )
        )
    columns = ", ".join(connection.ops.quote_name(name) for name in _COLUMNS)
    table = connection.ops.quote_name(meta.db_table)
    # Table and column names come from the model, values are parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_BATCH):
            cursor.executemany(sql, rows[start : start + BULK_BATCH])
    chain.close()
    return len(rows)


@transaction.atomic
def record_view(*, actor: AuditActor, pupil_id: int, target: models.Model, ip_address: str | None = None) -> AuditEvent:
    """Record that ``actor`` opened a pupil's record (``people.pupil.viewed``)."""
    return audit_record(
        actor=actor, action="people.pupil.viewed", pupil_id=pupil_id, target=target, ip_address=ip_address
    )


def audit_scrub(*, pupil_ids: Iterable[int], now: dt.datetime) -> int:
    """Erasure's part in the trail: remove personal detail from the events about these pupils, never
    the events (DESIGN §7). See ``audit_scrub_events``. Returns how many were scrubbed."""
    return audit_scrub_events(AuditEvent.objects.filter(pupil_id__in=list(pupil_ids)), now=now)


def audit_scrub_events(events: models.QuerySet[AuditEvent], *, now: dt.datetime, chunk: int = 2000) -> int:
    """Scrub ``events``: each keeps its code, time, actor and object; its ``data`` keeps only the
    keys its type declares free of personal detail (``registry.scrub``) and its ``scrubbed_at`` is
    stamped. An event is scrubbed once: the chain still verifies, because it covers the digest of
    ``data`` as written (decision 0025). Used by a pupil's erasure and by retention (events past
    their period, decision 0040). Reads and writes ``chunk`` events at a time. Returns how many.

    The one sanctioned UPDATE of the trail; the PostgreSQL trigger allows nothing else."""
    _require_transaction("scrub")
    pending = events.filter(scrubbed_at__isnull=True).order_by("pk").only("pk", "action", "data")
    data = AuditEvent._meta.get_field("data")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    stamp = AuditEvent._meta.get_field("scrubbed_at").get_db_prep_save(now, connection)
    # Table and column names come from the model, values are parameters.
    sql = f"UPDATE {table} SET data = %s, scrubbed_at = %s WHERE id = %s AND scrubbed_at IS NULL"  # noqa: S608
    count, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            batch = list(pending.filter(pk__gt=last)[:chunk])
            if not batch:
                return count
            rows = [(data.get_db_prep_save(registry.scrub(e.action, e.data), connection), stamp, e.pk) for e in batch]
            cursor.executemany(sql, rows)
            count += len(rows)
            last = batch[-1].pk
