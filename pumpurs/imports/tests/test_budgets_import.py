"""``pumpurs import budgets`` (issue 14): Gulbene's coordinator loads her schools' budgets from a
file; the national programme the municipality's. A negative amount, an unknown institution or a
split that does not add up is refused with its row and column, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.models import Budget
from pumpurs.imports.tests.conftest import write_csv, write_xlsx
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

LV_HEADER = ["mācību_gads", "darbība", "pašvaldība", "iestāde", "summa", "esf", "valsts_budžets"]


def test_a_municipality_loads_its_schools_budgets_and_the_same_file_twice_changes_nothing(
    world: World, run_import, tmp_path: Path
) -> None:
    rows = [
        LV_HEADER,
        ["2026/27", "1", "", "T-LIZUMS", "9000,00", "", ""],
        ["2026/27", "1", "Gulbenes novads", "T-TIRZA", "8500.50", "7225,43", "1275,07"],
    ]
    path = write_csv(tmp_path / "b.csv", rows, delimiter=";")
    code, summary = run_import("budgets", path, "--user", world.coordinator_gulbene.username)
    assert (code, summary["status"], summary["created"], summary["errors"]) == (0, "applied", 2, [])
    lizuma = Budget.objects.get(institution=world.lizuma)
    assert (lizuma.amount_cents, lizuma.esf_cents, lizuma.state_cents) == (900_000, 765_000, 135_000)
    tirzas = Budget.objects.get(institution=world.tirzas)
    assert (tirzas.amount_cents, tirzas.esf_cents, tirzas.state_cents) == (850_050, 722_543, 127_507)
    assert AuditEvent.objects.filter(action="finance.budget.set").count() == 2
    code, summary = run_import("budgets", path, "--user", world.coordinator_gulbene.username)
    assert (code, summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 0, 2)


def test_the_national_programme_loads_a_municipality_budget_from_xlsx(world: World, run_import, tmp_path: Path) -> None:
    rows = [
        ["school_year", "activity", "municipality", "institution", "amount"],
        ["2026/27", 1, "Gulbenes novads", "", "120000"],
    ]
    code, summary = run_import("budgets", write_xlsx(tmp_path / "b.xlsx", rows), "--user", world.national.username)
    assert (code, summary["status"]) == (0, "applied")
    assert Budget.objects.get(municipality=world.gulbene, institution=None).amount_cents == 12_000_000


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(world: World, run_import, tmp_path: Path) -> None:
    rows = [
        LV_HEADER,
        ["2026/27", "1", "", "T-LIZUMS", "1000,00", "", ""],  # fine, but the file is rejected
        ["2026/27", "1", "", "T-LIZUMS-X", "1000,00", "", ""],
        ["2026/27", "1", "", "T-TIRZA", "-5,00", "", ""],
        ["2026/27", "2", "", "T-TIRZA", "100,00", "85,00", "14,00"],
        ["2026/27", "3", "", "T-TIRZA", "100,001", "", ""],
        ["2030/31", "4", "", "T-TIRZA", "1", "", ""],
        ["2026/27", "1", "", "T-MADONA", "1", "", ""],  # not Gulbene's
        ["2026/27", "1", "", "T-LIZUMS", "2000,00", "", ""],
        ["2026/27", "2", "", "T-LIZUMS", "10", "10", ""],
    ]
    code, summary = run_import(
        "budgets", write_csv(tmp_path / "bad.csv", rows), "--user", world.coordinator_gulbene.username
    )
    assert (code, summary["status"]) == (1, "rejected")
    found = {(e["row"], e["column"], e["code"]) for e in summary["errors"]}
    assert found == {
        (3, "institution", "institution_unknown"),
        (4, "amount", "negative"),
        (5, "amount", "split_mismatch"),
        (6, "amount", "not_an_amount"),
        (7, "school_year", "school_year_unknown"),
        (7, "activity", "activity_invalid"),
        (8, "institution", "not_allowed"),
        (9, "institution", "duplicate_row"),
        (10, "state", "split_incomplete"),
    }
    assert not Budget.objects.exists()
    assert not AuditEvent.objects.filter(action="finance.budget.set").exists()


def test_a_school_coordinator_may_not_import_budgets(world: World, run_import, tmp_path: Path) -> None:
    rows = [LV_HEADER, ["2026/27", "1", "", "T-LIZUMS", "1000,00", "", ""]]
    with pytest.raises(CommandError) as refused:
        run_import("budgets", write_csv(tmp_path / "b.csv", rows), "--user", world.coordinator_lizuma.username)
    assert refused.value.returncode == 2
    assert not Budget.objects.exists()
