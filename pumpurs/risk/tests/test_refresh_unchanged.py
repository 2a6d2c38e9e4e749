"""A refresh with nothing to do (issue 18, item 3; decision 0032): no input written since the last
refresh and the same window — it reads no fact, writes nothing and says so. Any write of an input
the audit trail records, or a day later, and it computes again."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import SystemActor
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import IndicatorSnapshot, RefreshMark
from pumpurs.risk.tests.test_indicators import attend, friday_in, term, weekdays
from pumpurs.world.personas import World

ACTOR = SystemActor(name="system:test")


def snapshots() -> list[tuple[object, ...]]:
    return list(IndicatorSnapshot.objects.order_by("pk").values_list("pk", "computed_at", "attendance_rate"))


def refresh(world: World, day: dt.date) -> object:
    return indicators_refresh(today=day, period=term(world), skip_unchanged=True)


@pytest.fixture
def refreshed(world: World) -> dt.date:
    period = term(world)
    day = friday_in(period)
    attend(world.pupil_lizuma, weekdays(period.starts_on, day), unjustified=1)
    first = refresh(world, day)
    assert not first.unchanged
    assert first.snapshots_written > 0
    return day


def test_a_second_refresh_reads_no_fact_and_writes_nothing(world: World, refreshed: dt.date) -> None:
    before = snapshots()
    mark = RefreshMark.objects.get(period=term(world))
    with CaptureQueriesContext(connection) as queries:
        second = refresh(world, refreshed)
    assert second.unchanged
    assert second.snapshots_written == 0
    assert "nothing to do" in str(second)
    assert (second.pupils, second.four_weeks_to) == (mark.pupils, mark.four_weeks_to)
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in statements if "journal_" in s], "no fact aggregation"
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(statements) <= 8, statements
    assert snapshots() == before


@pytest.mark.parametrize(
    "action",
    [
        "imports.batch.applied",
        "people.enrolment.started",
        "people.pupil.updated",
        "risk.flag.dismissed",
        "risk.threshold.set",
        "privacy.pupil.erased",
        "privacy.retention.applied",
    ],
)
def test_a_written_input_refreshes_again(world: World, refreshed: dt.date, action: str) -> None:
    with transaction.atomic():
        audit_record(actor=ACTOR, action=action, data={})
    assert not refresh(world, refreshed).unchanged
    assert refresh(world, refreshed).unchanged  # and then there is nothing new again


def test_a_read_is_no_input(world: World, refreshed: dt.date) -> None:
    with transaction.atomic():
        audit_record(actor=ACTOR, action="people.pupil.viewed", pupil_id=world.pupil_lizuma.pk, data={})
    assert refresh(world, refreshed).unchanged


def test_a_day_later_the_window_moves_and_it_computes(world: World, refreshed: dt.date) -> None:
    later = refresh(world, refreshed + dt.timedelta(days=3))
    assert not later.unchanged
    assert later.period_to == refreshed + dt.timedelta(days=3)


def test_without_skip_and_with_force_it_always_computes(world: World, refreshed: dt.date) -> None:
    assert not indicators_refresh(today=refreshed, period=term(world)).unchanged
    out = StringIO()
    call_command("indicators", "refresh", "--today", refreshed.isoformat(), stdout=out)
    assert "nothing to do" in out.getvalue()
    out = StringIO()
    call_command("indicators", "refresh", "--today", refreshed.isoformat(), "--force", stdout=out)
    assert "nothing to do" not in out.getvalue()
    assert "snapshots" in out.getvalue()
