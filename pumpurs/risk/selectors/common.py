"""What the early-identification reads share: the current semester, questionnaire subqueries,
and the rule set's wording of a flag.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet, Subquery
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Enrolment
from pumpurs.people.selectors import open_on
from pumpurs.risk.models import Assessment, Window
from pumpurs.risk.rules import RULES, SOURCE_LABELS


def submitted_assessments(pupil_ref: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(pupil_id=pupil_ref, status=Assessment.Status.SUBMITTED)


def latest_level(pupil_ref: Any) -> Subquery:
    # The same order as questionnaire.latest_result: newest semester, then newest submission.
    latest = submitted_assessments(pupil_ref).order_by("-period__starts_on", "-submitted_at", "-pk")
    return Subquery(latest.values("level")[:1])


def current_enrolments(today: dt.date) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(open_on(today), starts_on__lte=today)


# --- Wording: the rule set (risk/rules.py) says what a flag means ------------------------------


def rule_codes() -> list[str]:
    """Every rule of the rule set, in its own order."""
    return list(RULES)


# The keys a flag's frozen evidence carries (risk/flags.py): where and when the data came from,
# then the indicator columns the rule read. The threshold is already in the reason sentence.
EVIDENCE_LABELS = {
    "source": _("data source"),
    "window": _("window"),
    "from": _("data from"),
    "to": _("data until"),
    "lessons": _("lessons"),
    "unjustified": _("unjustified lessons"),
    "illness": _("lessons missed through illness"),
    "other_justified": _("other justified absences"),
    "late": _("late arrivals"),
    "attendance_rate": _("attendance rate, %"),
    "failing_grades": _("failing grades"),
    "nv_count": _("“nv” (not graded)"),
    "average_grade": _("average grade"),
    "average_change": _("change of the average"),
    "incidents": _("behaviour incidents"),
    "repeated_grade": _("repeating the grade"),
    "over_age_years": _("years over the usual age"),
    "school_changes_12m": _("school changes in 12 months"),
    "rule_version": _("rule version"),
}
HIDDEN_EVIDENCE = {"threshold"}


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """The frozen inputs of a flag as (label, value) pairs in a fixed order; unknown keys as stored."""
    sources = SOURCE_LABELS
    windows = dict(Window.choices)

    def shown(key: str, value: Any) -> str:
        if key == "source":
            return str(sources.get(value, value))
        if key == "window":
            return str(windows.get(value, value))
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, int | float):
            return formats.number_format(value)  # the reader's decimal mark
        return str(value)

    known = [(str(label), shown(key, evidence[key])) for key, label in EVIDENCE_LABELS.items() if key in evidence]
    hidden = EVIDENCE_LABELS.keys() | HIDDEN_EVIDENCE
    return known + [(key, str(value)) for key, value in evidence.items() if key not in hidden]
