"""Queued batches run in the worker; old files are purged, their records and audit kept."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_create, import_operator
from pumpurs.imports.tasks import import_batch_process
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World


def test_queued_batch_is_processed_once(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=False,
    )
    assert batch.status == ImportBatch.Status.QUEUED
    assert import_batch_process.call(batch.pk) == "applied"
    assert AttendanceDay.objects.count() == 3
    assert import_batch_process.call(batch.pk) == "applied"  # a retry does nothing
    assert AuditEvent.objects.filter(action="imports.batch.applied").count() == 1


def test_purge_deletes_old_files_but_keeps_the_record(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=import_operator(institution=None),
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=None,
        dry_run=True,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    out = StringIO()
    call_command("imports_purge", stdout=out)
    batch.refresh_from_db()
    assert batch.file  # dry run by default
    call_command("imports_purge", "--apply", stdout=out)
    batch.refresh_from_db()
    assert not batch.file
    assert batch.sha256
    assert AuditEvent.objects.filter(action="imports.batch.files_purged", object_id=str(batch.public_id)).count() == 1


def test_an_unexpected_failure_marks_the_batch_failed_and_audits_it(world: World, tmp_path: Path, monkeypatch) -> None:
    import pytest

    from pumpurs.imports import engine, services
    from pumpurs.imports.services import import_batch_run

    def broken(**kwargs: object) -> None:
        raise OSError("disk full")

    # On the engine: the service imports it when it runs a file (polars stays out of start-up).
    monkeypatch.setattr(engine, "run_import", broken)
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    operator = import_operator(institution=None)
    batch = import_batch_create(
        actor=operator, kind="attendance", path=path, filename="a.csv", institution=None, dry_run=False
    )
    with pytest.raises(OSError, match="disk full"):
        import_batch_run(batch, actor=operator)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert not services.progress_path(batch).exists()
    event = AuditEvent.objects.get(action="imports.batch.failed")
    assert event.data["error"] == "OSError"
    assert AttendanceDay.objects.count() == 0


def test_an_uploaded_file_is_readable_by_the_server_alone(world: World, tmp_path: Path) -> None:
    """Files with personal codes are 0600 in 0700 directories, the data directory too (issue 17, M3)."""
    import stat

    from django.conf import settings

    path = write_csv(tmp_path / "a.csv", rows_for(world))
    path.chmod(0o644)  # however the upload arrived
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    stored = Path(batch.file.path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    media = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    for directory in (stored.parent, *[p for p in stored.parents if media in (p, *p.parents)]):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE(Path(settings.DATA_DIR).stat().st_mode) == 0o700


def test_files_go_a_week_after_submission_with_the_scheduled_job(world: World, tmp_path: Path) -> None:
    """Kept long enough to apply a check and read a rejection, no longer (PUMPURS_IMPORT_RETENTION_DAYS)."""
    from pumpurs.imports.retention import import_files_purge

    batches = []
    for days in (8, 6):
        path = write_csv(tmp_path / f"{days}.csv", rows_for(world))
        batch = import_batch_create(
            actor=world.coordinator_lizuma,
            kind="attendance",
            path=path,
            filename="a.csv",
            institution=world.lizuma,
            dry_run=True,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
        batches.append(batch)
    old_file = Path(batches[0].file.path)

    assert import_files_purge(now=timezone.now()) == 1

    old, recent = (ImportBatch.objects.get(pk=b.pk) for b in batches)
    assert (bool(old.file), bool(recent.file)) == (False, True)
    assert not old_file.exists()
    assert old.sha256, "the record of what was submitted stays"
