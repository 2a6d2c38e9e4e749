"""The dashboards in a real browser (issue 15).

Inese Gulbe, the Gulbene coordinator, opens "Pārskats": her municipality's dashboard, where Lizuma's
seven pupils at risk show and Tirzas's two flagged pupils are hidden (a small cell, and with it
Lizuma's flagged count, so the total cannot give them away); Lizuma's row leads to Lizuma's dashboard with
the same numbers. Lizuma's own coordinator follows the number of pupils at risk to the list of
their names: as many names as the number. The national team's tile map leads to Gulbene's
dashboard with the numbers of the national table. Every page passes axe-core, and under the real
Content-Security-Policy nothing is blocked and nothing is fetched from another host.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.risk.models import FlagStatus
from pumpurs.risk.tests.watch_factories import add_pupil
from pumpurs.support.testing import active_plan
from pumpurs.support.tests.stories import accepted_flag, semester_now
from pumpurs.world.personas import World, build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAMES = ("Alise", "Beāte", "Dārta", "Elza", "Ieva", "Keita", "Līga")


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def build(world: World) -> None:
    period = semester_now()
    lizuma = [add_pupil(world, world.lizuma_7a, first, "Ozola") for first in NAMES]
    for pupil in lizuma:
        accepted_flag(pupil, period)
    for pupil in lizuma[:5]:
        active_plan(world.teacher_lizuma, pupil, world.director_lizuma, world.coordinator_gulbene, world.national)
    for pupil in (
        world.pupil_tirzas,
        add_pupil(world, world.tirzas_7a, "Marta", "Liepa", actor=world.coordinator_tirzas),
    ):
        accepted_flag(pupil, period, status=FlagStatus.OPEN)  # flagged, not (yet) at risk
    dashboards_refresh(today=world.today)


def headline(page: Any, metric: str) -> str:
    return page.locator(f'td[data-metric="{metric}"]').inner_text().strip()


def unit_row(page: Any, name: str) -> list[str]:
    row = page.locator("#units tbody tr").filter(has_text=name)
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def test_municipality_school_and_national_dashboards(live_server: Any, page: Any) -> None:
    world = build_world()
    build(world)
    base = live_server.url

    log_in(page, base, world.coordinator_gulbene.username)
    page.get_by_role("navigation", name="Galvenā navigācija").get_by_role("link", name="Pārskats").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Pārskats: Gulbenes novads"
    lizuma = unit_row(page, "Lizuma")
    tirzas = unit_row(page, "Tirzas")
    # columns: pupils, flagged, at risk, share, covered, coverage, case, plan, supported
    assert lizuma[2] == "7"
    assert tirzas[2] == "0"
    assert tirzas[1] == "—"  # two flagged pupils: a small cell, hidden
    assert lizuma[1] == "—"  # and Lizuma's 7 with it, or the total (9) would give Tirzas's away
    assert "pupils/?metric" not in page.content()  # counts only, never names, for the municipality
    assert_accessible(page)
    page.locator("#units").get_by_role("link", name=re.compile("Lizuma")).click()
    page.wait_for_load_state()
    assert "Lizuma" in page.get_by_role("heading", level=1).inner_text()
    assert headline(page, "at_risk") == lizuma[2]
    assert headline(page, "covered") == lizuma[4] == "5"
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, base, world.coordinator_lizuma.username)
    page.goto(base + reverse("reporting:dashboard"))
    at_risk = headline(page, "at_risk")
    assert at_risk == "7"  # the school's own page
    page.locator('td[data-metric="at_risk"]').get_by_role("link").click()
    page.wait_for_load_state()
    assert page.locator("#counted-pupils tbody tr").count() == int(at_risk)
    assert_accessible(page)
    # the weekly trends per rule, level and group, and the tables as a download with the same numbers
    page.goto(base + reverse("reporting:dashboard"))
    assert page.get_by_role("heading", name="Atzīmes, anketu līmeņi un riska grupas pa nedēļām").count() == 1
    assert page.locator(".dash-trend svg[role='img']").count() >= 1
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:2] == ["Tabula", "Rinda"]
    now = [r for r in rows if r[0] == "Īsumā" and r[1] == "Riska grupā" and r[3].startswith("semestris")]
    assert now[0][4] == at_risk

    page.context.clear_cookies()
    log_in(page, base, world.national.username)
    page.goto(base + reverse("reporting:dashboard"))
    assert page.get_by_role("heading", level=1).inner_text() == "Pārskats: Latvija"
    assert page.locator(".tiles__svg a").count() == 43
    gulbene = unit_row(page, "Gulbenes novads")
    assert_accessible(page)
    page.locator('.tiles__svg a[aria-label^="Gulbenes novads"]').click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Pārskats: Gulbenes novads"
    assert headline(page, "at_risk") == gulbene[2] == "7"
    assert headline(page, "covered") == gulbene[4] == "5"
    assert_accessible(page)


def test_the_dashboards_keep_the_csp(live_server: Any, browser: Any) -> None:
    world = build_world()
    build(world)
    base = live_server.url
    context = browser.new_context(locale="lv-LV")  # no CSP bypass here
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    foreign: list[str] = []
    page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(base) else None)
    log_in(page, base, world.national.username)
    for url in (
        reverse("reporting:national"),
        reverse("reporting:national") + "?map=covered",
        reverse("reporting:municipality", args=[world.gulbene.public_id]),
        reverse("reporting:school", args=[world.lizuma.public_id]),
    ):
        page.goto(base + url)
        assert page.locator("main h1").count() == 1, url
        assert page.locator('svg[role="img"]').count() >= 1, url
    context.close()
    assert problems == []
    assert foreign == []
