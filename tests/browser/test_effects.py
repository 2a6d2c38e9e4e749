"""Zane Lapsa of the national programme opens "Cost and effect of measures" from her menu: ten
Lizuma pupils with psychologist hours missed 5 percentage points fewer lessons without a reason by
the end of the semester than ten comparable classmates. The page says it is an observational
comparison, shows the interval and the pupils behind it, costs per pupil, passes axe-core, and the
CSV downloads. Inese Gulbe, the Gulbene coordinator, sees the same for her municipality; with the
default minimum sample the page says there are not enough pupils."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pumpurs.reporting.tests import hand_made
from pumpurs.support.testing import measure
from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOISE = [-4, -2, 0, 2, 4, -3, -1, 0, 1, 3]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_the_national_team_reads_cost_and_effect_of_a_measure(live_server: Any, page: Any, settings: Any) -> None:
    world = build_world()
    semester = world.year.periods.get(number=1)
    actor = world.coordinator_lizuma
    received = hand_made.pupils(actor, world.lizuma_7a, 10, serial=400)
    others = hand_made.pupils(actor, world.lizuma_7a, 10, serial=500)
    for pupil, noise in zip(received, NOISE, strict=True):
        hand_made.attendance(pupil, semester, first=12, last=7 + noise)
        hand_made.deliver(actor, pupil, semester, measure("consult-psychologist"), [Decimal(2)], unit_cents=2500)
    for pupil, noise in zip(others, NOISE, strict=True):
        hand_made.attendance(pupil, semester, first=12, last=12 + noise)

    settings.PUMPURS_EFFECT_MIN_PUPILS = 5
    log_in(page, live_server.url, world.national.username)
    nav = page.get_by_role("navigation", name="Galvenā navigācija")
    nav.get_by_role("link", name="Pasākumu izmaksas un ietekme").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Pasākumu izmaksas un ietekme"
    assert page.get_by_role("heading", name="Ietekme uz apmeklējumu (novērojumu dati)").is_visible()
    assert "nevis eksperiments" in page.content()
    effect = page.locator("table[data-table=effects] tr[data-measure=consult-psychologist]")
    assert "-5,00" in effect.inner_text()
    assert "10" in effect.inner_text()
    cost = page.locator("table[data-table=costs] tbody tr").first
    assert "500,00" in cost.inner_text()
    assert "50,00" in cost.inner_text()
    assert_accessible(page)

    page.get_by_label("Pašvaldība").select_option(label=world.gulbene.name)
    page.get_by_role("button", name="Rādīt").click()
    page.wait_for_load_state()
    assert "-5,00" in page.locator("table[data-table=effects]").inner_text()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Lejupielādēt CSV formātā").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Psihologa konsultācijas" in text
    assert "-5.00" in text

    settings.PUMPURS_EFFECT_MIN_PUPILS = 30
    page.context.clear_cookies()
    log_in(page, live_server.url, world.coordinator_gulbene.username)
    page.goto(live_server.url + "/monitoring/effects/")
    assert "Nepietiek skolēnu (vajag vismaz 30 katrā grupā)" in page.locator("table[data-table=effects]").inner_text()
    assert_accessible(page)
