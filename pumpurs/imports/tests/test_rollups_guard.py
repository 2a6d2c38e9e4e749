"""The refresh never reads rollups that were not built (decision 0050, "the guard").

A semester's rollups are read only while it is marked built (``RollupBuilt``): by
``rebuild-rollups``, or by the upkeep's first write into it, which builds it from all its facts.
A write of facts while the setting is off removes the marks. So turning the setting on over
facts written without it gives the facts' results, never the rollups' partial ones."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from pumpurs.imports.tests.test_rollups import expected, kept
from pumpurs.journal.models import AttendanceDay, AttendanceWeek, Grade, RollupBuilt, Subject
from pumpurs.journal.rollups import keep_rollups, rollups_readable, rollups_rebuild
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import IndicatorSnapshot
from pumpurs.risk.tests.test_indicators import attend, friday_in, term, weekdays
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def _refresh(world: World, day: dt.date) -> tuple[int, int, int]:
    period = term(world)
    indicators_refresh(today=day, period=period, skip_unchanged=False)
    snapshot = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period)
    return snapshot.lessons, snapshot.unjustified, snapshot.w4_unjustified


def test_the_setting_turned_on_over_facts_written_without_it(world: World, settings: Any) -> None:
    period = term(world)
    last = friday_in(period)
    days = weekdays(period.starts_on, last)
    anna = world.pupil_lizuma

    # Facts written while the setting is off: the writer's call keeps nothing.
    settings.PUMPURS_FACT_ROLLUPS = False
    attend(anna, days[:-1], unjustified=1)
    assert keep_rollups("attendance", [(anna.pk, d) for d in days[:-1]]).rows_written == 0
    assert not AttendanceWeek.objects.exists()

    # Turned on: no mark, so the refresh reads the facts, not the empty rollups.
    settings.PUMPURS_FACT_ROLLUPS = True
    assert not rollups_readable(period.pk, None)
    n = len(days) - 1
    assert _refresh(world, last) == (6 * n, n, 20)
    with pytest.raises(CommandError, match="rebuild-rollups") as refused:
        call_command("indicators", "check-rollups", "--period", str(period.pk), stdout=StringIO())
    assert refused.value.returncode == 1

    # The first write with the setting on builds the semester from all its facts, not from its own day.
    attend(anna, days[-1:], unjustified=2)
    keep_rollups("attendance", [(anna.pk, days[-1])])
    assert RollupBuilt.objects.filter(period=period, kind="attendance").exists()
    assert kept("attendance") == expected("attendance")
    rollups_rebuild(period=period, kinds=("grades",))
    assert rollups_readable(period.pk, None)
    assert _refresh(world, last) == (6 * (n + 1), n + 2, 21)

    # Off again, a correction written: the marks go, the refresh reads the facts once more.
    settings.PUMPURS_FACT_ROLLUPS = False
    AttendanceDay.objects.filter(pupil=anna, date=days[0]).update(unjustified=4)
    keep_rollups("attendance", [(anna.pk, days[0])])
    settings.PUMPURS_FACT_ROLLUPS = True
    assert not rollups_readable(period.pk, None)
    assert _refresh(world, last) == (6 * (n + 1), n + 5, 21)

    # rebuild-rollups marks it again; the check then passes.
    call_command("indicators", "rebuild-rollups", "--period", str(period.pk), stdout=StringIO())
    assert rollups_readable(period.pk, None)
    call_command("indicators", "check-rollups", "--period", str(period.pk), stdout=StringIO())
    assert _refresh(world, last) == (6 * (n + 1), n + 5, 21)


def test_the_previous_semesters_grades_must_be_built_too(world: World, settings: Any) -> None:
    settings.PUMPURS_FACT_ROLLUPS = True
    first, second = term(world, 1), term(world, 2)
    rollups_rebuild(period=second)
    assert rollups_readable(second.pk, first.pk)  # the first semester has no grades: nothing to read
    subject = Subject.objects.create(code="guard", name="Guard")
    Grade.objects.create(
        pupil=world.pupil_lizuma, subject=subject, period=first, date=first.starts_on + dt.timedelta(days=3),
        kind="ongoing", value_kind="score", score=7,
    )  # fmt: skip
    assert not rollups_readable(second.pk, first.pk)
    rollups_rebuild(period=first, kinds=("grades",))
    assert rollups_readable(second.pk, first.pk)
