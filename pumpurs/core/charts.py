"""Small server-rendered charts: geometry only, drawn as inline SVG by the templates.

No chart library and no script: the page stays within the strict CSP and works without
JavaScript. Every chart is paired with a table that carries the same numbers (WCAG 1.1.1), and the
template gives the ``<svg>`` ``role="img"`` and an ``aria-label`` naming what it shows.

Two shapes serve every page: a line over periods (``line_chart``: a pupil's attendance by
semester, a school's attendance by week) and horizontal bars, one per row, optionally over a
lighter reference bar (``bar_chart``: share at risk per school, plans by state, spend against the
budget). The risk picture's charts were the first; ``risk/charts.py`` re-exports these.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

WIDTH = 320
HEIGHT = 140
LEFT = 40  # room for the y-axis labels
RIGHT = 12
TOP = 12
BOTTOM = 28  # room for the period labels


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[Point]
    ticks: list[Tick]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def baseline(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def tick_x(self) -> int:
        return self.left - 4

    @property
    def label_y(self) -> int:
        return self.baseline + 18


def line_chart(
    values: list[tuple[str, Decimal | None]],
    *,
    low: float,
    high: float,
    ticks: list[float],
    decimals: int = 1,
    suffix: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> LineChart | None:
    """Place ``(label, value)`` pairs left to right on a fixed ``low``–``high`` scale.

    Labels of missing values keep their slot so gaps stay visible; ``None`` when there is
    nothing to draw at all.
    """
    if not any(v is not None for _, v in values):
        return None
    span_x = width - LEFT - RIGHT
    span_y = height - TOP - BOTTOM
    step = span_x / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        clipped = min(max(value, low), high)
        return TOP + span_y * (high - clipped) / (high - low)

    points = [
        Point(
            x=LEFT + (step * i if len(values) > 1 else span_x / 2),
            y=y_of(float(value)),
            label=label,
            value=number_format(value, decimals) + suffix,
        )
        for i, (label, value) in enumerate(values)
        if value is not None
    ]
    return LineChart(
        width=width,
        height=height,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        points=points,
        ticks=[Tick(y=y_of(t), label=number_format(t, 0) + suffix) for t in ticks],
    )


# --- Horizontal bars ------------------------------------------------------------------------------

BAR_WIDTH = 480
BAR_LABEL = 176  # room for a school's name on the left
BAR_VALUE = 64  # room for the value on the right
BAR_ROW = 20
BAR_LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    y: float
    width: float  # the value's bar, from ``left``
    reference: float | None  # the reference's bar (a budget), drawn lighter beneath
    label: str  # shortened to fit; the table carries the whole name
    value: str  # "—" for a hidden or missing value


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    bars: list[Bar]
    bar_height: int

    @property
    def value_x(self) -> int:
        return self.width - 4

    @property
    def label_x(self) -> int:
        return self.left - 6


def _shorten(label: str) -> str:
    return label if len(label) <= BAR_LABEL_CHARS else label[: BAR_LABEL_CHARS - 1] + "…"


def bar_chart(
    rows: list[tuple[str, Decimal | int | None, Decimal | int | None]],
    *,
    high: Decimal | int | None = None,
    decimals: int = 0,
    suffix: str = "",
    text: list[str] | None = None,
) -> BarChart | None:
    """One bar per ``(label, value, reference)`` row on a scale from zero to ``high`` (by default
    the largest value or reference). A ``None`` value draws no bar and reads "—" (a hidden small
    cell stays hidden in the picture too). ``text`` overrides the printed values (e.g. money).
    ``None`` when there is no row or nothing above zero to draw."""
    numbers = [float(x) for _, v, r in rows for x in (v, r) if x is not None]
    top = float(high) if high is not None else max(numbers, default=0.0)
    if not rows or top <= 0:
        return None
    span = BAR_WIDTH - BAR_LABEL - BAR_VALUE
    bars = []
    for i, (label, value, reference) in enumerate(rows):
        shown = "—" if value is None else number_format(value, decimals) + suffix
        bars.append(
            Bar(
                y=4 + i * BAR_ROW,
                width=0.0 if value is None else span * min(float(value), top) / top,
                reference=None if reference is None else span * min(float(reference), top) / top,
                label=_shorten(label),
                value=text[i] if text is not None else shown,
            )
        )
    return BarChart(width=BAR_WIDTH, height=8 + len(rows) * BAR_ROW, left=BAR_LABEL, bars=bars, bar_height=BAR_ROW - 6)
