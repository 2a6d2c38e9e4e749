"""Helpers for import tests: write files in every supported format, run the real command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command


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


@pytest.fixture
def run_import(tmp_path: Path) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Run ``pumpurs import`` with --json and return (exit code, parsed summary)."""

    def run(kind: str, path: Path, *args: str) -> tuple[int, dict[str, Any]]:
        out = StringIO()
        code = 0
        try:
            call_command("import", kind, str(path), "--json", *args, stdout=out)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, json.loads(out.getvalue())

    return run
