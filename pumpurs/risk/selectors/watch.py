"""The watch list of a school, as a class teacher or a school role may see it.

Every query starts from people/access.py. The list is built from a fixed number of
set-based queries whatever the school's size: one for the candidate pupils, with their
questionnaire level, open-flag count and severity as annotations, read as plain values (ranking,
capacity and filters need nothing more), then — for the rows shown, one page when the caller
asks for one — one each for their pupils, classes and open flags. Its cost grows with the rows,
never with extra round trips.

**Who is on the watch list** (issue 4, item 5): pupils currently enrolled in the school who have

* at least one *open* flag (of any semester — an undecided flag stays on the list), or
* a *medium* or *high* level in their latest submitted questionnaire, or
* an *accepted* flag of this semester whose condition still holds while nobody serves the pupil
  yet (no open support case — support registers who it serves, ``risk.served``): accepting a flag
  never makes a pupil disappear from every list, or
* an *overdue* questionnaire: the current semester began more than ``OVERDUE_AFTER`` (4 weeks)
  ago, the pupil has no submitted questionnaire for it, and the pupil needs one — a flag was
  accepted this semester (accepting a flag leads to an assessment) or the latest earlier
  questionnaire was medium or high. Pupils with no reason for concern are not listed merely
  because their semester questionnaire is not done yet; the page gives their number instead.

**Severity**, the order in which the school's capacity is filled: the sum of the severities of
the pupil's open flags (``rules.rule_severity``) and of the accepted ones still waiting for
support, plus 3 for a high and 2 for a medium
questionnaire level, plus 1 for an overdue questionnaire; ties go to the pupil with more open
flags, then by name. The capacity is the school's: the ranking runs over the whole school's list
even when the reader (a class teacher) sees only their own classes, so a mark means the same
thing to everyone. Each row also carries its place in that order within its own class
(``class_rank``, issue 17): the class teacher's "no. 1 in 7.a" whatever the rest of the school.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from pumpurs.core.text import fold
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import ClassGroup, Institution, Period, Pupil
from pumpurs.risk.models import Flag, FlagStatus, Level, SchoolCapacity
from pumpurs.risk.rules import reason_text, rule_label, rule_severity
from pumpurs.risk.selectors.common import (
    current_enrolments,
    latest_level,
    rule_codes,
    submitted_assessments,
)
from pumpurs.risk.served import SupportState, served_pupils, support_states

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
    class_rank: int = 0  # the same order within the pupil's class: what a class teacher works down
    within_capacity: bool | None = None  # None: the school has set no capacity
    awaiting_support: bool = False  # an accepted flag of this semester, no support case yet
    support: SupportState | None = None  # an open case, its plan (risk.served)

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""

    @cached_property
    def reasons(self) -> list[str]:
        """The open flags' reasons in the reader's language; written only for the rows a page
        shows (a few hundred reasons cost more than the list's queries)."""
        return [reason_text(f) for f in self.flags]

    @cached_property
    def short_reasons(self) -> list[str]:
        """The open flags' rules in a few words; the full reasons go behind a disclosure."""
        return [str(rule_label(f.rule)) for f in self.flags]


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
    rows: list[WatchRow]  # the rows shown: all of them, or the asked-for page
    total: int  # rows the reader may see before GET filters
    capacity: int | None
    unassessed: int  # pupils the reader may see with no submitted questionnaire this semester
    overdue_since: dt.date | None
    count: int = 0  # rows matching the GET filters (on every page)
    page: Page[Any] | None = None  # when a page was asked for


@dataclass
class _Listed:
    """A listed pupil as the ranking needs it: plain values, no model objects."""

    pupil_id: int
    starts_on: dt.date
    class_group_id: int
    grade: int
    class_public_id: Any
    name_key: tuple[str, str, int]
    class_name: str
    level: str
    overdue: bool
    severity: int
    flag_count: int
    visible: bool
    has_reason: bool
    awaiting_support: bool = False
    rank: int = 0
    class_rank: int = 0
    within_capacity: bool | None = None


def watch_institutions(user: Viewer) -> QuerySet[Institution]:
    return access.institutions_visible_to(user, Perm.VIEW_RISK).order_by("name")


def _per_pupil_count(flags: QuerySet[Flag]) -> Subquery:
    """A correlated count of ``flags`` (already tied to the outer pupil); NULL when there are none.

    Not EXISTS: PostgreSQL turns an EXISTS over flags into a hash of every matching flag in the
    country (66 000 open flags on the national preset); the count is one index probe per pupil.
    """
    counted = flags.order_by().values("pupil_id").annotate(n=Count("pk")).values("n")[:1]
    return Subquery(counted, output_field=IntegerField())


def _per_pupil_severity(flags: QuerySet[Flag]) -> Subquery:
    """The sum of ``rules.rule_severity`` over ``flags`` (tied to the outer pupil), like the count."""
    severity = Case(
        *(When(rule=code, then=Value(rule_severity(code))) for code in rule_codes()),
        default=Value(rule_severity("")),
        output_field=IntegerField(),
    )
    summed = flags.order_by().values("pupil_id").annotate(n=Sum(severity)).values("n")[:1]
    return Subquery(summed, output_field=IntegerField())


_LISTED_FIELDS = (
    "pupil_id",
    "starts_on",
    "class_group_id",
    "class_group__grade",
    "class_group__public_id",
    "class_group__name",
    "pupil__last_name",
    "pupil__first_name",
    "level",
    "assessed_now",
    "accepted_now",
    "visible",
    "open_flag_count",
    "open_severity",
    "has_reason",
    "awaiting_count",
    "awaiting_severity",
)


def _candidates(institution: Institution, period: Period, today: dt.date, user: Viewer, reason: str) -> list[_Listed]:
    """Current enrolments of the school whose pupil belongs on the watch list (whole school),
    as plain values, one per pupil."""
    pupil = OuterRef("pupil_id")
    open_flags = Flag.objects.filter(pupil_id=pupil, status=FlagStatus.OPEN)
    # Accepted this semester, still holding, and nobody serves the pupil yet (see risk.served).
    awaiting = Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.ACCEPTED, condition_holds=True)
    served = served_pupils()
    # The class's school is the enrolment's (people.services sets one from the other); saying so
    # lets PostgreSQL read the school's classes by index instead of hashing every class in the
    # country for the join (11 200 on the national preset: a third of the query's time).
    queryset = current_enrolments(today).filter(institution=institution, class_group__institution=institution)
    queryset = queryset.annotate(
        open_flag_count=_per_pupil_count(open_flags),
        open_severity=_per_pupil_severity(open_flags),
        level=latest_level(pupil),
        assessed_now=Exists(submitted_assessments(pupil).filter(period=period)),
        accepted_now=_per_pupil_count(Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.ACCEPTED)),
        visible=Exists(access.pupils_visible_to(user, Perm.VIEW_RISK, today=today).filter(pk=pupil)),
        has_reason=Exists(open_flags.filter(rule=reason)) if reason else Value(True),
        served=Exists(served.filter(pupil_id=pupil)) if served is not None else Value(False),
    ).annotate(
        awaiting_count=Case(
            When(served=True, then=Value(None)), default=_per_pupil_count(awaiting), output_field=IntegerField()
        ),
        awaiting_severity=Case(
            When(served=True, then=Value(None)), default=_per_pupil_severity(awaiting), output_field=IntegerField()
        ),
    )
    concern = Q(open_flag_count__gt=0) | Q(level__in=WATCH_LEVELS) | Q(awaiting_count__gt=0)
    overdue_now = today > assessment_overdue_since(period)
    if overdue_now:
        concern |= Q(accepted_now__gt=0, assessed_now=False)
    listed: dict[int, _Listed] = {}
    for record in queryset.filter(concern).values(*_LISTED_FIELDS):
        level = record["level"] or ""
        needs_assessment = bool(record["accepted_now"]) or level in WATCH_LEVELS
        overdue = overdue_now and not record["assessed_now"] and needs_assessment
        row = _Listed(
            pupil_id=record["pupil_id"],
            starts_on=record["starts_on"],
            class_group_id=record["class_group_id"],
            grade=record["class_group__grade"],
            class_public_id=record["class_group__public_id"],
            class_name=record["class_group__name"],
            # Folded, so that "Šmits" sorts with the S names, not after Z.
            name_key=(fold(record["pupil__last_name"]), fold(record["pupil__first_name"]), record["pupil_id"]),
            level=level,
            overdue=overdue,
            severity=(record["open_severity"] or 0)
            + (record["awaiting_severity"] or 0)
            + LEVEL_POINTS.get(level, 0)
            + (OVERDUE_POINTS if overdue else 0),
            flag_count=record["open_flag_count"] or 0,
            visible=bool(record["visible"]),
            has_reason=bool(record["has_reason"]),
            awaiting_support=bool(record["awaiting_count"]),
        )
        # Two enrolments can both be open on a day of transfer: keep the newer one.
        kept = listed.get(row.pupil_id)
        if kept is None or row.starts_on > kept.starts_on:
            listed[row.pupil_id] = row
    return list(listed.values())


def _keep(row: _Listed, f: WatchFilter) -> bool:
    if f.reason and not row.has_reason:
        return False
    if f.grade is not None and row.grade != f.grade:
        return False
    if f.class_id is not None and row.class_public_id != f.class_id:
        return False
    if f.level == "missing":
        return not row.level
    return not f.level or row.level == f.level


def _detailed(listed: list[_Listed]) -> list[WatchRow]:
    """The rows shown, with their pupils, classes, open flags and support state: five queries for
    any number."""
    pupils = Pupil.objects.in_bulk([r.pupil_id for r in listed])
    classes = ClassGroup.objects.in_bulk({r.class_group_id for r in listed})
    flags: dict[int, list[Flag]] = {r.pupil_id: [] for r in listed}
    for flag in Flag.objects.filter(pupil_id__in=flags, status=FlagStatus.OPEN).order_by("raised_at", "pk"):
        flags[flag.pupil_id].append(flag)
    _attach_periods([flag for pupil_flags in flags.values() for flag in pupil_flags])
    states = support_states([r.pupil_id for r in listed])
    return [
        WatchRow(
            pupil=pupils[r.pupil_id],
            class_group=classes[r.class_group_id],
            level=r.level,
            overdue=r.overdue,
            flags=flags[r.pupil_id],
            severity=r.severity,
            rank=r.rank,
            class_rank=r.class_rank,
            within_capacity=r.within_capacity,
            awaiting_support=r.awaiting_support,
            support=states.get(r.pupil_id),
        )
        for r in listed
    ]


def _attach_periods(flags: list[Flag]) -> None:
    """rules.reason_text names the semester: give every flag its period from one small query."""
    periods = Period.objects.select_related("school_year").in_bulk({f.period_id for f in flags})
    for flag in flags:
        flag.period = periods[flag.period_id]


def watch_list(
    user: Viewer,
    *,
    institution: Institution,
    filters: WatchFilter | None = None,
    today: dt.date | None = None,
    page: int | str | None = None,
    page_size: int = 50,
) -> WatchList:
    """The watch list of ``institution`` as ``user`` may see it (see the module docstring): every
    matching row, or — when ``page`` is given (a page number, as the address has it) — that page
    of ``page_size`` rows (a number past the end gives the last page)."""
    today = today or timezone.localdate()
    filters = filters or WatchFilter()
    period = semester_on(today)
    if period is None:
        return WatchList(institution, None, [], 0, None, 0, None)
    school = _candidates(institution, period, today, user, filters.reason)
    school.sort(key=lambda r: (-r.severity, -r.flag_count, *r.name_key))
    capacity = SchoolCapacity.objects.filter(institution=institution, period=period).values_list("capacity", flat=True)
    cap = next(iter(capacity), None)
    in_class: dict[int, int] = {}
    for rank, row in enumerate(school, start=1):
        row.rank = rank
        row.class_rank = in_class[row.class_group_id] = in_class.get(row.class_group_id, 0) + 1
        row.within_capacity = None if cap is None else rank <= cap
    visible = [row for row in school if row.visible]
    rows = [row for row in visible if _keep(row, filters)]
    if filters.sort == "name":
        rows.sort(key=lambda r: r.name_key)
    elif filters.sort == "class":
        rows.sort(key=lambda r: (r.grade, r.class_name, *r.name_key))
    shown: Page[Any] | None = None
    if page is not None:
        shown = Paginator(rows, page_size).get_page(page)
    unassessed = (
        current_enrolments(today)
        .filter(institution=institution, pupil__in=access.pupils_visible_to(user, Perm.VIEW_RISK, today=today))
        .exclude(Exists(submitted_assessments(OuterRef("pupil_id")).filter(period=period)))
        .count()
    )
    return WatchList(
        institution=institution,
        period=period,
        rows=_detailed(list(shown.object_list) if shown is not None else rows),
        total=len(visible),
        capacity=cap,
        unassessed=unassessed,
        overdue_since=assessment_overdue_since(period),
        count=len(rows),
        page=shown,
    )


def watch_classes(user: Viewer, *, institution: Institution, period: Period | None) -> QuerySet[ClassGroup]:
    classes = access.classes_visible_to(user, Perm.VIEW_RISK).filter(institution=institution)
    if period is not None:
        classes = classes.filter(school_year_id=period.school_year_id)
    return classes.order_by("grade", "name")
