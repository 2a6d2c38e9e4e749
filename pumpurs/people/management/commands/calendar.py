"""``pumpurs calendar ensure``: the school years a fresh installation needs, and a list of them.

Run once after ``pumpurs migrate`` on an installation without the demo (the demo's seed asks the
calendar itself). It is a command, not a data migration, because the years it creates depend on
the day it runs: a migration reading the real date would make the test database depend on the
day the suite runs (decision records 0013 and 0017).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.people.calendar import school_years_ensure
from pumpurs.people.models import SchoolYear


class Command(BaseCommand):
    help = "Create the school years up to the next one (regulation dates or estimated), or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("ensure", help="create every school year from 2024/25 up to the next one; idempotent")
        sub.add_parser("list", help="show the school years and their semesters")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ensure":
            before = set(SchoolYear.objects.values_list("name", flat=True))
            years = school_years_ensure(today=timezone.localdate(), include_next=True)
            created = [y.name for y in years if y.name not in before]
            self.stdout.write(
                _("School years created: %(created)s; already present: %(present)d.")
                % {"created": ", ".join(created) or "-", "present": len(years) - len(created)}
            )
        for year in SchoolYear.objects.prefetch_related("periods"):
            semesters = "  ".join(
                f"{p.number}: {p.starts_on:%d.%m.%Y}–{p.ends_on:%d.%m.%Y}" for p in year.periods.all()
            )
            mark = _("estimated") if year.is_estimated else _("confirmed")
            self.stdout.write(f"{year.name}  {year.starts_on:%d.%m.%Y}–{year.ends_on:%d.%m.%Y}  {mark}  {semesters}")
