"""Import-file retention: uploaded files and error reports go after PUMPURS_IMPORT_RETENTION_DAYS.

The batch records (counts, SHA-256, who, when) and their audit events stay; only the files go.
Called by ``pumpurs imports_purge --apply``; registered as the record kind ``imports.files``, so
``pumpurs retention`` and the daily job ``retention`` apply it with the other kinds (decision 0040)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pumpurs.audit.services import audit_record
from pumpurs.core.retention import Action, Part, record_kind_register
from pumpurs.imports.models import ImportBatch
from pumpurs.people.actors import SystemActor

# Retention is the server's own job: it deletes files and answers to no one's scope.
RETENTION = SystemActor(name="system:retention")


def import_files_expired(*, now: dt.datetime) -> QuerySet[ImportBatch]:
    """Batches that still hold a file or a report older than the retention period."""
    cutoff = now - dt.timedelta(days=settings.PUMPURS_IMPORT_RETENTION_DAYS)
    return ImportBatch.objects.filter(created_at__lt=cutoff).exclude(file="", report="")


def import_files_purge(*, now: dt.datetime) -> int:
    """Delete the expired files, one short transaction (and one audit event) per batch; returns
    how many batches lost their files. Idempotent: a purged batch holds no file to purge again."""
    count = 0
    for batch in import_files_expired(now=now).iterator():
        with transaction.atomic():
            for field in (batch.file, batch.report):
                if field:
                    field.delete(save=False)
            batch.save(update_fields=["file", "report"])
            audit_record(
                actor=RETENTION,
                action="imports.batch.files_purged",
                target=batch,
                data={"file_sha256": batch.sha256},
            )
        count += 1
    return count


def import_files_due(now: dt.datetime) -> Sequence[Part]:
    return (Part(import_files_expired(now=now), "created_at"),)


def import_files_apply(parts: Sequence[Part], now: dt.datetime) -> int:
    return import_files_purge(now=now)


record_kind_register(
    code="imports.files",
    label=_("Uploaded import files and their error reports"),
    setting="PUMPURS_IMPORT_RETENTION_DAYS",
    due=import_files_due,
    action=Action.PURGE_FILES,
    apply=import_files_apply,
    order=5,
)
