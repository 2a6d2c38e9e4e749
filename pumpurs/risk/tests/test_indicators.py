"""Indicators: the attendance sums, the 4-week window, grades and history, set-based and idempotent."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from pumpurs.journal.models import AttendanceDay, AttendanceMark, Grade, Incident, Subject
from pumpurs.people.models import ClassGroup, Enrolment, Period, Pupil, SchoolYear
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag, IndicatorSnapshot
from pumpurs.risk.rules import RULE_VERSION
from pumpurs.world.personas import World

_serial = itertools.count(1)


# --- Helpers shared by the risk tests -------------------------------------------------------------


def term(world: World, number: int = 1) -> Period:
    return Period.objects.get(school_year=world.year, number=number)


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [
        start + dt.timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ]


def friday_in(period: Period, weeks: int = 8) -> dt.date:
    """A Friday some weeks into the semester: the last school day with data in most tests."""
    day = period.starts_on + dt.timedelta(weeks=weeks)
    return day + dt.timedelta(days=(4 - day.weekday()) % 7)


def attend(pupil: Pupil, days: list[dt.date], *, lessons: int = 6, **per_day: int) -> None:
    AttendanceDay.objects.bulk_create(AttendanceDay(pupil=pupil, date=d, lessons=lessons, **per_day) for d in days)


def absences_on(pupil: Pupil, days: list[dt.date], total: int, *, field: str = "unjustified", lessons: int = 6) -> None:
    """``total`` absences of one kind spread over ``days`` (a day never has more than its lessons)."""
    rows = []
    left = total
    for d in days:
        take = min(left, lessons)
        left -= take
        rows.append(AttendanceDay(pupil=pupil, date=d, lessons=lessons, **{field: take}))
    assert left == 0, "not enough days for the absences"
    AttendanceDay.objects.bulk_create(rows)


def subject() -> Subject:
    return Subject.objects.order_by("pk").first() or Subject.objects.create(code="matematika", name="Matemātika")


def grade(pupil: Pupil, period: Period, *, day: dt.date | None = None, kind: str = "ongoing", **value: object) -> Grade:
    value.setdefault("value_kind", "score")
    return Grade.objects.create(
        pupil=pupil,
        subject=subject(),
        period=period,
        date=day or period.starts_on + dt.timedelta(days=next(_serial) % 60),
        kind=kind,
        **value,
    )


def scores(pupil: Pupil, period: Period, values: list[int]) -> None:
    start = period.starts_on
    Grade.objects.bulk_create(
        Grade(
            pupil=pupil,
            subject=subject(),
            period=period,
            date=start + dt.timedelta(days=i),
            kind="ongoing",
            value_kind="score",
            score=v,
        )
        for i, v in enumerate(values)
    )


def snap(pupil: Pupil, period: Period, window: str = "period") -> SimpleNamespace:
    """One window's indicators of the pupil's snapshot row, under their plain names."""
    return SimpleNamespace(**IndicatorSnapshot.objects.get(pupil=pupil, period=period).in_window(window))


def flags_of(pupil: Pupil) -> set[str]:
    return set(
        Flag.objects.filter(pupil=pupil, status__in=["open", "accepted"], condition_holds=True).values_list(
            "rule", flat=True
        )
    )


def many_pupils(world: World, n: int, *, klass: ClassGroup | None = None) -> list[Pupil]:
    klass = klass or world.lizuma_7a
    base = next(_serial) * 100_000
    pupils = Pupil.objects.bulk_create(
        Pupil(
            personal_code_encrypted="x",
            personal_code_hash=f"bulk-{base + i}",
            first_name="Skolēns",
            last_name=f"Nr{base + i}",
            birth_date=dt.date(world.year.starts_on.year - 13, 5, 5),
            gender="F" if i % 2 else "M",
        )
        for i in range(n)
    )
    Enrolment.objects.bulk_create(
        Enrolment(pupil=p, class_group=klass, institution=klass.institution, starts_on=world.year.starts_on)
        for p in pupils
    )
    return pupils


# --- Attendance -----------------------------------------------------------------------------------


def test_attendance_sums_rate_and_lesson_marks_for_days_without_a_daily_row(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    days = weekdays(period.starts_on, friday)
    anna = world.pupil_lizuma
    attend(anna, days[:-2], lessons=6)
    AttendanceDay.objects.filter(pupil=anna, date=days[0]).update(unjustified=2, illness=1, late=1)
    # Lesson marks: the last two days have no daily row, so their marks count, one lesson each.
    maths = subject()
    marks = [("present", 1), ("unjustified", 2), ("late", 3), ("illness", 4), ("other_justified", 5)]
    AttendanceMark.objects.bulk_create(
        AttendanceMark(pupil=anna, date=d, lesson=n, subject=maths, mark=c[:2], category=c)
        for d in days[-2:]
        for c, n in marks
    )
    # A mark on a day with a daily row never counts twice.
    AttendanceMark.objects.create(pupil=anna, date=days[0], lesson=1, subject=maths, mark="n", category="unjustified")

    result = indicators_refresh(today=friday + dt.timedelta(days=1), period=period)

    s = snap(anna, period)
    lessons = 6 * (len(days) - 2) + 10
    assert (s.lessons, s.unjustified, s.illness, s.other_justified, s.late) == (lessons, 2 + 2, 1 + 2, 2, 1 + 2)
    assert s.attendance_rate == (Decimal(100) * (lessons - 4 - 3 - 2) / lessons).quantize(Decimal("0.01"))
    assert (s.window_start, s.window_end, s.rule_version) == (
        period.starts_on,
        friday + dt.timedelta(days=1),
        RULE_VERSION,
    )
    assert result.pupils == 4
    assert result.snapshots == 4  # one row per pupil, both windows
    # Without lessons there is no rate, not 0 % and not 100 %.
    assert snap(world.pupil_tirzas, period).attendance_rate is None


@pytest.mark.parametrize(
    ("last_data", "refreshed"),
    [
        (0, 1),  # data up to Friday, refreshed on Saturday
        (-1, 0),  # Friday's data not in yet: the window ends on Thursday
        (-2, 3),  # data up to Wednesday, refreshed the next Monday
        (-7, 0),  # a week without data (holiday)
    ],
)
def test_the_4_week_window_ends_at_the_latest_school_day_with_data(
    world: World, last_data: int, refreshed: int
) -> None:
    period = term(world)
    friday = friday_in(period, weeks=10)
    end = friday + dt.timedelta(days=last_data)
    days = weekdays(period.starts_on, end)
    anna = world.pupil_lizuma
    attend(anna, days, lessons=5, unjustified=1)

    result = indicators_refresh(today=friday + dt.timedelta(days=refreshed), period=period)

    s = snap(anna, period, "4w")
    assert (s.window_start, s.window_end) == (end - dt.timedelta(days=27), end)
    assert (result.four_weeks_from, result.four_weeks_to) == (s.window_start, s.window_end)
    inside = [d for d in days if d >= s.window_start]
    assert (s.lessons, s.unjustified) == (5 * len(inside), len(inside))
    assert s.attendance_rate == Decimal("80.00")


def test_the_4_week_window_is_clipped_to_the_semester(world: World) -> None:
    period = term(world)
    end = period.starts_on + dt.timedelta(days=9)
    attend(world.pupil_lizuma, weekdays(period.starts_on, end))
    indicators_refresh(today=end, period=period)
    s = snap(world.pupil_lizuma, period, "4w")
    assert s.window_start == period.starts_on


# --- Grades, incidents, history -------------------------------------------------------------------


def test_grades_failing_nv_average_and_change(world: World) -> None:
    period = term(world)
    before = Period.objects.filter(starts_on__lt=period.starts_on).order_by("-starts_on").first()
    assert before is not None
    anna = world.pupil_lizuma
    scores(anna, before, [8, 8, 7])  # 7.67
    scores(anna, period, [7, 6, 6])  # 6.33: down 1.34
    grade(anna, period, kind="term", score=3)
    grade(anna, period, kind="term", value_kind="failed")
    grade(anna, period, kind="ongoing", value_kind="failed")  # not a term grade
    grade(anna, period, kind="term", score=4)  # 4 is a pass
    grade(anna, period, value_kind="nv")
    grade(anna, period, value_kind="nv")
    grade(anna, period, value_kind="passed")
    grade(anna, period, value_kind="level", level="S")

    indicators_refresh(today=friday_in(period), period=period)

    s = snap(anna, period)
    assert (s.failing_grades, s.nv_count) == (2, 2)
    assert s.average_grade == Decimal("5.20")  # 7, 6, 6, 3, 4 (ongoing and term scores)
    assert s.average_change == Decimal("-2.47")
    assert snap(anna, period, "4w").average_change is None
    assert snap(world.pupil_tirzas, period).average_grade is None


def test_incidents_in_the_semester_and_in_the_4_weeks(world: World) -> None:
    period = term(world)
    friday = friday_in(period, weeks=10)
    attend(world.pupil_lizuma, [friday])
    for day, category in [(period.starts_on, "a"), (friday - dt.timedelta(days=3), "b"), (friday, "c")]:
        Incident.objects.create(pupil=world.pupil_lizuma, date=day, category=category, severity="low")
    indicators_refresh(today=friday, period=period)
    assert snap(world.pupil_lizuma, period).incidents == 3
    assert snap(world.pupil_lizuma, period, "4w").incidents == 2


def test_repeated_grade_over_age_and_school_changes(world: World) -> None:
    period = term(world)
    anna = world.pupil_lizuma
    last_year = SchoolYear.objects.filter(starts_on__lt=world.year.starts_on).order_by("-starts_on").first()
    assert last_year is not None
    old_7a = ClassGroup.objects.create(institution=world.tirzas, school_year=last_year, grade=7, name="7.a")
    Enrolment.objects.create(
        pupil=anna,
        class_group=old_7a,
        institution=world.tirzas,
        starts_on=last_year.starts_on,
        ends_on=world.year.starts_on - dt.timedelta(days=10),
        end_reason="transferred",
    )
    # Born so that she is 15 on the year's first day: grade 7 is usual at 13.
    start = world.year.starts_on
    Pupil.objects.filter(pk=anna.pk).update(birth_date=start.replace(year=start.year - 15))
    Pupil.objects.filter(pk=world.pupil_tirzas.pk).update(
        birth_date=start.replace(year=start.year - 15) + dt.timedelta(days=1)
    )

    indicators_refresh(today=friday_in(period), period=period)

    s = snap(anna, period)
    assert (s.repeated_grade, s.over_age_years, s.school_changes_12m) == (True, 2, 1)
    assert snap(anna, period, "4w").over_age_years == 2
    assert snap(world.pupil_tirzas, period).over_age_years == 1  # 15 tomorrow: still 14
    assert snap(world.pupil_lizuma_8a, period).over_age_years == 0
    assert not snap(world.pupil_lizuma_8a, period).repeated_grade


def test_a_pupil_whose_only_enrolment_ended_in_a_transfer_has_one_school_change(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    Enrolment.objects.filter(pupil=world.pupil_madona).update(
        ends_on=friday - dt.timedelta(days=14), end_reason="transferred"
    )
    indicators_refresh(today=friday, period=period)
    assert snap(world.pupil_madona, period).school_changes_12m == 1
    assert not snap(world.pupil_madona, period).repeated_grade
    assert snap(world.pupil_lizuma, period).school_changes_12m == 0


# --- Whole refresh --------------------------------------------------------------------------------


def _values(period: Period) -> list[tuple[object, ...]]:
    fields = [f.name for f in IndicatorSnapshot._meta.fields if f.name not in {"id", "computed_at"}]
    return list(IndicatorSnapshot.objects.filter(period=period).order_by("pupil_id").values_list(*fields))


def test_refresh_is_idempotent(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    absences_on(world.pupil_lizuma, weekdays(period.starts_on, friday), 25)
    first = indicators_refresh(today=friday, period=period)
    before, flags = _values(period), list(Flag.objects.values_list("pk", "rule", "status", "value"))
    second = indicators_refresh(today=friday, period=period)
    assert _values(period) == before
    assert list(Flag.objects.values_list("pk", "rule", "status", "value")) == flags
    assert (first.flags_raised, second.flags_raised, second.flags_closed) == (1, 0, 0)
    assert IndicatorSnapshot.objects.filter(period=period).count() == 4  # one row per pupil


def test_a_refresh_writes_only_the_snapshots_whose_values_changed(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    days = weekdays(period.starts_on, friday)
    attend(world.pupil_lizuma, days)
    attend(world.pupil_madona, days)
    first = indicators_refresh(today=friday, period=period)
    assert first.snapshots_written == first.snapshots == 4
    stamps = dict(IndicatorSnapshot.objects.filter(period=period).values_list("pk", "computed_at"))

    assert indicators_refresh(today=friday, period=period).snapshots_written == 0
    assert dict(IndicatorSnapshot.objects.filter(period=period).values_list("pk", "computed_at")) == stamps

    # One correction inside the 4 weeks: that pupil's snapshot (both windows) changes, nobody else's.
    AttendanceDay.objects.filter(pupil=world.pupil_lizuma, date=friday).update(unjustified=2)
    third = indicators_refresh(today=friday, period=period)
    assert third.snapshots_written == 1
    after = dict(IndicatorSnapshot.objects.filter(period=period).values_list("pk", "computed_at"))
    changed = {key for key, stamp in after.items() if stamp != stamps[key]}
    assert changed == {(period.pk, world.pupil_lizuma.pk)}
    assert snap(world.pupil_lizuma, period).unjustified == 2
    assert snap(world.pupil_lizuma, period, "4w").unjustified == 2


def test_a_pupil_who_left_before_the_semester_loses_the_snapshots(world: World) -> None:
    period = term(world)
    indicators_refresh(today=friday_in(period), period=period)
    Enrolment.objects.filter(pupil=world.pupil_madona).update(
        starts_on=period.starts_on - dt.timedelta(days=30),
        ends_on=period.starts_on - dt.timedelta(days=1),
        end_reason="moved_abroad",
    )
    result = indicators_refresh(today=friday_in(period), period=period)
    assert result.pupils == 3
    assert not IndicatorSnapshot.objects.filter(pupil=world.pupil_madona, period=period).exists()


def test_the_default_period_is_the_one_containing_today(world: World) -> None:
    period = term(world)
    result = indicators_refresh(today=period.starts_on + dt.timedelta(days=3))
    assert result.period_id == period.pk
    between = term(world, 2).starts_on - dt.timedelta(days=2)
    assert indicators_refresh(today=between).period_id == period.pk
    assert indicators_refresh(today=dt.date(2000, 1, 1)).period_id is None


def _queries(world: World, n: int, django_assert_max_num_queries, period: Period) -> int:
    pupils = many_pupils(world, n)
    friday = friday_in(period)
    days = weekdays(friday - dt.timedelta(days=13), friday)
    AttendanceDay.objects.bulk_create(
        AttendanceDay(pupil=p, date=d, lessons=6, unjustified=(i % 7 == 0) * 6)
        for i, p in enumerate(pupils)
        for d in days
    )
    Incident.objects.bulk_create(Incident(pupil=p, date=friday, category="x", severity="low") for p in pupils[::3])
    Grade.objects.bulk_create(
        Grade(pupil=p, subject=subject(), period=period, date=friday, kind="term", value_kind="score", score=3)
        for p in pupils[::5]
    )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = indicators_refresh(today=friday, period=period)
    assert result.pupils >= n + 4
    assert result.flags_raised > 0
    return len(captured)


def test_refresh_issues_the_same_number_of_queries_for_20_and_200_pupils(
    world: World, django_assert_max_num_queries
) -> None:
    period = term(world)
    small = _queries(world, 20, django_assert_max_num_queries, period)
    Flag.objects.all().delete()
    AttendanceDay.objects.all().delete()
    Incident.objects.all().delete()
    Grade.objects.all().delete()
    large = _queries(world, 200, django_assert_max_num_queries, period)
    assert small == large
    with django_assert_max_num_queries(small):
        indicators_refresh(today=friday_in(period), period=period)


def test_the_command_prints_the_result(world: World) -> None:
    period = term(world)
    out = StringIO()
    call_command(
        "indicators", "refresh", "--period", str(period.pk), "--today", friday_in(period).isoformat(), stdout=out
    )
    assert "pupils 4, snapshots 4" in out.getvalue()
