"""``pumpurs imports_reap``: mark ``interrupted`` the running imports whose worker stopped.

Idempotent; the worker runs it every few minutes as the scheduled job ``imports``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.imports.heartbeat import import_batches_reap


class Command(BaseCommand):
    help = "Mark running imports whose worker stopped (no heartbeat for PUMPURS_IMPORT_STALE_SECONDS) interrupted."

    def handle(self, *args: Any, **options: Any) -> None:
        count = import_batches_reap(now=timezone.now())
        self.stdout.write(_("Import batches marked interrupted: %(n)s.") % {"n": count})
