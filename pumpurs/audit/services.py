"""Writing the audit trail. Callers are services that already hold a transaction."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from pumpurs.audit import registry
from pumpurs.audit.chain import chain_lock, data_digest, event_hash, event_tail, link_in_one_statement
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
        tail = event_tail(
            at=now,
            actor_username=who.name,
            action=entry.action,
            pupil_id=entry.pupil_id,
            object_type=target_type,
            object_id=target_id,
            ip_address=None,
            digest=digest,
        )
        chain.hash = event_hash(prev_hash=prev, seq=chain.seq, tail=tail)
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


def audit_scrub_events(events: models.QuerySet[AuditEvent], *, now: dt.datetime, chunk: int = 10_000) -> int:
    """Scrub ``events`` inside the caller's transaction (a pupil's erasure): each keeps its code,
    time, actor and object; its ``data`` keeps only the keys its type declares free of personal
    detail (``registry.kept_keys``) and its ``scrubbed_at`` is stamped. An event is scrubbed once:
    the chain still verifies, because it covers the digest of ``data`` as written (decision 0025).
    Returns how many. Retention, over a whole trail, uses ``audit_scrub_steps`` instead: one
    transaction per chunk.

    The one sanctioned UPDATE of the trail; the PostgreSQL trigger allows nothing else."""
    _require_transaction("scrub")
    return sum(step() for step in audit_scrub_steps(events, now=now, chunk=chunk))


def audit_scrub_steps(
    events: models.QuerySet[AuditEvent], *, now: dt.datetime, chunk: int = 10_000
) -> Iterator[Callable[[], int]]:
    """The scrub of ``events`` cut into steps of at most ``chunk`` events, by ranges of id, for a
    caller that runs each step in a transaction of its own (decision 0046): a killed run keeps the
    chunks it committed, and the next run starts with the events still unscrubbed — ``scrubbed_at
    IS NULL`` is part of every statement, so nothing is scrubbed twice. The next range is found
    only after the previous step ran, so each step sees what is committed."""
    pending = events.filter(scrubbed_at__isnull=True)
    last = 0
    while pending.filter(pk__gt=last).exists():
        ids = pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
        high = ids[chunk - 1 : chunk].first() if chunk > 0 else None
        part = pending.filter(pk__gt=last) if high is None else pending.filter(pk__gt=last, pk__lte=high)
        yield functools.partial(_scrub_set, part, now=now)
        if high is None:
            return
        last = high


# SQLite names a key in a JSON path between double quotes, with no escape for a quote inside.
_SQL_NAMEABLE = re.compile(r'[^"\\]*')


def _scrub_set(events: models.QuerySet[AuditEvent], *, now: dt.datetime) -> int:
    """Scrub ``events`` (unscrubbed ones) set-based: find which keys each event type holds among
    them (one query), then one UPDATE per group of types that lose the same keys, and one that
    stamps the rest. A key SQL cannot name goes through the Python scrubber, row by row."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sub, sub_params = events.order_by().values("pk").query.sql_with_params()
    stamp = AuditEvent._meta.get_field("scrubbed_at").get_db_prep_save(now, connection)
    postgres = connection.vendor == "postgresql"
    # Table and column names come from the model, values are parameters (here and below).
    if postgres:
        keys_sql = (
            f"SELECT DISTINCT e.action, k FROM {table} e CROSS JOIN LATERAL jsonb_object_keys("  # noqa: S608
            f"CASE WHEN jsonb_typeof(e.data) = 'object' THEN e.data ELSE '{{}}'::jsonb END) k WHERE e.id IN ({sub})"
        )
    else:
        keys_sql = (
            f"SELECT DISTINCT e.action, j.key FROM {table} e, json_each(e.data) j "  # noqa: S608
            f"WHERE json_type(e.data) = 'object' AND e.id IN ({sub})"
        )
    lose: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(keys_sql, sub_params)
        for action, key in cursor.fetchall():
            if key not in registry.kept_keys(action):
                lose.setdefault(action, set()).add(key)
        groups: dict[tuple[str, ...], list[str]] = {}
        by_python: list[str] = []
        for action, keys in lose.items():
            if all(_SQL_NAMEABLE.fullmatch(key) for key in keys):
                groups.setdefault(tuple(sorted(keys)), []).append(action)
            else:
                by_python.append(action)
        count = 0
        for names, actions in groups.items():
            if postgres:
                cursor.execute(
                    f"UPDATE {table} SET data = data - %s::text[], scrubbed_at = %s "  # noqa: S608
                    f"WHERE scrubbed_at IS NULL AND action = ANY(%s) AND id IN ({sub})",
                    [list(names), stamp, actions, *sub_params],
                )
            else:
                paths = ", ".join(["%s"] * len(names))
                marks = ", ".join(["%s"] * len(actions))
                cursor.execute(
                    f"UPDATE {table} SET data = json_remove(data, {paths}), scrubbed_at = %s "  # noqa: S608
                    f"WHERE scrubbed_at IS NULL AND action IN ({marks}) AND id IN ({sub})",
                    [*(f'$."{key}"' for key in names), stamp, *actions, *sub_params],
                )
            count += cursor.rowcount
        if by_python:
            count += _scrub_rows(cursor, events.filter(action__in=by_python), stamp)
        # Every other event keeps all its keys: only the stamp.
        cursor.execute(
            f"UPDATE {table} SET scrubbed_at = %s WHERE scrubbed_at IS NULL AND id IN ({sub})",  # noqa: S608
            [stamp, *sub_params],
        )
        return count + int(cursor.rowcount)


def _scrub_rows(cursor: Any, events: models.QuerySet[AuditEvent], stamp: Any) -> int:
    data = AuditEvent._meta.get_field("data")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"UPDATE {table} SET data = %s, scrubbed_at = %s WHERE id = %s AND scrubbed_at IS NULL"  # noqa: S608
    rows = [
        (data.get_db_prep_save(registry.scrub(e.action, e.data), connection), stamp, e.pk)
        for e in events.filter(scrubbed_at__isnull=True).only("pk", "action", "data")
    ]
    if rows:
        cursor.executemany(sql, rows)
    return len(rows)
