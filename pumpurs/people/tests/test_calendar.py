"""School years from 2024/25 to the current one: regulation dates where known, else estimated."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from pumpurs.people.calendar import (
    CalendarDay,
    Phase,
    calendar_on,
    estimated_year,
    is_weekday,
    planning_semester_on,
    school_year_on,
    school_year_start_for,
    school_years_ensure,
    semester_on,
    weekday_on_or_before,
    weekdays_between,
)
from pumpurs.people.models import Period, SchoolYear


@pytest.mark.django_db
def test_years_up_to_the_current_one_with_regulation_dates_for_2024() -> None:
    school_years_ensure(today=dt.date(2026, 11, 28))
    assert list(SchoolYear.objects.values_list("name", flat=True)) == ["2024/25", "2025/26", "2026/27"]
    y2024 = SchoolYear.objects.get(name="2024/25")
    assert (y2024.starts_on, y2024.ends_on, y2024.is_estimated) == (dt.date(2024, 9, 2), dt.date(2025, 5, 30), False)
    sem = {p.number: p for p in y2024.periods.all()}
    assert sem[1].ends_on == dt.date(2024, 12, 20)
    assert sem[2].starts_on == dt.date(2025, 1, 6)
    assert SchoolYear.objects.get(name="2026/27").is_estimated is True
    assert school_year_on(dt.date(2026, 11, 28)) == SchoolYear.objects.get(name="2026/27")


@pytest.mark.django_db
def test_ensure_is_idempotent_and_keeps_corrections() -> None:
    school_years_ensure(today=dt.date(2026, 11, 28))
    SchoolYear.objects.filter(name="2026/27").update(ends_on=dt.date(2027, 5, 28), is_estimated=False)
    school_years_ensure(today=dt.date(2026, 11, 28))
    assert SchoolYear.objects.count() == 3
    assert Period.objects.count() == 6
    assert SchoolYear.objects.get(name="2026/27").ends_on == dt.date(2027, 5, 28)


def test_estimated_pattern_avoids_weekends() -> None:
    d = estimated_year(2026)  # 1 Sept 2026 is a Tuesday
    assert d.starts_on == dt.date(2026, 9, 1)
    assert d.semester1_ends_on.weekday() == 4
    assert d.semester1_ends_on <= dt.date(2026, 12, 22)
    assert d.semester2_starts_on.weekday() == 0
    assert d.ends_on.weekday() == 4
    assert d.ends_on.month == 5
    assert estimated_year(2029).starts_on == dt.date(2029, 9, 3)  # 1 Sept 2029 is a Saturday


def test_summer_belongs_to_the_year_just_ended() -> None:
    assert school_year_start_for(dt.date(2027, 7, 15)) == 2026
    assert school_year_start_for(dt.date(2027, 8, 20)) == 2027


# --- Which semester is it? ---------------------------------------------------------------------------

# The telling days of 2026/27 (estimated: 1.9.2026 – 18.12.2026, 11.1.2027 – 28.5.2027; the same
# as the suite's CALENDAR_DAYS) with the phase, the semester a page speaks of and the semester plans
# are drawn up for.
EXPECTED = {
    "school_day": (dt.date(2026, 11, 12), Phase.IN_SEMESTER, "1. semestris (2026/27)", "1. semestris (2026/27)"),
    "last_day_of_semester_1": (
        dt.date(2026, 12, 18),
        Phase.IN_SEMESTER,
        "1. semestris (2026/27)",
        "1. semestris (2026/27)",
    ),
    "christmas_break": (dt.date(2026, 12, 28), Phase.BREAK, "1. semestris (2026/27)", "2. semestris (2026/27)"),
    "first_day_of_semester_2": (
        dt.date(2027, 1, 11),
        Phase.IN_SEMESTER,
        "2. semestris (2026/27)",
        "2. semestris (2026/27)",
    ),
    "last_school_day": (dt.date(2027, 5, 28), Phase.IN_SEMESTER, "2. semestris (2026/27)", "2. semestris (2026/27)"),
    "mid_summer": (dt.date(2027, 7, 15), Phase.SUMMER, "2. semestris (2026/27)", "1. semestris (2027/28)"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_telling_day_has_one_answer_looking_back_and_one_looking_ahead(name: str) -> None:
    day, phase, back, ahead = EXPECTED[name]
    school_years_ensure(today=day)
    answer = calendar_on(day)
    assert (answer.phase, str(answer.semester), str(answer.planning)) == (phase, back, ahead)
    assert answer.semester == semester_on(day)
    assert answer.planning == planning_semester_on(day)
    assert answer.in_semester is (phase == Phase.IN_SEMESTER)
    assert school_year_on(day) == SchoolYear.objects.get(name="2026/27")


@pytest.mark.django_db
def test_before_the_first_semester_there_is_nothing_to_look_back_at() -> None:
    assert calendar_on(dt.date(2026, 11, 12)) == CalendarDay(dt.date(2026, 11, 12), Phase.BEFORE, None, None)
    school_years_ensure(today=dt.date(2024, 10, 1))
    answer = calendar_on(dt.date(2024, 8, 20))
    assert (answer.phase, answer.semester, str(answer.planning)) == (Phase.BEFORE, None, "1. semestris (2024/25)")


@pytest.mark.django_db
def test_from_june_the_next_school_year_is_there_to_plan_for() -> None:
    school_years_ensure(today=dt.date(2027, 5, 31))
    assert not SchoolYear.objects.filter(name="2027/28").exists()
    assert planning_semester_on(dt.date(2027, 6, 1)) is None  # pages then say who sets it up
    school_years_ensure(today=dt.date(2027, 6, 1))
    assert str(planning_semester_on(dt.date(2027, 6, 1))) == "1. semestris (2027/28)"
    assert school_year_on(dt.date(2027, 7, 15)) == SchoolYear.objects.get(name="2026/27")


def test_weekday_helpers_agree_with_counting_day_by_day() -> None:
    start = dt.date(2026, 12, 1)
    for offset in range(40):
        day = start + dt.timedelta(days=offset)
        latest = day
        while latest.weekday() >= 5:
            latest -= dt.timedelta(days=1)
        assert weekday_on_or_before(day) == latest
        assert is_weekday(day) is (day.weekday() < 5)
        for floor_offset in range(-3, 3):
            floor = day + dt.timedelta(days=floor_offset)
            expected = day
            while expected.weekday() >= 5 and expected > floor:
                expected -= dt.timedelta(days=1)
            assert weekday_on_or_before(day, floor) == expected, (day, floor)
        by_hand = sum(1 for n in range(offset + 1) if (start + dt.timedelta(days=n)).weekday() < 5)
        assert weekdays_between(start, day) == by_hand
    assert weekdays_between(dt.date(2026, 12, 7), dt.date(2026, 12, 6)) == 0


@pytest.mark.django_db
def test_a_fresh_installation_gets_the_current_and_the_next_year_from_the_command() -> None:
    # The clock is pinned to 12.11.2026 (conftest.py): a school day of 2026/27.
    out = io.StringIO()
    call_command("calendar", "ensure", stdout=out)
    assert list(SchoolYear.objects.values_list("name", flat=True)) == ["2024/25", "2025/26", "2026/27", "2027/28"]
    assert SchoolYear.objects.get(name="2027/28").is_estimated is True
    assert Period.objects.filter(school_year__name="2027/28").count() == 2
    assert "2024/25, 2025/26, 2026/27, 2027/28" in out.getvalue()
    # Twice: nothing new.
    out = io.StringIO()
    call_command("calendar", "ensure", stdout=out)
    assert SchoolYear.objects.count() == 4
    assert Period.objects.count() == 8


@pytest.mark.django_db
def test_without_include_next_a_school_day_ensures_only_up_to_the_current_year() -> None:
    school_years_ensure(today=dt.date(2026, 11, 12))
    assert not SchoolYear.objects.filter(name="2027/28").exists()
    school_years_ensure(today=dt.date(2026, 11, 12), include_next=True)
    assert SchoolYear.objects.filter(name="2027/28").exists()
