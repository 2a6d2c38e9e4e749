"""Text for spreadsheet cells: a cell that starts like a formula is neutralised (CSV/XLSX
"formula injection"), so a name such as ``=HYPERLINK(…)`` stays text when an accountant opens it."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> str:
    """``value`` as text, with a leading apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
