"""A killed import does not stay "running" forever (issue 17, M6): its heartbeat stops, the page
says it was interrupted at once, and the scheduled job records it, audited. On PostgreSQL the
import's transaction bounds its statements and has the server watch for its client."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.heartbeat import Heartbeat, import_batches_reap, last_beat, progress_path
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_actor, import_batch_create, import_batch_run
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.imports.tests.test_views import client_for
from pumpurs.world.personas import World


def running(world: World, tmp_path: Path, *, started_ago: dt.timedelta) -> ImportBatch:
    """A batch a worker took and then lost: status running, submitted ``started_ago``."""
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=False,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", created_at=timezone.now() - started_ago)
    batch.refresh_from_db()
    return batch


def beat_at(batch: ImportBatch, when: dt.datetime) -> None:
    progress_path(batch).parent.mkdir(parents=True, exist_ok=True)
    progress_path(batch).write_text(json.dumps({"rows": 7, "at": when.isoformat()}), encoding="utf-8")


def test_a_batch_whose_worker_died_is_marked_interrupted_once_and_audited(world: World, tmp_path: Path) -> None:
    now = timezone.now()
    lost = running(world, tmp_path, started_ago=dt.timedelta(hours=1))
    beat_at(lost, now - dt.timedelta(minutes=10))
    silent = running(world, tmp_path, started_ago=dt.timedelta(hours=1))  # died before its first beat
    alive = running(world, tmp_path, started_ago=dt.timedelta(hours=1))
    beat_at(alive, now - dt.timedelta(seconds=20))  # a long merge, heartbeat still going
    young = running(world, tmp_path, started_ago=dt.timedelta(seconds=30))  # just taken, no beat yet

    assert import_batches_reap(now=now) == 2

    statuses = {b.pk: b.status for b in ImportBatch.objects.all()}
    assert statuses == {lost.pk: "interrupted", silent.pk: "interrupted", alive.pk: "running", young.pk: "running"}
    assert not progress_path(lost).exists()
    events = AuditEvent.objects.filter(action="imports.batch.interrupted")
    assert events.count() == 2
    assert {e.actor_username for e in events} == {"system:import-reaper"}
    assert sorted(e.data["last_heartbeat"] is None for e in events) == [False, True]
    assert import_batches_reap(now=now) == 0, "idempotent"


def test_the_page_says_interrupted_before_the_job_has_run(world: World, tmp_path: Path) -> None:
    lost = running(world, tmp_path, started_ago=dt.timedelta(hours=1))
    page = client_for(world.coordinator_lizuma).get(reverse("import_detail", args=[lost.public_id]))
    body = page.content.decode()
    assert page.context["interrupted"] is True
    assert page.context["pending"] is False
    assert "pārtraukts" in body  # "interrupted"
    assert "import-progress.js" not in body, "no progress bar for a batch nobody works on"


def test_the_heartbeat_beats_on_its_own_while_the_import_works(world: World, tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    with Heartbeat(path, interval=0.05) as heartbeat:
        first = json.loads(path.read_text())["at"]
        heartbeat.beat(42)
        deadline = time.monotonic() + 5
        while json.loads(path.read_text())["at"] == first and time.monotonic() < deadline:
            time.sleep(0.02)  # the test clock ticks: a new beat has a later time
        assert json.loads(path.read_text())["rows"] == 42
        assert json.loads(path.read_text())["at"] != first
    assert not path.exists(), "a finished batch leaves no heartbeat behind"


def test_a_run_beats_while_it_works_and_leaves_no_heartbeat(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    beats: list[dt.datetime | None] = []
    import_batch_run(batch, actor=import_batch_actor(batch), on_progress=lambda rows: beats.append(last_beat(batch)))
    assert beats
    assert all(beat is not None for beat in beats)
    assert last_beat(batch) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_the_import_transaction_bounds_statements_and_watches_its_client(
    world: World, tmp_path: Path, settings
) -> None:
    settings.PUMPURS_IMPORT_STATEMENT_SECONDS = 123
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    seen: list[tuple[str, str]] = []

    def look(_rows: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), current_setting('client_connection_check_interval')"
            )
            seen.append(cursor.fetchone())

    import_batch_run(batch, actor=import_batch_actor(batch), on_progress=look)
    assert seen
    assert seen[0] == ("123s", "5s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] != "123s", "only the import's own transaction"
