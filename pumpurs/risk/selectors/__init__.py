"""Reads for the early-identification pages (STYLE.md: selectors read, services write).

One module per page family; everything a view, form or test needs is importable from here.
Every query starts from people/access.py.
"""

from pumpurs.risk.rules import reason_text, rule_label, rule_severity
from pumpurs.risk.selectors.common import evidence_items, rule_codes
from pumpurs.risk.selectors.counts import SchoolCounts, municipality_counts
from pumpurs.risk.selectors.fairness import GRADE_BANDS, SMALL_CELL, Fairness, FairnessRow, fairness
from pumpurs.risk.selectors.picture import (
    CHART_PERIODS,
    DecisionView,
    FlagView,
    GroupScore,
    RiskPicture,
    TrendPoint,
    flags_decidable_by,
    group_scores,
    pupil_risk_picture,
)
from pumpurs.risk.selectors.watch import (
    LEVEL_POINTS,
    OVERDUE_AFTER,
    OVERDUE_POINTS,
    WATCH_LEVELS,
    WatchFilter,
    WatchList,
    WatchRow,
    assessment_overdue_since,
    watch_classes,
    watch_institutions,
    watch_list,
)

__all__ = [
    "CHART_PERIODS",
    "GRADE_BANDS",
    "LEVEL_POINTS",
    "OVERDUE_AFTER",
    "OVERDUE_POINTS",
    "SMALL_CELL",
    "WATCH_LEVELS",
    "DecisionView",
    "Fairness",
    "FairnessRow",
    "FlagView",
    "GroupScore",
    "RiskPicture",
    "SchoolCounts",
    "TrendPoint",
    "WatchFilter",
    "WatchList",
    "WatchRow",
    "assessment_overdue_since",
    "evidence_items",
    "fairness",
    "flags_decidable_by",
    "group_scores",
    "municipality_counts",
    "pupil_risk_picture",
    "reason_text",
    "rule_codes",
    "rule_label",
    "rule_severity",
    "watch_classes",
    "watch_institutions",
    "watch_list",
]
