"""What the early-identification reads share: the current semester, questionnaire subqueries,
and the rule set's wording of a flag.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Enrolment, Period
from pumpurs.people.selectors import open_on
from pumpurs.risk.models import Assessment, Flag


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# TODO(lead): rules.py (the rule set) is written in parallel by another helper; once it is in,
# import it plainly and drop this guard and the fallbacks below.
rules: Any = _optional("pumpurs.risk.rules")


def current_period(today: dt.date | None = None) -> Period | None:
    """The semester running on ``today``; between semesters, the one that ended last."""
    today = today or timezone.localdate()
    return Period.objects.filter(starts_on__lte=today).select_related("school_year").order_by("-starts_on").first()


def submitted_assessments(pupil_ref: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(pupil_id=pupil_ref, status=Assessment.Status.SUBMITTED)


def latest_level(pupil_ref: Any) -> Subquery:
    # The same order as questionnaire.latest_result: newest semester, then newest submission.
    latest = submitted_assessments(pupil_ref).order_by("-period__starts_on", "-submitted_at", "-pk")
    return Subquery(latest.values("level")[:1])


def current_enrolments(today: dt.date) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(open_on(today), starts_on__lte=today)


# --- Wording: the rule set says what a flag means ------------------------------------------------


def reason_text(flag: Flag) -> str:
    if rules is not None:
        return str(rules.reason_text(flag))
    return f"{flag.rule}: {flag.value:g} ({flag.threshold:g})"


def rule_label(code: str) -> str:
    return str(rules.rule_label(code)) if rules is not None else code


def rule_severity(code: str) -> int:
    return int(rules.rule_severity(code)) if rules is not None else 1


def rule_codes() -> list[str]:
    """Every rule of the rule set, in its own order."""
    return list(rules.RULES) if rules is not None else list(settings.PUMPURS_RISK_THRESHOLDS)


EVIDENCE_LABELS = {
    "source": _("data source"),
    "window": _("window"),
    "from": _("data from"),
    "to": _("data until"),
}


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """The frozen inputs of a flag as (label, value) pairs: the known keys first, the rest as stored."""
    sources = getattr(rules, "SOURCE_LABELS", {})
    known = [
        (str(label), str(sources.get(evidence[key], evidence[key])) if key == "source" else str(evidence[key]))
        for key, label in EVIDENCE_LABELS.items()
        if key in evidence
    ]
    rest = [(key.replace("_", " "), str(value)) for key, value in evidence.items() if key not in EVIDENCE_LABELS]
    return known + rest
