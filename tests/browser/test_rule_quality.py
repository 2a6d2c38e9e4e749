"""Inese Gulbe, the Gulbene coordinator, checks how good the flag rules were in 2024/25: twelve
Lizuma pupils were flagged for unjustified absences, six of them left school, and twelve others
stayed unflagged. The rule-quality page shows the arithmetic next to the published ranges, the
error rates by group, and the outcomes page the same cohort; both pages are accessible."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from pumpurs.people.models import Enrolment
from pumpurs.reporting.error_rates import error_rates_record
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_the_coordinator_reads_the_rules_against_who_left(live_server: Any, page: Any, settings: Any) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 5
    world = build_world()
    s1 = h.semester()
    for serial in range(24):
        if serial < 6:
            pupil = h.past_pupil(world.lizuma, serial, ends_on=dt.date(2025, 3, 3), reason=Enrolment.EndReason.LEFT)
        else:
            pupil = h.past_pupil(world.lizuma, serial, continues=True, gender="M" if serial % 2 else "F")
        if serial < 12:
            h.flag(pupil, s1, "unjustified_semester")
    error_rates_record(today=timezone.localdate())

    log_in(page, live_server.url, world.coordinator_gulbene.username)
    nav = page.get_by_role("navigation", name="Galvenā navigācija")
    nav.get_by_role("link", name="Noteikumu kvalitāte").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Cik labs ir katrs pazīmju noteikums"
    page.get_by_label("Mācību gads").select_option("2024/25")
    page.get_by_role("button", name="Rādīt").click()
    page.wait_for_load_state()
    row = page.locator("#rule-quality").get_by_role("row").filter(has_text="neattaisnoti kavējumi")
    cells = [c.replace("\xa0", " ").strip() for c in row.locator("td").all_inner_texts()]
    # pupils, flagged, left, flagged and left, flagged stayed, not flagged left
    assert cells[:6] == ["24", "12", "6", "6", "6", "0"]
    assert cells[6:10] == ["50 %", "50 %", "100 %", "66,7 %"]  # share flagged, precision, sensitivity, specificity
    assert "precizitāte" in cells[10]
    assert page.get_by_text("Bowers, Sprott & Taff").count() >= 1
    assert page.get_by_role("table", name="Dzimums").count() == 1
    assert_accessible(page)

    nav.get_by_role("link", name="Iznākumi").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Skolēnu ar pazīmēm un atbalstīto skolēnu iznākumi"
    row = page.get_by_role("row").filter(has_text="neatbalstīts")
    assert row.locator("td").last.inner_text().strip() == "12"
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Lejupielādēt CSV formātā").click()
    assert "2024/25" in Path(download.value.path()).read_text(encoding="utf-8-sig")
