"""``pumpurs dashboards refresh [--today YYYY-MM-DD] [--full]``: bring the dashboards' pre-aggregate
up to date.

The ``indicators`` scheduled job runs it after the indicator refresh; idempotent, so an operator
may run it by hand at any time (decision 0029). It recomputes only the windows whose facts changed
(decision 0039); ``--full`` recomputes every window (the same numbers, slower).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from pumpurs.core.management.dates import today_option
from pumpurs.reporting.refresh import dashboards_update


class Command(BaseCommand):
    help = "Recompute the dashboards' numbers (every school, municipality and the country) for a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--today", help="the date to compute for, YYYY-MM-DD (default: today)")
        parser.add_argument("--full", action="store_true", help="recompute every window, changed or not")

    def handle(self, *args: Any, **options: Any) -> None:
        today = today_option(options["today"]) if options["today"] else timezone.localdate()
        result = dashboards_update(today=today, full=options["full"])
        self.stdout.write(
            f"dashboard cells: {result.cells}; windows recomputed: {result.recomputed} of {result.windows}; "
            f"cells written: {result.written}"
        )
