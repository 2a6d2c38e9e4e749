"""The versioned rule set that turns indicators into flags (issue 4, DESIGN §7).

Each rule reads one column of one indicator snapshot (``window`` "period" or "4w") and compares
it with a threshold: the national default from ``settings.PUMPURS_RISK_THRESHOLDS`` unless the
pupil's municipality has its own (``ThresholdOverride``). Inputs are the pupil's school facts
only: gender and every other demographic attribute are never read here (they serve only the
fairness audit). Changing a rule's meaning means a new ``RULE_VERSION``; every snapshot and flag
stores the version it was computed with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pumpurs.core.display import day_text, number_text
from pumpurs.people.models import Municipality
from pumpurs.risk.models import Flag, ThresholdOverride, Window, window_prefix

RULE_VERSION = "2026.2"  # 2026.2: the 4-week attendance rule leaves illness to its own rule (0023)

Op = Literal["gt", "ge", "lt"]
SQL_OPS: dict[str, str] = {"gt": ">", "ge": ">=", "lt": "<"}


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    window: str  # Window whose columns of the snapshot the rule reads
    # SQL of the flag's value over the window's columns, each written ``{s}column`` (``value_on``).
    value_sql: str
    op: Op  # value <op> threshold → the condition holds
    source: str  # which facts the value comes from (evidence "source")
    severity: int  # orders watch lists: higher first
    # Snapshot columns frozen into the evidence next to the value.
    evidence: tuple[str, ...]
    # What a threshold of this rule is measured in, and the values that make sense for it (a
    # municipality's override is refused outside them: attendance is never 150 %).
    unit: Promise
    minimum: Decimal
    maximum: Decimal
    whole: bool = True  # counts are whole numbers; rates and grade points need not be

    @property
    def worse_is_higher(self) -> bool:
        """Which way the value moves when things get worse (used for recurrence after dismissal)."""
        return self.op != "lt"

    def column(self, alias: str, name: str) -> str:
        """``alias``'s column holding the indicator ``name`` of this rule's window (decision 0049)."""
        return f"{alias}.{window_prefix(self.window)}{name}"

    def value_on(self, alias: str) -> str:
        """The flag's value over the snapshot row ``alias`` (one row holds both windows)."""
        return self.value_sql.format(s=f"{alias}.{window_prefix(self.window)}")

    def holds_sql(self, value: str, threshold: str) -> str:
        return f"({value} IS NOT NULL AND {value} {SQL_OPS[self.op]} {threshold})"


_ATTENDANCE = ("lessons", "unjustified", "illness", "other_justified", "late", "attendance_rate")


def _share_of_lessons(missed: str) -> str:
    """Per cent of the snapshot's lessons, 2 places, null without lessons (as ``attendance_rate``)."""
    return f"CAST(CASE WHEN {{s}}lessons > 0 THEN ROUND(100.0 * ({missed}) / {{s}}lessons, 2) END AS NUMERIC(5, 2))"


# Attendance that only unjustified and other non-illness absence lowers (decision 0023): a pupil
# ill for a week is not a pupil drifting away; long illness has its own, softer rule.
ATTENDANCE_WITHOUT_ILLNESS_SQL = _share_of_lessons("{s}lessons - {s}unjustified - {s}other_justified")
ILLNESS_SHARE_SQL = _share_of_lessons("{s}illness")

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "unjustified_semester",
            gettext_lazy("unjustified absences in the semester (municipality must be involved)"),
            Window.PERIOD,
            "{s}unjustified",
            "gt",
            "attendance",
            5,
            _ATTENDANCE,
            unit=gettext_lazy("lessons"),
            minimum=Decimal(0),
            maximum=Decimal(1000),
        ),
        Rule(
            "attendance_4w",
            gettext_lazy("low attendance in the last 4 weeks (illness not counted)"),
            Window.FOUR_WEEKS,
            ATTENDANCE_WITHOUT_ILLNESS_SQL,
            "lt",
            "attendance",
            3,
            _ATTENDANCE,
            unit=gettext_lazy("% of lessons"),
            minimum=Decimal(1),
            maximum=Decimal(100),
            whole=False,
        ),
        Rule(
            "illness_4w",
            gettext_lazy("much illness in the last 4 weeks"),
            Window.FOUR_WEEKS,
            ILLNESS_SHARE_SQL,
            "ge",
            "attendance",
            1,
            _ATTENDANCE,
            unit=gettext_lazy("% of lessons"),
            minimum=Decimal(1),
            maximum=Decimal(100),
            whole=False,
        ),
        Rule(
            "failing_term_grade",
            gettext_lazy("failing term grade"),
            Window.PERIOD,
            "{s}failing_grades",
            "ge",
            "grades",
            5,
            ("failing_grades",),
            unit=gettext_lazy("grades"),
            minimum=Decimal(1),
            maximum=Decimal(30),
        ),
        Rule(
            "nv_period",
            gettext_lazy("several “nv” (not graded) in the semester"),
            Window.PERIOD,
            "{s}nv_count",
            "ge",
            "grades",
            2,
            ("nv_count",),
            unit=gettext_lazy("“nv” marks"),
            minimum=Decimal(1),
            maximum=Decimal(50),
        ),
        Rule(
            "average_drop",
            gettext_lazy("average grade dropped"),
            Window.PERIOD,
            # A drop is the negative change: 7.5 → 6.4 is a drop of 1.1.
            "(0 - {s}average_change)",
            "ge",
            "grades",
            3,
            ("average_grade", "average_change"),
            unit=gettext_lazy("grade points (1–10 scale)"),
            minimum=Decimal("0.1"),
            maximum=Decimal(9),
            whole=False,
        ),
        Rule(
            "incidents_4w",
            gettext_lazy("behaviour incidents in the last 4 weeks"),
            Window.FOUR_WEEKS,
            "{s}incidents",
            "ge",
            "incidents",
            2,
            ("incidents",),
            unit=gettext_lazy("incidents"),
            minimum=Decimal(1),
            maximum=Decimal(100),
        ),
        Rule(
            "over_age",
            gettext_lazy("older than usual for the grade"),
            Window.PERIOD,
            "{s}over_age_years",
            "ge",
            "enrolments",
            1,
            ("over_age_years", "repeated_grade"),
            unit=gettext_lazy("years"),
            minimum=Decimal(1),
            maximum=Decimal(5),
        ),
    )
}


def default_threshold(rule_code: str) -> Decimal:
    return Decimal(str(settings.PUMPURS_RISK_THRESHOLDS[rule_code]))


def threshold_for(rule_code: str, municipality: Municipality | None) -> Decimal:
    """The threshold that applies in ``municipality``: its override, else the national default."""
    if rule_code not in RULES:
        raise KeyError(rule_code)
    if municipality is not None:
        override = (
            ThresholdOverride.objects.filter(municipality=municipality, rule=rule_code)
            .values_list("value", flat=True)
            .first()
        )
        if override is not None:
            return Decimal(override)
    return default_threshold(rule_code)


def rule_label(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.label) if rule is not None else code


def rule_severity(code: str) -> int:
    rule = RULES.get(code)
    return rule.severity if rule is not None else 1


def _day(value: Any) -> str:
    """A date of the evidence (stored as ISO text) as the reader writes dates (29.11.2026)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.date):
        return day_text(value)
    return str(value or "")


SOURCE_LABELS: dict[str, Promise] = {
    "attendance": gettext_lazy("attendance records"),
    "grades": gettext_lazy("grades"),
    "incidents": gettext_lazy("behaviour incidents"),
    "enrolments": gettext_lazy("enrolment history"),
}


def reason_text(flag: Flag) -> str:
    """The flag's reason in the reader's language, with its numbers and the data it came from.

    Rendered from the frozen (rule, value, threshold, evidence), so it reads the same later."""
    evidence: dict[str, Any] = flag.evidence or {}
    period = flag.period
    args = {
        "value": number_text(flag.value),
        "threshold": number_text(flag.threshold),
        "semester": period.number,
        "year": period.school_year.name,
        "from": _day(evidence.get("from")),
        "to": _day(evidence.get("to")),
    }
    rule = flag.rule
    if rule == "unjustified_semester":
        text = (
            _(
                "%(value)s unjustified lessons in semester %(semester)s of %(year)s; threshold %(threshold)s — the municipality must be involved"
            )
            % args
        )
    elif rule == "attendance_4w":
        text = (
            _(
                "Attendance %(value)s %% in the 4 weeks %(from)s – %(to)s, illness not counted; threshold %(threshold)s %%"
            )
            % args
        )
    elif rule == "illness_4w":
        text = _("Ill for %(value)s %% of lessons in the 4 weeks %(from)s – %(to)s; threshold %(threshold)s %%") % args
    elif rule == "failing_term_grade":
        text = _("%(value)s failing term grade(s) in semester %(semester)s of %(year)s; threshold %(threshold)s") % args
    elif rule == "nv_period":
        text = _("%(value)s “nv” (not graded) in semester %(semester)s of %(year)s; threshold %(threshold)s") % args
    elif rule == "average_drop":
        args["average"] = number_text(evidence.get("average_grade"))
        text = (
            _(
                "Average grade %(average)s in semester %(semester)s of %(year)s, down %(value)s on the semester before; threshold %(threshold)s"
            )
            % args
        )
    elif rule == "incidents_4w":
        text = _("%(value)s behaviour incidents in the 4 weeks %(from)s – %(to)s; threshold %(threshold)s") % args
    elif rule == "over_age":
        text = _("%(value)s years older than usual for the grade; threshold %(threshold)s") % args
    else:
        text = f"{rule}: {args['value']}; {args['threshold']}"
    source = SOURCE_LABELS.get(str(evidence.get("source", "")))
    if source is None:
        return text
    return _("%(reason)s (data: %(source)s %(from)s – %(to)s)") % {"reason": text, "source": source, **args}
