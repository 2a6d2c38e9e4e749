"""``pumpurs imports_purge``: delete uploaded files and error reports past the retention period.

Idempotent and safe to run daily. The batch records (counts, SHA-256, who, when) and their audit
events stay; only the files go. Dry run by default.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.imports.models import ImportBatch
from pumpurs.people.actors import SystemActor

# Retention is the server's own job: it deletes files and answers to no one's scope.
RETENTION = SystemActor(name="system:retention")


class Command(BaseCommand):
    help = "Delete import files older than PUMPURS_IMPORT_RETENTION_DAYS (dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="really delete (default: only report)")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(days=settings.PUMPURS_IMPORT_RETENTION_DAYS)
        old = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(file="", report="")
        count = old.count()
        if not options["apply"]:
            self.stdout.write(
                _("%(n)s import batches hold files older than %(days)s days (dry run: nothing deleted).")
                % {"n": count, "days": settings.PUMPURS_IMPORT_RETENTION_DAYS}
            )
            return
        for batch in old.iterator():
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
        self.stdout.write(_("Deleted the files of %(n)s import batches.") % {"n": count})
