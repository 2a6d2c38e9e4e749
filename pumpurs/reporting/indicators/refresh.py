"""The indicator page's pre-aggregate (decision 0038): the raw figures of each report window —
the school year and its semesters, this year's and last year's once begun — per school and per
municipality's own, written with the dashboards' cells. The page adds them up and protects small
cells as it does when it counts live (``report.indicator_report`` with ``raw``), so its numbers are
those of ``pumpurs report indicators`` (which counts live) as of the day of the refresh."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import Period, SchoolYear
from pumpurs.reporting.indicators.compute import Figures
from pumpurs.reporting.indicators.report import Raw, raw_figures, window_of
from pumpurs.reporting.models import IndicatorCell

REFRESHED = "-"  # the code of the row that marks a window as refreshed (no indicator has it)


def windows_for(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The report windows refreshed for ``today``: this and the previous school year, and each of
    their semesters, once begun."""
    year = school_year_on(today)
    reference = year.starts_on if year is not None else today
    years = SchoolYear.objects.filter(starts_on__lte=today, starts_on__gte=reference - dt.timedelta(days=400))
    found = {window_of(y, None) for y in years}
    for period in Period.objects.filter(school_year__in=years, starts_on__lte=today).select_related("school_year"):
        found.add(window_of(period.school_year, period))
    return sorted(found)


@transaction.atomic
def indicator_cells_refresh(*, today: dt.date) -> int:
    """Rewrite the raw figures of every window for ``today``; returns the rows written."""
    cells: list[IndicatorCell] = []
    for start, end in windows_for(today):
        raw = raw_figures(start, end)
        # The window was refreshed, even where nothing was counted in it (then it has no other row).
        cells.append(IndicatorCell(starts_on=start, ends_on=end, code=REFRESHED, value=0))
        for school_id, figures in raw.per_school.items():
            cells += _cells(start, end, figures, institution_id=school_id, municipality_id=None)
        for municipality_id, figures in raw.own.items():
            cells += _cells(start, end, figures, institution_id=None, municipality_id=municipality_id)
    IndicatorCell.objects.all().delete()
    IndicatorCell.objects.bulk_create(cells, batch_size=5000)
    return len(cells)


def _cells(
    start: dt.date, end: dt.date, figures: Figures, *, institution_id: int | None, municipality_id: int | None
) -> list[IndicatorCell]:
    return [
        IndicatorCell(
            starts_on=start,
            ends_on=end,
            institution_id=institution_id,
            municipality_id=municipality_id,
            code=code,
            value=value,
        )
        for code, value in figures.items()
        if value
    ]


def stored_raw(start: dt.date, end: dt.date) -> Raw | None:
    """The window's raw figures from the pre-aggregate; ``None`` when it was not refreshed."""
    rows = IndicatorCell.objects.filter(starts_on=start, ends_on=end).values_list(
        "institution_id", "municipality_id", "code", "value"
    )
    per_school: dict[int, Figures] = defaultdict(dict)
    own: dict[int | None, Figures] = defaultdict(dict)
    found = False
    for institution_id, municipality_id, code, value in rows:
        found = True
        if code == REFRESHED:
            continue
        number = _number(value)
        if institution_id is not None:
            per_school[institution_id][code] = number
        else:
            own[municipality_id][code] = number
    return Raw(dict(per_school), dict(own)) if found else None


def _number(value: Decimal) -> int | Decimal:
    """Counts and cents come back as ints, hours as the Decimal they were."""
    return int(value) if value == value.to_integral_value() else value.normalize()
