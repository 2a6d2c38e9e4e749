"""The indicator page reads the pre-aggregate written with the dashboards (decision 0038): the
same numbers as ``pumpurs report indicators`` (which counts live), small cells protected alike."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Period
from pumpurs.reporting.indicators.refresh import indicator_cells_refresh, stored_raw, windows_for
from pumpurs.reporting.indicators.report import raw_figures, window_of
from pumpurs.reporting.models import IndicatorCell
from pumpurs.reporting.preaggregates import monitoring_refresh
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.support.models import Delivery
from pumpurs.world.personas import World


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def command_csv(*args: str) -> list[list[str]]:
    out = io.StringIO()
    call_command("report", "indicators", "--format", "csv", *args, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))


def page_csv(client: Client, **query: str) -> list[list[str]]:
    response = client.get(reverse("reporting:indicators"), {"format": "csv", **query})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_cells_hold_the_live_raw_figures_of_every_window(world: World, cohort: Cohort) -> None:
    today = timezone.localdate()
    assert indicator_cells_refresh(today=today) > 0
    windows = windows_for(today)
    assert window_of(world.year, None) in windows
    assert window_of(world.year, world.year.periods.get(number=1)) in windows
    for start, end in windows:
        live, stored = raw_figures(start, end), stored_raw(start, end)
        assert stored is not None
        drop_zeros = lambda figures: {k: v for k, v in figures.items() if v}  # noqa: E731 — a one-line helper
        assert {k: drop_zeros(v) for k, v in live.per_school.items() if drop_zeros(v)} == stored.per_school
        assert {k: drop_zeros(v) for k, v in live.own.items() if drop_zeros(v)} == stored.own


@pytest.mark.parametrize("semester", ["", "1"])
def test_the_page_from_the_cells_is_the_command_counted_live(
    world: World, cohort: Cohort, client: Client, semester: str
) -> None:
    indicator_cells_refresh(today=timezone.localdate())
    client.force_login(world.national)
    args = ["--year", world.year.name, *(["--semester", semester] if semester else [])]
    query = {"year": world.year.name, **({"semester": semester} if semester else {})}
    assert page_csv(client, **query) == command_csv(*args)
    # A municipality's reader: their line is the command's line for that municipality.
    client.force_login(world.coordinator_gulbene)
    gulbene = page_csv(client, **query)
    assert gulbene == command_csv(*args, "--municipality", world.gulbene.code)


def test_the_page_reads_the_cells_not_the_facts(world: World, cohort: Cohort, client: Client) -> None:
    client.force_login(world.national)
    before = page_csv(client, year=world.year.name)
    indicator_cells_refresh(today=timezone.localdate())
    voided = {"voided_at": timezone.now(), "voided_by": world.coordinator_lizuma, "void_reason": "entered twice"}
    Delivery.objects.update(**voided)  # nothing delivered any more
    assert page_csv(client, year=world.year.name) == before  # yesterday's cells, not today's facts
    assert command_csv("--year", world.year.name) != before  # the command counts live


def test_a_window_not_refreshed_is_counted_live(world: World, cohort: Cohort, client: Client) -> None:
    IndicatorCell.objects.all().delete()
    old = Period.objects.filter(starts_on__lt=world.year.starts_on).order_by("starts_on").first()
    assert old is not None
    assert stored_raw(*window_of(old.school_year, None)) is None
    client.force_login(world.national)
    assert page_csv(client, year=world.year.name) == command_csv("--year", world.year.name)


def test_the_page_says_as_of_which_refresh_in_riga_time(world: World, cohort: Cohort, client: Client) -> None:
    client.force_login(world.national)
    live = client.get(reverse("reporting:indicators"), {"year": world.year.name}).content.decode()
    assert "Saskaitīts tagad" in live  # no refresh yet: counted on the request
    assert "Skaitļi uz" not in live
    refreshed_at = dt.datetime(2026, 11, 12, 3, 30, tzinfo=dt.UTC)  # 05:30 in Rīga (UTC+2 in November)
    with time_machine.travel(refreshed_at, tick=False):
        monitoring_refresh(today=world.today)
    for name in ("reporting:indicators", "reporting:indicators_print"):
        html = client.get(reverse(name), {"year": world.year.name}).content.decode()
        assert "Skaitļi uz 12.11.2026 05:30 (atjauno katru rītu kopā ar rādītājiem)." in html, name
        assert "Saskaitīts tagad" not in html
