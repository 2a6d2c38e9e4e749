"""Children without a school (issue 12): pupils whose last enrolment, at a school in the reader's
scope, ended without completing — they moved, left, went abroad — and who are enrolled nowhere
now, nor from a later day. For each: the days since, the last school, whether a flag was ever
raised and whether a case was opened. One query over all pupils (correlated subqueries on the
enrolments), whatever the municipality's size.

The reader sees them as long as they see the pupil at all: the former-pupil window of decision
0003 (``PUMPURS_FORMER_PUPIL_VISIBLE_DAYS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Enrolment, Institution, Pupil
from pumpurs.risk.models import Flag
from pumpurs.support.models import Case


@dataclass(frozen=True)
class OutOfSchool:
    pupil: Pupil
    school: Institution
    class_name: str
    ended_on: dt.date
    reason: str  # the enrolment's end reason, readable
    days: int
    had_flag: bool
    case: str  # "open", "closed" or "" (none)


def out_of_school(user: Viewer, *, today: dt.date | None = None) -> QuerySet[Pupil]:
    """The pupils, annotated with their last enrolment (``last_*``) and ``had_flag`` / ``open_case``
    / ``any_case``; the longest out first."""
    today = today or timezone.localdate()
    schools = access.school_roles_institutions(user, Perm.VIEW_OUT_OF_SCHOOL)
    enrolments = Enrolment.objects.filter(pupil_id=OuterRef("pk"))
    last = enrolments.order_by("-ends_on", "-starts_on", "-pk")
    ongoing = enrolments.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    cases = Case.objects.filter(pupil_id=OuterRef("pk"))
    return (
        access.pupils_visible_to(user, Perm.VIEW_OUT_OF_SCHOOL, today=today)
        .exclude(Exists(ongoing))
        .annotate(
            last_school_id=Subquery(last.values("institution_id")[:1]),
            last_class=Subquery(last.values("class_group__name")[:1]),
            last_ended_on=Subquery(last.values("ends_on")[:1]),
            last_reason=Subquery(last.values("end_reason")[:1]),
            had_flag=Exists(Flag.objects.filter(pupil_id=OuterRef("pk"))),
            open_case=Exists(cases.filter(status=Case.Status.OPEN)),
            any_case=Exists(cases),
        )
        .filter(Q(last_school_id__in=schools.values("pk")))
        .exclude(Q(last_reason=Enrolment.EndReason.COMPLETED))
        .order_by("last_ended_on", "last_name", "first_name", "pk")
    )


def out_of_school_rows(pupils: QuerySet[Pupil] | list[Pupil], *, today: dt.date | None = None) -> list[OutOfSchool]:
    today = today or timezone.localdate()
    pupils = list(pupils)
    schools = Institution.objects.in_bulk({p.last_school_id for p in pupils})  # type: ignore[attr-defined]
    reasons = dict(Enrolment.EndReason.choices)
    rows = []
    for p in pupils:
        ended: dt.date = p.last_ended_on  # type: ignore[attr-defined]
        rows.append(
            OutOfSchool(
                pupil=p,
                school=schools[p.last_school_id],  # type: ignore[attr-defined]
                class_name=p.last_class,  # type: ignore[attr-defined]
                ended_on=ended,
                reason=str(reasons.get(p.last_reason, p.last_reason)),  # type: ignore[attr-defined]
                days=(today - ended).days,
                had_flag=p.had_flag,  # type: ignore[attr-defined]
                case="open" if p.open_case else "closed" if p.any_case else "",  # type: ignore[attr-defined]
            )
        )
    return rows
