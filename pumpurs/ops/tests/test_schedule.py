"""When each job is due next: daily times in Riga's time (summer and winter), intervals, off."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from pumpurs.core.env import env_schedule
from pumpurs.ops.schedule import Schedule

RIGA = ZoneInfo("Europe/Riga")


def riga(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=RIGA)


def test_a_daily_job_is_due_from_its_time_until_the_next_days_time() -> None:
    refresh = Schedule("05:30")
    assert refresh.due_slot(riga(2026, 11, 12, 10, 0)) == riga(2026, 11, 12, 5, 30)
    assert refresh.next_slot(riga(2026, 11, 12, 10, 0)) == riga(2026, 11, 13, 5, 30)
    # Before 05:30 the due slot is yesterday's and the next one today's.
    assert refresh.due_slot(riga(2026, 11, 12, 5, 29)) == riga(2026, 11, 11, 5, 30)
    assert refresh.next_slot(riga(2026, 11, 12, 5, 29)) == riga(2026, 11, 12, 5, 30)
    assert refresh.due_slot(riga(2026, 11, 12, 5, 30)) == riga(2026, 11, 12, 5, 30)


def test_a_daily_time_is_riga_time_in_summer_and_in_winter() -> None:
    calendar = Schedule("00:15")
    # 00:15 Riga is 21:15 UTC in summer (UTC+3) and 22:15 UTC in winter (UTC+2).
    assert calendar.due_slot(riga(2027, 7, 15, 10, 0)).astimezone(dt.UTC).hour == 21
    assert calendar.due_slot(riga(2026, 12, 28, 10, 0)).astimezone(dt.UTC).hour == 22
    # The night the clocks go back (25.10.2026) still has one 00:15, and the next day one too.
    assert calendar.next_slot(riga(2026, 10, 25, 0, 30)) == riga(2026, 10, 26, 0, 15)


def test_an_interval_job_is_due_every_n_minutes_on_the_clock() -> None:
    notices = Schedule("*/10")
    assert notices.due_slot(riga(2026, 11, 12, 10, 7, 30)) == riga(2026, 11, 12, 10, 0)
    assert notices.next_slot(riga(2026, 11, 12, 10, 7, 30)) == riga(2026, 11, 12, 10, 10)
    assert notices.due_slot(riga(2026, 11, 12, 10, 10)) == riga(2026, 11, 12, 10, 10)


def test_a_job_switched_off_is_never_due() -> None:
    assert Schedule("off").due_slot(riga(2026, 11, 12, 10, 0)) is None
    assert Schedule("off").next_slot(riga(2026, 11, 12, 10, 0)) is None


@pytest.mark.parametrize("value", ["24:00", "5:30", "*/0", "*/1441", "daily", ""])
def test_a_malformed_schedule_stops_start_up(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PUMPURS_SCHEDULE", f"indicators={value}")
    with pytest.raises(ImproperlyConfigured, match="PUMPURS_SCHEDULE"):
        env_schedule("PUMPURS_SCHEDULE", {"indicators": "05:30"})
    with pytest.raises(ValueError, match="Not a schedule"):
        Schedule(value)


def test_an_unknown_job_stops_start_up_and_named_jobs_override_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUMPURS_SCHEDULE", "reports=05:00")
    with pytest.raises(ImproperlyConfigured, match="reports"):
        env_schedule("PUMPURS_SCHEDULE", {"indicators": "05:30"})
    monkeypatch.setenv("PUMPURS_SCHEDULE", " notices=*/5 , plans=off ")
    assert env_schedule("PUMPURS_SCHEDULE", {"indicators": "05:30", "notices": "*/10", "plans": "05:45"}) == {
        "indicators": "05:30",
        "notices": "*/5",
        "plans": "off",
    }
