"""A seeded cohort for the refresh's equality test (decision record 0049).

``cohort_story`` builds 40 pupils with random but seeded facts of every family (daily attendance,
lesson marks on days without a daily row, grades of every kind, incidents, transfers, over-age
birth dates, a municipal threshold override), runs three refreshes — a first one, a school day
later with one more day of facts, and again after a correction and a dismissed flag — and returns
what each left behind in a neutral shape keyed by personal code: every window's indicators and
every flag. The expected results in ``data/refresh_equality.json`` were produced by the two-row
refresh before decision 0049 (``python -m pumpurs.risk.tests.equality_cohort`` on that code)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pumpurs.journal.models import AttendanceDay, AttendanceMark, Grade, Incident, Subject
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Period, Pupil
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag, IndicatorSnapshot, ThresholdOverride
from pumpurs.risk.tests.watch_factories import add_pupil
from pumpurs.world.personas import World

INDICATORS = (
    "window_start",
    "window_end",
    "lessons",
    "unjustified",
    "illness",
    "other_justified",
    "late",
    "attendance_rate",
    "failing_grades",
    "nv_count",
    "average_grade",
    "average_change",
    "incidents",
    "repeated_grade",
    "over_age_years",
    "school_changes_12m",
    "rule_version",
)
CATEGORIES = ("present", "unjustified", "illness", "other_justified", "late")


def _text(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [
        start + dt.timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ]


def state(period: Period) -> dict[str, Any]:
    """The semester's snapshots and flags, keyed by pupil name, in a shape both refreshes share
    (the two-row snapshots before decision 0049, one row with both windows after it)."""
    codes = {pk: f"{first} {last}" for pk, first, last in Pupil.objects.values_list("pk", "first_name", "last_name")}
    snapshots: dict[str, dict[str, Any]] = {}
    for row in IndicatorSnapshot.objects.filter(period=period):
        if hasattr(row, "in_window"):
            values = {window: row.in_window(window) for window in ("period", "4w")}
        else:  # the two-row shape: one window per row
            values = {row.window: {k: getattr(row, k) for k in INDICATORS}}
        for window, v in values.items():
            snapshots.setdefault(codes[row.pupil_id], {})[window] = {k: _text(v[k]) for k in INDICATORS}
    flags = sorted(
        [codes[f.pupil_id], f.rule, f.status, str(f.value), str(f.threshold), f.condition_holds, f.evidence]
        for f in Flag.objects.filter(period=period)
    )
    return {"snapshots": snapshots, "flags": flags}


def _facts(rng: random.Random, pupil: Pupil, days: list[dt.date], period: Period, subject: Subject) -> None:
    daily, marked = [], []
    for day in days:
        if rng.random() < 0.08:
            continue  # no data that day
        if rng.random() < 0.15:  # lesson marks only
            for lesson in range(1, rng.randint(2, 7)):
                category = rng.choice(CATEGORIES) if rng.random() < 0.4 else "present"
                marked.append(
                    AttendanceMark(
                        pupil=pupil, date=day, lesson=lesson, subject=subject, mark=category[:2], category=category
                    )
                )
            continue
        lessons = rng.randint(4, 7)
        missed = [0, 0, 0, 0]
        for _ in range(lessons if rng.random() < 0.2 else 0):
            missed[rng.randrange(4)] += 1 if rng.random() < 0.6 else 0
        unjustified, illness, other, late = missed
        if unjustified + illness + other > lessons:
            unjustified, illness, other = 0, 0, 0
        daily.append(
            AttendanceDay(
                pupil=pupil,
                date=day,
                lessons=lessons,
                unjustified=unjustified,
                illness=illness,
                other_justified=other,
                late=late,
            )
        )
        if rng.random() < 0.05:  # a mark on a day with a daily row never counts
            marked.append(
                AttendanceMark(pupil=pupil, date=day, lesson=9, subject=subject, mark="n", category="unjustified")
            )
    AttendanceDay.objects.bulk_create(daily)
    AttendanceMark.objects.bulk_create(marked)
    grades = []
    for day in rng.sample(days, min(rng.randint(0, 14), len(days))):  # one grade a day (the key)
        kind = rng.choice(("ongoing", "ongoing", "term"))
        value_kind = rng.choice(("score", "score", "score", "nv", "failed", "passed"))
        score = rng.randint(1, 10) if value_kind == "score" else None
        grades.append(
            Grade(pupil=pupil, subject=subject, period=period, date=day, kind=kind, value_kind=value_kind, score=score)
        )
    Grade.objects.bulk_create(grades)
    for i in range(rng.choice((0, 0, 0, 1, 2, 3))):
        Incident.objects.create(pupil=pupil, date=rng.choice(days), category=f"c{i}", severity="low")


def cohort_story(
    world: World, period: Period, facts_written: Callable[[], None] = lambda: None
) -> list[dict[str, Any]]:
    """``facts_written`` runs after every write of facts (the story writes them directly, not
    through an import): the rollups' test rebuilds them there."""
    rng = random.Random(49)
    subject = Subject.objects.order_by("pk").first() or Subject.objects.create(code="matematika", name="Matemātika")
    lizuma = Institution.objects.get(code="T-LIZUMS")
    classes = list(ClassGroup.objects.filter(school_year=world.year, institution=lizuma).order_by("pk"))
    end = period.starts_on + dt.timedelta(weeks=9)
    end += dt.timedelta(days=(4 - end.weekday()) % 7)  # a Friday
    before = end - dt.timedelta(days=1)
    days = _weekdays(period.starts_on, before)
    pupils = [add_pupil(world, classes[i % len(classes)], f"Skolēns{i}", f"Kohorta{i}") for i in range(40)]
    pupils += [world.pupil_lizuma, world.pupil_tirzas, world.pupil_madona]
    for pupil in pupils:
        _facts(rng, pupil, days, period, subject)
    start = world.year.starts_on
    for pupil in pupils[:6]:  # older than usual for the grade
        Pupil.objects.filter(pk=pupil.pk).update(birth_date=start.replace(year=start.year - 13 - rng.randint(1, 3)))
    for pupil in pupils[6:10]:  # transferred within the school mid-semester
        moved = period.starts_on + dt.timedelta(days=rng.randint(10, 40))
        current = Enrolment.objects.get(pupil=pupil, ends_on__isnull=True)
        Enrolment.objects.filter(pk=current.pk).update(ends_on=moved, end_reason="transferred")
        Enrolment.objects.create(
            pupil=pupil, class_group=classes[-1], institution=lizuma, starts_on=moved + dt.timedelta(days=1)
        )
    ThresholdOverride.objects.create(
        municipality=lizuma.municipality, rule="attendance_4w", value=Decimal("95"), set_by=world.coordinator_lizuma
    )
    results = []
    facts_written()
    indicators_refresh(today=before, period=period)
    results.append(state(period))
    # A school day later: one more day of facts, the 4-week window moves.
    for pupil in pupils:
        _facts(rng, pupil, [end], period, subject)
    facts_written()
    indicators_refresh(today=end, period=period)
    results.append(state(period))
    # A correction of an old day for one pupil and a dismissed flag: again.
    AttendanceDay.objects.filter(pupil=pupils[11], date=days[3]).update(unjustified=3, lessons=6)
    AttendanceDay.objects.filter(pupil=pupils[12]).update(unjustified=0, illness=0, other_justified=0)
    facts_written()
    dismissed = (
        Flag.objects.filter(period=period, status="open")
        .order_by("pupil__last_name", "pupil__first_name", "rule")
        .first()
    )
    if dismissed is not None:
        Flag.objects.filter(pk=dismissed.pk).update(status="dismissed")
    indicators_refresh(today=end, period=period)
    results.append(state(period))
    return results
