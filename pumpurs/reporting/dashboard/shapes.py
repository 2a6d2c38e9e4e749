"""What a dashboard shows, as the template and the export read it: cells, figures, tables, trends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from pumpurs.core.charts import BarChart, LineChart, bars_svg, line_svg
from pumpurs.core.display import percent_text
from pumpurs.reporting.dashboard.places import Place
from pumpurs.reporting.models import DashboardRefresh
from pumpurs.reporting.suppression import rate
from pumpurs.reporting.tiles import TileMap

SMALL_MULTIPLES = 15  # attendance drawn per unit up to this many units


# --- What --------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A shown number: ``value`` is ``None`` when hidden (the template writes "—")."""

    value: int | None
    rate: Decimal | None = None
    url: str | None = None

    @property
    def html(self) -> SafeString:
        """The number as the page writes it: "—" when hidden, a link where it leads to names."""
        if self.value is None:
            return mark_safe("—")  # the page's note says what it means
        if self.url:
            return format_html('<a href="{}">{}</a>', self.url, self.value)
        return mark_safe(str(int(self.value)))  # noqa: S308 — an integer

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate) if self.rate is not None else ""


@dataclass
class Figure:
    metric: str
    label: str | Promise
    now: Cell
    weeks: list[tuple[str, int | None, Decimal | None]]  # (label, count, rate)
    semesters: list[tuple[str, int | None, Decimal | None]]
    chart: LineChart | None

    @property
    def svg(self) -> SafeString | None:
        if self.chart is None:
            return None
        label = gettext("%(what)s by week; the numbers are in the table beside") % {"what": self.label}
        return line_svg(self.chart, label)

    @property
    def rows(self) -> SafeString:
        """The weeks and semesters as table rows (built here: a page has ten such tables)."""
        week = gettext("week from %(label)s")
        semester = gettext("semester %(label)s")
        lines = [(week % {"label": label}, v, r) for label, v, r in self.weeks]
        lines += [(semester % {"label": label}, v, r) for label, v, r in self.semesters]
        return mark_safe(  # noqa: S308 — labels escaped, the rest numbers
            "".join(
                f'<tr><th scope="row">{escape(label)}</th><td class="num">{"—" if v is None else v}</td>'
                f'<td class="num">{percent_text(r) if r is not None else ""}</td></tr>'
                for label, v, r in lines
            )
        )


@dataclass
class Breakdown:
    """A small table: rows of (label, shown count, rate, link) with an optional total."""

    title: str | Promise
    rows: list[tuple[str, Cell]]
    total: int | None = None


@dataclass
class TrendRow:
    """One row of a weekly trend table: the week's shown count and share, drawn as a line."""

    label: str
    weeks: list[tuple[str, int | None, Decimal | None]]
    chart: LineChart | None

    @property
    def svg(self) -> SafeString | None:
        if self.chart is None:
            return None
        label = gettext("%(what)s: share of pupils by week; the numbers are in the table") % {"what": self.label}
        return line_svg(self.chart, label)


@dataclass
class Trend:
    title: str | Promise
    weeks: list[str]  # the weeks' labels, oldest first
    rows: list[TrendRow]


@dataclass
class Wait:
    step: str
    approvals: int | None
    median_days: float | None


@dataclass
class Child:
    name: str
    url: str | None
    code: str
    cells: dict[str, Cell]
    attendance: LineChart | None
    attendance_weeks: list[tuple[str, Decimal | None]]

    @property
    def attendance_svg(self) -> SafeString | None:
        if self.attendance is None:
            return None
        label = gettext("Attendance rate by week, %(name)s; the numbers are in the table below") % {"name": self.name}
        return line_svg(self.attendance, label)


@dataclass
class MoneyLine:
    name: str
    budget: int | None
    committed: int
    spent: int

    @property
    def share(self) -> Decimal | None:
        return rate(self.spent, self.budget) if self.budget else None


@dataclass
class Dashboard:
    place: Place
    semester: tuple[dt.date, dt.date] | None
    refreshed: DashboardRefresh | None
    figures: list[Figure] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    plans_chart: BarChart | None = None
    plans: Breakdown | None = None
    waits: list[Wait] = field(default_factory=list)
    measures: list[tuple[str, Decimal | None, int]] = field(default_factory=list)  # (measure, hours, cents)
    children: list[Child] = field(default_factory=list)
    child_totals: dict[str, Cell] = field(default_factory=dict)
    risk_chart: BarChart | None = None
    coverage_chart: BarChart | None = None
    attendance: LineChart | None = None
    attendance_weeks: list[tuple[str, Decimal | None]] = field(default_factory=list)
    money: list[MoneyLine] = field(default_factory=list)
    money_total: MoneyLine | None = None
    money_chart: BarChart | None = None
    tiles: TileMap | None = None
    tiles_by: str = "at_risk"

    @property
    def attendance_rows(self) -> SafeString:
        """The weekly attendance table's rows: the place, then each child, one column per week."""

        def row(name: str, weeks: list[tuple[str, Decimal | None]]) -> str:
            cells = "".join(f'<td class="num">{percent_text(v) if v is not None else ""}</td>' for _l, v in weeks)
            return f'<tr><th scope="row">{escape(name)}</th>{cells}</tr>'

        rows = [row(self.place.name, self.attendance_weeks)]
        rows += [row(child.name, child.attendance_weeks) for child in self.children]
        return mark_safe("".join(rows))  # noqa: S308 — names escaped, the rest numbers

    @property
    def small_multiples(self) -> bool:
        """One attendance chart per child only where a reader can take them in (and the page stays
        light): a municipality's schools up to ``SMALL_MULTIPLES``; beyond, the table carries them."""
        return 0 < len(self.children) <= SMALL_MULTIPLES

    def _bars(self, chart: BarChart | None, label: str) -> SafeString | None:
        return bars_svg(chart, label) if chart is not None else None

    @property
    def risk_svg(self) -> SafeString | None:
        return self._bars(self.risk_chart, gettext("Share of pupils at risk; the numbers are in the table below"))

    @property
    def coverage_svg(self) -> SafeString | None:
        label = gettext("Coverage: at-risk pupils with an active plan; the numbers are in the table below")
        return self._bars(self.coverage_chart, label)

    @property
    def plans_svg(self) -> SafeString | None:
        label = gettext("This semester's plans by state; the numbers are in the table beside")
        return self._bars(self.plans_chart, label)

    @property
    def money_svg(self) -> SafeString | None:
        label = gettext("Spent (dark) against the budget (light); the numbers are in the table below")
        return self._bars(self.money_chart, label)

    @property
    def attendance_svg(self) -> SafeString | None:
        if self.attendance is None:
            return None
        return line_svg(self.attendance, gettext("Attendance rate by week; the numbers are in the table below"))
