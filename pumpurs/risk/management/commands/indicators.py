"""``pumpurs indicators refresh [--period ID] [--today YYYY-MM-DD] [--force]``: recompute snapshots and flags.

``pumpurs indicators rebuild-rollups | check-rollups [--period ID] [--today …]``: recompute the
semester's weekly rollups from the facts, or count the rows that differ from such a rebuild
without writing (exit code 1 when any does; decision 0050).

Idempotent, so it can run as a periodic job as well as after imports (``imports.facts``). When
nothing it reads has changed since the last refresh and the window is the same, it does nothing
and says so; ``--force`` recomputes all the same (after a write outside the audit trail), rebuilds
the cached pupil table and evaluates every pupil's flags (decision 0049).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.core.management.dates import today_option
from pumpurs.journal.rollups import rollups_built, rollups_check, rollups_rebuild
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Period
from pumpurs.risk.indicators import indicators_refresh


class Command(BaseCommand):
    help = "Recompute every pupil's indicators and the flags of a semester (default: the current one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "rebuild-rollups", "check-rollups"])
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
        if options["action"] != "refresh":
            self._rollups(options["action"], period or semester_on(today or timezone.localdate()))
            return
        force = options["force"]
        result = indicators_refresh(today=today, period=period, skip_unchanged=not force, everything=force)
        self.stdout.write(str(result))

    def _rollups(self, action: str, period: Period | None) -> None:
        if period is None:
            raise CommandError(_("No semester on that day: name one with --period."), returncode=2)
        if action == "check-rollups" and not settings.PUMPURS_FACT_ROLLUPS:
            raise CommandError(
                _("The rollups are off (PUMPURS_FACT_ROLLUPS): no import keeps them, so there is nothing to check."),
                returncode=2,
            )
        if action == "rebuild-rollups":
            rows = rollups_rebuild(period=period)
            self.stdout.write(
                _("Rollups of semester %(id)s rebuilt: attendance %(a)s rows, grades %(g)s rows.")
                % {"id": period.pk, "a": rows["attendance"], "g": rows["grades"]}
            )
            return
        unbuilt = [kind for kind in ("attendance", "grades") if not rollups_built(period.pk, kind)]
        if unbuilt:
            # Nothing to compare: the refresh reads the facts for this semester until it is built.
            raise CommandError(
                _(
                    "The %(kinds)s rollups of semester %(id)s were never built from its facts (or facts were "
                    "written while PUMPURS_FACT_ROLLUPS was off): the refresh reads the facts for it. "
                    "Run rebuild-rollups --period %(id)s."
                )
                % {"kinds": ", ".join(unbuilt), "id": period.pk},
                returncode=1,
            )
        wrong = rollups_check(period=period)
        self.stdout.write(
            _("Rollups of semester %(id)s against the facts: attendance %(a)s rows differ, grades %(g)s rows differ.")
            % {"id": period.pk, "a": wrong["attendance"], "g": wrong["grades"]}
        )
        if any(wrong.values()):
            raise CommandError(_("The rollups differ from the facts: run rebuild-rollups."), returncode=1)
