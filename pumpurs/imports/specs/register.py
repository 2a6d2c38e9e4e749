"""Helpers for the register kinds (institutions, pupils), validated and applied row by row."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pumpurs.imports.headers import normalise_header
from pumpurs.imports.result import ERROR_SCHEMA


@dataclass
class RowErrors:
    items: list[tuple[int, str, str, str]] = field(default_factory=list)

    def add(self, row: int, column: str, code: str, message: str) -> None:
        self.items.append((row, column, code, message))

    def frames(self) -> list[pl.DataFrame]:
        return [pl.DataFrame(self.items, schema=ERROR_SCHEMA, orient="row")] if self.items else []

    def rows_with_errors(self) -> set[int]:
        return {item[0] for item in self.items}


def cell(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def parse_date_text(value: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


GRADE_RANGE = re.compile(r"^\s*(\d{1,2})\s*[-–—]\s*(\d{1,2})\s*$")


def parse_grade_range(value: str) -> tuple[int, int] | None:
    match = GRADE_RANGE.match(value)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
    elif value.isdigit():
        low = high = int(value)
    else:
        return None
    if not 1 <= low <= high <= 12:
        return None
    return low, high


def folded(value: str) -> str:
    return normalise_header(value)
