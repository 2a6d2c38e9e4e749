"""After fact imports: one refresh covers every batch committed before it; none is left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pumpurs.imports.facts import facts_after_import
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_actor, import_batch_create, import_batch_run, import_operator
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Pupil
from pumpurs.risk.models import IndicatorSnapshot
from pumpurs.risk.tests.test_indicators import term
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


def _day() -> dt.date:
    """A weekday of the semester a refresh today covers, on or before today."""
    today = timezone.localdate()
    period = semester_on(today)
    assert period is not None, "the test world has a semester before today"
    day = min(today, period.ends_on)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _applied(tmp_path: Path, name: str, pupil: Pupil, unjustified: int, **by: object) -> ImportBatch:
    """An applied attendance batch whose on-commit task has not run yet (the worker is busy)."""
    day = _day()
    path = write_csv(tmp_path / name, [HEADER, [pupil.personal_code, day.isoformat(), 6, unjustified, 0, 0, 0]])
    who = {"actor": import_operator(institution=None), "institution": None} | by
    batch = import_batch_create(kind="attendance", path=path, filename=name, dry_run=False, **who)
    actor = who["actor"] if batch.actor is None else import_batch_actor(batch)
    assert (
        import_batch_run(batch, actor=actor, today=max(day, timezone.localdate())).status == ImportBatch.Status.APPLIED
    )
    batch.refresh_from_db()
    assert batch.risk_refreshed_at is None
    return batch


def _refreshes(captured: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("CREATE TEMP TABLE risk_tmp_changed") for q in captured.captured_queries)


def _unjustified(pupil: Pupil) -> int:
    return IndicatorSnapshot.objects.get(pupil=pupil).unjustified


def test_one_refresh_covers_every_batch_committed_before_it(world: World, tmp_path: Path) -> None:
    first = _applied(tmp_path, "a.csv", world.pupil_lizuma, 2)
    second = _applied(tmp_path, "b.csv", world.pupil_madona, 3)

    with CaptureQueriesContext(connection) as captured:
        done = facts_after_import.call(first.pk)
    assert _refreshes(captured) == 1
    assert "batches covered 2" in done
    assert (_unjustified(world.pupil_lizuma), _unjustified(world.pupil_madona)) == (2, 3)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.risk_refreshed_at is not None
    assert second.risk_refreshed_at == first.risk_refreshed_at

    # The second batch's own task finds its facts already taken in: no second national refresh.
    with CaptureQueriesContext(connection) as captured:
        done = facts_after_import.call(second.pk)
    assert _refreshes(captured) == 0
    assert done == f"batch {second.pk}: already covered by an earlier refresh"
    assert facts_after_import.call(first.pk).endswith("already covered by an earlier refresh")


def test_a_batch_committed_after_a_refresh_gets_its_own(world: World, tmp_path: Path) -> None:
    first = _applied(tmp_path, "a.csv", world.pupil_lizuma, 2)
    facts_after_import.call(first.pk)
    ImportBatch.objects.filter(pk=first.pk).update(risk_refreshed_at=timezone.now() - dt.timedelta(minutes=5))

    later = _applied(tmp_path, "b.csv", world.pupil_lizuma, 5)  # a correction of the same day
    with CaptureQueriesContext(connection) as captured:
        done = facts_after_import.call(later.pk)
    assert _refreshes(captured) == 1
    assert "batches covered 1" in done
    assert _unjustified(world.pupil_lizuma) == 5
    first.refresh_from_db()
    assert first.risk_refreshed_at < timezone.now() - dt.timedelta(minutes=4), "covered batches are not re-marked"


def test_the_batch_page_says_whether_the_indicators_have_taken_the_data_in(world: World, tmp_path: Path) -> None:
    from django.test import Client
    from django.urls import reverse

    batch = _applied(tmp_path, "a.csv", world.pupil_lizuma, 2, actor=world.coordinator_lizuma, institution=world.lizuma)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator_lizuma)
    url = reverse("import_detail", args=[batch.public_id])
    assert "will be refreshed with this data shortly" in client.get(url).content.decode()
    facts_after_import.call(batch.pk)
    assert "The indicators and flags were refreshed with this data at" in client.get(url).content.decode()


def test_an_applied_attendance_import_refreshes_indicators_on_commit(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    period = term(world)
    today = world.today
    day = min(today, period.ends_on) if today >= period.starts_on else period.starts_on
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"],
            [world.pupil_lizuma.personal_code, day.isoformat(), 6, 6, 0, 0, 0],
        ],
    )
    operator = import_operator(institution=None)
    batch = import_batch_create(
        actor=operator, kind="attendance", path=path, filename="a.csv", institution=None, dry_run=False
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert import_batch_run(batch, actor=operator, today=max(day, today)).status == "applied"
    assert len(callbacks) == 1
    assert IndicatorSnapshot.objects.filter(pupil=world.pupil_lizuma).exists()
