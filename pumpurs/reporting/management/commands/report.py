"""``pumpurs report indicators --year 2026/27 [--semester 1|2] [--municipality CODE]
[--format json|csv|xlsx] [--output FILE]``: the programme's indicators for the national team's
own processing (DESIGN §6). It runs as the national scope (a system actor) and protects small
cells above school level exactly as the page does. Exit code 2 for an unknown year, semester or
municipality. ``report`` takes a subcommand so that other reports can join it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.core.export import csv_bytes, xlsx_bytes
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import Municipality, Period, SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.reporting.indicators import report_record
from pumpurs.reporting.indicators.exports import as_json, table
from pumpurs.reporting.indicators.report import indicator_report

NATIONAL_READER = SystemActor(name="system:report-cli", perms=frozenset({Perm.VIEW_INDICATORS}), scope=Scope.country())


class Command(BaseCommand):
    help = "Print a monitoring report: 'indicators' — the programme's indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        reports = parser.add_subparsers(dest="report", required=True)
        indicators = reports.add_parser("indicators", help="the programme's indicators per scope")
        indicators.add_argument("--year", required=True, help="the school year, e.g. 2026/27")
        indicators.add_argument("--semester", type=int, choices=[1, 2], help="one semester of the year")
        indicators.add_argument("--municipality", help="one municipality's code (default: national and all)")
        indicators.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        indicators.add_argument("--output", type=Path, help="write to this file (xlsx needs it; default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = SchoolYear.objects.filter(name=options["year"]).first()
        if year is None:
            raise CommandError(_("No school year %(year)s.") % {"year": options["year"]}, returncode=2)
        period = None
        if options["semester"]:
            period = Period.objects.filter(school_year=year, number=options["semester"]).first()
            if period is None:
                message = _("The school year %(year)s has no semester %(number)s.")
                raise CommandError(message % {"year": year.name, "number": options["semester"]}, returncode=2)
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(code=options["municipality"]).first()
            if municipality is None:
                message = _("No municipality with code %(code)s.") % {"code": options["municipality"]}
                raise CommandError(message, returncode=2)
        fmt = options["format"]
        if fmt == "xlsx" and not options["output"]:
            raise CommandError(_("An XLSX report needs --output FILE."), returncode=2)
        report = indicator_report(NATIONAL_READER, year=year, period=period, municipality=municipality)
        if fmt == "json":
            content = (as_json(report) + "\n").encode("utf-8")
        else:
            header, rows = table(report)
            content = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows, title="Rādītāji")
        report_record(
            actor=NATIONAL_READER,
            report=report,
            action="reporting.indicators.exported",
            fmt=fmt,
            municipality=municipality.code if municipality else "",
        )
        if options["output"]:
            options["output"].write_bytes(content)
        else:  # JSON or CSV (XLSX always goes to a file)
            self.stdout.write(content.decode("utf-8"), ending="")
