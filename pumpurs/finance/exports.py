"""The monthly report and the municipality's claim as XLSX and CSV (issue 14).

Column names are Latvian (the accountant's language). Amounts are exact: in the XLSX they are
numbers (``Decimal`` EUR) with a two-decimal number format, which a Latvian spreadsheet displays
with the decimal comma; in the CSV they are written as exact text with a decimal point
(``1234.50``) so that no program guesses. Every text cell passes ``core.cells.spreadsheet_text``,
so a value that starts like a formula stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import override

from pumpurs.core.cells import spreadsheet_text
from pumpurs.core.display import day_text
from pumpurs.finance.models import ExpenseLine, ExpenseReport
from pumpurs.finance.money import euros
from pumpurs.finance.reports import Claim, report_totals
from pumpurs.support.models import Measure

MONEY_FORMAT = "#,##0.00"
REPORT_COLUMNS = ("Datums", "Pasākums", "Rinda", "Summa, EUR", "Pierādījums", "Stornē rindu no")
CLAIM_COLUMNS = ("Iestāde", "Reģistrācijas numurs", "Mēnesis", "Kopā, EUR", "ESF, EUR", "Valsts budžets, EUR")
KIND_LV = {ExpenseLine.Kind.DELIVERY: "sniegtais atbalsts", ExpenseLine.Kind.REVERSAL: "stornējums"}


class Money:
    """An amount in cents, written as a number in XLSX and as exact text in CSV."""

    def __init__(self, cents: int | None) -> None:
        self.cents = cents


def _measure_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Measure.objects.filter(code__in=set(codes)).order_by("code", "valid_from").values_list("code", "name"))


def _lv_day(day: Any) -> str:
    """The exports are the programme's Latvian documents: the one Latvian date format (1.09.2026)."""
    with override("lv"):
        return day_text(day)


def report_rows(report: ExpenseReport) -> tuple[list[str], list[list[Any]]]:
    """The report as a title and rows (header first), in the order of the page."""
    lines = list(report.lines.select_related("reverses__report").order_by("delivered_on", "id"))
    names = _measure_names(line.measure_code for line in lines)
    rows: list[list[Any]] = [list(REPORT_COLUMNS)]
    for line in lines:
        evidence = "—" if not line.evidence_required else ("ir" if line.has_evidence else "TRŪKST")
        rows.append(
            [
                _lv_day(line.delivered_on),
                names.get(line.measure_code, line.measure_code),
                KIND_LV[ExpenseLine.Kind(line.kind)],
                Money(line.amount_cents),
                evidence,
                line.reverses.report.month.strftime("%m.%Y") if line.reverses else "",
            ]
        )
    totals = report_totals(report)
    rows.append(["", "Kopā", "", Money(totals.total), "", ""])
    if report.is_locked:
        rows.append(["", "ESF", "", Money(report.esf_cents), "", ""])
        rows.append(["", "Valsts budžets", "", Money(report.state_cents), "", ""])
    title = [f"{report.institution.name} ({report.institution.code})", f"Izdevumu pārskats {report.month:%m.%Y}"]
    return title, rows


def claim_rows(claim: Claim) -> tuple[list[str], list[list[Any]]]:
    rows: list[list[Any]] = [list(CLAIM_COLUMNS)]
    for r in claim.reports:
        rows.append(
            [
                r.institution.name,
                r.institution.code,
                r.month.strftime("%m.%Y"),
                Money(r.total_cents),
                Money(r.esf_cents),
                Money(r.state_cents),
            ]
        )
    rows.append(["Kopā", "", claim.month.strftime("%m.%Y"), Money(claim.total), Money(claim.esf), Money(claim.state)])
    return [claim.municipality.name, f"Maksājuma pieprasījums {claim.month:%m.%Y}"], rows


def as_xlsx(title: Sequence[str], rows: list[list[Any]]) -> bytes:
    # Imported here: openpyxl took ~0.8 s of every start through the URL checks (core.export does the same).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pārskats"
    for text in title:
        sheet.append([spreadsheet_text(text)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    for index, row in enumerate(rows):
        sheet.append([euros(c.cents) if isinstance(c, Money) and c.cents is not None else _text(c) for c in row])
        for column, cell in enumerate(row, start=1):
            target = sheet.cell(row=sheet.max_row, column=column)
            if isinstance(cell, Money):
                target.number_format = MONEY_FORMAT
            if index == 0:
                target.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (14, 48, 18, 14, 14, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, Money):
        return ""
    return spreadsheet_text(value)


def as_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM and ``;`` between cells (what a Latvian spreadsheet opens directly)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                (str(euros(c.cents)) if c.cents is not None else "") if isinstance(c, Money) else spreadsheet_text(c)
                for c in row
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
