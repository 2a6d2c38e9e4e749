"""What an import run reports: the counts and the row errors of DESIGN §6's JSON summary.

Its own module because both sides use it: the engine fills it in, and the register specs
(institutions, pupils) add their counts to it while they apply rows.
"""

from __future__ import annotations

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

    def error_dicts(self, limit: int | None = None) -> list[dict[str, Any]]:
        frame = self.errors.sort("_row", "column")
        if limit is not None:
            frame = frame.head(limit)
        return [
            {"row": int(r["_row"]), "column": r["column"], "code": r["code"], "message": r["message"]}
            for r in frame.iter_rows(named=True)
        ]

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
