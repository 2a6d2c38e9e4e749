"""A dashboard's tables as CSV and XLSX: the page's numbers, the page's small-cell rule, Latvian
column names, formula-safe text, audited; out of scope is 404."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from pumpurs.audit.models import AuditEvent
from pumpurs.reporting.models import DashboardRefresh, Level
from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.reporting.tests.test_dashboard_suppression import cells
from pumpurs.world.personas import World


def _csv(client: Client, url: str) -> list[list[str]]:
    response = client.get(url, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="lv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _find(rows: list[list[str]], table: str, row: str, column: str) -> list[str]:
    found = [r for r in rows if r[0] == table and r[1] == row and r[2] == column]
    assert found, (table, row, column)
    return found[0]


def test_a_cell_hidden_on_the_page_is_hidden_in_the_export(client: Client, world: World) -> None:
    DashboardRefresh.objects.create(computed_at=dt.datetime.now(dt.UTC), for_day=world.today, cells=0, seconds=0)
    cells(Level.SCHOOL, world.lizuma.pk, world.gulbene.pk, pupils=120, flagged=7, at_risk=6, covered=5)
    cells(Level.SCHOOL, world.tirzas.pk, world.gulbene.pk, pupils=40, flagged=2, at_risk=0)
    cells(Level.MUNICIPALITY, world.gulbene.pk, world.gulbene.pk, pupils=160, flagged=9, at_risk=6, covered=5)
    client.force_login(world.coordinator_gulbene)
    url = reverse("reporting:municipality", args=[world.gulbene.public_id])
    rows = _csv(client, url)
    with translation.override("lv"):
        assert rows[0] == ["Tabula", "Rinda", "Kolonna", "Periods", "Skaits", "Daļa, %"]
        units = translation.gettext("This semester, per unit")
        flagged = translation.gettext("Flagged by a rule")
        pupils = translation.gettext("Pupils enrolled")
        total = translation.gettext("Total")
    assert _find(rows, units, world.tirzas.name, flagged)[4] == "—"  # 2: a small cell
    assert _find(rows, units, world.lizuma.name, flagged)[4] == "—"  # 7: secondary suppression
    assert _find(rows, units, total, flagged)[4] == "9"
    assert _find(rows, units, world.lizuma.name, pupils)[4] == "120"
    assert _find(rows, units, world.tirzas.name, flagged)[5] == ""  # a rate follows its hidden count
    exported = AuditEvent.objects.get(action="reporting.dashboard.exported")
    assert exported.data["format"] == "csv"
    assert exported.data["level"] == Level.MUNICIPALITY


@pytest.fixture
def cohort(world: World) -> Cohort:
    made = build_cohort(world)
    dashboards_refresh(today=world.today)
    return made


def test_the_school_exports_its_own_numbers_as_xlsx(client: Client, world: World, cohort: Cohort) -> None:
    client.force_login(world.coordinator_lizuma)
    response = client.get(
        reverse("reporting:school", args=[world.lizuma.public_id]), {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="lv"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    with translation.override("lv"):
        glance = translation.gettext("At a glance")
        at_risk = translation.gettext("At risk")
    now = [r for r in values if r[0] == glance and r[1] == at_risk]
    assert now[0][4] == 2  # a number stays a number; the school sees its own small counts
    assert AuditEvent.objects.filter(action="reporting.dashboard.exported").count() == 1


def test_text_that_looks_like_a_formula_stays_text(client: Client, world: World, cohort: Cohort) -> None:
    world.lizuma.name = '=HYPERLINK("http://x")'
    world.lizuma.save(update_fields=["name"])
    client.force_login(world.coordinator_gulbene)
    rows = _csv(client, reverse("reporting:municipality", args=[world.gulbene.public_id]))
    named = [r for r in rows if "HYPERLINK" in r[1]]
    assert named
    assert all(r[1].startswith("'=") for r in named)


def test_an_export_out_of_scope_or_of_an_unknown_format_is_404(client: Client, world: World, cohort: Cohort) -> None:
    client.force_login(world.coordinator_gulbene)
    assert client.get(reverse("reporting:national"), {"format": "csv"}).status_code == 404
    url = reverse("reporting:municipality", args=[world.madona.public_id])
    assert client.get(url, {"format": "csv"}).status_code == 404
    own = reverse("reporting:municipality", args=[world.gulbene.public_id])
    assert client.get(own, {"format": "pdf"}).status_code == 404
    assert not AuditEvent.objects.filter(action="reporting.dashboard.exported").exists()
