"""Building a ``Dashboard`` from the pre-aggregate, suppressed as the place and the reader require."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pumpurs.core.charts import line_chart
from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.perms import Perm
from pumpurs.reporting.dashboard.places import Place
from pumpurs.reporting.dashboard.series import (
    attendance_rate,
    figure_series,
    hide,
    semester_label,
    trend_chart,
    week_label,
)
from pumpurs.reporting.dashboard.shapes import (
    Cell,
    Dashboard,
    Figure,
)
from pumpurs.reporting.dashboard.tables import add_breakdowns, add_measures, add_plans_and_waits, add_trends
from pumpurs.reporting.dashboard.units import add_children, money_chart, money_line
from pumpurs.reporting.models import Bucket, DashboardCell, DashboardRefresh, Level
from pumpurs.reporting.suppression import rate
from pumpurs.risk.models import Level as RiskLevel
from pumpurs.risk.models import RiskGroup
from pumpurs.risk.rules import rule_label

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


def list_perm(metric: str) -> Perm | None:
    """The permission under which a school's staff may list the pupils behind ``metric``."""
    if metric in LISTABLE:
        return LISTABLE[metric]
    return next((perm for prefix, perm in LISTABLE_PREFIXES.items() if metric.startswith(prefix)), None)


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
        count = hide(now.get(metric, 0), s)
        base = hide(now.get(denominator, 0), s) if denominator else None
        week_rows = figure_series(own, Bucket.WEEK, weeks, week_label, metric, denominator, s)
        semester_rows = figure_series(own, Bucket.SEMESTER, semesters, semester_label, metric, denominator, s)
        chart = trend_chart(week_rows, share=denominator is not None, width=260)
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

    add_breakdowns(board, now, s, link)
    add_trends(board, own, weeks, s)
    add_plans_and_waits(board, now, s)
    add_measures(board, now)
    attendance_weeks = [(week_label(w), attendance_rate(own[(Bucket.WEEK, w)])) for w in weeks]
    board.attendance_weeks = attendance_weeks
    board.attendance = line_chart(attendance_weeks, low=50, high=100, ticks=[50, 75, 100], suffix=" %")
    year = years[-1] if years else None
    if place.level != Level.SCHOOL:
        add_children(user, board, semesters[-1], weeks, year)
    elif year is not None:
        cells = own[(Bucket.YEAR, year)]
        board.money = [money_line(place.name, cells)] if cells else []
        board.money_total = board.money[0] if board.money else None
        board.money_chart = money_chart(board.money)
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
