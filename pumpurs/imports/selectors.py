"""Reading import batches: which a user may see, and how far a running one has got."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from pumpurs.imports.heartbeat import progress_path
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.readers import XLSX_MAGIC
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import User

PAGE_SIZE = 50
# Enough lines to judge the average row length of a CSV file without reading much of it.
SAMPLE_BYTES = 64 * 1024


def batches_visible_to(user: Viewer) -> QuerySet[ImportBatch]:
    """Batches of the schools where ``user`` may import, and their own batches without a school.

    Unknown or missing permission answers nothing (the pages then answer 404)."""
    if not access.has_perm(user, Perm.IMPORT_DATA):
        return ImportBatch.objects.none()
    schools = access.institutions_visible_to(user, Perm.IMPORT_DATA)
    # Only a person has batches of their own (a system actor's are the operator's, seen by nobody here).
    own = Q(institution__isnull=True, actor=user) if isinstance(user, User) else Q(pk__in=[])
    return ImportBatch.objects.filter(Q(institution__in=schools) | own).select_related("actor", "institution")


def batch_page(user: Viewer, *, number: Any) -> Page[ImportBatch]:
    batches = batches_visible_to(user).order_by("-created_at", "-id")
    return Paginator(batches, PAGE_SIZE).get_page(number)


def confirmation_of(batch: ImportBatch) -> ImportBatch | None:
    """The batch that applied ``batch`` (a checked file), if it has been applied."""
    return ImportBatch.objects.filter(preview=batch).first()


@dataclass(frozen=True)
class BatchProgress:
    rows: int  # rows checked so far
    estimated_rows: int | None  # from the average row length of the file's start; None for XLSX

    @property
    def percent(self) -> int | None:
        if not self.estimated_rows:
            return None
        # An estimate: never claim to be done before the batch says so.
        return min(99, 100 * self.rows // self.estimated_rows)


def batch_progress(batch: ImportBatch) -> BatchProgress:
    """How far a queued or running batch has got, read from the file the engine writes while its
    transaction is still open."""
    rows = 0
    # No file yet (not started) or one being rewritten: count nothing checked so far.
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        rows = int(json.loads(progress_path(batch).read_text(encoding="utf-8"))["rows"])
    return BatchProgress(rows=rows, estimated_rows=_estimated_rows(batch))


def _estimated_rows(batch: ImportBatch) -> int | None:
    if not batch.file or batch.size_bytes <= 0:
        return None
    try:
        with batch.file.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError:
        return None
    if sample.startswith(XLSX_MAGIC):
        return None  # compressed XLSX: its size says nothing about its rows
    lines = sample.count(b"\n")
    if lines < 2:
        return None
    return max(1, int(batch.size_bytes * lines / len(sample)) - 1)  # less the header
