"""The dashboard's tables of one place: pupils by rule, level and group (this semester and by week), plans by state and their waits, delivered support."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pumpurs.core.charts import bar_chart
from pumpurs.reporting.dashboard.series import Series, hide, median_days, trend_chart, week_label
from pumpurs.reporting.dashboard.shapes import (
    Breakdown,
    Cell,
    Dashboard,
    Trend,
    TrendRow,
    Wait,
)
from pumpurs.reporting.models import Bucket
from pumpurs.reporting.suppression import rate, suppress_counts
from pumpurs.reporting.suppression import total_shown as total_if_safe
from pumpurs.risk.models import Level as RiskLevel
from pumpurs.risk.models import RiskGroup
from pumpurs.risk.rules import rule_label
from pumpurs.support.models import ApprovalStep, Measure, Outcome, PlanStatus, Review


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
    base = hide(denominator, s) if denominator is not None else None
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


def add_breakdowns(board: Dashboard, now: dict[str, int], s: bool, link: Callable[[str], str | None]) -> None:
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


def add_trends(board: Dashboard, own: dict[tuple[str, dt.date], dict[str, int]], weeks: list[dt.date], s: bool) -> None:
    """The pupils by rule, by level and by risk group in each of the twelve weeks: each week's
    column suppressed as the semester's table is (the same helper), a line of shares per row."""
    seen = {m for w in weeks for m in own[(Bucket.WEEK, w)]}
    labels = [week_label(w) for w in weeks]
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
            rows.append(TrendRow(label=label, weeks=series, chart=trend_chart(series, share=True, width=220)))
        board.trends.append(Trend(title=title, weeks=labels, rows=rows))


def add_plans_and_waits(board: Dashboard, now: dict[str, int], s: bool) -> None:
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
        hidden = hide(approvals, s)
        board.waits.append(
            Wait(step=str(_label), approvals=hidden, median_days=median_days(histogram) if hidden is not None else None)
        )


def add_measures(board: Dashboard, now: dict[str, int]) -> None:
    codes = sorted({m.split(":", 1)[1] for m in now if m.startswith(("cents:", "centihours:"))})

    names = dict(Measure.objects.filter(code__in=codes).order_by("code", "valid_from").values_list("code", "name"))
    for code in codes:
        hours = now.get(f"centihours:{code}")
        board.measures.append(
            (names.get(code, code), Decimal(hours) / 100 if hours else None, now.get(f"cents:{code}", 0))
        )
