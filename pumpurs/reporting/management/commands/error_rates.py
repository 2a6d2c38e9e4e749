"""``pumpurs error_rates [--today YYYY-MM-DD]``: record the flag rules' error rates of every
semester whose outcomes have become known (the scheduled ``error_rates`` job; idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.core.management.dates import today_option
from pumpurs.reporting.error_rates import error_rates_record


class Command(BaseCommand):
    help = "Record the flag rules' false-positive and false-negative rates of each semester now due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the date to record for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = today_option(options["today"]) if options["today"] else timezone.localdate()
        done = error_rates_record(today=today)
        self.stdout.write(_("Semesters recorded: %(n)d") % {"n": done})
