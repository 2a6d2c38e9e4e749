"""``pumpurs indicators refresh [--period ID] [--today YYYY-MM-DD] [--force]``: recompute snapshots and flags.

Idempotent, so it can run as a periodic job as well as after imports (``imports.facts``). When
nothing it reads has changed since the last refresh and the window is the same, it does nothing
and says so; ``--force`` recomputes all the same (after a write outside the audit trail), rebuilds
the cached pupil table and evaluates every pupil's flags (decision 0049).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.core.management.dates import today_option
from pumpurs.people.models import Period
from pumpurs.risk.indicators import indicators_refresh


class Command(BaseCommand):
    help = "Recompute every pupil's indicators and the flags of a semester (default: the current one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--period", type=int, help="semester id (default: the one containing --today)")
        parser.add_argument("--today", help="the date to compute for, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--force", action="store_true", help="recompute even if nothing changed since the last refresh"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = today_option(options["today"]) if options["today"] else None
        period = None
        if options["period"] is not None:
            period = Period.objects.filter(pk=options["period"]).first()
            if period is None:
                raise CommandError(_("No semester with id %(id)s.") % {"id": options["period"]}, returncode=2)
        force = options["force"]
        result = indicators_refresh(today=today, period=period, skip_unchanged=not force, everything=force)
        self.stdout.write(str(result))
