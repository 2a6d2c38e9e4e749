"""``pumpurs imports_purge``: delete uploaded files and error reports past the retention period.

Idempotent and safe to run daily (the worker does, as the scheduled job ``retention``). The batch
records (counts, SHA-256, who, when) and their audit events stay; only the files go. Dry run by
default.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.imports.retention import import_files_expired, import_files_purge


class Command(BaseCommand):
    help = "Delete import files older than PUMPURS_IMPORT_RETENTION_DAYS (dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="really delete (default: only report)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if not options["apply"]:
            self.stdout.write(
                _("%(n)s import batches hold files older than %(days)s days (dry run: nothing deleted).")
                % {"n": import_files_expired(now=now).count(), "days": settings.PUMPURS_IMPORT_RETENTION_DAYS}
            )
            return
        count = import_files_purge(now=now)
        self.stdout.write(_("Deleted the files of %(n)s import batches.") % {"n": count})
