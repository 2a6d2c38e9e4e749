"""What an import run reports: the counts and the row errors of DESIGN §6's JSON summary.

Its own module because both sides use it: the engine fills it in, and the register specs
(institutions, pupils) add their counts to it while they apply rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

ERROR_SCHEMA = {"_row": pl.Int64, "column": pl.String, "code": pl.String, "message": pl.String}


@dataclass
class ImportResult:
    status: str  # "applied" | "rejected" | "dry-run"
    kind: str
    shape: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))
    notes: list[str] = field(default_factory=list)
    touched_pupils: list[int] = field(default_factory=list)
    # Canonical column → the header cell the file named it with ("personal_code" → "Personas kods").
    headings: dict[str, str] = field(default_factory=dict)

    def error_dicts(self, limit: int | None = None) -> list[dict[str, Any]]:
        frame = self.errors.sort("_row", "column")
        if limit is not None:
            frame = frame.head(limit)
        return [
            {"row": int(r["_row"]), "column": r["column"], "code": r["code"], "message": r["message"]}
            for r in frame.iter_rows(named=True)
        ]

    def page_errors(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The errors as the batch page shows them: each also under the column's name in the
        user's file (``heading``), and that name in the message instead of the code name. The
        codes and canonical columns stay for the command line's JSON (``error_dicts``)."""
        out = []
        for error in self.error_dicts(limit=limit):
            column = error["column"]
            heading = self.headings.get(column, column)
            message = error["message"]
            if column and heading != column:
                message = re.sub(rf"(?<![\w-]){re.escape(column)}(?![\w-])", heading, message)
            out.append({**error, "heading": heading, "message": message})
        return out

    def summary(self) -> dict[str, Any]:
        """Exactly the JSON object of DESIGN §6."""
        return {
            "status": self.status,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.error_dicts(),
        }
