"""School years from 2024/25 to the current one: regulation dates where known, else estimated."""

from __future__ import annotations

import datetime as dt

import pytest

from pumpurs.people.calendar import current_school_year, estimated_year, school_year_start_for, school_years_ensure
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
    assert current_school_year(dt.date(2026, 11, 28)) == SchoolYear.objects.get(name="2026/27")


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
