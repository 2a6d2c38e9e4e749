"""Tables as CSV or XLSX downloads, safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by Excel or LibreOffice (CSV injection): such text gets a leading apostrophe, in CSV
and in XLSX alike (openpyxl itself would store a text starting with ``=`` as a formula). Numbers
and dates stay numbers and dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | Decimal | dt.date | None

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a BOM (so that Excel reads the diacritics), comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_text(safe_cell(h)) for h in header])
    for row in rows:
        writer.writerow([_text(safe_cell(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str = "Sheet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(
    fmt: str, *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str = "Sheet"
) -> HttpResponse:
    """A CSV (``fmt="csv"``) or XLSX (``"xlsx"``) attachment named ``filename`` plus the suffix."""
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_TYPE)
    elif fmt == "csv":
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    else:
        raise ValueError(fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
