"""Import-file retention: uploaded files and error reports go after PUMPURS_IMPORT_RETENTION_DAYS.

The batch records (counts, SHA-256, who, when) and their audit events stay; only the files go.
Called by ``pumpurs imports_purge --apply`` and daily by the scheduled job ``retention``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from pumpurs.audit.services import audit_record
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
