"""``pumpurs worker``: run background tasks from the database queue (django-tasks-db)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background task worker (database-backed queue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name="*",
            batch=options["batch"],
            interval=options["interval"],
            reload=False,
            verbosity=options["verbosity"],
        )
