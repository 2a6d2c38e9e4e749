"""``pumpurs worker``: run background tasks from the database queue (django-tasks-db) and, beside
them, the scheduled jobs (decision 0015). Any number of workers may run: each slot of each job
runs once. SIGTERM stops both cleanly (a job under way is left to finish for a few seconds)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from pumpurs.ops.scheduler import SchedulerThread, scheduler_tick, worker_name

STOP_WAIT_SECONDS = 10.0


class Command(BaseCommand):
    help = "Run the background task worker (database-backed queue) and the scheduled jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="run the jobs due now and what is queued, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--no-scheduler", action="store_true", help="run queued tasks only, no scheduled jobs")
        parser.add_argument(
            "--at", help="with --batch: the moment to run the due jobs for, ISO 8601 with offset (default: now)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = _moment(options["at"]) if options["at"] else None
        if at is not None and not options["batch"]:
            raise CommandError(_("--at goes with --batch only."), returncode=2)
        scheduler = None
        if options["batch"] and not options["no_scheduler"]:
            for run in scheduler_tick(worker=worker_name(), now=at):
                self.stdout.write(f"{run.job} {run.slot.isoformat()}: {run.error or run.result}")
        elif not options["no_scheduler"]:
            scheduler = SchedulerThread(worker=worker_name())
            scheduler.start()
        try:
            call_command(
                "db_worker",
                queue_name="*",
                batch=options["batch"],
                interval=options["interval"],
                reload=False,
                verbosity=options["verbosity"],
            )
        finally:  # db_worker returns in batch mode and exits (SystemExit) on SIGTERM
            if scheduler is not None:
                scheduler.stop()
                scheduler.join(timeout=STOP_WAIT_SECONDS)


def _moment(text: str) -> dt.datetime:
    moment = parse_datetime(text)
    if moment is None or moment.tzinfo is None:
        raise CommandError(_("--at takes a date and time with its offset, e.g. 2026-11-12T10:00+02:00."), returncode=2)
    return moment
