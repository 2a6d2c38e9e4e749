"""Imports fail closed: a batch runs with its submitter's authority as it is when it runs, or not
at all; the operator's command line states its scope; nobody is "everyone" (decision 0012)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import (
    IMPORT_WORKER,
    import_batch_actor,
    import_batch_create,
    import_batch_run,
    import_operator,
)
from pumpurs.imports.tasks import import_batch_process
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import HEADER, rows_for, school_days
from pumpurs.imports.tests.test_kinds import ROSTER_HEADER, roster_row
from pumpurs.journal.models import AttendanceDay
from pumpurs.people.models import Pupil, RoleGrant
from pumpurs.world.personas import World


def queued(world: World, path: Path, kind: str = "attendance") -> ImportBatch:
    """Līga's file, submitted for Lizuma and left for the worker."""
    return import_batch_create(
        actor=world.coordinator_lizuma,
        kind=kind,
        path=path,
        filename=path.name,
        institution=world.lizuma,
        dry_run=False,
    )


def roster(world: World, tmp_path: Path) -> Path:
    return write_csv(tmp_path / "r.csv", [ROSTER_HEADER, roster_row(world, 911, "Elīna", "Krūmiņa", "7.a", 7)])


def refusal(batch: ImportBatch) -> tuple[str, list[str]]:
    batch.refresh_from_db()
    return batch.status, [e["code"] for e in batch.errors]


@pytest.mark.parametrize("kind", ["attendance", "pupils"])
def test_a_queued_file_whose_submitter_was_deleted_is_refused_and_writes_nothing(
    world: World, tmp_path: Path, kind: str
) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world)) if kind == "attendance" else roster(world, tmp_path)
    batch = queued(world, path, kind)
    pupils = Pupil.objects.count()
    world.coordinator_lizuma.delete()  # before the worker gets to the file
    assert import_batch_process.call(batch.pk) == "rejected"
    assert refusal(batch) == ("rejected", ["submitter_deleted"])
    assert "dzēsts" in batch.errors[0]["message"]  # "deleted", in Latvian (the default language)
    assert (AttendanceDay.objects.count(), Pupil.objects.count()) == (0, pupils)
    event = AuditEvent.objects.get(action="imports.batch.rejected", object_id=str(batch.public_id))
    assert (event.actor, event.actor_username) == (None, IMPORT_WORKER)
    assert import_batch_process.call(batch.pk) == "rejected"  # a retry does not try again


def test_a_submitter_who_lost_the_grant_before_the_worker_ran_is_refused(world: World, tmp_path: Path) -> None:
    batch = queued(world, write_csv(tmp_path / "a.csv", rows_for(world)))
    RoleGrant.objects.filter(user=world.coordinator_lizuma).delete()
    assert import_batch_process.call(batch.pk) == "rejected"
    assert refusal(batch) == ("rejected", ["not_allowed"])
    assert AttendanceDay.objects.count() == 0
    event = AuditEvent.objects.get(action="imports.batch.rejected")
    assert (event.actor, event.data["on_behalf_of"]) == (world.coordinator_lizuma, "liga.berza")


def test_a_deactivated_submitter_is_refused_too(world: World, tmp_path: Path) -> None:
    batch = queued(world, write_csv(tmp_path / "a.csv", rows_for(world)))
    world.coordinator_lizuma.is_active = False
    world.coordinator_lizuma.save()
    assert import_batch_process.call(batch.pk) == "rejected"
    assert refusal(batch) == ("rejected", ["not_allowed"])
    assert AttendanceDay.objects.count() == 0


def test_the_worker_acts_for_the_submitter_within_the_files_school(world: World, tmp_path: Path) -> None:
    batch = queued(world, write_csv(tmp_path / "a.csv", rows_for(world)))
    actor = import_batch_actor(batch)
    assert (actor.name, actor.on_behalf_of, actor.scope.institution_ids) == (
        IMPORT_WORKER,
        world.coordinator_lizuma,
        frozenset({world.lizuma.pk}),
    )
    assert import_batch_process.call(batch.pk) == "applied"
    event = AuditEvent.objects.get(action="imports.batch.applied")
    assert (event.actor, event.actor_username, event.data["on_behalf_of"]) == (
        world.coordinator_lizuma,
        IMPORT_WORKER,
        "liga.berza",
    )


def test_a_batch_never_runs_with_another_persons_authority(world: World, tmp_path: Path) -> None:
    batch = queued(world, write_csv(tmp_path / "a.csv", rows_for(world)))
    with pytest.raises(ValueError, match="authority"):
        import_batch_run(batch, actor=world.coordinator_tirzas)
    with pytest.raises(ValueError, match="authority"):
        import_batch_run(batch, actor=import_operator(institution=None))  # not the operator's file


def test_none_is_refused_where_untyped_code_could_still_pass_it(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    with pytest.raises(TypeError, match="not None"):
        import_batch_create(
            actor=None,  # type: ignore[arg-type]  # what the test is about
            kind="attendance",
            path=path,
            filename="a.csv",
            institution=None,
            dry_run=False,
        )
    batch = queued(world, path)
    with pytest.raises(TypeError, match="not None"):
        import_batch_run(batch, actor=None)  # type: ignore[arg-type]  # what the test is about
    assert AttendanceDay.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportBatch.Status.QUEUED


def test_the_operator_scoped_to_a_school_cannot_import_a_pupil_of_another_school(
    world: World, run_import, tmp_path: Path
) -> None:
    rows = [ROSTER_HEADER, roster_row(world, 912, "Anete", "Ozola", "7.a", 7, school="T-TIRZA")]
    code, summary = run_import("pupils", write_csv(tmp_path / "r.csv", rows), "--institution", "T-LIZUMS")
    assert (code, [e["code"] for e in summary["errors"]]) == (1, ["institution_unknown"])
    tirzas = world.pupil_tirzas
    moved = [
        ROSTER_HEADER,
        [tirzas.personal_code, "Jānis", "Bērziņš", tirzas.birth_date.isoformat(), "V", "T-LIZUMS", "7.a", 7],
    ]
    code, summary = run_import("pupils", write_csv(tmp_path / "m.csv", moved), "--institution", "T-LIZUMS")
    assert (code, [e["code"] for e in summary["errors"]]) == (1, ["pupil_out_of_scope"])
    day = school_days(world, 1)[0].isoformat()
    facts = [HEADER, [tirzas.personal_code, day, 6, 1, 0, 0, 0]]
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", facts), "--institution", "T-LIZUMS")
    assert (code, [e["code"] for e in summary["errors"]]) == (1, ["pupil_unknown"])
    assert tirzas.enrolments.get().class_group == world.tirzas_7a
    assert not Pupil.objects.filter(first_name="Anete").exists()
    assert AttendanceDay.objects.count() == 0


def test_the_operator_without_a_school_acts_nationally_and_says_so(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", rows_for(world)))
    assert (code, summary["status"]) == (0, "applied")
    event = AuditEvent.objects.get(action="imports.batch.applied")
    assert (event.actor, event.actor_username, "on_behalf_of" in event.data) == (None, "system:import-cli", False)
    assert ImportBatch.objects.get().actor is None


def test_the_register_of_institutions_needs_the_national_operator(world: World, run_import, tmp_path: Path) -> None:
    header = ["code", "name", "kind", "municipality", "grades"]
    rows = [header, ["DEMO-NEW-9", "Jaunā pamatskola", "general", "Gulbenes novads", "1-9"]]
    code, summary = run_import("institutions", write_csv(tmp_path / "i.csv", rows), "--institution", "T-LIZUMS")
    assert (code, summary["errors"][0]["code"]) == (1, "not_allowed")
    code, summary = run_import("institutions", write_csv(tmp_path / "i.csv", rows))
    assert (code, summary["created"]) == (0, 1)


def test_a_roster_needs_the_right_to_register_pupils_on_the_upload_page_too(world: World, tmp_path: Path) -> None:
    """Inese Gulbe imports Gulbene's facts but registers no pupils, by hand or by file."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from pumpurs.imports.tests.conftest import post_then_work
    from pumpurs.imports.tests.test_views import client_for

    inese = client_for(world.coordinator_gulbene)
    file = SimpleUploadedFile("r.csv", roster(world, tmp_path).read_bytes(), content_type="text/csv")
    data = {"kind": "pupils", "institution": world.lizuma.pk, "file": file, "encoding": "", "sheet": ""}
    response = inese.post(reverse("import_upload"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ImportBatch.objects.exists()
    liga = client_for(world.coordinator_lizuma)
    file = SimpleUploadedFile("r.csv", roster(world, tmp_path).read_bytes(), content_type="text/csv")
    assert post_then_work(liga, reverse("import_upload"), {**data, "file": file}).status_code == 302
    event = AuditEvent.objects.get(action="imports.batch.dry_run")
    assert (event.actor, event.actor_username) == (world.coordinator_lizuma, "system:import-worker")
