"""Reads of the youth initiative calls: a call's money, the ranked list, and the counts the
dashboards and the programme indicator report use (per municipality and national, in SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from pumpurs.youth.models import Application, ApplicationStatus, Call, ReportStatus


@dataclass(frozen=True)
class CallMoney:
    total_cents: int
    awarded_cents: int  # approved projects' awards
    returned_cents: int  # not spent by projects whose reports are approved
    spent_cents: int  # by approved reports

    @property
    def available_cents(self) -> int:
        """What may still be awarded: the total less the awards, plus what came back."""
        return self.total_cents - self.awarded_cents + self.returned_cents


def call_money(call: Call) -> CallMoney:
    approved = Application.objects.filter(call=call, status=ApplicationStatus.APPROVED)
    sums = approved.aggregate(
        awarded=Coalesce(Sum("awarded_cents"), 0),
        returned=Coalesce(
            Sum(F("awarded_cents") - F("report__spent_cents"), filter=Q(report__status=ReportStatus.APPROVED)), 0
        ),
        spent=Coalesce(Sum("report__spent_cents", filter=Q(report__status=ReportStatus.APPROVED)), 0),
    )
    return CallMoney(
        total_cents=call.total_cents,
        awarded_cents=int(sums["awarded"]),
        returned_cents=int(sums["returned"]),
        spent_cents=int(sums["spent"]),
    )


@dataclass(frozen=True)
class Ranked:
    application: Application
    points: Decimal | None  # the mean of the evaluations; None until two are in
    evaluations: int


def ranked_applications(call: Call) -> list[Ranked]:
    """The call's applications, fully evaluated ones first by mean points (highest first), then
    those still waiting for scores, by number."""
    rows = (
        Application.objects.filter(call=call)
        .annotate(n=Count("evaluations"), mean=Avg("evaluations__points"))
        .select_related("report")
        .order_by("number")
    )
    ranked = [Ranked(a, Decimal(a.mean).quantize(Decimal("0.01")) if a.n >= 2 else None, a.n) for a in rows]
    return sorted(ranked, key=lambda r: (r.points is None, -(r.points or 0), r.application.number))


COUNT_KEYS = (
    "calls",
    "applications",
    "approved",
    "requested_cents",
    "awarded_cents",
    "spent_cents",
    "participants_expected",
    "participants_reached",
)


def application_counts(calls: QuerySet[Call]) -> list[dict[str, object]]:
    """Per municipality (``None``: national calls): calls, applications, approved projects, amounts
    requested, awarded and spent (cents), participants expected by approved projects and reached by
    approved reports. Two grouped queries, whatever the number of calls; for the dashboards and the
    programme indicator report. Give it ``scope.calls_visible_to(user)``."""
    per_call = {
        r["municipality_id"]: r
        for r in calls.values("municipality_id", "municipality__name").annotate(calls=Count("pk")).order_by()
    }
    per_app = {
        r["call__municipality_id"]: r
        for r in Application.objects.filter(call__in=calls)
        .values("call__municipality_id")
        .annotate(
            applications=Count("pk"),
            approved=Count("pk", filter=Q(status=ApplicationStatus.APPROVED)),
            requested_cents=Coalesce(Sum("requested_cents"), 0),
            awarded_cents=Coalesce(Sum("awarded_cents", filter=Q(status=ApplicationStatus.APPROVED)), 0),
            spent_cents=Coalesce(Sum("report__spent_cents", filter=Q(report__status=ReportStatus.APPROVED)), 0),
            participants_expected=Coalesce(
                Sum("participants_expected", filter=Q(status=ApplicationStatus.APPROVED)), 0
            ),
            participants_reached=Coalesce(
                Sum("report__participants_reached", filter=Q(report__status=ReportStatus.APPROVED)), 0
            ),
        )
        .order_by()
    }
    rows: list[dict[str, object]] = []
    for municipality_id, head in per_call.items():
        counts: dict[str, Any] = dict(per_app.get(municipality_id, {}))
        rows.append(
            {
                "municipality_id": municipality_id,
                "municipality": head["municipality__name"],
                "calls": int(head["calls"]),
                **{k: int(counts.get(k, 0)) for k in COUNT_KEYS if k != "calls"},
            }
        )
    return sorted(rows, key=lambda r: (r["municipality"] is None, str(r["municipality"] or "")))


def national_totals(rows: list[dict[str, object]]) -> dict[str, int]:
    """The national line of ``application_counts``."""
    return {k: sum(int(str(r[k])) for r in rows) for k in COUNT_KEYS}
