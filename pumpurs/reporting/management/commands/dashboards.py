"""``pumpurs dashboards refresh [--today YYYY-MM-DD]``: recompute the dashboards' pre-aggregate.

The ``indicators`` scheduled job runs it after the indicator refresh; idempotent, so an operator
may run it by hand at any time (decision 0029).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from pumpurs.core.management.dates import today_option
from pumpurs.reporting.refresh import dashboards_refresh


class Command(BaseCommand):
    help = "Recompute the dashboards' numbers (every school, municipality and the country) for a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--today", help="the date to compute for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = today_option(options["today"]) if options["today"] else timezone.localdate()
        cells = dashboards_refresh(today=today)
        self.stdout.write(f"dashboard cells: {cells}")
