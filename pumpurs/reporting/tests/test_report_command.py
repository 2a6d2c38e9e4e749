"""``pumpurs report indicators``: JSON, CSV and XLSX, small cells hidden, exit code 2 for usage."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from pumpurs.audit.models import AuditEvent
from pumpurs.reporting.indicators.catalogue import CODES
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.world.personas import World


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("report", "indicators", *args, stdout=out, stderr=err)
    except CommandError as exc:  # from the command line: the message on stderr and this exit code
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_json_has_one_object_per_scope_with_every_code(world: World, cohort: Cohort) -> None:
    code, out, _ = run("--year", world.year.name, "--semester", "1")
    assert code == 0
    data = json.loads(out)
    assert data[0]["scope"] == "national"
    assert data[0]["code"] == "LV"
    assert len(data) == 44  # Latvia and its 43 municipalities
    assert set(data[0]["indicators"]) == set(CODES)
    gulbene = next(o for o in data if o["code"] == world.gulbene.code)
    assert gulbene["scope"] == "municipality"
    assert gulbene["indicators"]["PUPILS_AT_RISK"] is None  # 2: a small cell, hidden on the command line too
    assert gulbene["indicators"]["SCHOOLS_TAKING_PART"] == 1
    event = AuditEvent.objects.get(action="reporting.indicators.exported")
    assert event.actor_username == "system:report-cli"
    assert event.data["format"] == "json"


def test_one_municipality(world: World, cohort: Cohort) -> None:
    code, out, _ = run("--year", world.year.name, "--municipality", world.madona.code)
    assert code == 0
    data = json.loads(out)
    assert [(o["scope"], o["code"]) for o in data] == [("municipality", world.madona.code)]
    assert data[0]["indicators"]["PUPILS_AT_RISK"] is None  # Laura alone


def test_csv_in_latvian_with_hidden_cells_marked(world: World, cohort: Cohort, tmp_path: Path) -> None:
    target = tmp_path / "raditaji.csv"
    code, _, _ = run("--year", world.year.name, "--format", "csv", "--output", str(target))
    assert code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Līmenis", "Teritorijas vai skolas kods", "Nosaukums", "Rādītāja kods", "Rādītājs"]
    assert len(rows) == 1 + 44 * len(CODES)
    row = next(r for r in rows if r[1] == world.gulbene.code and r[3] == "IAP_MADE")
    assert row[4] == "Izstrādātie individuālie atbalsta plāni"
    assert row[5] == ""
    assert row[7] == "jā"


def test_xlsx_to_a_file(world: World, cohort: Cohort, tmp_path: Path) -> None:
    target = tmp_path / "raditaji.xlsx"
    code, _, _ = run("--year", world.year.name, "--format", "xlsx", "--output", str(target))
    assert code == 0
    sheet = load_workbook(target, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "Rādītāja kods"
    national = {r[3]: r[5] for r in rows[1:] if r[1] == "LV"}
    assert national["SCHOOLS_TAKING_PART"] == 1
    assert national["PUPILS_SUPPORTED"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999/00"], "1999/00"),
        (["--year", "{year}", "--municipality", "atlantida"], "atlantida"),
        (["--year", "{year}", "--format", "xlsx"], "--output"),
    ],
)
def test_usage_errors_exit_2(world: World, args: list[str], message: str) -> None:
    before = AuditEvent.objects.count()
    code, _, err = run(*[a.format(year=world.year.name) for a in args])
    assert code == 2
    assert message in err
    assert AuditEvent.objects.count() == before
