"""What a dashboard window's numbers are made of, summed into a short signature (decision 0039).

``dashboards_refresh`` keeps a past window's cells while its signature is the one it was computed
from. The signature reads, for the window ``[start, end]``, exactly the rows the refresh's
statements read, with the columns that decide their answer — in as many cheap aggregate statements
per window (one per source table; attendance for every window in one pass grouped by day):

* attendance days dated in the window (counts and a pupil-weighted checksum of the counts);
* enrolments overlapping it (which pupil, which school, and the end day when it falls in the
  window: an enrolment ended today leaves a past week's signature as it was);
* flags raised by its end for a semester overlapping it, and which of them are accepted now;
* questionnaires submitted by its end (and when each was last saved);
* cases open in it (their school, and a closing that falls in it);
* plan transitions by its end (approvals, closings, reopenings: append-only);
* semester plans overlapping it (and, for a semester, their state now: the plans-by-state table);
* deliveries dated in it (quantity, amount, cost by finance's expression, voided or not);
* reviews done in it and their goals' outcomes;
* the institution → municipality mapping the cells were summed with (the same for every window:
  a school moved to another municipality changes every window, whose municipal cells were summed
  under the old mapping — decision 0045).

A change that matters changes an aggregate — a correction of an attendance day, a decision on an
old flag, a delivery voided, a case handed to another school. A change that does not (a flag raised
today, a case closed today) leaves a past window's signature alone, so a daily refresh recomputes
the current week and semester and little else. A false alarm costs one recompute, never a wrong
number; the test (``test_refresh_incremental``) checks the incremental cells against a full rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone

from pumpurs.finance.commitments import delivered_cents_expr
from pumpurs.people.models import Enrolment, Institution
from pumpurs.risk.models import Assessment, Flag, FlagStatus
from pumpurs.support.models import Case as SupportCase
from pumpurs.support.models import Delivery, Goal, Plan, PlanStatus, PlanTransition, Review

Key = tuple[str, dt.date]  # (bucket, starts_on)
MIX = 9973  # a prime: the checksums weigh each row by its id modulo it


def _from(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _until(day: dt.date) -> dt.datetime:
    return _from(day + dt.timedelta(days=1))


def _weighted(column: str) -> Any:
    """``column`` weighted by the row's id (so that two rows swapping values change the sum)."""
    return Sum((F("pk") % MIX + 1) * F(column))


def _attendance_by_day(start: dt.date, end: dt.date) -> dict[dt.date, tuple[int, ...]]:
    """Per day of ``[start, end]``: the attendance rows' counts and checksum (one grouped pass)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.date, COUNT(*), SUM(a.lessons), SUM(a.unjustified), SUM(a.illness), SUM(a.other_justified),
                   SUM((a.pupil_id %% %s + 1) * (a.lessons + 7 * a.unjustified + 31 * a.illness + 127 * a.other_justified))
            FROM journal_attendanceday a
            WHERE a.date >= %s AND a.date <= %s
            GROUP BY a.date
            """,
            [MIX, start, end],
        )
        found: dict[dt.date, tuple[int, ...]] = {}
        for day, *values in cursor.fetchall():
            found[day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))] = tuple(
                int(v or 0) for v in values
            )
        return found


def _period_overlaps(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}period__starts_on__lte": end, f"{prefix}period__ends_on__gte": start})


def _parts(bucket: str, start: dt.date, end: dt.date) -> list[Any]:
    """The aggregates of every source but attendance for one window."""
    ended_in = Q(ends_on__isnull=False, ends_on__lte=end)
    end_day = ExtractMonth("ends_on") * 31 + ExtractDay("ends_on")
    enrolments = (
        Enrolment.objects.filter(starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .aggregate(
            n=Count("pk"),
            ids=_weighted("pupil_id"),
            schools=_weighted("institution_id"),
            starts=Sum((F("pk") % MIX + 1) * (ExtractMonth("starts_on") * 31 + ExtractDay("starts_on"))),
            ended=Sum(
                Case(When(ended_in, then=(F("pk") % MIX + 1) * end_day), default=Value(0), output_field=IntegerField())
            ),
        )
    )
    flags = Flag.objects.filter(_period_overlaps(start, end), raised_at__lt=_until(end)).aggregate(
        n=Count("pk"),
        ids=Sum("pk"),
        pupils=_weighted("pupil_id"),
        accepted=Sum(
            Case(When(status=FlagStatus.ACCEPTED, then=F("pk")), default=Value(0), output_field=IntegerField())
        ),
    )
    assessments = Assessment.objects.filter(
        _period_overlaps(start, end), status=Assessment.Status.SUBMITTED, submitted_at__lt=_until(end)
    ).aggregate(n=Count("pk"), ids=Sum("pk"), pupils=_weighted("pupil_id"), saved=Max("updated_at"))
    closed_in = Q(closed_at__isnull=False, closed_at__lt=_until(end))
    cases = (
        SupportCase.objects.filter(opened_at__lt=_until(end))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=_from(start)))
        .aggregate(
            n=Count("pk"),
            ids=Sum("pk"),
            pupils=_weighted("pupil_id"),
            schools=_weighted("institution_id"),
            closed=Sum(Case(When(closed_in, then=F("pk")), default=Value(0), output_field=IntegerField())),
            last_closed=Max("closed_at", filter=closed_in),
        )
    )
    transitions = PlanTransition.objects.filter(at__lt=_until(end)).aggregate(
        n=Count("pk"), ids=Sum("pk"), plans=_weighted("plan_id")
    )
    plan_values: dict[str, Any] = {
        "n": Count("pk"),
        "ids": Sum("pk"),
        "cases": _weighted("case_id"),
        "amends": _weighted("amends_id"),
    }
    if bucket == "semester":
        plan_values["states"] = Sum(
            Case(
                *[When(status=s, then=(F("pk") % MIX + 1) * (i + 1)) for i, s in enumerate(PlanStatus.values)],
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    plans = Plan.objects.filter(_period_overlaps(start, end)).aggregate(**plan_values)
    deliveries = Delivery.objects.filter(delivered_on__gte=start, delivered_on__lte=end).aggregate(
        n=Count("pk"),
        ids=Sum("pk"),
        lines=_weighted("line_id"),
        units=Sum("quantity"),
        cents=Sum(delivered_cents_expr()),
        voided=Sum(Case(When(voided_at__isnull=False, then=F("pk")), default=Value(0), output_field=IntegerField())),
    )
    reviewed = Q(reviewed_at__gte=_from(start), reviewed_at__lt=_until(end))
    reviews = Review.objects.filter(reviewed).aggregate(n=Count("pk"), ids=Sum("pk"), plans=_weighted("plan_id"))
    goals = (
        Goal.objects.filter(plan__review__reviewed_at__gte=_from(start), plan__review__reviewed_at__lt=_until(end))
        .exclude(outcome="")
        .values("outcome")
        .annotate(n=Count("pk"), ids=Sum("pk"))
        .order_by("outcome")
        .values_list("outcome", "n", "ids")
    )
    return [enrolments, flags, assessments, cases, transitions, plans, deliveries, reviews, list(goals)]


def _municipality_mapping() -> list[tuple[int, int]]:
    """Which municipality each institution belongs to now: ``refresh`` sums a window's school cells
    into municipal ones with this mapping. A few hundred rows, read once for all windows."""
    return list(Institution.objects.order_by("pk").values_list("pk", "municipality_id"))


def window_signatures(windows: Sequence[tuple[str, dt.date, dt.date]]) -> dict[Key, str]:
    """``{(bucket, starts_on): signature}`` of each ``(bucket, starts_on, ends_on)`` window."""
    if not windows:
        return {}
    days = _attendance_by_day(min(w[1] for w in windows), max(w[2] for w in windows))
    mapping = _municipality_mapping()
    found: dict[Key, str] = {}
    for bucket, start, end in windows:
        attendance: defaultdict[int, int] = defaultdict(int)
        for day, values in days.items():
            if start <= day <= end:
                for i, v in enumerate(values):
                    attendance[i] += v
        parts = [end.isoformat(), sorted(attendance.items()), mapping, *_parts(bucket, start, end)]
        found[(bucket, start)] = hashlib.sha256(repr(parts).encode()).hexdigest()
    return found


# Columns the counting rules (``reporting.definitions``) read that no signature needs to sum, and
# why. ``tests/test_signature_coverage.py`` fails on any other column a rule reads and the
# signature does not: a rule that starts reading a column must be signed for it, or listed here.
SIGNATURE_EXEMPT: dict[tuple[str, str], str] = {
    ("people_pupil", "id"): "the pupil's key: a pupil enrolled, flagged or supported is in the sums of those rows",
    ("risk_assessment", "level"): "set when the questionnaire is saved, which moves its updated_at (signed)",
    ("risk_assessment", "group_scores"): "set when the questionnaire is saved, which moves its updated_at (signed)",
    ("risk_flag", "rule"): "set when the flag is raised and never changed; the flags' id sum is signed",
    ("support_planmeasure", "plan_id"): "a plan line never moves to another plan; the deliveries' lines are signed",
    ("support_plantransition", "action"): "transitions are append-only: a new one changes the signed id sum",
    ("support_plantransition", "to_status"): "transitions are append-only: a new one changes the signed id sum",
}
