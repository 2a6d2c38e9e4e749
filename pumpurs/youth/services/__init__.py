"""Every write of a youth initiative call (issue 16, activity 3), one transaction each with its
audit row. Order: permission → validation → write → audit. Services called by the seed take a
keyword-only ``now`` (decision 0013).

The life of a call: ``call_create`` (draft, with its weighted criteria) → ``call_open`` →
applications entered (``application_enter``) → ``call_start_evaluation`` (two evaluators named)
→ ``evaluation_submit`` / ``conflict_declare`` → ``application_decide`` → ``call_close`` once all
are decided. After a project ends: ``report_submit`` → ``report_approve``; what was not spent
returns to the call (``selectors.call_money``).
"""

from pumpurs.youth.services.applications import ApplicationInput, application_decide, application_enter
from pumpurs.youth.services.calls import (
    call_close,
    call_create,
    call_evaluators_set,
    call_open,
    call_start_evaluation,
)
from pumpurs.youth.services.common import EVALUATIONS_NEEDED, MAX_SCORE, Line
from pumpurs.youth.services.evaluation import conflict_declare, evaluation_submit, weighted_points
from pumpurs.youth.services.reports import report_approve, report_submit

__all__ = [
    "EVALUATIONS_NEEDED",
    "MAX_SCORE",
    "ApplicationInput",
    "Line",
    "application_decide",
    "application_enter",
    "call_close",
    "call_create",
    "call_evaluators_set",
    "call_open",
    "call_start_evaluation",
    "conflict_declare",
    "evaluation_submit",
    "report_approve",
    "report_submit",
    "weighted_points",
]
