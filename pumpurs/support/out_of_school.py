"""Children without a school (issue 12): pupils whose last enrolment, at a school in the reader's
scope, ended without completing — they moved, left, went abroad — and who are enrolled nowhere
now, nor from a later day. For each: the days since, the last school, whether a flag was ever
raised and whether a case was opened. One query over the enrolments of the reader's schools,
whatever the municipality's size.

The reader sees them as long as they see the pupil at all: the former-pupil window of decision
0003 (``PUMPURS_FORMER_PUPIL_VISIBLE_DAYS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
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


def out_of_school(user: Viewer, *, today: dt.date | None = None, subquery: bool = False) -> QuerySet[Enrolment]:
    """The last enrolments of the children, one per pupil, annotated with ``had_flag``,
    ``open_case`` and ``any_case``; the longest out first.

    Read from the enrolments, not the pupils: an enrolment at one of the reader's schools that
    ended before today, within the former-pupil window (so the reader sees the pupil, decision
    0003), not by completing, and after which the pupil has no other enrolment — none open, none
    ending later, none to come. One statement with anti-joins on the pupil's enrolments."""
    today = today or timezone.localdate()
    # A list of ids for the page (the planner then probes each school's enrolments by index); as
    # a subquery for "Mani darbi", whose counts must stay one statement.
    readable = access.school_roles_institutions(user, Perm.VIEW_OUT_OF_SCHOOL).values_list("pk", flat=True)
    schools: Any = readable if subquery else list(readable)
    later = Enrolment.objects.filter(pupil_id=OuterRef("pupil_id")).filter(
        Q(ends_on__isnull=True)
        | Q(ends_on__gt=OuterRef("ends_on"))
        | Q(ends_on=OuterRef("ends_on"), pk__gt=OuterRef("pk"))
    )
    cases = Case.objects.filter(pupil_id=OuterRef("pupil_id"))
    return (
        Enrolment.objects.filter(
            institution_id__in=schools, ends_on__lt=today, ends_on__gte=access.former_pupil_cutoff(today)
        )
        .exclude(end_reason=Enrolment.EndReason.COMPLETED)
        .exclude(Exists(later))
        .annotate(
            had_flag=Exists(Flag.objects.filter(pupil_id=OuterRef("pupil_id"))),
            open_case=Exists(cases.filter(status=Case.Status.OPEN)),
            any_case=Exists(cases),
        )
        .select_related("pupil", "institution", "class_group")
        .order_by("ends_on", "pupil__last_name", "pupil__first_name", "pk")
    )


def out_of_school_rows(
    enrolments: QuerySet[Enrolment] | list[Enrolment], *, today: dt.date | None = None
) -> list[OutOfSchool]:
    today = today or timezone.localdate()
    rows = []
    for e in enrolments:
        assert e.ends_on is not None  # the query asks for ended enrolments
        rows.append(
            OutOfSchool(
                pupil=e.pupil,
                school=e.institution,
                class_name=e.class_group.name,
                ended_on=e.ends_on,
                reason=e.get_end_reason_display(),
                days=(today - e.ends_on).days,
                had_flag=e.had_flag,  # type: ignore[attr-defined]
                case="open" if e.open_case else "closed" if e.any_case else "",  # type: ignore[attr-defined]
            )
        )
    return rows
