"""Every hostile file of the corpus (hostile.py) gets a row/column error in the reader's language,
exit code 1 and valid JSON from ``pumpurs import --json``, and a rejected batch — not an error
page — from the upload page; the unusual but honest files (UTF-16, CR-only) are read. Issue 17,
H2 and M5. The limits are shrunk per case where the real one would make the file needlessly big."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from pumpurs.imports.models import ImportBatch
from pumpurs.imports.tests.conftest import post_then_work
from pumpurs.imports.tests.hostile import ROSTER, Case, Facts, cases
from pumpurs.imports.tests.test_attendance import school_days
from pumpurs.imports.tests.test_views import client_for
from pumpurs.journal.models import AttendanceDay, Incident
from pumpurs.people.models import Pupil
from pumpurs.world.personas import World

LATVIAN = re.compile("[āčēģīķļņšūž]", re.IGNORECASE)
# What a library's own message looks like; none may reach the user.
INTERNALS = re.compile(r"polars|openpyxl|Traceback|Error\b|exception|could not|defusedxml|Entities", re.IGNORECASE)


@pytest.fixture
def facts(world: World) -> Facts:
    return Facts(
        codes=(world.pupil_lizuma.personal_code, world.pupil_lizuma_8a.personal_code),
        day=school_days(world, 1)[0],
        school=world.lizuma.code,
        birth=world.pupil_lizuma.birth_date,
    )


def written(case: Case, facts: Facts, tmp_path: Path, settings) -> Path:
    for name, value in case.limits.items():
        setattr(settings, name, value)
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.build(facts))
    return path


def assert_refused_as_expected(case: Case, errors: list[dict[str, object]]) -> None:
    assert errors, "a refusal names at least one error"
    first = next((e for e in errors if e["code"] == case.code), None)
    assert first is not None, [e["code"] for e in errors]
    if case.row is not None:
        assert first["row"] == case.row
    if case.column:
        assert first["column"] == case.column
    message = str(first["message"])
    assert LATVIAN.search(message), f"not in Latvian: {message!r}"
    assert not INTERNALS.search(message), f"a library's words: {message!r}"


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_the_command_answers_every_hostile_file_with_its_json_contract(
    case: Case, world: World, facts: Facts, run_import, tmp_path: Path, settings
) -> None:
    path = written(case, facts, tmp_path, settings)
    before = (Pupil.objects.count(), AttendanceDay.objects.count(), Incident.objects.count())

    with translation.override("lv"):  # as a fresh process starts (LANGUAGE_CODE), whatever ran before
        code, summary = run_import(case.kind, path, "--user", world.coordinator_lizuma.get_username())

    if case.code is None:
        assert (code, summary["status"], summary["rows"], summary["errors"]) == (0, "applied", 2, [])
        return
    assert (code, summary["status"]) == (1, "rejected"), summary
    assert_refused_as_expected(case, summary["errors"])
    assert (Pupil.objects.count(), AttendanceDay.objects.count(), Incident.objects.count()) == before


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_the_upload_page_answers_every_hostile_file_with_a_rejected_batch(
    case: Case, world: World, facts: Facts, tmp_path: Path, settings
) -> None:
    path = written(case, facts, tmp_path, settings)
    liga = client_for(world.coordinator_lizuma)
    file = SimpleUploadedFile(path.name, path.read_bytes())
    data = {"kind": case.kind, "institution": world.lizuma.pk, "file": file, "encoding": "", "sheet": ""}

    response = post_then_work(liga, reverse("import_upload"), data)

    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = liga.get(reverse("import_detail", args=[batch.public_id]))
    assert page.status_code == 200
    if case.code is None:
        assert (batch.status, batch.rows, batch.errors) == ("dry-run", 2, [])
        return
    assert batch.status == "rejected"
    assert_refused_as_expected(case, batch.errors)
    first = next(e for e in batch.errors if e["code"] == case.code)
    assert escape(str(first["message"])) in page.content.decode()


def test_a_stray_quote_in_the_last_rows_is_still_read_to_the_end(
    world: World, facts: Facts, run_import, tmp_path: Path
) -> None:
    """The record limit waits for a long quoted cell; only a quote that never closes is refused."""
    description = '"' + "rinda\n" * 50 + '"'
    text = "personal_code,date,category,severity,description\n" + (
        f"{facts.codes[0]},{facts.day.isoformat()},kavēšana,zema,{description}\n"
    )
    path = tmp_path / "quoted.csv"
    path.write_text(text, encoding="utf-8")
    code, summary = run_import("incidents", path, "--user", world.coordinator_lizuma.get_username(), "--dry-run")
    assert (code, summary["status"], summary["rows"]) == (0, "dry-run", 1)


def test_a_roster_has_a_row_cap_of_its_own(world: World, facts: Facts, run_import, tmp_path: Path, monkeypatch) -> None:
    """Rosters are held whole and checked row by row: fewer rows than fact files may have."""
    from pumpurs.imports import engine

    monkeypatch.setattr(engine, "REGISTER_ROWS", 2)
    line = f"{facts.codes[0]},Anna,Bērziņa,{facts.birth:%d.%m.%Y},S,{facts.school},7.a,7"
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([ROSTER, line, line, line]) + "\n", encoding="utf-8")
    with translation.override("lv"):
        code, summary = run_import("pupils", path, "--user", world.coordinator_lizuma.get_username())
    assert (code, [e["code"] for e in summary["errors"]], summary["errors"][0]["row"]) == (1, ["too_many_rows"], 4)
