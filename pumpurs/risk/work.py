"""What early identification gives people to do ("Mani darbi", people/work.py; decision 0021):
flags to decide, accepted flags whose pupil has no support case yet, questionnaires due this
semester, notices that could not be delivered and — for the municipality coordinator — pupils
over the unjustified-absence threshold in her schools. Each kind is one scoped queryset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Period, Pupil
from pumpurs.people.registry import any_perm
from pumpurs.people.work import (
    Rows,
    WorkKind,
    WorkRow,
    pupil_in_school,
    pupil_name,
    pupil_school,
    since_date,
    work_kind_register,
)
from pumpurs.risk.absences import pupils_over_threshold
from pumpurs.risk.models import AbsenceFollowUp, Flag, FlagStatus, Notice
from pumpurs.risk.rules import rule_label
from pumpurs.risk.selectors.common import latest_level, submitted_assessments
from pumpurs.risk.selectors.watch import WATCH_LEVELS
from pumpurs.risk.served import served_pupils


def semester_id_on(day: dt.date) -> Subquery:
    """``people.calendar.semester_on`` as a subquery, so a count needs no query of its own."""
    return Subquery(Period.objects.filter(starts_on__lte=day).order_by("-starts_on").values("pk")[:1])


def _pupil_url(pupil: Pupil, anchor: str = "risk") -> str:
    return reverse("pupil_detail", args=[pupil.public_id]) + f"#{anchor}"


# --- Flags to decide -----------------------------------------------------------------------------


def flags_to_decide(user: Any, today: dt.date) -> QuerySet[Flag]:
    pupils = access.pupils_visible_to(user, Perm.DECIDE_FLAGS, today=today)
    return (
        Flag.objects.filter(status=FlagStatus.OPEN, pupil__in=pupils)
        .select_related("pupil")
        .annotate(work_since=F("raised_at"), school_name=pupil_school(OuterRef("pupil_id"), today))
    )


def _flag_rows(flags: Sequence[Flag], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=pupil_name(f.pupil),
            school=f.school_name or "",  # type: ignore[attr-defined]  # annotated
            what=str(rule_label(f.rule)),
            since=since_date(f.raised_at) or today,
            url=_pupil_url(f.pupil),
            pupil_id=f.pupil_id,
        )
        for f in flags
    ]


# --- Accepted, no support case yet ---------------------------------------------------------------


def _awaiting_flags(today: dt.date) -> QuerySet[Flag]:
    return Flag.objects.filter(
        pupil_id=OuterRef("pk"), period_id=semester_id_on(today), status=FlagStatus.ACCEPTED, condition_holds=True
    )


def awaiting_case(user: Any, today: dt.date) -> QuerySet[Pupil]:
    """Pupils with a flag accepted this semester whose condition still holds and whom nobody
    serves yet (``risk.served``: an open support case) — the watch list's "no support case yet"."""
    pupils = access.pupils_visible_to(user, Perm.MANAGE_CASES, today=today).filter(Exists(_awaiting_flags(today)))
    served = served_pupils()
    if served is not None:
        pupils = pupils.exclude(pk__in=served)
    first = _awaiting_flags(today).order_by().values("pupil_id").annotate(m=Min("raised_at")).values("m")[:1]
    return pupils.annotate(work_since=Subquery(first), school_name=pupil_school(OuterRef("pk"), today))


def _pupil_rows(what: Promise, url_name: str = "pupil_detail", anchor: str = "#risk") -> Rows:
    def rows(pupils: Sequence[Pupil], today: dt.date) -> list[WorkRow]:
        return [
            WorkRow(
                subject=pupil_name(p),
                school=p.school_name or "",  # type: ignore[attr-defined]  # annotated
                what=str(what),
                since=since_date(p.work_since) or today,  # type: ignore[attr-defined]  # annotated
                url=reverse(url_name, args=[p.public_id]) + anchor,
                pupil_id=p.pk,
            )
            for p in pupils
        ]

    return rows


# --- Questionnaires due --------------------------------------------------------------------------


def assessments_due(user: Any, today: dt.date) -> QuerySet[Pupil]:
    """Pupils who need this semester's questionnaire and have none submitted: a flag was accepted
    this semester, or the latest questionnaire was medium or high (the watch list's rule; a pupil
    with no reason for concern is not a task). Due since the semester began."""
    semester = semester_id_on(today)
    pupils = access.pupils_visible_to(user, Perm.ASSESS, today=today)
    accepted = Flag.objects.filter(pupil_id=OuterRef("pk"), period_id=semester, status=FlagStatus.ACCEPTED)
    starts = Subquery(Period.objects.filter(pk=semester).values("starts_on")[:1])
    return (
        pupils.annotate(level_now=latest_level(OuterRef("pk")))
        .filter(Q(Exists(accepted)) | Q(level_now__in=WATCH_LEVELS))
        .exclude(Exists(submitted_assessments(OuterRef("pk")).filter(period_id=semester)))
        .annotate(work_since=starts, school_name=pupil_school(OuterRef("pk"), today))
    )


# --- Notices not delivered -----------------------------------------------------------------------

UNDELIVERED = (Notice.Status.FAILED, Notice.Status.NO_CONTACT)


def notices_undelivered(user: Any, today: dt.date) -> QuerySet[Notice]:
    """Notices (to guardians, coordinators; risk's and support's alike) that failed or had no
    address, about pupils the user keeps the outbox for."""
    pupils = access.pupils_visible_to(user, Perm.VIEW_OUTBOX, today=today)
    return (
        Notice.objects.filter(status__in=UNDELIVERED, pupil__in=pupils)
        .select_related("pupil")
        .annotate(work_since=F("created_at"), school_name=pupil_school(OuterRef("pupil_id"), today))
    )


def _notice_rows(notices: Sequence[Notice], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=pupil_name(n.pupil),
            school=n.school_name or "",  # type: ignore[attr-defined]  # annotated
            what=f"{n.get_kind_display()}: {n.get_status_display()}",
            since=since_date(n.created_at) or today,
            url=reverse("notice_outbox"),
            pupil_id=n.pupil_id,
        )
        for n in notices
    ]


# --- Over the absence threshold (the municipality) ------------------------------------------------


def _absence_items(user: Any, today: dt.date) -> QuerySet[Pupil]:
    return pupils_over_threshold(user, today).annotate(school_name=pupil_school(OuterRef("pk"), today))


def _absence_rows(pupils: Sequence[Pupil], today: dt.date) -> list[WorkRow]:
    labels = dict(AbsenceFollowUp.Status.choices)
    rows = []
    for p in pupils:
        status = str(labels[p.follow_status])  # type: ignore[attr-defined]  # annotated
        owner = " ".join(filter(None, [p.follow_owner_first, p.follow_owner]))  # type: ignore[attr-defined]
        what = _("%(n)s unjustified lessons; %(status)s") % {"n": f"{p.unjustified:.0f}", "status": status}  # type: ignore[attr-defined]
        rows.append(
            WorkRow(
                subject=pupil_name(p),
                school=p.school_name or "",  # type: ignore[attr-defined]  # annotated
                what=f"{what} ({owner})" if owner else what,
                since=since_date(p.work_since) or today,  # type: ignore[attr-defined]  # annotated
                url=reverse("risk_absence_follow_up", args=[p.public_id]),
                pupil_id=p.pk,
            )
        )
    return rows


def register() -> None:
    """Called from ``RiskConfig.ready()``."""
    work_kind_register(
        WorkKind(
            code="flags",
            label=gettext_lazy("Flags to decide"),
            help=gettext_lazy("Accept the flag (the pupil needs attention) or dismiss it with a reason."),
            order=10,
            applies=any_perm(Perm.DECIDE_FLAGS),
            items=flags_to_decide,
            in_school=lambda items, school, today: pupil_in_school(items, "pupil_id", school, today),
            rows=_flag_rows,
        )
    )
    work_kind_register(
        WorkKind(
            code="no-case",
            label=gettext_lazy("Accepted, no support case yet"),
            help=gettext_lazy("A flag was accepted this semester and nobody supports the pupil yet: open a case."),
            order=20,
            applies=any_perm(Perm.MANAGE_CASES),
            items=awaiting_case,
            in_school=lambda items, school, today: pupil_in_school(items, "pk", school, today),
            rows=_pupil_rows(gettext_lazy("flag accepted, no support case yet")),
        )
    )
    work_kind_register(
        WorkKind(
            code="absences",
            label=gettext_lazy("Pupils over the absence threshold"),
            help=gettext_lazy(
                "Unjustified absences over the threshold this semester: the municipality follows up "
                "(take it, then close it with a note)."
            ),
            order=25,
            applies=any_perm(Perm.FOLLOW_ABSENCES),
            items=_absence_items,
            in_school=lambda items, school, today: pupil_in_school(items, "pk", school, today),
            rows=_absence_rows,
        )
    )
    work_kind_register(
        WorkKind(
            code="questionnaires",
            label=gettext_lazy("Questionnaires due this semester"),
            help=gettext_lazy(
                "Pupils with a flag accepted this semester or a medium or high level last time, "
                "with no questionnaire submitted this semester."
            ),
            order=30,
            applies=any_perm(Perm.ASSESS),
            items=assessments_due,
            in_school=lambda items, school, today: pupil_in_school(items, "pk", school, today),
            rows=_pupil_rows(gettext_lazy("risk questionnaire not submitted"), "questionnaire_pupil", ""),
        )
    )
    work_kind_register(
        WorkKind(
            code="notices",
            label=gettext_lazy("Notices not delivered"),
            help=gettext_lazy("Notices that failed or had no address: check the guardian's contacts and tell them."),
            order=80,
            applies=any_perm(Perm.VIEW_OUTBOX),
            items=notices_undelivered,
            in_school=lambda items, school, today: pupil_in_school(items, "pupil_id", school, today),
            rows=_notice_rows,
        )
    )
