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

from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def number_format(value: Decimal | float | int, decimals: int, separator: str | None = None) -> str:
    """A number in the reader's language (decimal comma in Latvian), without Django's per-call
    localisation machinery: charts format thousands of numbers per page. No thousands separator
    (the scales stay below 10 000). ``separator``: the decimal separator, when the caller has it."""
    text = f"{float(value):.{decimals}f}"
    separator = separator if separator is not None else get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text


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

    separator = get_format("DECIMAL_SEPARATOR")
    points = [
        Point(
            x=LEFT + (step * i if len(values) > 1 else span_x / 2),
            y=y_of(float(value)),
            label=label,
            value=number_format(value, decimals, separator) + suffix,
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
        ticks=[Tick(y=y_of(t), label=number_format(t, 0, separator) + suffix) for t in ticks],
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


# --- Markup -------------------------------------------------------------------------------------
# Pages that draw many charts (a municipality's schools, the country's municipalities) take the
# markup from here rather than from a template loop: the same drawing, a fraction of the time.
# Every text is escaped; the numbers are ours.


def _attrs(**values: object) -> str:
    return " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in values.items())


def line_svg(chart: LineChart, label: str) -> SafeString:
    """``chart`` as an accessible inline SVG (``role="img"``, ``aria-label`` and ``<title>``)."""
    parts = [
        f'<svg {_attrs(role="img", aria_label=label)} viewBox="0 0 {chart.width} {chart.height}" '
        f'width="{chart.width}" height="{chart.height}" class="trend__svg"><title>{escape(label)}</title>'
    ]
    for t in chart.ticks:
        parts.append(
            f'<line x1="{chart.left}" x2="{chart.plot_right}" y1="{t.y:.1f}" y2="{t.y:.1f}" class="trend__grid"/>'
            f'<text x="{chart.tick_x}" y="{t.y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'class="trend__tick">{escape(t.label)}</text>'
        )
    parts.append(f'<polyline points="{chart.polyline}" class="trend__line" fill="none"/>')
    for p in chart.points:
        parts.append(
            f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="3" class="trend__dot"><title>{escape(p.label)}: '
            f"{escape(p.value)}</title></circle>"
            f'<text x="{p.x:.1f}" y="{chart.label_y}" text-anchor="middle" class="trend__label">{escape(p.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def bars_svg(chart: BarChart, label: str) -> SafeString:
    """``chart`` as an accessible inline SVG: a bar per row, its reference beneath, its value."""
    parts = [
        f'<svg {_attrs(role="img", aria_label=label)} viewBox="0 0 {chart.width} {chart.height}" '
        f'width="{chart.width}" height="{chart.height}" class="bars__svg"><title>{escape(label)}</title>'
    ]
    for b in chart.bars:
        middle = b.y + chart.bar_height / 2
        parts.append(
            f'<text x="{chart.label_x}" y="{middle:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'class="bars__label">{escape(b.label)}</text>'
        )
        if b.reference is not None:
            parts.append(
                f'<rect x="{chart.left}" y="{b.y:.1f}" width="{b.reference:.1f}" height="{chart.bar_height}" '
                'class="bars__ref"/>'
            )
        parts.append(
            f'<rect x="{chart.left}" y="{b.y:.1f}" width="{b.width:.1f}" height="{chart.bar_height}" class="bars__bar"/>'
            f'<text x="{chart.value_x}" y="{middle:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'class="bars__value">{escape(b.value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
