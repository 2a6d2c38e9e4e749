"""A server-rendered bar chart of money per month (issue 14): geometry only, drawn as inline SVG
by the template, paired with a table carrying the same numbers (as ``risk/charts.py``; no script,
within the strict CSP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format

from pumpurs.core.display import money_text
from pumpurs.finance.money import euros

WIDTH = 480
HEIGHT = 180
LEFT = 56
RIGHT = 8
TOP = 12
BOTTOM = 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def label_y(self) -> int:
        return self.baseline + 16


def month_bars(values: list[tuple[dt.date, int]]) -> BarChart | None:
    """Bars of cents per month on a scale from zero to the largest month; ``None`` when nothing
    was spent at all."""
    if not values or max(v for _m, v in values) <= 0:
        return None
    top = max(v for _m, v in values)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(values)
    bars = []
    for i, (month, cents) in enumerate(values):
        h = plot_h * cents / top
        bars.append(
            Bar(
                x=LEFT + i * slot + slot * 0.15,
                y=HEIGHT - BOTTOM - h,
                width=slot * 0.7,
                height=h,
                label=date_format(month, "M"),
                value=money_text(euros(cents)),
            )
        )
    ticks = [Tick(y=HEIGHT - BOTTOM - plot_h * f, label=money_text(euros(round(top * f)))) for f in (0, 0.5, 1)]
    return BarChart(width=WIDTH, height=HEIGHT, left=LEFT, bars=bars, ticks=ticks)
