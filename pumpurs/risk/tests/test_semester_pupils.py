"""The semester's pupil table is cached until its inputs change (decision record 0049)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pumpurs.people.models import ClassGroup, Enrolment, Pupil
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag, IndicatorSnapshot, SemesterPupil
from pumpurs.risk.tests.test_indicators import absences_on, attend, friday_in, term, weekdays
from pumpurs.risk.tests.watch_factories import add_pupil
from pumpurs.world.personas import World


def _refresh_builds(world: World, day: dt.date) -> bool:
    """Whether a refresh as of ``day`` rebuilt the cached pupil table."""
    with CaptureQueriesContext(connection) as captured:
        indicators_refresh(today=day, period=term(world))
    return any(q["sql"].startswith("INSERT INTO risk_semesterpupil") for q in captured.captured_queries)


def test_the_pupil_table_is_built_once_and_kept_while_the_enrolments_stay(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    attend(world.pupil_lizuma, weekdays(period.starts_on, friday))
    assert _refresh_builds(world, friday)
    assert SemesterPupil.objects.filter(period=period).count() == 4
    assert not _refresh_builds(world, friday)
    # A school day later the window's end moves, but no enrolment starts or transfer ends there.
    assert not _refresh_builds(world, friday + dt.timedelta(days=3))


def test_a_new_enrolment_rebuilds_the_pupil_table(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    indicators_refresh(today=friday, period=period)
    klass = ClassGroup.objects.get(pk=Enrolment.objects.get(pupil=world.pupil_lizuma).class_group_id)
    newcomer = add_pupil(world, klass, "Jānis", "Jaunais")
    assert _refresh_builds(world, friday)
    assert SemesterPupil.objects.filter(period=period, pupil=newcomer).exists()
    assert IndicatorSnapshot.objects.filter(period=period, pupil=newcomer).exists()


def test_an_ended_enrolment_rebuilds_it_and_the_pupil_loses_the_snapshot(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    indicators_refresh(today=friday, period=period)
    Enrolment.objects.filter(pupil=world.pupil_madona).update(
        starts_on=period.starts_on - dt.timedelta(days=30),
        ends_on=period.starts_on - dt.timedelta(days=1),
        end_reason="moved_abroad",
    )
    assert _refresh_builds(world, friday)
    assert not SemesterPupil.objects.filter(period=period, pupil=world.pupil_madona).exists()
    assert not IndicatorSnapshot.objects.filter(period=period, pupil=world.pupil_madona).exists()


def test_a_birth_date_rebuilds_it(world: World) -> None:
    period = term(world)
    friday = friday_in(period)
    indicators_refresh(today=friday, period=period)
    start = world.year.starts_on
    Pupil.objects.filter(pk=world.pupil_tirzas.pk).update(birth_date=start.replace(year=start.year - 20))
    assert _refresh_builds(world, friday)
    assert IndicatorSnapshot.objects.get(period=period, pupil=world.pupil_tirzas).over_age_years > 0


def test_a_transfer_the_window_reaches_rebuilds_it(world: World) -> None:
    """A transfer dated after the window's end counts only once the window gets there."""
    period = term(world)
    friday = friday_in(period)
    monday = friday + dt.timedelta(days=3)
    Enrolment.objects.filter(pupil=world.pupil_madona).update(ends_on=monday, end_reason="transferred")
    indicators_refresh(today=friday, period=period)
    assert IndicatorSnapshot.objects.get(period=period, pupil=world.pupil_madona).school_changes_12m == 0
    assert _refresh_builds(world, monday)
    assert IndicatorSnapshot.objects.get(period=period, pupil=world.pupil_madona).school_changes_12m == 1


def test_force_trusts_no_cache_and_evaluates_every_flag(world: World) -> None:
    """A flag edited in place outside the refresh stays as edited while its pupil's snapshot does
    not change (only changed rows are evaluated); ``--force`` evaluates every pupil again."""
    period = term(world)
    friday = friday_in(period)
    absences_on(world.pupil_lizuma, weekdays(period.starts_on, friday), 25)
    indicators_refresh(today=friday, period=period)
    flag = Flag.objects.get(pupil=world.pupil_lizuma, rule="unjustified_semester")
    Flag.objects.filter(pk=flag.pk).update(value=Decimal(1))
    indicators_refresh(today=friday, period=period)
    assert Flag.objects.get(pk=flag.pk).value == Decimal(1)
    indicators_refresh(today=friday, period=period, everything=True)
    assert Flag.objects.get(pk=flag.pk).value == Decimal(25)


def test_a_window_moved_across_an_enrolment_recomputes_only_its_pupil(world: World) -> None:
    """The window's end reaching a newcomer's first day recomputes the newcomer's row, not the
    whole table: another pupil's row (edited here by hand to tell) stays as it was."""
    period = term(world)
    friday = friday_in(period)
    monday = friday + dt.timedelta(days=3)
    klass = ClassGroup.objects.get(pk=Enrolment.objects.get(pupil=world.pupil_lizuma).class_group_id)
    newcomer = add_pupil(world, klass, "Jānis", "Jaunais")
    Enrolment.objects.filter(pupil=newcomer).update(starts_on=monday)
    indicators_refresh(today=friday, period=period)
    assert not SemesterPupil.objects.filter(period=period, pupil=newcomer).exists()
    SemesterPupil.objects.filter(period=period, pupil=world.pupil_lizuma).update(over_age_years=7)
    assert _refresh_builds(world, monday)
    assert SemesterPupil.objects.filter(period=period, pupil=newcomer).exists()
    assert IndicatorSnapshot.objects.filter(period=period, pupil=newcomer).exists()
    assert SemesterPupil.objects.get(period=period, pupil=world.pupil_lizuma).over_age_years == 7
    # Back to Friday: the newcomer's enrolment has not started yet, so they leave the semester.
    assert _refresh_builds(world, friday)
    assert not SemesterPupil.objects.filter(period=period, pupil=newcomer).exists()
    assert not IndicatorSnapshot.objects.filter(period=period, pupil=newcomer).exists()
    assert SemesterPupil.objects.get(period=period, pupil=world.pupil_lizuma).over_age_years == 7
