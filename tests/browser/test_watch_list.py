"""Ilze Ozola opens her watch list, follows a flagged pupil and reads why — accessible at every step."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from pumpurs.risk import selectors
from pumpurs.risk.tests.watch_factories import flag_for, period_now, snapshot
from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_class_teacher_follows_the_watch_list_to_the_reason(live_server: Any, page: Any) -> None:
    world = build_world()
    period = period_now(world)
    flag = flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    flag_for(world.pupil_lizuma_8a, "attendance_4w", period=period, value="80", threshold="90")
    flag_for(world.pupil_tirzas, "unjustified_semester", period=period)
    snapshot(world.pupil_lizuma, period, attendance="84.5", average="6.40")
    flag.refresh_from_db()
    base = live_server.url

    log_in(page, base, world.teacher_lizuma.username)
    page.get_by_role("navigation", name="Galvenā navigācija").get_by_role("link", name="Uzraudzības saraksts").click()
    page.wait_for_load_state()
    assert reverse("watch_list") in page.url
    table = page.locator("table.watch-table")
    assert table.get_by_role("link", name="Anna Kalniņa").count() == 1
    assert page.get_by_text("Roberts Šmits").count() == 0
    assert page.get_by_text("Jānis Bērziņš").count() == 0
    assert_accessible(page)

    table.get_by_role("link", name="Anna Kalniņa").click()
    page.wait_for_load_state()
    assert str(world.pupil_lizuma.public_id) in page.url
    with translation.override("lv"):
        reason = selectors.reason_text(flag)
    assert page.locator("#risk .flag__reason").first.inner_text().strip() == reason
    assert page.locator("#risk svg[role=img]").count() >= 1
    assert_accessible(page)

    # She fills this semester's questionnaire: learning and school worries, nothing else.
    page.locator("section.q-link a").click()
    page.wait_for_load_state()
    assert_accessible(page)
    learning = page.locator("fieldset.q-group").first
    for radio in learning.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    # The rest is unanswered: the page asks first (issue 13, trap 7), she submits anyway.
    assert page.locator("#confirm-unanswered").count() == 1
    assert_accessible(page)
    page.locator("#confirm-unanswered button[name=action][value=submit]").click()
    page.wait_for_load_state()
    level = page.locator(".q-level")
    assert level.count() >= 1
    shown_level = (level.first.get_attribute("class") or "").split("q-level--")[-1]
    assert shown_level in {"medium", "high"}
    assert_accessible(page)

    # Back on the watch list, Anna's row now carries that level.
    page.goto(base + reverse("watch_list"))
    row = page.locator("table.watch-table tr", has=page.get_by_role("link", name="Anna Kalniņa"))
    assert row.locator(f".level--{shown_level}").count() == 1


def test_counts_fairness_and_capacity_pages_are_accessible(live_server: Any, page: Any) -> None:
    world = build_world()
    period = period_now(world)
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    base = live_server.url

    log_in(page, base, world.coordinator_gulbene.username)
    page.goto(base + reverse("risk_municipality", args=[world.gulbene.public_id]))
    assert (
        page.get_by_role("cell", name="Lizuma pamatskola").count()
        + page.get_by_role("rowheader", name="Lizuma pamatskola").count()
        == 1
    )
    assert page.get_by_text("Kalniņa").count() == 0
    assert_accessible(page)
    page.goto(base + reverse("risk_fairness"))
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, base, world.coordinator_lizuma.username)
    page.goto(base + reverse("watch_list"))
    page.get_by_label("Skolēni, kurus šajā semestrī varam atbalstīt").fill("1")
    page.locator("details.capacity button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table.watch-table tr.within-capacity").count() == 1
    assert_accessible(page)
