"""The units below a place (a municipality's schools, the country's municipalities): their semester's columns, suppressed as one table, their weekly attendance and their money."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pumpurs.core.charts import BarChart, bar_chart, line_chart
from pumpurs.core.display import money_text
from pumpurs.finance.money import euros
from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution, Municipality
from pumpurs.people.perms import Perm
from pumpurs.reporting.dashboard.series import attendance_rate, week_label
from pumpurs.reporting.dashboard.shapes import (
    Cell,
    Child,
    Dashboard,
    MoneyLine,
)
from pumpurs.reporting.models import Bucket, DashboardCell, Level
from pumpurs.reporting.suppression import rate, suppress_table
from pumpurs.reporting.suppression import total_shown as total_if_safe
from pumpurs.reporting.tiles import tile_map

CHILD_COLUMNS = ("pupils", "flagged", "at_risk", "covered", "with_case", "active_plan", "supported")


def money_line(name: str, cells: dict[str, int]) -> MoneyLine:
    return MoneyLine(
        name=name,
        budget=cells.get("budget_cents"),
        committed=cells.get("committed_cents", 0),
        spent=cells.get("spent_cents", 0),
    )


def money_chart(lines: list[MoneyLine]) -> BarChart | None:
    if not any(line.budget or line.spent for line in lines):
        return None
    return bar_chart(
        [(line.name, line.spent, line.budget) for line in lines],
        text=[money_text(euros(line.spent)) for line in lines],
    )


def add_children(user: Viewer, board: Dashboard, semester: dt.date, weeks: list[dt.date], year: dt.date | None) -> None:
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
        weeks_rates = [(week_label(w), attendance_rate(attendance[(pk, w)])) for w in weeks]
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
            board.money.append(money_line(name, money[pk]))
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
    board.money_chart = money_chart(board.money)
    if place.level == Level.NATIONAL:
        board.tiles = tile_map([(c.code, c.name, c.cells[board.tiles_by].rate, c.url or "") for c in board.children])
