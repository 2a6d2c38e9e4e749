"""The small pieces every dashboard table shares: hiding a small count, week and semester labels, a figure's series over the buckets and its line."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections.abc import Callable
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format

from pumpurs.core.charts import LineChart, line_chart
from pumpurs.reporting.suppression import rate


def hide(value: int, suppress: bool) -> int | None:
    return None if suppress and 0 < value < 5 else value


def week_label(day: dt.date) -> str:
    return week_labels_cached(day, translation.get_language() or "")


@functools.lru_cache(maxsize=512)
def week_labels_cached(day: dt.date, _language: str) -> str:
    return date_format(day, "j.n.")


def semester_label(start: dt.date) -> str:
    # semester 1 starts in autumn, 2 after new year: "2026/27 (1)"
    first = start.year if start.month >= 8 else start.year - 1
    number = 1 if start.month >= 8 else 2
    return f"{first}/{str(first + 1)[-2:]} ({number})"


def attendance_rate(cells: dict[str, int]) -> Decimal | None:
    lessons = cells.get("lessons", 0)
    if not lessons:
        return None
    return rate(lessons - cells.get("absent", 0), lessons)


def median_days(histogram: dict[int, int]) -> float | None:
    days = [d for d, n in sorted(histogram.items()) for _ in range(n)]
    return float(statistics.median(days)) if days else None


Series = list[tuple[str, int | None, Decimal | None]]  # (label, count, rate) per bucket


def figure_series(
    own: dict[tuple[str, dt.date], dict[str, int]],
    bucket: str,
    starts: list[dt.date],
    label: Callable[[dt.date], str],
    metric: str,
    denominator: str | None,
    s: bool,
) -> Series:
    """``metric`` in each of the ``bucket`` windows starting on ``starts``: the shown count and, with
    a ``denominator``, its rate (withheld where either is hidden)."""
    rows: Series = []
    for start in starts:
        cells = own[(bucket, start)]
        value = hide(cells.get(metric, 0), s)
        base = hide(cells.get(denominator, 0), s) if denominator else None
        rows.append((label(start), value, rate(value, base) if denominator else None))
    return rows


def trend_chart(rows: Series, *, share: bool, width: int) -> LineChart | None:
    """The weekly line of a series: its rate on a 0–100 % scale, else its count."""
    if share:
        return line_chart(
            [(lbl, r) for lbl, _v, r in rows], low=0, high=100, ticks=[0, 50, 100], suffix=" %", width=width
        )
    top = max(max((v or 0 for _l, v, _r in rows), default=0), 1)
    return line_chart(
        [(lbl, Decimal(v) if v is not None else None) for lbl, v, _r in rows],
        low=0,
        high=top,
        ticks=[0, top],
        decimals=0,
        width=width,
    )
