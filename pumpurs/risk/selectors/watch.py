"""The watch list of a school, as a class teacher or a school role may see it.

Every query starts from people/access.py. The list is built from a fixed number of
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
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from pumpurs.core.text import fold
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Period, Pupil
from pumpurs.risk.models import Flag, FlagStatus, Level, SchoolCapacity
from pumpurs.risk.rules import reason_text, rule_severity
from pumpurs.risk.selectors.common import current_enrolments, current_period, latest_level, submitted_assessments

OVERDUE_AFTER = dt.timedelta(weeks=4)
LEVEL_POINTS: dict[str, int] = {Level.HIGH.value: 3, Level.MEDIUM.value: 2}
OVERDUE_POINTS = 1
WATCH_LEVELS = (Level.HIGH, Level.MEDIUM)


def assessment_overdue_since(period: Period) -> dt.date:
    return period.starts_on + OVERDUE_AFTER


@dataclass
class WatchRow:
    pupil: Pupil
    class_group: ClassGroup
    level: str
    overdue: bool
    flags: list[Flag]
    severity: int
    rank: int = 0
    within_capacity: bool | None = None  # None: the school has set no capacity

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""

    @cached_property
    def reasons(self) -> list[str]:
        """The open flags' reasons in the reader's language; written only for the rows a page
        shows (a few hundred reasons cost more than the list's queries)."""
        return [reason_text(f) for f in self.flags]


@dataclass(frozen=True)
class WatchFilter:
    reason: str = ""
    grade: int | None = None
    class_id: Any = None  # ClassGroup.public_id
    level: str = ""  # a Level value, or "missing" for no submitted questionnaire
    sort: str = "severity"


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


def _per_pupil_count(flags: QuerySet[Flag]) -> Subquery:
    """A correlated count of ``flags`` (already tied to the outer pupil); NULL when there are none.

    Not EXISTS: PostgreSQL turns an EXISTS over flags into a hash of every matching flag in the
    country (66 000 open flags on the national preset); the count is one index probe per pupil.
    """
    counted = flags.order_by().values("pupil_id").annotate(n=Count("pk")).values("n")[:1]
    return Subquery(counted, output_field=IntegerField())


def _candidates(institution: Institution, period: Period, today: dt.date, user: Any) -> QuerySet[Enrolment]:
    """Current enrolments of the school whose pupil belongs on the watch list (whole school)."""
    pupil = OuterRef("pupil_id")
    queryset = current_enrolments(today).filter(institution=institution)
    queryset = queryset.annotate(
        open_flag_count=_per_pupil_count(Flag.objects.filter(pupil_id=pupil, status=FlagStatus.OPEN)),
        level=latest_level(pupil),
        assessed_now=Exists(submitted_assessments(pupil).filter(period=period)),
        accepted_now=_per_pupil_count(Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.ACCEPTED)),
        visible=Exists(access.pupils_visible_to(user, Perm.VIEW_RISK, today=today).filter(pk=pupil)),
    )
    concern = Q(open_flag_count__gt=0) | Q(level__in=WATCH_LEVELS)
    if today > assessment_overdue_since(period):
        concern |= Q(accepted_now__gt=0, assessed_now=False)
    return (
        queryset.filter(concern)
        .select_related("pupil", "class_group")
        .prefetch_related(
            Prefetch(
                "pupil__flags",
                queryset=Flag.objects.filter(status=FlagStatus.OPEN).order_by("raised_at", "pk"),
                to_attr="open_flags",
            )
        )
    )


def _attach_periods(flags: list[Flag]) -> None:
    """rules.reason_text names the semester: give every flag its period from one small query."""
    periods = Period.objects.select_related("school_year").in_bulk({f.period_id for f in flags})
    for flag in flags:
        flag.period = periods[flag.period_id]


def _row(enrolment: Any, period: Period, today: dt.date) -> WatchRow:
    flags: list[Flag] = enrolment.pupil.open_flags
    level = enrolment.level or ""
    needs_assessment = bool(enrolment.accepted_now) or level in WATCH_LEVELS
    overdue = today > assessment_overdue_since(period) and not enrolment.assessed_now and needs_assessment
    severity = sum(rule_severity(f.rule) for f in flags) + LEVEL_POINTS.get(level, 0)
    return WatchRow(
        pupil=enrolment.pupil,
        class_group=enrolment.class_group,
        level=level,
        overdue=overdue,
        flags=flags,
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
    candidates: list[Any] = list(_candidates(institution, period, today, user))
    _attach_periods([flag for e in candidates for flag in e.pupil.open_flags])
    for enrolment in candidates:
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
        current_enrolments(today)
        .filter(institution=institution, pupil__in=access.pupils_visible_to(user, Perm.VIEW_RISK, today=today))
        .exclude(Exists(submitted_assessments(OuterRef("pupil_id")).filter(period=period)))
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
