"""Retention (issue 17, decision 0040): what each record kind holds past its period, and applying it.

The kinds are declared by the apps that own them (``<app>/retention.py``, registry in
``core.retention``); ``PrivacyConfig.ready`` imports those modules. ``retention_plan`` only counts
(the dry run, the DPO's page). ``retention_apply`` first writes everything that will go to one
export file (0600, in a 0700 directory under ``PUMPURS_DATA_DIR``; records in the subject-access
format), then applies each kind in its own transaction with one audit event carrying the count.
A kind that fails writes nothing of its own and the others still run; the run says which failed.
Used by ``pumpurs retention --apply`` and the daily job ``retention``: the same code.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from pumpurs.audit.services import audit_record
from pumpurs.core.retention import Part, RecordKind, parts_delete, record_kinds
from pumpurs.people.actors import SystemActor
from pumpurs.privacy.subject_access import records_of

logger = logging.getLogger(__name__)

# Retention is the server's own job: it answers to no one's scope.
RETENTION = SystemActor(name="system:retention")
APPLIED = "privacy.retention.applied"
FILES_EXPIRED = "privacy.export_files.expired"
EXPORT_DIR = "retention-exports"
CHUNK = 1000


@dataclass(frozen=True)
class KindDue:
    kind: RecordKind
    count: int
    oldest: dt.date | None


@dataclass(frozen=True)
class KindResult:
    kind: RecordKind
    count: int
    error: str = ""


@dataclass(frozen=True)
class RetentionRun:
    export: Path | None
    results: list[KindResult]
    expired_files: int = 0

    @property
    def failed(self) -> list[KindResult]:
        return [r for r in self.results if r.error]


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value if isinstance(value, dt.date) else None


def kind_due(kind: RecordKind, *, now: dt.datetime) -> KindDue:
    """How many records of ``kind`` are past the period at ``now``, and the oldest one's date.
    Reads only: two queries per part."""
    parts = kind.due(now)
    count = sum(part.queryset.count() for part in parts)
    days = [_day(part.queryset.aggregate(oldest=Min(part.date_field))["oldest"]) for part in parts] if count else []
    known = [d for d in days if d is not None]
    return KindDue(kind=kind, count=count, oldest=min(known) if known else None)


def retention_plan(*, now: dt.datetime) -> list[KindDue]:
    """Every kind, in the order it is applied, with what is due: the dry run. Writes nothing."""
    return [kind_due(kind, now=now) for kind in record_kinds()]


def export_directory() -> Path:
    directory = Path(settings.DATA_DIR) / EXPORT_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    return directory


def _expiring_files() -> list[Path]:
    """Files the server generated for someone to take away and keeps on disk: the retention
    exports, and the mail the file backend writes (``pumpurs demo``: notices to guardians)."""
    files = sorted(Path(settings.DATA_DIR, EXPORT_DIR).glob("retention-*.jsonl"))
    return files + sorted(Path(settings.PUMPURS_EMAIL_FILE_PATH).glob("*.log"))


def export_files_expire(*, now: dt.datetime) -> int:
    """Remove the generated files written more than ``PUMPURS_RETENTION_EXPORT_FILE_DAYS`` before
    ``now`` (by their modification time); one ``privacy.export_files.expired`` event names them.
    The DPO archives an export elsewhere within the period if it must be kept (decision 0046)."""
    cutoff = (now - dt.timedelta(days=settings.PUMPURS_RETENTION_EXPORT_FILE_DAYS)).timestamp()
    gone = []
    for path in _expiring_files():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                gone.append(path.name)
        except FileNotFoundError:  # another run took it first
            continue
    if gone:
        with transaction.atomic():
            audit_record(
                actor=RETENTION,
                action=FILES_EXPIRED,
                data={"count": len(gone), "files": gone, "days": settings.PUMPURS_RETENTION_EXPORT_FILE_DAYS},
            )
    return len(gone)


def _write_part(out: IO[str], kind: RecordKind, part: Part) -> None:
    model = part.model
    label = model._meta.label_lower
    batch: list[Any] = []

    def flush() -> None:
        for record in records_of(model, batch):
            line = {"kind": kind.code, "model": label, "record": record}
            out.write(json.dumps(line, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n")
        batch.clear()

    for obj in part.queryset.order_by("pk").iterator(chunk_size=CHUNK):
        batch.append(obj)
        if len(batch) >= CHUNK:
            flush()
    flush()


def retention_export(due: list[KindDue], *, now: dt.datetime) -> Path:
    """Write every record that will go, as JSON lines (a header, then one record a line), to a
    new file readable only by the server's account. Returns its path."""
    stamp = timezone.localtime(now).strftime("%Y%m%dT%H%M%S")
    path = export_directory() / f"retention-{stamp}.jsonl"
    suffix = 1
    while path.exists():
        suffix += 1
        path = path.with_name(f"retention-{stamp}-{suffix}.jsonl")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        header = {
            "made_at": now.isoformat(),
            "kinds": {d.kind.code: {"days": d.kind.days, "action": d.kind.action, "count": d.count} for d in due},
        }
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for item in due:
            for part in item.kind.due(now):
                _write_part(out, item.kind, part)
    return path


def _applied(kind: RecordKind, *, count: int, export: Path) -> None:
    audit_record(
        actor=RETENTION,
        action=APPLIED,
        data={
            "kind": kind.code,
            "action": str(kind.action),
            "count": count,
            "days": kind.days,
            "export": export.name,
        },
    )


class KindFailed(Exception):
    def __init__(self, error: Exception, done: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.done = done


def _apply_kind(kind: RecordKind, *, now: dt.datetime, export: Path) -> int:
    """One transaction for the kind, or — for a kind given in ``steps`` — one per step, each with
    its own event, so a run killed between steps leaves a trail that says what was done."""
    if kind.steps is None:
        with transaction.atomic():
            count = (kind.apply or parts_delete)(kind.due(now), now)
            _applied(kind, count=count, export=export)
        return count
    done = 0
    try:
        for step in kind.steps(kind.due(now), now):
            with transaction.atomic():
                count = step()
                if count:
                    _applied(kind, count=count, export=export)
            done += count
    except Exception as error:
        raise KindFailed(error, done) from error
    return done


def retention_apply(*, now: dt.datetime) -> RetentionRun:
    """Export what is due, then delete, scrub or pseudonymise it kind by kind. An export that
    cannot be written stops everything before anything is removed (``OSError`` to the caller)."""
    expired = export_files_expire(now=now)
    due = [item for item in retention_plan(now=now) if item.count]
    if not due:
        return RetentionRun(export=None, results=[], expired_files=expired)
    export = retention_export(due, now=now)
    results = []
    for item in due:
        try:
            results.append(KindResult(item.kind, _apply_kind(item.kind, now=now, export=export)))
        except Exception as error:  # one kind failing must not stop the others: it is reported
            logger.exception("retention of %s failed", item.kind.code)
            cause, done = (error.error, error.done) if isinstance(error, KindFailed) else (error, 0)
            results.append(KindResult(item.kind, done, error=f"{type(cause).__name__}: {cause}"))
    return RetentionRun(export=export, results=results, expired_files=expired)
