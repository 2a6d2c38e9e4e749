"""The CLI contract (DESIGN §6) and the whole-file refusals shared by every kind."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import KINDS, ImportBatch
from pumpurs.imports.specs import SPECS
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import HEADER, rows_for
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World

SUMMARY_KEYS = ["status", "rows", "created", "updated", "unchanged", "rejected", "errors"]


def test_json_summary_has_exactly_the_documented_keys(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", rows_for(world)))
    assert code == 0
    assert list(summary) == SUMMARY_KEYS


def test_dry_run_counts_but_writes_nothing(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", rows_for(world)), "--dry-run")
    assert (code, summary["status"], summary["created"]) == (0, "dry-run", 3)
    assert AttendanceDay.objects.count() == 0


def test_every_kind_has_its_specs() -> None:
    # The kinds are listed apart from the specs (the pages check a kind without loading polars).
    assert tuple(SPECS) == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_empty_file_is_rejected_for_every_kind(world: World, run_import, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, summary = run_import(kind, path)
    assert (code, summary["status"], [e["code"] for e in summary["errors"]]) == (1, "rejected", ["empty_file"])


def test_header_only_file_is_rejected(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "h.csv", [HEADER]))
    assert (code, summary["status"], summary["errors"][0]["code"]) == (1, "rejected", "no_rows")


def test_missing_required_columns_are_named(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "m.csv", [["personal_code", "date"], ["x", "y"]]))
    assert code == 1
    [error] = summary["errors"]
    assert (error["row"], error["column"], error["code"]) == (1, "lessons", "columns_missing")
    assert "lessons" in error["message"]


def test_wrong_delimiter_shows_as_missing_columns(world: World, run_import, tmp_path: Path) -> None:
    """A file split by '|' has one giant header cell: every required column is reported missing."""
    code, summary = run_import("attendance", write_csv(tmp_path / "p.csv", [HEADER, ["1"] * 7], delimiter="|"))
    assert (code, summary["errors"][0]["code"]) == (1, "columns_missing")


def test_repeated_column_is_refused(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "r.csv", [[*HEADER, "datums"], ["1"] * 8]))
    assert (code, summary["errors"][0]["code"], summary["errors"][0]["column"]) == (1, "column_repeated", "date")


def test_forced_wrong_encoding_is_a_clear_error(world: World, run_import, tmp_path: Path) -> None:
    rows = [["personas_kods", "datums", "stundas"], ["x", "y", "z"]]
    path = write_csv(tmp_path / "e.csv", [["vārds ā", *rows[0]], ["Jānis", *rows[1]]], encoding="cp1257")
    code, summary = run_import("attendance", path, "--encoding", "utf-8")
    assert (code, summary["errors"][0]["code"]) == (1, "encoding")


def test_usage_errors_exit_2(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as missing:
        call_command("import", "attendance", str(tmp_path / "nope.csv"), "--json")
    assert missing.value.returncode == 2
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    with pytest.raises(CommandError) as institution:
        call_command("import", "attendance", str(path), "--institution", "NO-SUCH")
    assert institution.value.returncode == 2
    with pytest.raises(CommandError) as user:
        call_command("import", "attendance", str(path), "--user", "ilze.ozola")  # a class teacher may not import
    assert user.value.returncode == 2


def test_each_batch_keeps_its_file_and_leaves_one_audit_event(world: World, run_import, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    before = AuditEvent.objects.filter(action__startswith="imports.batch.").count()
    run_import("attendance", path, "--user", "liga.berza")
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["161175-19998", "2025-01-01", 1, 0, 0, 0, 0]])
    run_import("attendance", bad, "--user", "liga.berza")
    events = list(AuditEvent.objects.filter(action__startswith="imports.batch.").order_by("id")[before:])
    assert [e.action for e in events] == ["imports.batch.applied", "imports.batch.rejected"]
    assert events[0].data["file_sha256"] == digest
    assert (events[0].data["created"], events[1].data["rejected"]) == (3, 1)
    assert events[0].actor == world.coordinator_lizuma
    applied = ImportBatch.objects.get(public_id=events[0].object_id)
    with applied.file.open("rb") as kept:
        assert kept.read() == path.read_bytes()
    assert "a.csv" not in applied.file.name  # stored name never carries the original file name


def test_error_report_neutralises_spreadsheet_formulas(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    path = write_csv(
        tmp_path / "f.csv",
        [["personal_code", "date", "lesson", "subject", "mark"], [anna, "2025-01-06", 1, "=HYPERLINK(1)", "n"]],
    )
    code, _summary = run_import("attendance", path)
    assert code == 1
    batch = ImportBatch.objects.latest("created_at")
    with batch.report.open("rb") as report:
        text = report.read().decode("utf-8")
    assert "'=HYPERLINK" not in text or "'" in text  # the cell value is quoted in the message…
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "-", "@")), f"formula-like cell in report: {cell!r}"


def test_a_rejected_file_leaves_the_fact_tables_byte_for_byte_unchanged(
    world: World, run_import, tmp_path: Path
) -> None:
    run_import("attendance", write_csv(tmp_path / "a.csv", rows_for(world)))
    snapshot = json.dumps(list(AttendanceDay.objects.order_by("pk").values()), default=str)
    rows = rows_for(world)
    rows[1][3] = 5  # a real change…
    rows.append([world.pupil_lizuma.personal_code, "not a date", 1, 0, 0, 0, 0])  # …next to a bad row
    code, _summary = run_import("attendance", write_csv(tmp_path / "b.csv", rows))
    assert code == 1
    assert json.dumps(list(AttendanceDay.objects.order_by("pk").values()), default=str) == snapshot


def test_teacher_of_another_school_cannot_import_our_pupils(world: World, run_import, tmp_path: Path) -> None:
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", rows_for(world)), "--user", "anna.vitola")
    assert code == 1
    assert {e["code"] for e in summary["errors"]} == {"pupil_unknown"}
    assert AttendanceDay.objects.count() == 0
    with pytest.raises(CommandError) as refused:  # refused before reading: not her school
        run_import(
            "attendance",
            write_csv(tmp_path / "b.csv", rows_for(world)),
            "--user",
            "anna.vitola",
            "--institution",
            "T-LIZUMS",
        )
    assert refused.value.returncode == 2


def test_quoted_line_breaks_are_kept_and_extra_cells_refused(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    header = "personal_code,date,category,severity,description\n"
    good = tmp_path / "q.csv"
    good.write_text(header + f'{anna},2026-09-07,Stundas traucēšana,zema,"Pirmā rinda\notrā rinda"\n', encoding="utf-8")
    code, summary = run_import("incidents", good, "--dry-run", "--today", "2026-11-28")
    assert (code, summary["rows"], summary["errors"]) == (0, 1, [])
    ragged = tmp_path / "r.csv"
    ragged.write_text(header + f"{anna},2026-09-07,X,zema,apraksts,lieka šūna\n", encoding="utf-8")
    code, summary = run_import("incidents", ragged)
    assert (code, summary["errors"][0]["code"]) == (1, "csv_malformed")
