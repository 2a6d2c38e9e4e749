"""``dashboards_refresh``: bring the dashboards' pre-aggregate (``DashboardCell``) up to a day.

A fixed number of grouped statements per bucket — never a query per school or per pupil: for each
of the last ``WEEKS`` weeks, each semester of this and the previous school year, and the school year
for money. Every statement groups by school; the municipalities' and the country's rows are summed
from the schools'. Only the windows whose facts changed are recomputed (their signatures,
``reporting.signatures``, decision 0039) and only changed cells are written, in one transaction,
so a page reads either the old numbers or the new ones, never half.

Who counts as flagged, assessed, at risk, with a case, with an active plan, supported, and which
plans were made is answered by ``reporting.definitions`` (decision 0028) — never redefined here.
The definitions count each pupil at one school (``counted_at``), so a municipality's figure is the
sum of its schools' and the country's the sum of the municipalities'. Pupils enrolled and lessons
are counted at the school of the enrolment of that day (a pupil who moved mid-week counts at both).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from pumpurs.finance.commitments import delivered_cents_expr
from pumpurs.finance.selectors import budget_overview
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import Enrolment, Institution, Period, SchoolYear
from pumpurs.reporting import counts
from pumpurs.reporting.models import Bucket, DashboardCell, DashboardRefresh, DashboardWindow, Level
from pumpurs.reporting.preaggregates import monitoring_refresh
from pumpurs.reporting.signatures import window_signatures
from pumpurs.support.models import Goal, MeasureUnit, Plan, PlanTransition, Review

WEEKS = 12  # the weekly trend's length
WAIT_CAP_DAYS = 60  # waits of 60 days or more share the last slot of the histogram


@dataclass(frozen=True)
class Window:
    bucket: str
    starts_on: dt.date
    ends_on: dt.date  # inclusive; never after the day refreshed for


def windows_for(today: dt.date) -> list[Window]:
    """The last ``WEEKS`` weeks (Monday–Sunday, the current one up to ``today``), the semesters of
    this and the previous school year that have started, and this school year."""
    monday = today - dt.timedelta(days=today.weekday())
    found = [
        Window(Bucket.WEEK, start, min(start + dt.timedelta(days=6), today))
        for start in (monday - dt.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1))
    ]
    year = school_year_on(today)
    reference = year.starts_on if year is not None else today
    for period in Period.objects.filter(
        starts_on__lte=today, school_year__starts_on__gte=reference - dt.timedelta(days=400)
    ).order_by("starts_on"):
        found.append(Window(Bucket.SEMESTER, period.starts_on, min(period.ends_on, today)))
    if year is not None:
        found.append(Window(Bucket.YEAR, year.starts_on, min(year.ends_on, today)))
    return found


Row = tuple[int, str, int]  # (institution id, metric, value)


def _pupils(w: Window) -> Iterator[Row]:
    """Pupils enrolled at the window's end: the denominator of every share."""
    open_at_end = Q(starts_on__lte=w.ends_on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=w.ends_on))
    for inst, n in (
        Enrolment.objects.filter(open_at_end)
        .values("institution_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("institution_id", "n")
    ):
        yield inst, "pupils", n


def _attendance(w: Window) -> Iterator[Row]:
    """Lessons and absences of the window, at the school the pupil was enrolled at that day."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.institution_id, SUM(a.lessons), SUM(a.unjustified), SUM(a.illness), SUM(a.other_justified)
            FROM journal_attendanceday a
            JOIN people_enrolment e ON e.pupil_id = a.pupil_id AND e.starts_on <= a.date
                 AND (e.ends_on IS NULL OR e.ends_on >= a.date)
            WHERE a.date >= %s AND a.date <= %s
            GROUP BY e.institution_id
            """,
            [w.starts_on, w.ends_on],
        )
        for inst, lessons, unjustified, illness, other in cursor.fetchall():
            yield inst, "lessons", int(lessons or 0)
            yield inst, "absent", int(unjustified or 0) + int(illness or 0) + int(other or 0)
            yield inst, "absent_unjustified", int(unjustified or 0)
            yield inst, "absent_illness", int(illness or 0)
            yield inst, "absent_other", int(other or 0)


def _plans_by_state(w: Window) -> Iterator[Row]:
    """The semester's plans (not amendments, which are drafts beside a plan in force) by status now."""
    for inst, status, n in (
        Plan.objects.filter(period__starts_on=w.starts_on, amends__isnull=True)
        .values("case__institution_id", "status")
        .annotate(n=Count("pk"))
        .values_list("case__institution_id", "status", "n")
    ):
        yield inst, f"plans:{status}", n


def _days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _waits(w: Window) -> Iterator[Row]:
    """How long each approval in the window waited since the plan reached that step (its
    submission or the previous step's approval), in whole days: a histogram per school and step,
    so that medians can be read for any sum of schools."""
    days = _days_between("t.at", "t.prev_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.institution_id, t.step,
                   CASE WHEN {days} >= %s THEN %s ELSE {days} END AS waited, COUNT(*)
            FROM (
                SELECT x.plan_id, x.step, x.at,
                       (SELECT MAX(p.at) FROM support_plantransition p
                        WHERE p.plan_id = x.plan_id AND p.at < x.at AND p.action IN (%s, %s)) AS prev_at
                FROM support_plantransition x
                WHERE x.action = %s AND x.at >= %s AND x.at < %s
            ) t
            JOIN support_plan pl ON pl.id = t.plan_id
            JOIN support_case c ON c.id = pl.case_id
            WHERE t.prev_at IS NOT NULL
            GROUP BY c.institution_id, t.step, waited
            """,  # noqa: S608 — fixed text; every value a parameter
            [
                WAIT_CAP_DAYS,
                WAIT_CAP_DAYS,
                PlanTransition.Action.SUBMITTED,
                PlanTransition.Action.APPROVED,
                PlanTransition.Action.APPROVED,
                # adapted as the ORM adapts them: on SQLite, UTC text (the stored form), so that a
                # day is the day in Riga on both engines, not the UTC day
                connection.ops.adapt_datetimefield_value(_start_of(w.starts_on)),
                connection.ops.adapt_datetimefield_value(_start_of(w.ends_on + dt.timedelta(days=1))),
            ],
        )
        for inst, step, waited, n in cursor.fetchall():
            yield inst, f"wait:{step}:{int(waited)}", n


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _deliveries(w: Window) -> Iterator[Row]:
    """Delivered hours (of measures counted in hours, in hundredths) and cost in cents per measure,
    of the deliveries that count as support (``definitions.deliveries_counted``); the cost is
    finance's (the entered amount, else quantity × the committed unit price)."""
    hour = Q(line__measure__unit=MeasureUnit.HOUR)
    for inst, code, cents, centihours in (
        counts.deliveries_by_measure(w.starts_on, w.ends_on)
        .values("line__plan__case__institution_id", "line__measure__code")
        .annotate(cents=Sum(delivered_cents_expr()), hours=Sum("quantity", filter=hour))
        .values_list("line__plan__case__institution_id", "line__measure__code", "cents", "hours")
    ):
        yield inst, f"cents:{code}", int(cents or 0)
        if centihours:
            yield inst, f"centihours:{code}", int(centihours * 100)


def _reviews(w: Window) -> Iterator[Row]:
    """Reviews done in the window, by decision, and the outcomes of their plans' goals."""
    reviewed = Q(reviewed_at__gte=_start_of(w.starts_on), reviewed_at__lt=_start_of(w.ends_on + dt.timedelta(days=1)))
    for inst, decision, n in (
        Review.objects.filter(reviewed)
        .values("plan__case__institution_id", "decision")
        .annotate(n=Count("pk"))
        .values_list("plan__case__institution_id", "decision", "n")
    ):
        yield inst, "reviews", n
        yield inst, f"reviews:{decision}", n
    goal_reviewed = Q(
        plan__review__reviewed_at__gte=_start_of(w.starts_on),
        plan__review__reviewed_at__lt=_start_of(w.ends_on + dt.timedelta(days=1)),
    )
    for inst, outcome, n in (
        Goal.objects.filter(goal_reviewed)
        .exclude(outcome="")
        .values("plan__case__institution_id", "outcome")
        .annotate(n=Count("pk"))
        .values_list("plan__case__institution_id", "outcome", "n")
    ):
        yield inst, f"goals:{outcome}", n


def _money(year: SchoolYear) -> Iterator[Row]:
    """Budget, committed and spent per school for the school year (finance's own selector)."""
    ids = {str(public_id): pk for public_id, pk in Institution.objects.values_list("public_id", "pk")}
    for row in budget_overview(Institution.objects.all(), year).schools:
        inst = ids[row.key]
        if row.budget is not None:
            yield inst, "budget_cents", row.budget
        if row.spent:
            yield inst, "spent_cents", row.spent
        if row.committed:
            yield inst, "committed_cents", row.committed


def _rows_for(w: Window) -> Iterable[Row]:
    if w.bucket == Bucket.YEAR:
        year = SchoolYear.objects.filter(starts_on=w.starts_on).first()
        return _money(year) if year is not None else ()
    families: list[Iterable[Row]] = [
        _pupils(w),
        _attendance(w),
        _waits(w),
        _deliveries(w),
        _reviews(w),
        counts.people_counted(w.starts_on, w.ends_on),
    ]
    if w.bucket == Bucket.SEMESTER:
        families.append(_plans_by_state(w))
    return (row for family in families for row in family)


@dataclass(frozen=True)
class Refreshed:
    cells: int  # cells held after the refresh
    windows: int  # windows the dashboards show
    recomputed: int  # of which recomputed (the rest kept: their facts had not changed)
    written: int  # cells inserted, updated or deleted


@transaction.atomic(durable=True)
def dashboards_refresh(*, today: dt.date, full: bool = False) -> int:
    """Bring the pre-aggregate to ``today``; returns the number of cells. Called by the
    ``indicators`` job after the indicator refresh, and by ``pumpurs dashboards refresh``."""
    return dashboards_update(today=today, full=full).cells


def dashboards_update(*, today: dt.date, full: bool = False) -> Refreshed:
    """Recompute the windows whose facts changed since their cells were computed (decision 0039)
    and write only the cells whose value changed; ``full`` recomputes every window (the result is
    the same: the incremental path is an optimisation, never a different answer). Idempotent.

    A window is recomputed when it is new, when its end moved (the current week and semester end
    today), when its signature (``reporting.signatures``) differs from the one its cells were
    computed from, and always for the school year (money: finance's selector, cheap). Cells of
    windows that left the dashboards (the thirteenth week back) are deleted."""
    started = time.perf_counter()
    windows = windows_for(today)
    wanted = {(w.bucket, w.starts_on) for w in windows}
    kept = {(k.bucket, k.starts_on): k for k in DashboardWindow.objects.all()}
    full = full or not kept
    written = _drop_windows_outside(wanted, kept, everything=full)
    signatures = window_signatures([(w.bucket, w.starts_on, w.ends_on) for w in windows if w.bucket != Bucket.YEAR])
    stale = [
        w
        for w in windows
        if full
        or w.bucket == Bucket.YEAR
        or (w.bucket, w.starts_on) not in kept
        or kept[(w.bucket, w.starts_on)].signature != signatures[(w.bucket, w.starts_on)]
    ]
    if stale:
        ends_moved = {
            (w.bucket, w.starts_on)
            for w in stale
            if (w.bucket, w.starts_on) in kept and kept[(w.bucket, w.starts_on)].ends_on != w.ends_on
        }
        written += _write_cells(stale, _computed(stale), ends_moved)
    now = timezone.now()
    for w in stale:
        signature = signatures.get((w.bucket, w.starts_on), f"year:{w.ends_on.isoformat()}")
        window = kept.get((w.bucket, w.starts_on))
        if window is None:
            DashboardWindow.objects.create(
                bucket=w.bucket, starts_on=w.starts_on, ends_on=w.ends_on, signature=signature, computed_at=now
            )
        elif (window.signature, window.ends_on) != (signature, w.ends_on):
            window.signature, window.ends_on, window.computed_at = signature, w.ends_on, now
            window.save(update_fields=["signature", "ends_on", "computed_at"])
    monitoring_refresh(today=today)  # the effect, cost, indicator and rule-quality cells (decision 0038)
    total = DashboardCell.objects.count()
    DashboardRefresh.objects.create(computed_at=now, for_day=today, cells=total, seconds=time.perf_counter() - started)
    return Refreshed(cells=total, windows=len(windows), recomputed=len(stale), written=written)


CellKey = tuple[str, int, str, dt.date, str]  # (level, unit, bucket, starts_on, metric)


def _computed(stale: list[Window]) -> dict[CellKey, tuple[int | None, dt.date, int]]:
    """Every cell of the ``stale`` windows: the schools' from the facts, the municipalities' and the
    country's summed from the schools' (each pupil is counted at one school). Value: (the school's
    municipality, the window's end, the number)."""
    municipality_of = dict(Institution.objects.values_list("pk", "municipality_id"))
    found: dict[CellKey, tuple[int | None, dt.date, int]] = {}
    for w in stale:
        merged: dict[tuple[int, str], int] = defaultdict(int)
        for inst, metric, value in _rows_for(w):
            if value:
                merged[(inst, metric)] += value
        municipalities: dict[tuple[int, str], int] = defaultdict(int)
        country: dict[str, int] = defaultdict(int)
        for (inst, metric), value in merged.items():
            municipality = municipality_of.get(inst)
            found[(Level.SCHOOL, inst, w.bucket, w.starts_on, metric)] = (municipality, w.ends_on, value)
            if municipality is not None:
                municipalities[(municipality, metric)] += value
        for (municipality, metric), value in municipalities.items():
            found[(Level.MUNICIPALITY, municipality, w.bucket, w.starts_on, metric)] = (municipality, w.ends_on, value)
            country[metric] += value
        for metric, value in country.items():
            found[(Level.NATIONAL, 0, w.bucket, w.starts_on, metric)] = (None, w.ends_on, value)
    return found


def _write_cells(
    stale: list[Window], new: dict[CellKey, tuple[int | None, dt.date, int]], ends_moved: set[tuple[str, dt.date]]
) -> int:
    """Make the ``stale`` windows' cells ``new``, touching only the cells that differ. A window
    whose end moved (the current week and semester, each day) gets its new end in one statement,
    not one row at a time."""
    of_windows = Q()
    moved = 0
    for w in stale:
        of_windows |= Q(bucket=w.bucket, starts_on=w.starts_on)
        if (w.bucket, w.starts_on) in ends_moved:
            moved += (
                DashboardCell.objects.filter(bucket=w.bucket, starts_on=w.starts_on)
                .exclude(ends_on=w.ends_on)
                .update(ends_on=w.ends_on)
            )
    gone: list[int] = []
    changed: list[DashboardCell] = []
    for pk, level, unit, bucket, starts_on, metric, municipality, ends_on, value in (
        DashboardCell.objects.filter(of_windows)
        .values_list("pk", "level", "unit_id", "bucket", "starts_on", "metric", "municipality_id", "ends_on", "value")
        .iterator(chunk_size=5000)
    ):
        wanted = new.pop((level, unit, bucket, starts_on, metric), None)
        if wanted is None:
            gone.append(pk)
        elif wanted != (municipality, ends_on, value):
            changed.append(DashboardCell(pk=pk, municipality_id=wanted[0], ends_on=wanted[1], value=wanted[2]))
    for i in range(0, len(gone), 5000):
        DashboardCell.objects.filter(pk__in=gone[i : i + 5000]).delete()
    DashboardCell.objects.bulk_update(changed, ["municipality_id", "ends_on", "value"], batch_size=2000)
    DashboardCell.objects.bulk_create(
        [
            DashboardCell(
                level=level,
                unit_id=unit,
                municipality_id=municipality,
                bucket=bucket,
                starts_on=starts_on,
                ends_on=ends_on,
                metric=metric,
                value=value,
            )
            for (level, unit, bucket, starts_on, metric), (municipality, ends_on, value) in new.items()
        ],
        batch_size=5000,
    )
    return moved + len(gone) + len(changed) + len(new)


def _drop_windows_outside(
    wanted: set[tuple[str, dt.date]], kept: dict[tuple[str, dt.date], DashboardWindow], *, everything: bool
) -> int:
    """Delete the cells (and the record) of windows no longer shown; with ``everything``, any cell
    outside the shown windows (a rebuild, or the first refresh after an upgrade)."""
    gone = [key for key in kept if key not in wanted]
    deleted = 0
    if everything:
        inside = Q(pk__in=[])
        for bucket, starts_on in wanted:
            inside |= Q(bucket=bucket, starts_on=starts_on)
        deleted += DashboardCell.objects.exclude(inside).delete()[0]
    for bucket, starts_on in gone:
        deleted += DashboardCell.objects.filter(bucket=bucket, starts_on=starts_on).delete()[0]
    DashboardWindow.objects.filter(pk__in=[kept[key].pk for key in gone]).delete()
    return deleted
