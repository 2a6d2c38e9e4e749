"""``pumpurs plans activate [--today YYYY-MM-DD]``: activate the approved support plans whose
semester has begun. Idempotent: run it daily (cron, systemd timer) and whenever convenient."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from pumpurs.core.management.dates import today_option
from pumpurs.support.plans import plans_activate_due


class Command(BaseCommand):
    help = "Activate approved support plans whose semester has begun (idempotent; run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["activate"])
        parser.add_argument("--today", help="the date to activate for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = today_option(options["today"]) if options["today"] else None
        count = plans_activate_due(today=today)
        self.stdout.write(_("Plans activated: %(count)s") % {"count": count})
