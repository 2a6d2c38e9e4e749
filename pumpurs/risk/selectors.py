"""Reads for the early-identification pages: watch list, municipal counts, fairness, risk picture.

Every query starts from people/access.py. The watch list is built from a fixed number of
set-based queries whatever the school's size (one for the candidate pupils with their
questionnaire level and flags as annotations, one prefetch of their open flags, one for the
capacity), so its cost grows with the rows, never with extra round trips.

**Who is on the watch list** (issue 4, item 5): pupils currently enrolled in the school who have

* at least one *open* flag (of any semester — an undecided flag stays on the list), or
* a *medium* or *high* level in their latest submitted questionnaire, or
* an *overdue* questionnaire: the current semester began more than ``OVERDUE_AFTER`` (4 weeks)
  ago, the pupil has no submitted questionnaire for it, and the pupil needs one — a flag was
  accepted this semester (accepting a flag leads to an assessment) or the latest earlier
  questionnaire was medium or high. Pupils with no reason for concern are not listed merely
  because their semester questionnaire is not done yet; the page gives their number instead.

**Severity**, the order in which the school's capacity is filled: the sum of the severities of
the pupil's open flags (``rules.rule_severity``), plus 3 for a high and 2 for a medium
questionnaire level, plus 1 for an overdue questionnaire; ties go to the pupil with more open
flags, then by name. The capacity is the school's: the ranking runs over the whole school's list
even when the reader (a class teacher) sees only their own classes, so a mark means the same
thing to everyone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pumpurs.core.text import fold
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Municipality, Period, Pupil
from pumpurs.people.selectors import open_on
from pumpurs.risk.charts import LineChart, line_chart
from pumpurs.risk.models import (
    Assessment,
    DismissReason,
    Flag,
    FlagDecision,
    FlagStatus,
    IndicatorSnapshot,
    InstrumentItem,
    Level,
    RiskGroup,
    SchoolCapacity,
    Window,
)
from pumpurs.risk.questionnaire import latest_result


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# TODO(lead): rules.py (the rule set) is written in parallel by another helper; once it is in,
# import it plainly and drop this guard and the fallbacks below.
rules: Any = _optional("pumpurs.risk.rules")

OVERDUE_AFTER = dt.timedelta(weeks=4)
LEVEL_POINTS: dict[str, int] = {Level.HIGH.value: 3, Level.MEDIUM.value: 2}
OVERDUE_POINTS = 1
WATCH_LEVELS = (Level.HIGH, Level.MEDIUM)


def current_period(today: dt.date | None = None) -> Period | None:
    """The semester running on ``today``; between semesters, the one that ended last."""
    today = today or timezone.localdate()
    return Period.objects.filter(starts_on__lte=today).select_related("school_year").order_by("-starts_on").first()


def assessment_overdue_since(period: Period) -> dt.date:
    return period.starts_on + OVERDUE_AFTER


def _submitted(pupil_ref: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(pupil_id=pupil_ref, status=Assessment.Status.SUBMITTED)


def _latest_level(pupil_ref: Any) -> Subquery:
    # The same order as questionnaire.latest_result: newest semester, then newest submission.
    latest = _submitted(pupil_ref).order_by("-period__starts_on", "-submitted_at", "-pk")
    return Subquery(latest.values("level")[:1])


def _current_enrolments(today: dt.date) -> QuerySet[Enrolment]:
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


# --- Watch list ------------------------------------------------------------------------------


@dataclass
class WatchRow:
    pupil: Pupil
    class_group: ClassGroup
    level: str
    overdue: bool
    flags: list[Flag]
    reasons: list[str]
    severity: int
    rank: int = 0
    within_capacity: bool | None = None  # None: the school has set no capacity

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""


@dataclass(frozen=True)
class WatchFilter:
    reason: str = ""
    grade: int | None = None
    class_id: Any = None  # ClassGroup.public_id
    level: str = ""  # a Level value, or "missing" for no submitted questionnaire
    sort: str = "severity"


SORTS = ("severity", "name", "class")


@dataclass
class WatchList:
    institution: Institution
    period: Period | None
    rows: list[WatchRow]
    total: int  # rows the reader may see before GET filters
    capacity: int | None
    unassessed: int  # pupils the reader may see with no submitted questionnaire this semester
    overdue_since: dt.date | None


def watch_institutions(user: Any) -> QuerySet[Institution]:
    return access.institutions_visible_to(user, Perm.VIEW_RISK).order_by("name")


def _candidates(institution: Institution, period: Period, today: dt.date, user: Any) -> QuerySet[Enrolment]:
    """Current enrolments of the school whose pupil belongs on the watch list (whole school)."""
    pupil = OuterRef("pupil_id")
    open_flags = Flag.objects.filter(pupil_id=pupil, status=FlagStatus.OPEN)
    queryset = _current_enrolments(today).filter(institution=institution)
    queryset = queryset.annotate(
        has_open_flag=Exists(open_flags),
        level=_latest_level(pupil),
        assessed_now=Exists(_submitted(pupil).filter(period=period)),
        accepted_now=Exists(Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.ACCEPTED)),
        visible=Exists(access.pupils_visible_to(user, Perm.VIEW_RISK, today=today).filter(pk=pupil)),
    )
    concern = Q(has_open_flag=True) | Q(level__in=WATCH_LEVELS)
    if today > assessment_overdue_since(period):
        concern |= Q(accepted_now=True, assessed_now=False)
    return (
        queryset.filter(concern)
        .select_related("pupil", "class_group")
        .prefetch_related(
            Prefetch(
                "pupil__flags",
                # rules.reason_text names the semester: fetch it with the flags.
                queryset=Flag.objects.filter(status=FlagStatus.OPEN)
                .select_related("period__school_year")
                .order_by("raised_at", "pk"),
                to_attr="open_flags",
            )
        )
    )


def _row(enrolment: Any, period: Period, today: dt.date) -> WatchRow:
    flags: list[Flag] = enrolment.pupil.open_flags
    level = enrolment.level or ""
    needs_assessment = enrolment.accepted_now or level in WATCH_LEVELS
    overdue = today > assessment_overdue_since(period) and not enrolment.assessed_now and needs_assessment
    severity = sum(rule_severity(f.rule) for f in flags) + LEVEL_POINTS.get(level, 0)
    return WatchRow(
        pupil=enrolment.pupil,
        class_group=enrolment.class_group,
        level=level,
        overdue=overdue,
        flags=flags,
        reasons=[reason_text(f) for f in flags],
        severity=severity + (OVERDUE_POINTS if overdue else 0),
    )


def _name_key(row: WatchRow) -> tuple[str, str, int]:
    # Folded, so that "Šmits" sorts with the S names, not after Z.
    return (fold(row.pupil.last_name), fold(row.pupil.first_name), row.pupil.pk)


def _keep(row: WatchRow, f: WatchFilter) -> bool:
    if f.reason and f.reason not in {flag.rule for flag in row.flags}:
        return False
    if f.grade is not None and row.class_group.grade != f.grade:
        return False
    if f.class_id is not None and row.class_group.public_id != f.class_id:
        return False
    if f.level == "missing":
        return not row.level
    return not f.level or row.level == f.level


def watch_list(
    user: Any, *, institution: Institution, filters: WatchFilter | None = None, today: dt.date | None = None
) -> WatchList:
    """The watch list of ``institution`` as ``user`` may see it (see the module docstring)."""
    today = today or timezone.localdate()
    filters = filters or WatchFilter()
    period = current_period(today)
    if period is None:
        return WatchList(institution, None, [], 0, None, 0, None)
    seen: dict[int, Any] = {}
    for enrolment in _candidates(institution, period, today, user):
        # Two enrolments can both be open on a day of transfer: keep the newer one.
        kept = seen.get(enrolment.pupil_id)
        if kept is None or enrolment.starts_on > kept.starts_on:
            seen[enrolment.pupil_id] = enrolment
    school = [(_row(e, period, today), e.visible) for e in seen.values()]
    school.sort(key=lambda rv: (-rv[0].severity, -len(rv[0].flags), *_name_key(rv[0])))
    capacity = SchoolCapacity.objects.filter(institution=institution, period=period).values_list("capacity", flat=True)
    cap = next(iter(capacity), None)
    for rank, (row, _visible) in enumerate(school, start=1):
        row.rank = rank
        row.within_capacity = None if cap is None else rank <= cap
    visible = [row for row, is_visible in school if is_visible]
    rows = [row for row in visible if _keep(row, filters)]
    if filters.sort == "name":
        rows.sort(key=_name_key)
    elif filters.sort == "class":
        rows.sort(key=lambda r: (r.class_group.grade, r.class_group.name, *_name_key(r)))
    unassessed = (
        _current_enrolments(today)
        .filter(institution=institution, pupil__in=access.pupils_visible_to(user, Perm.VIEW_RISK, today=today))
        .exclude(Exists(_submitted(OuterRef("pupil_id")).filter(period=period)))
        .count()
    )
    return WatchList(
        institution=institution,
        period=period,
        rows=rows,
        total=len(visible),
        capacity=cap,
        unassessed=unassessed,
        overdue_since=assessment_overdue_since(period),
    )


def watch_classes(user: Any, *, institution: Institution, period: Period | None) -> QuerySet[ClassGroup]:
    classes = access.classes_visible_to(user, Perm.VIEW_RISK).filter(institution=institution)
    if period is not None:
        classes = classes.filter(school_year_id=period.school_year_id)
    return classes.order_by("grade", "name")


def capacity_of(institution: Institution, period: Period) -> int | None:
    return (
        SchoolCapacity.objects.filter(institution=institution, period=period).values_list("capacity", flat=True).first()
    )


# --- Municipality: counts per school, no names -------------------------------------------------


@dataclass
class SchoolCounts:
    institution: Institution
    pupils: int
    flagged: int
    high_level: int
    by_rule: dict[str, int]


def municipality_counts(user: Any, *, municipality: Municipality, today: dt.date | None = None) -> list[SchoolCounts]:
    """Per school of ``municipality`` the user may count: pupils now enrolled, pupils with an open
    flag, pupils per rule of their open flags, pupils whose latest questionnaire level is high."""
    today = today or timezone.localdate()
    schools = list(
        access.institutions_visible_to(user, Perm.VIEW_RISK_COUNTS).filter(municipality=municipality).order_by("name")
    )
    current = _current_enrolments(today).filter(institution__in=schools)
    pupil = OuterRef("pupil_id")
    totals = (
        current.annotate(
            has_open_flag=Exists(Flag.objects.filter(pupil_id=pupil, status=FlagStatus.OPEN)),
            level=_latest_level(pupil),
        )
        .values("institution_id")
        .annotate(
            pupils=Count("pupil_id", distinct=True),
            flagged=Count("pupil_id", distinct=True, filter=Q(has_open_flag=True)),
            high=Count("pupil_id", distinct=True, filter=Q(level=Level.HIGH)),
        )
        .order_by()
    )
    by_school = {t["institution_id"]: t for t in totals}
    rules: dict[int, dict[str, int]] = defaultdict(dict)
    per_rule = (
        current.filter(pupil__flags__status=FlagStatus.OPEN)
        .values("institution_id", "pupil__flags__rule")
        .annotate(n=Count("pupil_id", distinct=True))
        .order_by()
    )
    for r in per_rule:
        rules[r["institution_id"]][r["pupil__flags__rule"]] = r["n"]
    empty = {"pupils": 0, "flagged": 0, "high": 0}
    return [
        SchoolCounts(
            institution=school,
            pupils=by_school.get(school.pk, empty)["pupils"],
            flagged=by_school.get(school.pk, empty)["flagged"],
            high_level=by_school.get(school.pk, empty)["high"],
            by_rule=dict(sorted(rules[school.pk].items())),
        )
        for school in schools
    ]


# --- Pupil risk picture ----------------------------------------------------------------------


@dataclass
class FlagView:
    flag: Flag
    reason: str
    label: str
    evidence: list[tuple[str, str]]
    decisions: list[FlagDecision]


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
        return gettext("%(year)s, sem. %(number)s") % {
            "year": self.period.school_year.name,
            "number": self.period.number,
        }

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
    def grade_chart(self) -> LineChart | None:
        values = [(p.short_label, p.average_grade) for p in self.trend[-CHART_PERIODS:]]
        return line_chart(values, low=0, high=10, ticks=[0, 4, 10], decimals=2)


def pupil_risk_picture(user: Any, *, pupil: Pupil) -> RiskPicture | None:
    """Flags, decisions, questionnaire and indicator trend of a pupil; None without Perm.VIEW_RISK."""
    if not access.can_see_pupil(user, pupil, Perm.VIEW_RISK):
        return None
    flags = list(
        Flag.objects.filter(pupil=pupil)
        .select_related("period__school_year")
        .prefetch_related(Prefetch("decisions", queryset=FlagDecision.objects.select_related("decided_by")))
        .order_by("-raised_at", "-pk")
    )
    views = [
        FlagView(
            flag=f,
            reason=reason_text(f),
            label=rule_label(f.rule),
            evidence=evidence_items(f.evidence),
            decisions=list(f.decisions.all()),
        )
        for f in flags
    ]
    decisions = sorted(
        (DecisionView(d, v.label) for v in views for d in v.decisions),
        key=lambda d: (d.decision.decided_at, d.decision.pk),
        reverse=True,
    )
    assessment = latest_result(pupil)
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
    )


def _trend(pupil: Pupil) -> list[TrendPoint]:
    snapshots = (
        IndicatorSnapshot.objects.filter(pupil=pupil, window=Window.PERIOD)
        .select_related("period__school_year")
        .order_by("period__starts_on")
    )
    return [TrendPoint(s.period, s.attendance_rate, s.average_grade) for s in snapshots]


def flags_decidable_by(user: Any) -> QuerySet[Flag]:
    """Flags of pupils the user may read the risk picture of (deciding is checked by the service)."""
    return Flag.objects.filter(pupil__in=access.pupils_visible_to(user, Perm.VIEW_RISK)).select_related("pupil")


# --- Fairness: flag rates by gender and grade band, small cells suppressed ---------------------

GRADE_BANDS = ((1, 3), (4, 6), (7, 9), (10, 12))
SMALL_CELL = 5  # counts below this are shown as "< 5" and their shares are withheld


@dataclass(frozen=True)
class FairnessRow:
    """One group's pupils, flagged pupils (any flag this semester) and pupils with a dismissed flag.

    A count below ``SMALL_CELL`` is never shown, nor is a share computed from one.
    """

    label: str
    pupils: int
    flagged: int
    dismissed: int

    def _shown(self, n: int) -> int | None:
        return None if n < SMALL_CELL or self.pupils < SMALL_CELL else n

    @property
    def pupils_shown(self) -> int | None:
        return self._shown(self.pupils)

    @property
    def flagged_shown(self) -> int | None:
        return self._shown(self.flagged)

    @property
    def dismissed_shown(self) -> int | None:
        return self._shown(self.dismissed)

    @property
    def flagged_share(self) -> Decimal | None:
        if self.flagged_shown is None:
            return None
        return Decimal(100 * self.flagged) / self.pupils

    @property
    def dismissed_share(self) -> Decimal | None:
        if self.dismissed_shown is None or self.flagged_shown is None:
            return None
        return Decimal(100 * self.dismissed) / self.flagged


@dataclass
class Fairness:
    period: Period | None
    by_gender: list[FairnessRow]
    by_band: list[FairnessRow]
    total: FairnessRow


def fairness(institutions: QuerySet[Institution], *, today: dt.date | None = None) -> Fairness:
    """Flag rates among the pupils now enrolled in ``institutions`` (already scoped by the caller).

    Gender is read here only to audit the flags; no rule ever takes it as an input (DESIGN §7).
    """
    today = today or timezone.localdate()
    period = current_period(today)
    empty = FairnessRow(str(_("All pupils")), 0, 0, 0)
    if period is None:
        return Fairness(None, [], [], empty)
    pupil = OuterRef("pupil_id")
    band = Case(
        *(When(class_group__grade__lte=high, then=Value(low)) for low, high in GRADE_BANDS),
        output_field=IntegerField(),
    )
    cells = (
        _current_enrolments(today)
        .filter(institution__in=institutions)
        .annotate(
            band=band,
            flagged=Exists(Flag.objects.filter(pupil_id=pupil, period=period)),
            dismissed=Exists(Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.DISMISSED)),
        )
        .values("pupil__gender", "band")
        .annotate(
            pupils=Count("pupil_id", distinct=True),
            n_flagged=Count("pupil_id", distinct=True, filter=Q(flagged=True)),
            n_dismissed=Count("pupil_id", distinct=True, filter=Q(dismissed=True)),
        )
        .order_by()
    )
    by_gender: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_band: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell in cells:
        for totals in (by_gender[cell["pupil__gender"]], by_band[cell["band"]]):
            totals[0] += cell["pupils"]
            totals[1] += cell["n_flagged"]
            totals[2] += cell["n_dismissed"]
    all_ = [sum(t[i] for t in by_gender.values()) for i in range(3)]
    return Fairness(
        period=period,
        by_gender=[FairnessRow(str(label), *by_gender[value]) for value, label in Pupil.Gender.choices],
        by_band=[FairnessRow(f"{low}–{high}", *by_band[low]) for low, high in GRADE_BANDS],
        total=FairnessRow(str(_("All pupils")), *all_),
    )
