"""Whether a running batch is still being worked on (issue 17, M6).

While a file is imported its transaction is open, so nothing it writes to the database can be
seen from outside. Its progress file can: the engine writes the rows checked so far into it, and
a heartbeat thread rewrites it with the time every few seconds, also while the database merges.
A batch left ``running`` whose file has not been rewritten for ``PUMPURS_IMPORT_STALE_SECONDS``
lost its process (killed, restarted, out of memory): ``import_batches_reap`` marks it
``interrupted`` — its transaction was rolled back with the process, so nothing was written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from pathlib import Path
from types import TracebackType

from django.conf import settings
from django.db import transaction

from pumpurs.audit.services import audit_record
from pumpurs.imports.models import ImportBatch
from pumpurs.people.actors import SystemActor

# The reaper answers to no one's scope: it only closes batches whose process is gone.
REAPER = SystemActor(name="system:import-reaper")


def progress_path(batch: ImportBatch) -> Path:
    return Path(settings.DATA_DIR) / "imports" / "progress" / f"{batch.public_id}.json"


class Heartbeat:
    """The progress file of one running batch: ``rows`` checked so far and the time ``at`` it was
    last written. As a context manager it beats on its own every ``interval`` seconds and removes
    the file at the end."""

    def __init__(self, path: Path, *, interval: float | None = None) -> None:
        self.path = path
        self.rows = 0
        self.interval = (
            interval if interval is not None else max(1.0, min(30.0, settings.PUMPURS_IMPORT_STALE_SECONDS / 5))
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def beat(self, rows: int | None = None) -> None:
        with self._lock:
            if rows is not None:
                self.rows = rows
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"rows": self.rows, "at": dt.datetime.now(dt.UTC).isoformat()})
            # Written whole then renamed: the page never reads half a file.
            partial = self.path.with_suffix(".tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError):
                self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="pumpurs-import-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.path.unlink(missing_ok=True)


def last_beat(batch: ImportBatch) -> dt.datetime | None:
    """When the batch's process last said it was alive (None: it never did, or its file is gone)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return dt.datetime.fromisoformat(json.loads(progress_path(batch).read_text(encoding="utf-8"))["at"])
    return None


def batch_stalled(batch: ImportBatch, *, now: dt.datetime) -> bool:
    """Whether ``batch`` is left running by a process that is gone (the reaper will mark it)."""
    stale = now - dt.timedelta(seconds=settings.PUMPURS_IMPORT_STALE_SECONDS)
    if batch.status != ImportBatch.Status.RUNNING or batch.created_at >= stale:
        return False
    beat = last_beat(batch)
    return beat is None or beat < stale


def import_batches_reap(*, now: dt.datetime) -> int:
    """Mark ``interrupted`` every running batch whose heartbeat is older than the stale limit (or
    missing, for a batch started longer ago than that); returns how many. One audit event each.
    Idempotent, and safe against a batch that finishes meanwhile (its status is checked again in
    the update)."""
    stale = now - dt.timedelta(seconds=settings.PUMPURS_IMPORT_STALE_SECONDS)
    count = 0
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, created_at__lt=stale).iterator():
        if not batch_stalled(batch, now=now):
            continue
        beat = last_beat(batch)
        with transaction.atomic():
            closed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.RUNNING).update(
                status=ImportBatch.Status.INTERRUPTED, finished_at=now
            )
            if closed:
                audit_record(
                    actor=REAPER,
                    action="imports.batch.interrupted",
                    target=batch,
                    data={
                        "kind": batch.kind,
                        "file_sha256": batch.sha256,
                        "last_heartbeat": beat.isoformat() if beat is not None else None,
                    },
                )
        if closed:
            progress_path(batch).unlink(missing_ok=True)
            count += closed
    return count
