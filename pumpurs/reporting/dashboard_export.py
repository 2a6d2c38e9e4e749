"""A dashboard's tables as one CSV or XLSX sheet (issue 15): every number the page shows, from the
same ``Dashboard`` the page renders — so a count hidden on the page (small cells, with secondary
suppression) is hidden in the export too ("—"), and a rate withheld there is withheld here.

One long table, one number per row: (table, row, column, period, number, share %). Column names
and labels are in the reader's language (Latvian first); text that could start a formula is
neutralised by ``core.export``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _

from pumpurs.core.export import Cell as ExportCell
from pumpurs.finance.money import euros
from pumpurs.reporting.dashboard import CHILD_COLUMNS, FIGURES, Cell, Dashboard, MoneyLine, semester_label

HIDDEN = "—"
Row = list[ExportCell]


def header() -> list[str]:
    return [_("Table"), _("Row"), _("Column"), _("Period"), _("Number"), _("Share, %")]


def _number(value: int | Decimal | None) -> ExportCell:
    return HIDDEN if value is None else value


def _cell(table: str, row: str, column: str, period: str, cell: Cell) -> Row:
    return [table, row, column, period, _number(cell.value), cell.rate]


def rows(board: Dashboard) -> Iterator[Row]:
    """Every table of ``board`` (already suppressed as the page shows it), one number per row."""
    semester = semester_label(board.semester[0]) if board.semester else ""
    period_now = _("semester %(label)s") % {"label": semester}
    glance = _("At a glance")
    number = _("Number")
    for f in board.figures:
        yield _cell(glance, str(f.label), number, period_now, f.now)
        for label, value, share in f.weeks:
            yield [glance, str(f.label), number, _("week from %(label)s") % {"label": label}, _number(value), share]
        for label, value, share in f.semesters:
            yield [glance, str(f.label), number, _("semester %(label)s") % {"label": label}, _number(value), share]
    for b in board.breakdowns:
        for label, cell in b.rows:
            yield _cell(str(b.title), label, number, period_now, cell)
        if b.rows and b.total is not None:
            yield [str(b.title), _("Total"), number, period_now, b.total, None]
    for t in board.trends:
        for r in t.rows:
            for label, value, share in r.weeks:
                yield [
                    str(t.title),
                    r.label,
                    number,
                    _("week from %(label)s") % {"label": label},
                    _number(value),
                    share,
                ]
    if board.plans is not None:
        for label, cell in board.plans.rows:
            yield _cell(str(board.plans.title), label, _("Plans"), period_now, cell)
        if board.plans.total is not None:
            yield [str(board.plans.title), _("Total"), _("Plans"), period_now, board.plans.total, None]
    waits = _("Approval waits")
    for w in board.waits:
        yield [waits, w.step, _("Approvals"), period_now, _number(w.approvals), None]
        median = Decimal(str(w.median_days)) if w.median_days is not None else None
        yield [waits, w.step, _("Median days"), period_now, _number(median), None]
    delivered = _("Delivered support by measure")
    for name, hours, cents in board.measures:
        if hours is not None:
            yield [delivered, name, _("Hours"), period_now, hours, None]
        yield [delivered, name, _("Amount, EUR"), period_now, euros(cents), None]
    yield from _children(board, period_now)
    yield from _attendance(board)
    yield from _money(board)


def _children(board: Dashboard, period: str) -> Iterator[Row]:
    table = _("This semester, per unit")
    names = _column_names()
    for child in board.children:
        for column in CHILD_COLUMNS:
            yield _cell(table, child.name, names[column], period, child.cells[column])
    for column in CHILD_COLUMNS:
        if column in board.child_totals:
            yield _cell(table, _("Total"), names[column], period, board.child_totals[column])


def _column_names() -> dict[str, str]:
    labels = {metric: str(label) for metric, label, _d, _p in FIGURES}
    return {column: labels.get(column, column) for column in CHILD_COLUMNS}


def _attendance(board: Dashboard) -> Iterator[Row]:
    table = _("Attendance by week")
    column = _("Lessons attended, %")
    for name, weeks in [(board.place.name, board.attendance_weeks)] + [
        (c.name, c.attendance_weeks) for c in board.children
    ]:
        for label, share in weeks:
            yield [table, name, column, _("week from %(label)s") % {"label": label}, None, share]


def _money(board: Dashboard) -> Iterator[Row]:
    table = _("Spending against the budget (this school year)")
    lines: list[MoneyLine] = list(board.money)
    if board.money_total is not None and len(board.money) > 1:
        lines.append(board.money_total)
    for line in lines:
        if line.budget is not None:
            yield [table, line.name, _("Budget, EUR"), "", euros(line.budget), None]
        yield [table, line.name, _("Committed, EUR"), "", euros(line.committed), None]
        yield [table, line.name, _("Spent, EUR"), "", euros(line.spent), line.share]


def filename(board: Dashboard, today: dt.date) -> str:
    """``parskats-<place>-<day>`` ("pārskats": the dashboard) (the place's name, never a person's)."""
    return f"parskats-{slugify(board.place.name) or board.place.level}-{today.isoformat()}"
