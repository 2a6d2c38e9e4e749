"""``monitoring_refresh``: the pre-aggregates of the effect, cost, indicator, rule-quality (decision 0038)
and outcome pages (decision 0056), rewritten in one transaction after the dashboards' cells by the
``indicators`` job, so that a page reads either yesterday's numbers or today's, never half of each."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from pumpurs.reporting.effects_refresh import effects_refresh
from pumpurs.reporting.indicators.refresh import indicator_cells_refresh
from pumpurs.reporting.models import MonitoringRefresh, OutcomeCell
from pumpurs.reporting.outcome_cells import outcome_cells_refresh
from pumpurs.reporting.rule_quality import rule_groups_refresh


@transaction.atomic
def monitoring_refresh(*, today: dt.date) -> int:
    """Rewrite the effect, cost, indicator and rule-quality cells for ``today`` and bring the outcome
    cells to it (only those that changed); returns the rows written."""
    started = time.perf_counter()
    effect_cells, cost_cells = effects_refresh(today=today)
    indicator_cells = indicator_cells_refresh(today=today)
    rule_groups = rule_groups_refresh(today=today)
    outcome_cells = outcome_cells_refresh(today=today)
    MonitoringRefresh.objects.create(
        computed_at=timezone.now(),
        for_day=today,
        effect_cells=effect_cells,
        cost_cells=cost_cells,
        indicator_cells=indicator_cells,
        rule_groups=rule_groups,
        outcome_cells=OutcomeCell.objects.count(),
        seconds=time.perf_counter() - started,
    )
    return effect_cells + cost_cells + indicator_cells + rule_groups + outcome_cells
