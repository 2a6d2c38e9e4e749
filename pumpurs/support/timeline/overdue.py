"""What is overdue: late reviews and late confirmations of remote consultations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

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


def overdue_plans(
    user: Viewer, *, institution: Institution | None = None, today: dt.date | None = None
) -> QuerySet[Plan]:
    """Active or in-review plans visible to ``user`` whose semester ended more than the grace
    period ago: the review is late. One query."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.PUMPURS_REVIEW_GRACE_DAYS)
    plans = plans_visible_to(user, Perm.VIEW_SUPPORT).filter(
        status__in=[PlanStatus.ACTIVE, PlanStatus.IN_REVIEW], period__ends_on__lt=cutoff
    )
    if institution is not None:
        plans = plans.filter(case__institution=institution)
    return plans.select_related("case__pupil", "case__institution", "period__school_year").order_by(
        "period__ends_on", "case__pupil__last_name", "case__pupil__first_name", "pk"
    )


def overdue_reviews(
    user: Viewer, institution: Institution | None = None, *, today: dt.date | None = None, limit: int = 100
) -> Overdue:
    """What the watch list shows as overdue: late reviews and late remote-consultation
    confirmations, each in one query (at most ``limit`` of each)."""
    deliveries = deliveries_visible_to(user, Perm.VIEW_SUPPORT)
    if institution is not None:
        deliveries = deliveries.filter(line__plan__case__institution=institution)
    unconfirmed = unconfirmed_overdue(deliveries, today).select_related(
        "line__measure", "line__plan__case__pupil", "specialist"
    )
    return Overdue(
        plans=list(overdue_plans(user, institution=institution, today=today)[:limit]),
        unconfirmed=list(unconfirmed.order_by("delivered_on", "pk")[:limit]),
        grace_days=settings.PUMPURS_REVIEW_GRACE_DAYS,
    )
