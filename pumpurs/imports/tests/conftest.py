"""Helpers for import tests: write files in every supported format, run the real command."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any


def write_csv(path: Path, rows: list[list[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(
        ["" if c is None else str(c) for c in row] for row in rows
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def post_then_work(client: Any, url: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST as the browser does, then run what the request left to the worker once it committed
    (the tests' task backend runs a task at once): the upload page never reads a file itself."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data, **extra)
