"""What is overdue: late reviews and late confirmations of remote consultations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution
from pumpurs.support.delivery import unconfirmed_overdue
from pumpurs.support.models import Delivery, Plan, PlanStatus
from pumpurs.support.scope import deliveries_visible_to, plans_visible_to


@dataclass(frozen=True)
class Overdue:
    plans: list[Plan]
    unconfirmed: list[Delivery]
    grace_days: int

    def __bool__(self) -> bool:
        return bool(self.plans or self.unconfirmed)


def _whole_school(user: Viewer, institution: Institution | None) -> bool:
    """Whether ``user`` reads every support record of ``institution`` (a school role other than a
    class teacher's there, its municipality's, or the country's). Then the records the school runs
    are exactly those of its cases: the scope's OR of grants and the ``EXISTS`` over hand-overs
    (records of cases that left the reader's school, which name another school) drop out of the
    statement, which the watch list's block built and compiled twice per request (issue 13: ~177 ms
    of a 50-row page under the profiler)."""
    return institution is not None and access.reads_whole_school(user, Perm.VIEW_SUPPORT, institution)


def overdue_plans(
    user: Viewer, *, institution: Institution | None = None, today: dt.date | None = None
) -> QuerySet[Plan]:
    """Active or in-review plans visible to ``user`` whose semester ended more than the grace
    period ago: the review is late. One query."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.PUMPURS_REVIEW_GRACE_DAYS)
    if _whole_school(user, institution):
        plans = Plan.objects.filter(case__institution=institution)
    else:
        plans = plans_visible_to(user, Perm.VIEW_SUPPORT)
        if institution is not None:
            plans = plans.filter(case__institution=institution)
    plans = plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.IN_REVIEW], period__ends_on__lt=cutoff)
    return plans.select_related("case__pupil", "case__institution", "period__school_year").order_by(
        "period__ends_on", "case__pupil__last_name", "case__pupil__first_name", "pk"
    )


# What the block shows (support/watch_overdue.html), no more: the select list of wide rows (a
# pupil, a plan, a measure) was a good part of building the two statements.
_PUPIL = ("public_id", "first_name", "last_name")
BLOCK_PLAN_COLUMNS = (
    "public_id",
    "status",
    *(f"case__pupil__{name}" for name in _PUPIL),
    "period__number",
    "period__ends_on",
    "period__school_year__name",
)
BLOCK_DELIVERY_COLUMNS = (
    "public_id",
    "delivered_on",
    "line__measure__name",
    "line__measure__name_en",
    *(f"line__plan__case__pupil__{name}" for name in _PUPIL),
    "specialist__first_name",
    "specialist__last_name",
)


def overdue_reviews(
    user: Viewer, institution: Institution | None = None, *, today: dt.date | None = None, limit: int = 100
) -> Overdue:
    """What the watch list shows as overdue: late reviews and late remote-consultation
    confirmations, each in one query (at most ``limit`` of each)."""
    if _whole_school(user, institution):
        deliveries = Delivery.objects.filter(line__plan__case__institution=institution)
    else:
        deliveries = deliveries_visible_to(user, Perm.VIEW_SUPPORT)
        if institution is not None:
            deliveries = deliveries.filter(line__plan__case__institution=institution)
    unconfirmed = (
        unconfirmed_overdue(deliveries, today)
        .select_related("line__measure", "line__plan__case__pupil", "specialist")
        .only(*BLOCK_DELIVERY_COLUMNS)
    )
    plans = (
        overdue_plans(user, institution=institution, today=today)
        .select_related(None)
        .select_related("case__pupil", "period__school_year")
        .only(*BLOCK_PLAN_COLUMNS)
    )
    return Overdue(
        plans=list(plans[:limit]),
        unconfirmed=list(unconfirmed.order_by("delivered_on", "pk")[:limit]),
        grace_days=settings.PUMPURS_REVIEW_GRACE_DAYS,
    )
