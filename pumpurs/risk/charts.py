"""The risk picture's charts: the generic geometry lives in ``core/charts.py`` (shared with the
monitoring dashboards); this module keeps the names risk has always imported."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format

from pumpurs.core.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, LineChart, Point, Tick, line_chart

__all__ = ["BOTTOM", "HEIGHT", "LEFT", "RIGHT", "TOP", "WIDTH", "LineChart", "Point", "Tick", "line_chart"]


# --- Stacked bars (a pupil's attendance week by week) -----------------------------------------------

BAR_WIDTH = 560  # room for a semester's twenty-odd weeks; the SVG scales down on a phone


@dataclass(frozen=True)
class Segment:
    part: str  # the CSS modifier: ``trend__bar--unjustified`` …
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    label: str
    total: int
    segments: list[Segment]
    show_label: bool  # every label would overlap: every few is written under its bar

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    ticks: list[Tick]

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


def _nice_top(highest: int) -> int:
    """The scale's top: the highest bar rounded up to a step that reads well (5, 10, 20, 50 …)."""
    for step in (5, 10, 20, 50, 100, 200, 500):
        if highest <= step * 4:
            return max(step, -(-highest // step) * step)
    return highest


def stacked_bars(values: list[tuple[str, list[int]]], *, parts: list[str]) -> StackedBars:
    """Bars left to right, each stacked bottom up in the order of ``parts``, on a scale from 0 to
    a round number at or above the highest bar. A week with nothing missed keeps its slot."""
    span_x = BAR_WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    top = _nice_top(max((sum(v) for _, v in values), default=0))
    slot = span_x / max(len(values), 1)
    width = max(slot * 0.7, 1.0)
    every = max(1, -(-len(values) * 44 // span_x))  # a label needs ~44 px

    def height_of(value: int) -> float:
        return span_y * value / top

    bars = []
    for i, (label, counts) in enumerate(values):
        x = LEFT + slot * i + (slot - width) / 2
        y = float(TOP + span_y)
        segments = []
        for part, value in zip(parts, counts, strict=True):
            if value:
                h = height_of(value)
                y -= h
                segments.append(Segment(part=part, y=y, height=h, value=value))
        bars.append(Bar(x=x, width=width, label=label, total=sum(counts), segments=segments, show_label=i % every == 0))
    ticks = [Tick(y=TOP + span_y - height_of(t), label=number_format(t, 0)) for t in (0, top // 2, top)]
    return StackedBars(
        width=BAR_WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, bars=bars, ticks=ticks
    )
