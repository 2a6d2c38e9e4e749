"""What the outcome and rule-quality pages show: the selectors' counts arranged into tables, with
the small-cell rule applied (these pages are always above school level)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import SchoolYear
from pumpurs.reporting.outcomes import Horizon, OutcomeCount, OutcomeKind, year_end_horizon, year_end_horizons
from pumpurs.reporting.rule_quality import (
    Published,
    Shown,
    confusion,
    ordered,
    population_groups,
    published_for,
    shown,
    stored_groups,
)
from pumpurs.reporting.suppression import rate, suppress_table, total_shown
from pumpurs.risk.rules import RULES, default_threshold


@dataclass(frozen=True)
class OutcomeRow:
    label: str | Promise
    cells: list[int | None]  # one per OutcomeKind, hidden as None
    rates: list[Decimal | None]  # share of the row's total
    total: int | None

    @property
    def pairs(self) -> list[tuple[int | None, Decimal | None]]:
        return list(zip(self.cells, self.rates, strict=True))


@dataclass(frozen=True)
class OutcomeBlock:
    cohort: SchoolYear
    horizon: str
    horizon_label: str | Promise
    rows: list[OutcomeRow]
    column_totals: list[int | None]
    total: int | None


def outcome_blocks(found: Iterable[OutcomeCount], *, horizon: str) -> list[OutcomeBlock]:
    """Per cohort (and, at the year's end, per school year ended): supported and not supported
    pupils by outcome, suppressed with row and column totals shown. ``found``: the counts of
    ``horizon`` (``outcome_cells.page_counts``: the pre-aggregate, or live)."""
    counts: dict[tuple[int, int | None], dict[tuple[bool, str], int]] = defaultdict(dict)
    for c in found:
        counts[(c.cohort_id, c.horizon_year_id)][(c.supported, c.outcome)] = c.pupils
    years = SchoolYear.objects.in_bulk([k[0] for k in counts] + [k[1] for k in counts if k[1] is not None])
    kinds = list(OutcomeKind)
    blocks = []
    for (cohort_id, year_id), cells in sorted(
        counts.items(), key=lambda kv: (years[kv[0][0]].starts_on, kv[0][1] or 0)
    ):
        table = [[cells.get((supported, k.value), 0) for k in kinds] for supported in (True, False)]
        hidden = suppress_table(table)
        rows = []
        for row_label, values, shown_cells in zip((_("supported"), _("not supported")), table, hidden, strict=True):
            total = total_shown(values, shown_cells)
            rows.append(OutcomeRow(row_label, shown_cells, [rate(v, total) for v in shown_cells], total))
        column_totals = [
            total_shown([table[0][i], table[1][i]], [hidden[0][i], hidden[1][i]]) for i in range(len(kinds))
        ]
        everything = sum(sum(r) for r in table)
        if horizon == Horizon.ONE_YEAR or year_id is None:
            label: str | Promise = Horizon.ONE_YEAR.label
        else:
            label = str(_("end of %(year)s") % {"year": years[year_id].name})
        blocks.append(
            OutcomeBlock(
                cohort=years[cohort_id],
                horizon=horizon,
                horizon_label=label,
                rows=rows,
                column_totals=column_totals,
                total=None if 0 < everything < 5 else everything,
            )
        )
    return blocks


@dataclass(frozen=True)
class RuleRow:
    code: str
    label: str | Promise
    threshold: Decimal | None
    figures: Shown
    published: Published | None


def years_with_outcomes(today: dt.date) -> list[SchoolYear]:
    """School years whose end-of-year outcomes are known by ``today``, latest first."""
    return [year for year, _horizon in outcome_years(today)]


def outcome_years(today: dt.date) -> list[tuple[SchoolYear, dt.date]]:
    """``years_with_outcomes`` with each year's end-of-year horizon, from one query (decision 0052)."""
    years = list(SchoolYear.objects.order_by("-starts_on"))
    horizons = year_end_horizons(years)
    return [(y, horizons[y.pk]) for y in years if horizons[y.pk] < today]


def rule_rows(*, year: SchoolYear, institution_ids: list[int], horizon: dt.date | None = None) -> list[RuleRow]:
    """The rule-quality rows of ``year``; ``horizon`` is its end-of-year horizon when the caller
    has it already (read otherwise)."""
    groups = stored_groups(year, institution_ids)  # the pre-aggregate (decision 0038), else live
    if groups is None:
        groups = population_groups(
            start=year.starts_on,
            end=year.ends_on,
            horizon=horizon or year_end_horizon(year),
            institution_ids=institution_ids,
        )
    counts = confusion(groups)
    rows = []
    for (code, _key), c in counts.items():
        rule = RULES.get(code)
        rows.append(
            RuleRow(
                code=code,
                label=rule.label if rule else _("any rule"),
                threshold=default_threshold(code) if rule else None,
                figures=shown(code, c, suppress=True),
                published=published_for(code),
            )
        )
    order = ordered([r.code for r in rows])
    return sorted(rows, key=lambda r: order.index(r.code))
