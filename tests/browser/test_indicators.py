"""Issue 15's indicator report in the browser: Inese Gulbe (Gulbene) opens the programme
indicators from the menu, sees Gulbene's figures with the small cells hidden, and downloads the
CSV through the page's link — the same figures; Juris Priede (Lizuma's director) sees his school
in full; the printable view too — every page accessible."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.reporting.tests.cohort import build_cohort
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def cell(page: Any, code: str) -> str:
    return str(page.locator(f"tr[data-code={code}] td.num").first.inner_text()).strip()


def test_the_indicator_report_and_its_csv(live_server: Any, page: Any) -> None:
    world = build_world()
    build_cohort(world)
    base = live_server.url

    switch_user(page, base, world.coordinator_gulbene.username)
    page.locator(f"nav.site-nav a[href='{reverse('reporting:indicators')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert page.locator("th[data-scope]").all_inner_texts() == [world.gulbene.name]
    assert cell(page, "PUPILS_AT_RISK").startswith("<5")  # two pupils: hidden above school level
    assert cell(page, "SCHOOLS_TAKING_PART") == "1"

    with page.expect_download() as download:
        page.locator("a[data-export=csv]").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][3] == "Rādītāja kods"
    values = {r[3]: r[5] for r in rows[1:]}
    assert values["PUPILS_AT_RISK"] == ""
    assert values["SCHOOLS_TAKING_PART"] == "1"

    page.locator(f"a[href^='{reverse('reporting:indicators_print')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)

    switch_user(page, base, world.director_lizuma.username)
    page.goto(base + reverse("reporting:indicators"))
    assert_accessible(page)
    assert page.locator("th[data-scope]").all_inner_texts() == [world.lizuma.name]
    assert cell(page, "PUPILS_AT_RISK") == "2"
