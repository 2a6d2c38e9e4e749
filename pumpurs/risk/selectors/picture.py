"""A pupil's risk picture: flags with reasons and evidence, decisions, questionnaire, trend."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from pumpurs.core.display import semester_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Period, Pupil
from pumpurs.risk.charts import LineChart, StackedBars, line_chart
from pumpurs.risk.models import (
    Assessment,
    DismissReason,
    Flag,
    FlagCheck,
    FlagDecision,
    FlagStatus,
    IndicatorSnapshot,
    InstrumentItem,
    RiskGroup,
)
from pumpurs.risk.questionnaire import latest_result
from pumpurs.risk.rules import reason_text, rule_label
from pumpurs.risk.selectors.common import evidence_items
from pumpurs.risk.weekly import Week, weekly_attendance, weekly_chart


@dataclass(frozen=True)
class GroupScore:
    label: str
    share: Decimal | None  # None: withheld, the group has sensitive items the reader may not see


def group_scores(assessment: Assessment, *, show_sensitive: bool) -> list[GroupScore]:
    """The frozen group shares (0–100) in the groups' order; sensitive groups need the permission."""
    scores = assessment.group_scores or {}
    sensitive = set(
        InstrumentItem.objects.filter(instrument_id=assessment.instrument_id, sensitive=True).values_list(
            "group", flat=True
        )
    )
    return [
        GroupScore(
            label=str(group.label),
            share=None if group.value in sensitive and not show_sensitive else Decimal(str(scores[group.value])),
        )
        for group in RiskGroup
        if group.value in scores
    ]


@dataclass
class FlagView:
    flag: Flag
    reason: str
    label: str
    evidence: list[tuple[str, str]]
    decisions: list[FlagDecision]
    # "Last checked": a live flag was checked at its semester's latest refresh (FlagCheck), which
    # rewrites it only when something changed; a dismissed one when it was last updated live.
    checked_at: datetime.datetime | None = None


CHART_PERIODS = 6  # the charts show the latest six semesters; the table below them shows all


@dataclass(frozen=True)
class DecisionView:
    decision: FlagDecision
    flag_label: str


@dataclass
class TrendPoint:
    period: Period
    attendance_rate: Decimal | None
    average_grade: Decimal | None

    @property
    def label(self) -> str:
        return semester_text(self.period.number, self.period.school_year.name)

    @property
    def short_label(self) -> str:
        """ "25/26 (1)": fits under a chart point."""
        return f"{self.period.school_year.name[2:]} ({self.period.number})"


@dataclass
class RiskPicture:
    open_flags: list[FlagView]
    decided_flags: list[FlagView]
    decisions: list[DecisionView]
    assessment: Assessment | None
    groups: list[GroupScore]
    trend: list[TrendPoint]
    may_decide: bool
    # The attendance of the semester under way (or last ended), week by week (issue 15).
    weekly_period: Period | None = None
    weekly: list[Week] = field(default_factory=list)
    dismiss_reasons: list[tuple[str, str]] = field(
        default_factory=lambda: [(value, str(label)) for value, label in DismissReason.choices]
    )

    @property
    def attendance_chart(self) -> LineChart | None:
        rates = [p.attendance_rate for p in self.trend[-CHART_PERIODS:] if p.attendance_rate is not None]
        low = min(50.0, 10 * math.floor(float(min(rates)) / 10)) if rates else 50.0
        values = [(p.short_label, p.attendance_rate) for p in self.trend[-CHART_PERIODS:]]
        return line_chart(values, low=low, high=100, ticks=[low, (low + 100) / 2, 100], suffix=" %")

    @property
    def weekly_chart(self) -> StackedBars | None:
        return weekly_chart(self.weekly)

    @property
    def grade_chart(self) -> LineChart | None:
        values = [(p.short_label, p.average_grade) for p in self.trend[-CHART_PERIODS:]]
        return line_chart(values, low=0, high=10, ticks=[0, 4, 10], decimals=2)


def pupil_risk_picture(user: Viewer, *, pupil: Pupil) -> RiskPicture | None:
    """Flags, decisions, questionnaire and indicator trend of a pupil; None without Perm.VIEW_RISK."""
    if not access.can_see_pupil(user, pupil, Perm.VIEW_RISK):
        return None
    flags = list(
        Flag.objects.filter(pupil=pupil)
        .select_related("period__school_year")
        .prefetch_related(Prefetch("decisions", queryset=FlagDecision.objects.select_related("decided_by")))
        .order_by("-raised_at", "-pk")
    )
    checked = dict(
        FlagCheck.objects.filter(period_id__in={f.period_id for f in flags}).values_list("period_id", "checked_at")
    )
    views = [
        FlagView(
            flag=f,
            reason=reason_text(f),
            label=rule_label(f.rule),
            evidence=evidence_items(f.evidence),
            decisions=list(f.decisions.all()),
            checked_at=_checked_at(f, checked.get(f.period_id)),
        )
        for f in flags
    ]
    decisions = sorted(
        (DecisionView(d, v.label) for v in views for d in v.decisions),
        key=lambda d: (d.decision.decided_at, d.decision.pk),
        reverse=True,
    )
    assessment = latest_result(pupil)
    weekly_period = semester_on(timezone.localdate())
    return RiskPicture(
        open_flags=[v for v in views if v.flag.status == FlagStatus.OPEN],
        decided_flags=[v for v in views if v.flag.status != FlagStatus.OPEN],
        decisions=decisions,
        assessment=assessment,
        groups=group_scores(assessment, show_sensitive=access.can_see_pupil(user, pupil, Perm.VIEW_SENSITIVE))
        if assessment
        else [],
        trend=_trend(pupil),
        may_decide=access.can_see_pupil(user, pupil, Perm.DECIDE_FLAGS),
        weekly_period=weekly_period,
        weekly=weekly_attendance(pupil, weekly_period) if weekly_period else [],
    )


def _checked_at(flag: Flag, period_checked: datetime.datetime | None) -> datetime.datetime:
    if flag.status in (FlagStatus.OPEN, FlagStatus.ACCEPTED) and period_checked is not None:
        return max(flag.last_seen_at, period_checked)
    return flag.last_seen_at


def _trend(pupil: Pupil) -> list[TrendPoint]:
    # The snapshot key starts with the semester: naming the semesters (a handful a year) lets
    # the key answer "this pupil in every semester" with one probe each.
    periods = list(Period.objects.values_list("pk", flat=True))
    snapshots = (
        IndicatorSnapshot.objects.filter(period__in=periods, pupil=pupil)
        .select_related("period__school_year")
        .order_by("period__starts_on")
    )
    return [TrendPoint(s.period, s.attendance_rate, s.average_grade) for s in snapshots]


def flags_decidable_by(user: Viewer) -> QuerySet[Flag]:
    """Flags of pupils the user may read the risk picture of (deciding is checked by the service)."""
    return Flag.objects.filter(pupil__in=access.pupils_visible_to(user, Perm.VIEW_RISK)).select_related("pupil")
