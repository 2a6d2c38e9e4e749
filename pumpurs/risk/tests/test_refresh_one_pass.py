"""The rules are evaluated in the compare statement, and the flags read the changed rows whenever
they are the whole semester (decision record 0049): the same flags, fewer passes."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag
from pumpurs.risk.tests.test_indicators import absences_on, attend, friday_in, term, weekdays
from pumpurs.world.personas import World


def _candidates_read(world: World, day: dt.date) -> str:
    """The statement that made the refresh's flag candidates, as run."""
    with CaptureQueriesContext(connection) as captured:
        indicators_refresh(today=day, period=term(world))
    (sql,) = [q["sql"] for q in captured.captured_queries if "CREATE TEMP TABLE risk_tmp_candidates" in q["sql"]]
    return sql


def test_the_first_and_the_next_day_read_the_rules_from_the_changed_rows(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    absences_on(world.pupil_lizuma, weekdays(period.starts_on, friday), 25)
    attend(world.pupil_madona, weekdays(period.starts_on, friday))
    # The first refresh: every pupil's row is new, so the rules read them where the compare left
    # them, as the booleans it computed, not the snapshot table.
    first = _candidates_read(world, friday)
    assert "FROM risk_tmp_changed s" in first
    assert "s.f_unjustified_semester" in first
    assert "FROM risk_indicatorsnapshot s" not in first
    assert Flag.objects.filter(pupil=world.pupil_lizuma, rule="unjustified_semester", condition_holds=True).exists()
    # A school day later every window moved: the same again, and the flags hold as they did.
    monday = friday + dt.timedelta(days=3)
    later = _candidates_read(world, monday)
    assert "FROM risk_tmp_changed s" in later
    assert "s.f_unjustified_semester" in later
    assert Flag.objects.filter(pupil=world.pupil_lizuma, rule="unjustified_semester", condition_holds=True).count() == 1
    assert not Flag.objects.filter(pupil=world.pupil_madona).exists()
