"""What youth initiative projects give people to do ("Mani darbi", people/work.py; decision 0021):
the applications an evaluator named on a call still has to score. Evaluators are staff without a
youth role, so this is how they find their calls (the menu shows "Youth projects" to the roles
that run or read calls only, which costs no query per page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from pumpurs.people.access import Perm
from pumpurs.people.registry import any_perm
from pumpurs.people.work import WorkKind, WorkRow, since_date, work_kind_register
from pumpurs.youth.models import Application, ApplicationStatus, CallStatus, ConflictDeclaration, Evaluation


def applications_to_score(user: Any, today: dt.date) -> QuerySet[Application]:
    """Submitted applications of calls in evaluation that name ``user`` as an evaluator, which the
    user has neither scored nor declared a conflict on; waiting since they were entered."""
    mine = {"application_id": OuterRef("pk"), "evaluator_id": user.pk}
    return (
        Application.objects.filter(
            call__status=CallStatus.EVALUATION, call__evaluators=user, status=ApplicationStatus.SUBMITTED
        )
        .exclude(Exists(Evaluation.objects.filter(**mine)))
        .exclude(Exists(ConflictDeclaration.objects.filter(**mine)))
        .select_related("call__municipality")
        .annotate(work_since=F("entered_at"))
    )


def _rows(applications: Sequence[Application], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=f"{a.organisation}: {a.title}",
            school=a.call.municipality.name if a.call.municipality else "",
            what=a.call.title,
            since=since_date(a.work_since) or today,  # type: ignore[attr-defined]  # annotated
            url=reverse("youth:application_score", args=[a.public_id]),
        )
        for a in applications
    ]


def register() -> None:
    """Called from ``YouthConfig.ready()``."""
    work_kind_register(
        WorkKind(
            code="youth-scoring",
            label=gettext_lazy("Project applications to score"),
            help=gettext_lazy(
                "You are an evaluator of a youth initiative call: score each application or declare a conflict."
            ),
            order=80,
            applies=any_perm(Perm.VIEW_OVERVIEW),  # any member of staff may be named an evaluator
            items=applications_to_score,
            in_school=lambda items, school, today: items.none(),  # applications belong to no school
            rows=_rows,
        )
    )
