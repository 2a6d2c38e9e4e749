"""Small cells: above school level a count of 1–4 pupils is not shown (DESIGN §7, issue 15).

Primary suppression hides every count in ``1 … SMALL_CELL - 1``. Secondary suppression then hides
one more cell wherever a shown total would let a reader subtract their way back to a hidden one:
in every line (a row or a column whose total is shown) with exactly one hidden cell, the smallest
other shown non-zero cell is hidden too, and this repeats until no line has a lone hidden cell.
Zero is shown: it names nobody, and hiding it would hide that a school has no one flagged.

Rates follow their counts: a share whose numerator or denominator is hidden is withheld. The same
functions protect pages and exports, so a CSV never shows what the page hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

SMALL_CELL = 5  # counts below this (and above zero) are hidden above school level


def _is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def suppress_table(
    rows: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    threshold: int = SMALL_CELL,
) -> list[list[int | None]]:
    """The table with hidden cells as ``None``. ``row_totals``/``column_totals`` say which
    margins the reader sees (each shown margin is a line that must not reveal a lone hidden cell).
    The totals themselves are the caller's to show: they are sums of the true counts."""
    cells: list[list[int | None]] = [[v if not _is_small(v, threshold) else None for v in row] for row in rows]
    width = max((len(row) for row in rows), default=0)

    def lines() -> list[list[tuple[int, int]]]:
        found: list[list[tuple[int, int]]] = []
        if row_totals:
            found += [[(r, c) for c in range(len(rows[r]))] for r in range(len(rows))]
        if column_totals:
            found += [[(r, c) for r in range(len(rows)) if c < len(rows[r])] for c in range(width)]
        return found

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden = [(r, c) for r, c in line if cells[r][c] is None]
            if len(hidden) != 1:
                continue
            candidates = [(rows[r][c], r, c) for r, c in line if cells[r][c] is not None and rows[r][c] > 0]
            if not candidates:
                continue  # every other cell is zero: the total equals the hidden cell, so the caller
                # must hide the total too — see ``total_shown``
            _, r, c = min(candidates)
            cells[r][c] = None
            changed = True
    return cells


def suppress_counts(
    values: Sequence[int], *, total_shown: bool = True, threshold: int = SMALL_CELL
) -> list[int | None]:
    """One line of counts (e.g. pupils per school of a municipality) with its total shown or not."""
    return suppress_table([list(values)], row_totals=total_shown, column_totals=False, threshold=threshold)[0]


def total_shown(values: Sequence[int], suppressed: Sequence[int | None], *, threshold: int = SMALL_CELL) -> int | None:
    """The total of a line, or ``None`` when showing it would reveal a hidden cell: when it is
    itself small, or when every shown cell is zero and it would equal the hidden ones' sum
    with only one of them hidden."""
    total = sum(values)
    if _is_small(total, threshold):
        return None
    hidden = [v for v, s in zip(values, suppressed, strict=True) if s is None]
    if len(hidden) == 1:
        return None
    return total


def rate(numerator: int | None, denominator: int | None, *, places: int = 1) -> Decimal | None:
    """A percentage, or ``None`` when either count is hidden or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_UP)
