"""Who counts as what: one answer for every monitoring page, export and command (issue 15).

Each function takes a set of institutions and a date window ``[start, end]`` (both days included)
and returns a queryset — usable as a subquery, counted in one SQL statement, never looped over in
Python. Pupil sets are ``QuerySet[Pupil]`` annotated with ``counted_at``: the one institution
where the pupil is counted, so that a pupil counts once in a school, once in a municipality and
once nationally, and a municipality's figure is the sum of its schools' (decision 0028):

* for what a pupil *is* (flagged, assessed, at risk): the school of the pupil's latest enrolment
  that overlaps the window (a pupil who moved counts at the new school);
* for what a school *does* (case, plan, support): the school that owns the latest qualifying case,
  or the case of the pupil's latest qualifying plan (decision 0020: the case belongs to a school).
  Plan-based counts group one plan per pupil (``latest_plans_in_force``, ``latest_supporting_plans``)
  rather than run a subquery per pupil.

The set of institutions filters on ``counted_at``. Use ``institutions_in_scope`` to obtain it for a
user: the definitions themselves check no permission.

The rules (decision record 0028-programme-indicators.md says why):

* **flagged** — a rule raised a flag, whatever people later decided, for a semester overlapping the
  window, on or before its end (rule quality is measured against what the rules raised);
* **assessed** — a submitted questionnaire for a semester overlapping the window, submitted on or
  before its end; the pupil's level and group shares are those of the latest such questionnaire.
  "In a risk group" means a share above zero in that group;
* **at risk** — an accepted flag (its status is ``accepted`` now) raised as above, or a latest
  questionnaire at the medium or high level;
* **with a case** — a support case open at some moment of the window;
* **with an active plan** — a semester plan (not an amendment) finally approved on or before the
  window's end, for a semester overlapping the window, and not closed before the window began;
* **coverage** — at-risk pupils with an active plan (anywhere) ÷ at-risk pupils;
* **supported** — at least one delivery not voided, dated in the window, under a finally approved
  semester plan;
* **plans made** — semester plans whose first final approval falls in the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from pumpurs.people.access import institutions_visible_to
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Enrolment, Institution, Municipality, Period, Pupil, SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.reporting.suppression import rate
from pumpurs.risk.models import Assessment, Flag, FlagStatus, Level, RiskGroup
from pumpurs.support.models import Case, Delivery, Plan, PlanStatus, PlanTransition

COUNTED_AT = "counted_at"  # the annotation naming the institution where a row is counted
AT_RISK_LEVELS = (Level.MEDIUM, Level.HIGH)

Institutions = QuerySet[Institution] | Iterable[int]


@dataclass(frozen=True)
class Window:
    """A closed range of days ``[start, end]``."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A window ends on or after its start.")

    @classmethod
    def of_period(cls, period: Period) -> Window:
        return cls(period.starts_on, period.ends_on)

    @classmethod
    def of_year(cls, year: SchoolYear) -> Window:
        return cls(year.starts_on, year.ends_on)


# --- Moments ------------------------------------------------------------------------------------


def _from(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _until(day: dt.date) -> dt.datetime:
    """The first moment after ``day``: a timestamp is on or before ``day`` when it is below this."""
    return _from(day + dt.timedelta(days=1))


def _ids(institutions: Institutions) -> QuerySet[Institution] | list[int]:
    if isinstance(institutions, QuerySet):
        return institutions.values("pk")  # type: ignore[return-value]  # a subquery of ids
    return list(institutions)


# --- Where a pupil is counted -------------------------------------------------------------------


def enrolled_at(start: dt.date, end: dt.date) -> Subquery:
    """The institution of the pupil's (``OuterRef('pk')``) latest enrolment overlapping the window."""
    return Subquery(
        Enrolment.objects.filter(pupil_id=OuterRef("pk"), starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .order_by("-starts_on", "-pk")
        .values("institution_id")[:1]
    )


def _counted(pupils: QuerySet[Pupil], place: Subquery, institutions: Institutions) -> QuerySet[Pupil]:
    return pupils.annotate(**{COUNTED_AT: place}).filter(**{f"{COUNTED_AT}__in": _ids(institutions)})


# --- Flags and questionnaires -------------------------------------------------------------------


def _flags(start: dt.date, end: dt.date, *, rule: str | None = None) -> QuerySet[Flag]:
    """Flags of the pupil ``OuterRef('pk')`` raised for a semester overlapping the window, by its end."""
    flags = Flag.objects.filter(
        pupil_id=OuterRef("pk"), period__starts_on__lte=end, period__ends_on__gte=start, raised_at__lt=_until(end)
    )
    return flags.filter(rule=rule) if rule else flags


def flagged_pupils(
    institutions: Institutions, start: dt.date, end: dt.date, *, rule: str | None = None
) -> QuerySet[Pupil]:
    """Pupils any rule (or ``rule``) flagged in the window, whatever was decided about the flag."""
    return _counted(Pupil.objects.filter(Exists(_flags(start, end, rule=rule))), enrolled_at(start, end), institutions)


def _latest_assessment(start: dt.date, end: dt.date) -> QuerySet[Assessment]:
    """The pupil's (``OuterRef('pk')``) latest questionnaire submitted by the window's end, for a
    semester overlapping the window, as a one-row queryset."""
    return Assessment.objects.filter(
        pupil_id=OuterRef("pk"),
        status=Assessment.Status.SUBMITTED,
        submitted_at__lt=_until(end),
        period__starts_on__lte=end,
        period__ends_on__gte=start,
    ).order_by("-submitted_at", "-version", "-pk")[:1]


def assessed_level(start: dt.date, end: dt.date) -> Subquery:
    """The level of the pupil's latest questionnaire in the window (``NULL`` when none)."""
    return Subquery(_latest_assessment(start, end).values("level"))


def assessed_group_share(start: dt.date, end: dt.date, group: str) -> Subquery:
    """The pupil's latest questionnaire's share (0–100) in risk ``group`` (``NULL`` when none)."""
    if group not in RiskGroup.values:
        raise ValueError(f"not a risk group: {group}")
    share = Cast(KT(f"group_scores__{group}"), DecimalField(max_digits=5, decimal_places=2))
    return Subquery(_latest_assessment(start, end).annotate(share=share).values("share"))


def assessed_pupils(
    institutions: Institutions,
    start: dt.date,
    end: dt.date,
    *,
    level: str | None = None,
    group: str | None = None,
) -> QuerySet[Pupil]:
    """Pupils with a submitted questionnaire in the window; with ``level``, those whose latest one
    has that level; with ``group``, those whose latest one scores above zero in that risk group."""
    pupils = Pupil.objects.annotate(assessed_level=assessed_level(start, end)).filter(assessed_level__isnull=False)
    if level is not None:
        pupils = pupils.filter(assessed_level=level)
    if group is not None:
        pupils = pupils.annotate(group_share=assessed_group_share(start, end, group)).filter(group_share__gt=Decimal(0))
    return _counted(pupils, enrolled_at(start, end), institutions)


def _at_risk_condition(start: dt.date, end: dt.date) -> Q:
    accepted = _flags(start, end).filter(status=FlagStatus.ACCEPTED)
    return Q(Exists(accepted)) | Q(assessed_level__in=AT_RISK_LEVELS)


def at_risk_pupils(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """Pupils with an accepted flag in the window or a latest questionnaire at medium or high level."""
    pupils = Pupil.objects.annotate(assessed_level=assessed_level(start, end)).filter(_at_risk_condition(start, end))
    return _counted(pupils, enrolled_at(start, end), institutions)


# --- Cases, plans, support ----------------------------------------------------------------------


def _cases_open(start: dt.date, end: dt.date) -> QuerySet[Case]:
    return Case.objects.filter(opened_at__lt=_until(end)).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=_from(start))
    )


def pupils_with_case(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """Pupils with a support case open at some moment of the window, counted at the school of the
    latest such case."""
    cases = _cases_open(start, end).filter(pupil_id=OuterRef("pk"))
    place = Subquery(cases.order_by("-opened_at", "-pk").values("institution_id")[:1])
    return _counted(Pupil.objects.filter(Exists(cases)), place, institutions)


def _final_approvals(end: dt.date) -> QuerySet[PlanTransition]:
    """Final approvals (the chain's last step) of the plan ``OuterRef('pk')`` by the window's end."""
    return PlanTransition.objects.filter(
        plan_id=OuterRef("pk"),
        action=PlanTransition.Action.APPROVED,
        to_status=PlanStatus.APPROVED,
        at__lt=_until(end),
    )


def plans_in_force(start: dt.date, end: dt.date) -> QuerySet[Plan]:
    """Semester plans in force at some moment of the window: finally approved by its end, for a
    semester overlapping it, and not closed when it began (closed before it and not reopened
    since)."""
    closed = PlanTransition.objects.filter(plan_id=OuterRef("pk"), to_status=PlanStatus.CLOSED, at__lt=_from(start))
    reopened = PlanTransition.objects.filter(
        plan_id=OuterRef("plan_id"), action=PlanTransition.Action.REOPENED, at__gt=OuterRef("at"), at__lt=_from(start)
    )
    return (
        Plan.objects.filter(amends__isnull=True, period__starts_on__lte=end, period__ends_on__gte=start)
        .filter(Exists(_final_approvals(end)))
        .filter(~Exists(closed.filter(~Exists(reopened))))
    )


def latest_plans_in_force(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Plan]:
    """Each pupil's latest plan in force in the window (by semester, then the newest), one per pupil,
    counted at the school whose case holds it. Grouping these plans counts pupils with an active
    plan without a subquery per pupil."""
    return _latest_per_pupil(plans_in_force(start, end), institutions)


def pupils_with_active_plan(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """Pupils with a plan in force in the window, counted at the school whose case holds the latest
    such plan (``latest_plans_in_force``)."""
    return _pupils_of(latest_plans_in_force(institutions, start, end))


def at_risk_with_active_plan(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """At-risk pupils (counted where they are at risk) with a plan in force anywhere in the window."""
    in_force = plans_in_force(start, end).values("case__pupil_id")
    return at_risk_pupils(institutions, start, end).filter(pk__in=in_force)


@dataclass(frozen=True)
class Coverage:
    at_risk: int
    covered: int

    @property
    def rate(self) -> Decimal | None:
        """Percentage covered, one decimal; ``None`` without at-risk pupils."""
        return rate(self.covered, self.at_risk)


def coverage(institutions: Institutions, start: dt.date, end: dt.date) -> Coverage:
    """At-risk pupils with an active plan ÷ at-risk pupils (two counts; unsuppressed — the caller
    suppresses above school level)."""
    return Coverage(
        at_risk=at_risk_pupils(institutions, start, end).count(),
        covered=at_risk_with_active_plan(institutions, start, end).count(),
    )


def deliveries_counted(start: dt.date, end: dt.date) -> QuerySet[Delivery]:
    """Deliveries that count as support: not voided, dated in the window, on a line of a finally
    approved semester plan."""
    approved = PlanTransition.objects.filter(
        plan_id=OuterRef("line__plan_id"), action=PlanTransition.Action.APPROVED, to_status=PlanStatus.APPROVED
    )
    return Delivery.objects.filter(
        voided_at__isnull=True,
        delivered_on__gte=start,
        delivered_on__lte=end,
        line__plan__amends__isnull=True,
    ).filter(Exists(approved))


def deliveries_in(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Delivery]:
    """``deliveries_counted`` at the given schools (the school whose case holds the plan)."""
    return (
        deliveries_counted(start, end)
        .annotate(**{COUNTED_AT: F("line__plan__case__institution_id")})
        .filter(**{f"{COUNTED_AT}__in": _ids(institutions)})
    )


def _latest_per_pupil(plans: QuerySet[Plan], institutions: Institutions) -> QuerySet[Plan]:
    """Of ``plans``, each pupil's latest (by semester, then the newest), counted at its case's school."""
    later = plans.filter(case__pupil_id=OuterRef("case__pupil_id")).filter(
        Q(period__starts_on__gt=OuterRef("period__starts_on"))
        | Q(period__starts_on=OuterRef("period__starts_on"), pk__gt=OuterRef("pk"))
    )
    return (
        plans.filter(~Exists(later))
        .annotate(**{COUNTED_AT: F("case__institution_id")})
        .filter(**{f"{COUNTED_AT}__in": _ids(institutions)})
    )


def _pupils_of(latest: QuerySet[Plan]) -> QuerySet[Pupil]:
    """The pupils of one-per-pupil ``latest`` plans (already narrowed to the schools asked for), counted at
    their plan's school: one join from the pupil through the case to that plan, so the school is
    read with the plan in one set-based statement (not looked up again per pupil). The plan being
    one per pupil, the join gives each pupil one row."""
    return Pupil.objects.filter(support_cases__plans__in=latest.values("pk")).annotate(
        **{COUNTED_AT: F("support_cases__institution_id")}
    )


def supporting_plans(start: dt.date, end: dt.date) -> QuerySet[Plan]:
    """Semester plans with at least one counted delivery in the window (``deliveries_counted``)."""
    delivered = deliveries_counted(start, end).filter(line__plan_id=OuterRef("pk"))
    return Plan.objects.filter(amends__isnull=True).filter(Exists(delivered))


def latest_supporting_plans(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Plan]:
    """Each supported pupil's latest plan that supported them in the window, one per pupil, counted at
    the school whose case holds it: grouping these counts supported pupils without a subquery per
    pupil."""
    return _latest_per_pupil(supporting_plans(start, end), institutions)


def supported_pupils(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """Pupils with at least one counted delivery in the window, counted at the school whose case holds
    the latest plan that supported them (``latest_supporting_plans``)."""
    return _pupils_of(latest_supporting_plans(institutions, start, end))


def plans_made(institutions: Institutions, start: dt.date, end: dt.date) -> QuerySet[Plan]:
    """Semester plans whose first final approval falls in the window, counted at the school of
    their case."""
    approved_before = PlanTransition.objects.filter(
        plan_id=OuterRef("pk"),
        action=PlanTransition.Action.APPROVED,
        to_status=PlanStatus.APPROVED,
        at__lt=_from(start),
    )
    return (
        Plan.objects.filter(amends__isnull=True)
        .filter(Exists(_final_approvals(end)), ~Exists(approved_before))
        .annotate(**{COUNTED_AT: F("case__institution_id")})
        .filter(**{f"{COUNTED_AT}__in": _ids(institutions)})
    )


# --- Scope and grouping -------------------------------------------------------------------------


def institutions_in_scope(
    user: Viewer,
    perm: Perm,
    *,
    municipality: Municipality | int | None = None,
    institution: Institution | int | None = None,
) -> QuerySet[Institution]:
    """The institutions where ``user`` holds ``perm`` (people.access), narrowed to one municipality
    or one institution when asked. Asking for one outside the scope gives nothing (fail closed)."""
    found = institutions_visible_to(user, perm)
    if municipality is not None:
        found = found.filter(municipality_id=getattr(municipality, "pk", municipality))
    if institution is not None:
        found = found.filter(pk=getattr(institution, "pk", institution))
    return found


def count_by_institution(rows: QuerySet[Pupil] | QuerySet[Plan] | QuerySet[Delivery]) -> dict[int, int]:
    """Rows of a definition counted per ``counted_at`` institution, in one grouped statement."""
    grouped = rows.order_by().values(COUNTED_AT).annotate(n=Count("pk", distinct=True))
    return {row[COUNTED_AT]: row["n"] for row in grouped}


def count_by_municipality(rows: QuerySet[Pupil] | QuerySet[Plan] | QuerySet[Delivery]) -> dict[int, int]:
    """Rows of a definition counted per municipality of their ``counted_at`` institution, in one
    grouped statement; the national figure is the sum (each row is counted in one place)."""
    municipality = Subquery(Institution.objects.filter(pk=OuterRef(COUNTED_AT)).values("municipality_id"))
    grouped = (
        rows.order_by().annotate(counted_in=municipality).values("counted_in").annotate(n=Count("pk", distinct=True))
    )
    return {row["counted_in"]: row["n"] for row in grouped}
