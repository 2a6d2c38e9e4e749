"""Reads of the trainings for the dashboards: the share of each school's staff trained and the
trainings per municipality, counted in SQL (one statement per question, whatever the number of
schools); municipality lines add up their schools' rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from pumpurs.people.models import Institution, RoleGrant
from pumpurs.prevention.models import Participant, Training


@dataclass(frozen=True)
class StaffTrained:
    institution_id: int
    institution: str
    municipality_id: int
    municipality: str
    staff: int  # active accounts with a role at the school
    trained: int  # of them, present at one training or more (since the given day)

    @property
    def share(self) -> float | None:
        """Percent, one decimal (a display ratio, not money); None for a school without staff."""
        return round(100 * self.trained / self.staff, 1) if self.staff else None


def _count(rows: QuerySet[RoleGrant]) -> Subquery:
    return Subquery(
        rows.values("institution_id").annotate(n=Count("user_id", distinct=True)).values("n"),
        output_field=IntegerField(),
    )


def staff_trained(institutions: QuerySet[Institution], *, since: dt.date | None = None) -> list[StaffTrained]:
    """Per school: its staff and how many of them were present at a training (ended on or after
    ``since``, when given). Give it the schools the reader may see."""
    present = Participant.objects.filter(attended=True, user__isnull=False)
    if since is not None:
        present = present.filter(training__ends_on__gte=since)
    staff = RoleGrant.objects.filter(institution_id=OuterRef("pk"), user__is_active=True)
    rows = (
        institutions.annotate(
            staff=Coalesce(_count(staff), Value(0)),
            trained=Coalesce(_count(staff.filter(user_id__in=present.values("user_id"))), Value(0)),
        )
        .values("pk", "name", "municipality_id", "municipality__name", "staff", "trained")
        .order_by("municipality__name", "name")
    )
    return [
        StaffTrained(r["pk"], r["name"], r["municipality_id"], r["municipality__name"], r["staff"], r["trained"])
        for r in rows
    ]


def staff_trained_by_municipality(rows: list[StaffTrained]) -> list[StaffTrained]:
    """The schools' rows added up per municipality (``institution_id`` 0)."""
    totals: dict[int, StaffTrained] = {}
    for r in rows:
        t = totals.get(r.municipality_id)
        totals[r.municipality_id] = StaffTrained(
            0,
            "",
            r.municipality_id,
            r.municipality,
            (t.staff if t else 0) + r.staff,
            (t.trained if t else 0) + r.trained,
        )
    return list(totals.values())


def training_counts(trainings: QuerySet[Training]) -> list[dict[str, object]]:
    """Per organising municipality (``None``: national): trainings, participants registered and
    present."""
    rows = (
        trainings.values("municipality_id", "municipality__name")
        .annotate(
            trainings=Count("pk", distinct=True),
            registered=Count("participants"),
            present=Count("participants", filter=Q(participants__attended=True)),
        )
        .order_by("municipality__name")
    )
    return [
        {
            "municipality_id": r["municipality_id"],
            "municipality": r["municipality__name"],
            "trainings": r["trainings"],
            "registered": r["registered"],
            "present": r["present"],
        }
        for r in rows
    ]
