"""The monthly report's pages (issue 14): Līga assembles November and sends it, Juris approves,
Inese approves and locks it; the XLSX and CSV carry the page's totals, exactly; a cell that looks
like a formula stays text; Tirzas's coordinator and Madona's never see Lizuma's report."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from pumpurs.core.cells import spreadsheet_text
from pumpurs.finance.models import ExpenseReport, ReportStatus
from pumpurs.finance.selectors import reports_waiting_for
from pumpurs.finance.tests.test_reports import NOVEMBER, november
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def as_user(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]  # a User
    client.cookies["django_language"] = "en"
    return client


def act(client: Client, report: ExpenseReport, action: str, **extra: str) -> str:
    answer = client.post(f"/finance/reports/{report.public_id}/action/", {"action": action, **extra}, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def test_prepared_approved_twice_and_locked_through_the_pages(world: World, client: Client) -> None:
    november(world)
    as_user(client, world.coordinator_lizuma)
    answer = client.post(
        "/finance/reports/assemble/", {"school": str(world.lizuma.public_id), "month": "2026-11-01"}, follow=True
    )
    html = answer.content.decode()
    assert "46.55" in html  # 37.50 + 6.00 + 3.05
    assert "Missing evidence" in html
    assert "3.05 EUR" in html
    report = ExpenseReport.objects.get()
    assert [r.pk for r in reports_waiting_for(world.coordinator_lizuma)] == [report.pk]
    act(client, report, "prepare")
    assert "may not approve this report" in act(client, report, "approve")  # Līga is no approver
    assert ExpenseReport.objects.get().status == ReportStatus.PREPARED  # the preparer never approves
    assert [r.pk for r in reports_waiting_for(world.director_lizuma)] == [report.pk]
    assert not reports_waiting_for(world.coordinator_lizuma).exists()
    as_user(client, world.director_lizuma)
    act(client, report, "approve")
    as_user(client, world.coordinator_gulbene)
    assert [r.pk for r in reports_waiting_for(world.coordinator_gulbene)] == [report.pk]
    html = act(client, report, "approve")
    assert "approved and locked" in html
    report.refresh_from_db()
    assert (report.total_cents, report.esf_cents, report.state_cents) == (4655, 3957, 698)
    # Editing the locked month is refused, with the reversal path offered.
    as_user(client, world.coordinator_lizuma)
    html = act(client, report, "assemble")
    assert "locked" in html
    assert "reversal line" in html

    xlsx = client.get(f"/finance/reports/{report.public_id}/export.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(["Datums", "Pasākums", "Rinda", "Summa, EUR", "Pierādījums", "Stornē rindu no"])
    # A spreadsheet keeps numbers as binary floats: the cell reads back as the exact two-decimal amount.
    totals = {row[1]: Decimal(str(row[3])) for row in rows[header + 1 :] if row[1] in ("Kopā", "ESF", "Valsts budžets")}
    assert totals == {"Kopā": Decimal("46.55"), "ESF": Decimal("39.57"), "Valsts budžets": Decimal("6.98")}
    assert sheet.cell(row=header + 2, column=4).number_format == "#,##0.00"

    text = client.get(f"/finance/reports/{report.public_id}/export.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][3] == "Summa, EUR"
    assert ["", "Kopā", "", "46.55", "", ""] in table
    assert "TRŪKST" in text

    printable = client.get(f"/finance/reports/{report.public_id}/print/").content.decode()
    assert "Signatures" in printable
    assert "46.55" in printable

    as_user(client, world.coordinator_gulbene)
    claim = client.get(f"/finance/claims/gulbenes-novads/{NOVEMBER:%Y-%m}/").content.decode()
    assert "data-claim-total>46.55" in claim
    claim_csv = client.get(f"/finance/claims/gulbenes-novads/{NOVEMBER:%Y-%m}/export.csv").content.decode("utf-8-sig")
    assert "Kopā;;11.2026;46.55;39.57;6.98" in claim_csv


def test_other_schools_and_municipalities_never_see_the_report(world: World, client: Client) -> None:
    november(world)
    as_user(client, world.coordinator_lizuma)
    client.post("/finance/reports/assemble/", {"school": str(world.lizuma.public_id), "month": "2026-11-01"})
    report = ExpenseReport.objects.get()
    for outsider in (world.coordinator_tirzas, world.coordinator_madona, world.teacher_lizuma):
        as_user(client, outsider)
        for url in ("", "export.xlsx", "export.csv", "print/"):
            assert client.get(f"/finance/reports/{report.public_id}/{url}").status_code == 404
        assert client.post(f"/finance/reports/{report.public_id}/action/", {"action": "prepare"}).status_code == 404
    as_user(client, world.coordinator_tirzas)
    assert (
        client.post(
            "/finance/reports/assemble/", {"school": str(world.lizuma.public_id), "month": "2026-11-01"}
        ).status_code
        == 404
    )
    as_user(client, world.coordinator_madona)
    assert client.get(f"/finance/claims/gulbenes-novads/{NOVEMBER:%Y-%m}/").status_code == 404


def test_a_cell_that_looks_like_a_formula_stays_text() -> None:
    assert spreadsheet_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert spreadsheet_text("+371 2000") == "'+371 2000"
    assert spreadsheet_text("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_text("Lizuma pamatskola") == "Lizuma pamatskola"
