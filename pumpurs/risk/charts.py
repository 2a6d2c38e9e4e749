"""Small server-rendered charts: geometry only, drawn as inline SVG by the templates.

No chart library and no script: the page stays within the strict CSP and works without
JavaScript. Every chart is paired with a table that carries the same numbers (WCAG 1.1.1).
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
) -> LineChart | None:
    """Place ``(label, value)`` pairs left to right on a fixed ``low``–``high`` scale.

    Labels of missing values keep their slot so gaps stay visible; ``None`` when there is
    nothing to draw at all.
    """
    if not any(v is not None for _, v in values):
        return None
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
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
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        points=points,
        ticks=[Tick(y=y_of(t), label=number_format(t, 0) + suffix) for t in ticks],
    )
