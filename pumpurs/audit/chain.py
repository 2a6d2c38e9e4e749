"""The audit trail's hash chain (decision 0025).

Every event carries ``seq`` (its place in commit order), ``prev_hash`` (the previous event's hash)
and ``hash`` = SHA-256 over its own columns, ``data_digest`` and ``prev_hash`` (``event_hash``).
Changing, removing or inserting an event anywhere breaks every link after it, which
``chain_verify`` (``pumpurs audit verify``) finds and names.

``data`` is covered through its digest, not directly, so that erasure can scrub personal detail out
of ``data`` (once, stamping ``scrubbed_at``) while the chain still proves what was recorded, when
and by whom.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Field

from pumpurs.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_ID = 1


# One encoder for every digest: json.dumps with options builds a new one per call, most of its cost.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def data_digest(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys, no spaces): the same on both engines."""
    return hashlib.sha256(_CANONICAL.encode(data).encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _moment(at: dt.datetime) -> str:
    # Cached: a bulk write stamps thousands of events with one moment.
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _address(ip: str | None) -> str:
    return str(ipaddress.ip_address(ip)) if ip else ""


SEPARATOR = "\x1f"  # ASCII unit separator: no code, name, id or address contains it


def event_tail(
    *,
    at: dt.datetime,
    actor_username: str,
    action: str,
    pupil_id: int | None,
    object_type: str,
    object_id: str,
    ip_address: str | None,
    digest: str,
) -> str:
    """The hashed fields after ``v1``, the previous hash and ``seq``: what is known of an event
    before its place in the chain is (``link_in_one_statement`` hashes it with its place in SQL)."""
    fields = (
        _moment(at),
        actor_username,
        action,
        "" if pupil_id is None else str(pupil_id),
        object_type,
        object_id,
        _address(ip_address),
        digest,
    )
    return SEPARATOR.join(fields)


def event_tail_of(event: AuditEvent) -> str:
    """``event_tail`` of an event whose ``data_digest`` is set."""
    return event_tail(
        at=event.at,
        actor_username=event.actor_username,
        action=event.action,
        pupil_id=event.pupil_id,
        object_type=event.object_type,
        object_id=event.object_id,
        ip_address=event.ip_address,
        digest=event.data_digest,
    )


def event_hash(*, prev_hash: str, seq: int, tail: str) -> str:
    """The link: what the chain proves about one event, its ``event_tail`` at its place in the
    chain. The fields are joined with a separator rather than encoded as JSON: the same guarantee at
    a tenth of the cost, which matters on bulk paths (a roster of 20 000 pupils writes 60 000
    events)."""
    return hashlib.sha256(SEPARATOR.join(("v1", prev_hash, str(seq), tail)).encode()).hexdigest()


class ChainCursor:
    """The locked head of the chain inside one transaction: ``link`` stamps events one after another,
    ``close`` writes the new head. Open it with ``chain_lock``."""

    def __init__(self, seq: int, head_hash: str) -> None:
        self.seq = seq
        self.hash = head_hash
        self._start = seq

    def link(self, event: AuditEvent) -> AuditEvent:
        self.seq += 1
        event.seq = self.seq
        event.prev_hash = self.hash
        event.data_digest = data_digest(event.data)
        event.hash = event_hash(prev_hash=self.hash, seq=self.seq, tail=event_tail_of(event))
        self.hash = event.hash
        return event

    def close(self) -> None:
        if self.seq != self._start:
            AuditChainHead.objects.filter(pk=HEAD_ID).update(seq=self.seq, hash=self.hash)


def chain_lock() -> ChainCursor:
    """Lock the chain's head until the caller's transaction ends and return a cursor on it.

    One row locked ``FOR UPDATE`` serialises the writers of the trail on PostgreSQL (on SQLite the
    database's single writer does); ``seq`` is unique, so even a writer that slipped past the lock
    could not fork the chain — it would fail. A missing head (a fresh or flushed database) is
    rebuilt from the newest event."""
    if transaction.get_autocommit():
        raise RuntimeError("The audit chain is extended only inside a transaction.")
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).values_list("seq", "hash").first()
    if head is None:
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, head_hash = last if last is not None else (0, GENESIS)
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=HEAD_ID, seq=seq, hash=head_hash)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).values_list("seq", "hash").get()
    return ChainCursor(*head)


# One statement takes the head's lock, links the event, moves the head and inserts the event:
# the lock is then held for that statement and the commit only, not for four round trips
# (decision 0047). ``sha256`` over the same UTF-8 text as ``event_hash`` (``seq::text`` is
# Python's ``str(seq)``); a missing head yields no row and the caller takes the long way.
_LINK_SQL = """
WITH head AS (
    SELECT seq + 1 AS seq, hash AS prev_hash FROM {head} WHERE id = %(head_id)s FOR UPDATE
), linked AS (
    SELECT seq, prev_hash,
           encode(sha256(convert_to(concat_ws(chr(31), 'v1', prev_hash, seq::text, %(tail)s), 'UTF8')), 'hex') AS hash
    FROM head
), moved AS (
    UPDATE {head} SET seq = linked.seq, hash = linked.hash FROM linked WHERE {head}.id = %(head_id)s
)
INSERT INTO {event} ({columns}, seq, prev_hash, hash)
SELECT {values}, linked.seq, linked.prev_hash, linked.hash FROM linked
RETURNING id, seq, prev_hash, hash
"""

_LINKED_COLUMNS = (
    "at",
    "actor_id",
    "actor_username",
    "action",
    "pupil_id",
    "object_type",
    "object_id",
    "data",
    "ip_address",
    "data_digest",
)


def link_in_one_statement(event: AuditEvent) -> bool:
    """PostgreSQL: write ``event`` linked to the chain's head in one statement (see ``_LINK_SQL``)
    and stamp it with its id and link. ``False`` (nothing written) where the head is missing or
    the database is not PostgreSQL: ``chain_lock`` then rebuilds the head."""
    if connection.vendor != "postgresql":
        return False
    if transaction.get_autocommit():
        raise RuntimeError("The audit chain is extended only inside a transaction.")
    event.data_digest = data_digest(event.data)
    meta = AuditEvent._meta
    params: dict[str, Any] = {"head_id": HEAD_ID, "tail": event_tail_of(event)}
    casts = []
    for name in _LINKED_COLUMNS:
        field = meta.get_field("actor" if name == "actor_id" else name)
        assert isinstance(field, Field)  # concrete columns, never a reverse relation
        params[name] = field.get_db_prep_save(getattr(event, field.attname), connection)
        # Typed: in INSERT … SELECT an untyped parameter would be text, which jsonb and inet refuse.
        casts.append(f"CAST(%({name})s AS {field.db_type(connection)})")
    quote = connection.ops.quote_name
    sql = _LINK_SQL.format(
        head=quote(AuditChainHead._meta.db_table),
        event=quote(meta.db_table),
        columns=", ".join(quote(name) for name in _LINKED_COLUMNS),
        values=", ".join(casts),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.seq, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias
    return True


@dataclass(frozen=True)
class Break:
    seq: int
    event_id: int
    reason: str


@dataclass
class Verdict:
    events: int = 0
    scrubbed: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


_VERIFY_COLUMNS = (
    "id",
    "seq",
    "prev_hash",
    "hash",
    "at",
    "actor_username",
    "action",
    "pupil_id",
    "object_type",
    "object_id",
    "ip_address",
    "data_digest",
    "data",
    "scrubbed_at",
)


def _rows(chunk: int) -> Iterator[tuple[Any, ...]]:
    return AuditEvent.objects.order_by("seq").values_list(*_VERIFY_COLUMNS).iterator(chunk_size=chunk)


def chain_verify(*, limit: int = 20, chunk: int = 5000) -> Verdict:
    """Walk the whole trail in ``seq`` order and recompute every link. Reports at most ``limit``
    breaks: a gap (an event removed), a wrong ``prev_hash`` (an event removed or inserted), a wrong
    ``hash`` (a column changed), ``data`` that no longer matches its digest without having been
    scrubbed, and a head that does not point at the last event (events removed from the end)."""
    verdict = Verdict()
    expected_prev, expected_seq = GENESIS, 1

    def broken(seq: int, event_id: int, reason: str) -> None:
        if len(verdict.breaks) < limit:
            verdict.breaks.append(Break(seq, event_id, reason))

    for row in _rows(chunk):
        pk, seq, prev, own, at, who, action, pupil, otype, oid, ip, digest, data, scrubbed = row
        verdict.events += 1
        if seq != expected_seq:
            broken(seq, pk, f"expected event number {expected_seq}: events are missing before it")
        if prev != expected_prev:
            broken(seq, pk, "its link to the previous event does not match")
        tail = event_tail(
            at=at,
            actor_username=who,
            action=action,
            pupil_id=pupil,
            object_type=otype,
            object_id=oid,
            ip_address=ip,
            digest=digest,
        )
        recomputed = event_hash(prev_hash=prev, seq=seq, tail=tail)
        if recomputed != own:
            broken(seq, pk, "its recorded content was changed after it was written")
        if scrubbed is not None:
            verdict.scrubbed += 1
        elif data_digest(data) != digest:
            broken(seq, pk, "its details were changed after they were written")
        expected_prev, expected_seq = own, seq + 1
    head = AuditChainHead.objects.filter(pk=HEAD_ID).values_list("seq", "hash").first()
    if head is not None and head != (expected_seq - 1, expected_prev) and verdict.events:
        broken(head[0], 0, f"the chain's head is event {head[0]}, but the last event is {expected_seq - 1}")
    elif head is not None and head[0] > 0 and not verdict.events:
        broken(head[0], 0, f"the chain's head is event {head[0]}, but no events remain")
    return verdict
