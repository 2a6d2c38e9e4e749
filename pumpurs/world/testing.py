"""The test clock (tests only: it imports the dev dependency ``time-machine``).

Every test runs with the process clock at 10:00 (Riga) on a fixed day — ``SCHOOL_DAY`` unless the
test parametrises conftest.py's ``today`` fixture — so nothing in the suite reads the real
calendar (decision record 0013). time-machine moves the clock of the whole process
(``timezone.now``, ``date.today``, the live server's thread).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pumpurs.world.personas import CALENDAR_DAYS

RIGA = ZoneInfo("Europe/Riga")

# Parametrises a test (or, as ``pytestmark``, a module) over the calendar's telling days: a school
# day, the last day of semester 1, the Christmas break, the first day of semester 2, the last
# school day and mid-summer.
on_calendar_days = pytest.mark.parametrize("today", list(CALENDAR_DAYS.values()), ids=list(CALENDAR_DAYS))


def on_day(day: dt.date, name: str) -> pytest.MarkDecorator:
    """Runs a test (or, as ``pytestmark``, a module) on ``day`` instead of ``SCHOOL_DAY``."""
    return pytest.mark.parametrize("today", [day], ids=[name])


def at_ten(day: dt.date) -> time_machine.travel:
    """A traveller to 10:00 on ``day``, ticking from there; for fixtures wider than one test,
    which conftest.py's autouse ``clock`` does not cover."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=RIGA), tick=True)
