"""``pumpurs delivered_rebuild``: recompute the delivered-cents rollup from every delivery
(decision 0033) — after a restore, a bulk load written past the services (the benchmark), or to
prove the rollup right (``--check`` compares and changes nothing, and checks that every
expense report line's report, delivery and reversed line exist, decision 0037). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.finance.delivered import delivered_differences, delivered_rebuild
from pumpurs.finance.reports import expense_lines_orphaned
from pumpurs.people.actors import SystemActor

OPERATOR = SystemActor(name="system:delivered-rebuild-cli")


class Command(BaseCommand):
    help = "Recompute the delivered-cents rollup from the deliveries (--check only compares)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only compare the rollup with the deliveries")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            wrong = delivered_differences()
            if wrong:
                raise CommandError(_("%(n)s rollup rows differ from the deliveries.") % {"n": wrong})
            orphans = expense_lines_orphaned()
            if orphans:
                raise CommandError(
                    _("%(n)s expense report lines point at a report, delivery or line that does not exist.")
                    % {"n": orphans}
                )
            self.stdout.write(_("The rollup matches the deliveries."))
            return
        rows = delivered_rebuild(actor=OPERATOR)
        self.stdout.write(_("Rebuilt the delivered-cents rollup: %(n)s rows.") % {"n": rows})
