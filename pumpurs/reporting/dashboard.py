"""What a dashboard shows, read from the pre-aggregate (``DashboardCell``) in three small queries:
the place's own rows (every bucket), its children's rows for the current semester and school year
(the schools of a municipality, the municipalities of the country) and the children's weekly
attendance. Nothing here touches the facts.

Small cells (``reporting.suppression``): a place above school level — and a school seen by anyone
without a role at that school — hides counts of 1–4, with secondary suppression wherever a shown
total would give a hidden cell away; a rate whose count is hidden is withheld. Money and lesson
totals are not head counts and are shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pumpurs.core.charts import BarChart, LineChart, bar_chart, bars_svg, line_chart, line_svg
from pumpurs.core.display import money_text, percent_text
from pumpurs.finance.money import euros
from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution, Municipality
from pumpurs.people.perms import Perm
from pumpurs.reporting.models import Bucket, DashboardCell, DashboardRefresh, Level
from pumpurs.reporting.suppression import rate, suppress_counts, suppress_table
from pumpurs.reporting.suppression import total_shown as total_if_safe
from pumpurs.reporting.tiles import TileMap, tile_map
from pumpurs.risk.models import Level as RiskLevel
from pumpurs.risk.models import RiskGroup
from pumpurs.risk.rules import rule_label
from pumpurs.support.models import ApprovalStep, Measure, Outcome, PlanStatus, Review

# The headline figures: (metric, label, the metric its rate divides by, the permission that lets a
# school's own staff list the pupils behind it).
FIGURES: tuple[tuple[str, str | Promise, str | None, Perm | None], ...] = (
    ("pupils", _("Pupils enrolled"), None, None),
    ("flagged", _("Flagged by a rule"), "pupils", Perm.VIEW_RISK),
    ("assessed", _("Assessed with the questionnaire"), "pupils", Perm.VIEW_RISK),
    ("at_risk", _("At risk"), "pupils", Perm.VIEW_RISK),
    ("with_case", _("With a support case"), "pupils", Perm.VIEW_SUPPORT),
    ("active_plan", _("With an active plan"), "pupils", Perm.VIEW_SUPPORT),
    ("covered", _("Coverage: at risk with an active plan"), "at_risk", Perm.VIEW_RISK),
    ("supported", _("Supported (a delivery this period)"), "pupils", Perm.VIEW_SUPPORT),
    ("plans_made", _("Plans made (final approval)"), None, None),
    ("reviews", _("Reviews done"), None, None),
)
LISTABLE = {metric: perm for metric, _label, _d, perm in FIGURES if perm is not None}
LISTABLE_PREFIXES = {"flagged:": Perm.VIEW_RISK, "assessed:": Perm.VIEW_RISK, "group:": Perm.VIEW_RISK}
SMALL_MULTIPLES = 15
CHILD_COLUMNS = ("pupils", "flagged", "at_risk", "covered", "with_case", "active_plan", "supported")


def list_perm(metric: str) -> Perm | None:
    """The permission under which a school's staff may list the pupils behind ``metric``."""
    if metric in LISTABLE:
        return LISTABLE[metric]
    return next((perm for prefix, perm in LISTABLE_PREFIXES.items() if metric.startswith(prefix)), None)


# --- Where -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    level: str
    unit_id: int
    name: str
    public_id: UUID | None
    suppress: bool  # small cells hidden
    institution: Institution | None = None
    municipality: Municipality | None = None

    @property
    def url(self) -> str:
        if self.level == Level.SCHOOL:
            return reverse("reporting:school", args=[self.public_id])
        if self.level == Level.MUNICIPALITY:
            return reverse("reporting:municipality", args=[self.public_id])
        return reverse("reporting:national")


def school_place(user: Viewer, public_id: UUID) -> Place:
    school = access.institutions_visible_to(user, Perm.VIEW_DASHBOARD).filter(public_id=public_id).first()
    if school is None:
        raise Http404
    return Place(
        level=Level.SCHOOL,
        unit_id=school.pk,
        name=school.name,
        public_id=school.public_id,
        suppress=not access.holds_at_school(user, Perm.VIEW_DASHBOARD, school),
        institution=school,
    )


def municipality_place(user: Viewer, public_id: UUID) -> Place:
    municipality = access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).filter(public_id=public_id).first()
    if municipality is None:
        raise Http404
    return Place(
        level=Level.MUNICIPALITY,
        unit_id=municipality.pk,
        name=municipality.name,
        public_id=municipality.public_id,
        suppress=True,
        municipality=municipality,
    )


def national_place(user: Viewer) -> Place:
    if not access.is_national(user, Perm.VIEW_DASHBOARD):
        raise Http404
    return Place(level=Level.NATIONAL, unit_id=0, name=str(_("Latvia")), public_id=None, suppress=True)


def place_above(user: Viewer, place: Place) -> Place | None:
    """The dashboard one level up that the reader may open (the breadcrumb's link), if any."""
    if place.level == Level.SCHOOL and place.institution is not None:
        up = access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).filter(pk=place.institution.municipality_id)
        municipality = up.first()
        return municipality_place(user, municipality.public_id) if municipality is not None else None
    if place.level == Level.MUNICIPALITY and access.is_national(user, Perm.VIEW_DASHBOARD):
        return national_place(user)
    return None


def places_for(user: Viewer) -> list[Place]:
    """Every dashboard the reader may open at the top: the country, their municipalities, the
    schools where they hold a school role (a national or municipal reader reaches schools from
    the tables)."""
    found: list[Place] = []
    if access.is_national(user, Perm.VIEW_DASHBOARD):
        found.append(national_place(user))
        return found
    for m in access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).order_by("name"):
        found.append(municipality_place(user, m.public_id))
    for school in access.institutions_visible_to(user, Perm.VIEW_DASHBOARD).order_by("name"):
        if access.holds_at_school(user, Perm.VIEW_DASHBOARD, school):
            found.append(school_place(user, school.public_id))
    return found


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


def _hide(value: int, suppress: bool) -> int | None:
    return None if suppress and 0 < value < 5 else value


def _week_label(day: dt.date) -> str:
    return _week_labels(day, translation.get_language() or "")


@functools.lru_cache(maxsize=512)
def _week_labels(day: dt.date, _language: str) -> str:
    return date_format(day, "j.n.")


def semester_label(start: dt.date) -> str:
    # semester 1 starts in autumn, 2 after new year: "2026/27 (1)"
    first = start.year if start.month >= 8 else start.year - 1
    number = 1 if start.month >= 8 else 2
    return f"{first}/{str(first + 1)[-2:]} ({number})"


def _attendance_rate(cells: dict[str, int]) -> Decimal | None:
    lessons = cells.get("lessons", 0)
    if not lessons:
        return None
    return rate(lessons - cells.get("absent", 0), lessons)


def _median_days(histogram: dict[int, int]) -> float | None:
    days = [d for d, n in sorted(histogram.items()) for _ in range(n)]
    return float(statistics.median(days)) if days else None


Series = list[tuple[str, int | None, Decimal | None]]  # (label, count, rate) per bucket


def _series(
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
        value = _hide(cells.get(metric, 0), s)
        base = _hide(cells.get(denominator, 0), s) if denominator else None
        rows.append((label(start), value, rate(value, base) if denominator else None))
    return rows


def _trend_chart(rows: Series, *, share: bool, width: int) -> LineChart | None:
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


def dashboard_for(user: Viewer, place: Place, *, tiles_by: str = "at_risk") -> Dashboard:
    """Everything the page shows for ``place``, suppressed as the place and the reader require."""
    own: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(dict)
    ends: dict[tuple[str, dt.date], dt.date] = {}
    for bucket, starts_on, ends_on, metric, value in DashboardCell.objects.filter(
        level=place.level, unit_id=place.unit_id
    ).values_list("bucket", "starts_on", "ends_on", "metric", "value"):
        own[(bucket, starts_on)][metric] = value
        ends[(bucket, starts_on)] = ends_on
    weeks = sorted(s for b, s in own if b == Bucket.WEEK)
    semesters = sorted(s for b, s in own if b == Bucket.SEMESTER)
    years = sorted(s for b, s in own if b == Bucket.YEAR)
    board = Dashboard(
        place=place,
        semester=(semesters[-1], ends[(Bucket.SEMESTER, semesters[-1])]) if semesters else None,
        refreshed=DashboardRefresh.objects.order_by("-computed_at").first(),
        tiles_by=tiles_by if tiles_by in ("at_risk", "covered") else "at_risk",
    )
    if not semesters:
        return board
    now = own[(Bucket.SEMESTER, semesters[-1])]
    s = place.suppress
    may_list = _may_list(user, place)

    def link(metric: str) -> str | None:
        perm = list_perm(metric)
        if perm is None or perm not in may_list or board.semester is None:
            return None
        start, end = board.semester
        return (
            reverse("reporting:school_pupils", args=[place.public_id])
            + f"?metric={metric}&start={start.isoformat()}&end={end.isoformat()}"
        )

    for metric, label, denominator, _perm in FIGURES:
        count = _hide(now.get(metric, 0), s)
        base = _hide(now.get(denominator, 0), s) if denominator else None
        week_rows = _series(own, Bucket.WEEK, weeks, _week_label, metric, denominator, s)
        semester_rows = _series(own, Bucket.SEMESTER, semesters, semester_label, metric, denominator, s)
        chart = _trend_chart(week_rows, share=denominator is not None, width=260)
        board.figures.append(
            Figure(
                metric=metric,
                label=label,
                now=Cell(count, rate(count, base) if denominator else None, link(metric) if count else None),
                weeks=week_rows,
                semesters=semester_rows,
                chart=chart,
            )
        )

    _breakdowns(board, now, s, link)
    _trends(board, own, weeks, s)
    _plans_and_waits(board, now, s)
    _measures(board, now)
    attendance_weeks = [(_week_label(w), _attendance_rate(own[(Bucket.WEEK, w)])) for w in weeks]
    board.attendance_weeks = attendance_weeks
    board.attendance = line_chart(attendance_weeks, low=50, high=100, ticks=[50, 75, 100], suffix=" %")
    year = years[-1] if years else None
    if place.level != Level.SCHOOL:
        _children(user, board, semesters[-1], weeks, year)
    elif year is not None:
        cells = own[(Bucket.YEAR, year)]
        board.money = [_money_line(place.name, cells)] if cells else []
        board.money_total = board.money[0] if board.money else None
        board.money_chart = _money_chart(board.money)
    return board


def _may_list(user: Viewer, place: Place) -> set[Perm]:
    """Names are listed only on a school's own dashboard, for its own staff (never above school
    level, where the page shows counts only)."""
    if place.level != Level.SCHOOL or place.suppress or place.institution is None:
        return set()
    return {
        perm
        for perm in (Perm.VIEW_RISK, Perm.VIEW_SUPPORT)
        if access.institutions_visible_to(user, perm).filter(pk=place.unit_id).exists()
    }


def _line(
    title: str | Promise,
    items: Sequence[tuple[str, str]],
    now: dict[str, int],
    s: bool,
    link: Callable[[str], str | None],
    *,
    total: int | None,
    additive: bool,
    denominator: int | None,
) -> Breakdown:
    values = [now.get(metric, 0) for metric, _l in items]
    shown = suppress_counts(values, total_shown=additive) if s else list(values)
    base = _hide(denominator, s) if denominator is not None else None
    rows = [
        (label, Cell(v, rate(v, base), link(metric) if v else None))
        for (metric, label), v in zip(items, shown, strict=True)
    ]
    shown_total = (total_if_safe(values, shown) if s else sum(values)) if additive else None
    return Breakdown(title=title, rows=rows, total=shown_total if total is not None else None)


def _people_specs(metrics: Iterable[str]) -> list[tuple[str | Promise, list[tuple[str, str]], bool]]:
    """The three tables of pupils by rule, by questionnaire level and by risk group: (title, rows of
    (metric, label), additive — the rows add up to the assessed total)."""
    rules = sorted({m.split(":", 1)[1] for m in metrics if m.startswith("flagged:")})
    return [
        (
            _("Flagged pupils by rule (a pupil may be flagged by several)"),
            [(f"flagged:{r}", str(rule_label(r))) for r in rules],
            False,
        ),
        (
            _("Assessed pupils by questionnaire level"),
            [(f"assessed:{lv}", str(label)) for lv, label in RiskLevel.choices],
            True,
        ),
        (
            _("Assessed pupils by risk group (a pupil may be in several)"),
            [(f"group:{g}", str(label)) for g, label in RiskGroup.choices],
            False,
        ),
    ]


def _breakdowns(board: Dashboard, now: dict[str, int], s: bool, link: Callable[[str], str | None]) -> None:
    for title, items, additive in _people_specs(now):
        board.breakdowns.append(
            _line(
                title,
                items,
                now,
                s,
                link,
                total=now.get("assessed", 0) if additive else None,
                additive=additive,
                denominator=now.get("pupils", 0),
            )
        )
    board.breakdowns.append(
        _line(
            _("Reviews by decision"),
            [(f"reviews:{d}", str(label)) for d, label in Review.Decision.choices],
            now,
            s,
            lambda _m: None,
            total=now.get("reviews", 0),
            additive=True,
            denominator=None,
        )
    )
    board.breakdowns.append(
        _line(
            _("Goals of the reviewed plans by outcome"),
            [(f"goals:{o}", str(label)) for o, label in Outcome.choices],
            now,
            s,
            lambda _m: None,
            total=sum(now.get(f"goals:{o}", 0) for o in Outcome.values),
            additive=True,
            denominator=None,
        )
    )


def _trends(board: Dashboard, own: dict[tuple[str, dt.date], dict[str, int]], weeks: list[dt.date], s: bool) -> None:
    """The pupils by rule, by level and by risk group in each of the twelve weeks: each week's
    column suppressed as the semester's table is (the same helper), a line of shares per row."""
    seen = {m for w in weeks for m in own[(Bucket.WEEK, w)]}
    labels = [_week_label(w) for w in weeks]
    for title, items, additive in _people_specs(seen):
        columns = []
        for w in weeks:
            cells = own[(Bucket.WEEK, w)]
            columns.append(
                _line(
                    title,
                    items,
                    cells,
                    s,
                    lambda _m: None,
                    total=cells.get("assessed", 0) if additive else None,
                    additive=additive,
                    denominator=cells.get("pupils", 0),
                )
            )
        rows = []
        for i, (_metric, label) in enumerate(items):
            series: Series = [
                (week, column.rows[i][1].value, column.rows[i][1].rate)
                for week, column in zip(labels, columns, strict=True)
            ]
            rows.append(TrendRow(label=label, weeks=series, chart=_trend_chart(series, share=True, width=220)))
        board.trends.append(Trend(title=title, weeks=labels, rows=rows))


def _plans_and_waits(board: Dashboard, now: dict[str, int], s: bool) -> None:
    items = [(f"plans:{st}", str(label)) for st, label in PlanStatus.choices]
    board.plans = _line(
        _("This semester's plans by state"),
        items,
        now,
        s,
        lambda _m: None,
        total=sum(now.get(m, 0) for m, _l in items),
        additive=True,
        denominator=None,
    )
    board.plans_chart = bar_chart([(label, cell.value, None) for label, cell in board.plans.rows])
    for step, _label in ApprovalStep.choices:
        histogram = {int(m.rsplit(":", 1)[1]): n for m, n in now.items() if m.startswith(f"wait:{step}:")}
        approvals = sum(histogram.values())
        if not approvals:
            continue
        hidden = _hide(approvals, s)
        board.waits.append(
            Wait(
                step=str(_label), approvals=hidden, median_days=_median_days(histogram) if hidden is not None else None
            )
        )


def _measures(board: Dashboard, now: dict[str, int]) -> None:
    codes = sorted({m.split(":", 1)[1] for m in now if m.startswith(("cents:", "centihours:"))})

    names = dict(Measure.objects.filter(code__in=codes).order_by("code", "valid_from").values_list("code", "name"))
    for code in codes:
        hours = now.get(f"centihours:{code}")
        board.measures.append(
            (names.get(code, code), Decimal(hours) / 100 if hours else None, now.get(f"cents:{code}", 0))
        )


def _money_line(name: str, cells: dict[str, int]) -> MoneyLine:
    return MoneyLine(
        name=name,
        budget=cells.get("budget_cents"),
        committed=cells.get("committed_cents", 0),
        spent=cells.get("spent_cents", 0),
    )


def _money_chart(lines: list[MoneyLine]) -> BarChart | None:
    if not any(line.budget or line.spent for line in lines):
        return None
    return bar_chart(
        [(line.name, line.spent, line.budget) for line in lines],
        text=[money_text(euros(line.spent)) for line in lines],
    )


def _children(user: Viewer, board: Dashboard, semester: dt.date, weeks: list[dt.date], year: dt.date | None) -> None:
    place = board.place
    if place.level == Level.MUNICIPALITY:
        units = list(
            Institution.objects.filter(municipality_id=place.unit_id)
            .order_by("name")
            .values_list("pk", "name", "public_id", "code")
        )
        visible = set(
            access.institutions_visible_to(user, Perm.VIEW_DASHBOARD)
            .filter(municipality_id=place.unit_id)
            .values_list("pk", flat=True)
        )
        rows_q = Q(level=Level.SCHOOL, municipality_id=place.unit_id)
        url_name = "reporting:school"
    else:
        units = list(Municipality.objects.order_by("name").values_list("pk", "name", "public_id", "code"))
        visible = set(access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).values_list("pk", flat=True))
        rows_q = Q(level=Level.MUNICIPALITY)
        url_name = "reporting:municipality"
    cells: dict[int, dict[str, int]] = defaultdict(dict)
    money: dict[int, dict[str, int]] = defaultdict(dict)
    attendance: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(dict)
    wanted = Q(bucket=Bucket.SEMESTER, starts_on=semester, metric__in=CHILD_COLUMNS)
    wanted |= Q(
        bucket=Bucket.WEEK,
        starts_on__in=weeks,
        metric__in=("lessons", "absent"),
    )
    if year is not None:
        wanted |= Q(bucket=Bucket.YEAR, starts_on=year)
    for unit, bucket, starts_on, metric, value in (
        DashboardCell.objects.filter(rows_q)
        .filter(wanted)
        .values_list("unit_id", "bucket", "starts_on", "metric", "value")
    ):
        if bucket == Bucket.SEMESTER:
            cells[unit][metric] = value
        elif bucket == Bucket.YEAR:
            money[unit][metric] = value
        else:
            attendance[(unit, starts_on)][metric] = value
    table = [[cells[pk].get(c, 0) for c in CHILD_COLUMNS] for pk, *_rest in units]
    shown: list[list[int | None]] = (
        suppress_table(table, row_totals=False, column_totals=True) if place.suppress else [list(r) for r in table]
    )
    for (pk, name, public_id, code), row_shown in zip(units, shown, strict=True):
        by = dict(zip(CHILD_COLUMNS, row_shown, strict=True))
        child_cells = {c: Cell(by[c]) for c in CHILD_COLUMNS}
        child_cells["at_risk"].rate = rate(by["at_risk"], by["pupils"])
        child_cells["flagged"].rate = rate(by["flagged"], by["pupils"])
        child_cells["covered"].rate = rate(by["covered"], by["at_risk"])
        weeks_rates = [(_week_label(w), _attendance_rate(attendance[(pk, w)])) for w in weeks]
        board.children.append(
            Child(
                name=name,
                url=reverse(url_name, args=[public_id]) if pk in visible else None,
                code=code,
                cells=child_cells,
                attendance=line_chart(
                    weeks_rates, low=50, high=100, ticks=[50, 100], suffix=" %", width=220, height=110
                ),
                attendance_weeks=weeks_rates,
            )
        )
        if money.get(pk):
            board.money.append(_money_line(name, money[pk]))
    for i, column in enumerate(CHILD_COLUMNS):
        values = [row[i] for row in table]
        shown_column = [row[i] for row in shown]
        board.child_totals[column] = Cell(total_if_safe(values, shown_column) if place.suppress else sum(values))
    board.risk_chart = bar_chart(
        [(c.name, c.cells["at_risk"].rate, None) for c in board.children], high=100, decimals=1, suffix=" %"
    )
    board.coverage_chart = bar_chart(
        [(c.name, c.cells["covered"].rate, None) for c in board.children], high=100, decimals=1, suffix=" %"
    )
    if board.money:
        board.money_total = MoneyLine(
            name=str(_("Total")),
            budget=sum(m.budget for m in board.money if m.budget is not None)
            if any(m.budget is not None for m in board.money)
            else None,
            committed=sum(m.committed for m in board.money),
            spent=sum(m.spent for m in board.money),
        )
    board.money_chart = _money_chart(board.money)
    if place.level == Level.NATIONAL:
        board.tiles = tile_map([(c.code, c.name, c.cells[board.tiles_by].rate, c.url or "") for c in board.children])


def metric_label(metric: str) -> str:
    """A readable name of a listable metric for the list's heading."""
    family, _sep, key = metric.partition(":")
    labels = {m: str(label) for m, label, _d, _p in FIGURES}
    if not key:
        return labels.get(family, family)
    if family == "flagged":
        return f"{labels['flagged']}: {rule_label(key)}"
    if family == "assessed":
        return f"{labels['assessed']}: {dict(RiskLevel.choices).get(key, key)}"
    if family == "group":
        return f"{_('Risk group')}: {dict(RiskGroup.choices).get(key, key)}"
    return metric


def view_key(user: Viewer, place: Place, *, tiles_by: str) -> str:
    """Everything the rendered dashboard depends on besides the pre-aggregate's content: the place,
    whether small cells are hidden, which lists the reader may open, which units below they may
    open, the language and the refresh the numbers come from. A page rendered under the same key
    is the same page (``views`` keeps it until the next refresh)."""
    if place.level == Level.MUNICIPALITY:
        below = access.institutions_visible_to(user, Perm.VIEW_DASHBOARD).filter(municipality_id=place.unit_id)
        visible = sorted(below.values_list("pk", flat=True))
    elif place.level == Level.NATIONAL:
        visible = sorted(access.municipalities_held_by(user, Perm.VIEW_DASHBOARD).values_list("pk", flat=True))
    else:
        visible = []
    latest = DashboardRefresh.objects.order_by("-computed_at", "-pk").values_list("token", flat=True).first()
    lists = ",".join(sorted(_may_list(user, place)))
    units = hashlib.sha256(",".join(map(str, visible)).encode()).hexdigest()[:16]
    language = translation.get_language() or ""
    return (
        f"dashboard:{place.level}:{place.unit_id}:{int(place.suppress)}:{lists}:{units}:{language}:{latest}:{tiles_by}"
    )
