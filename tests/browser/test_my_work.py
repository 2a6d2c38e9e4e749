"""Every role's home page, "Mani darbi", renders in Chromium and passes axe-core; a coordinator
follows a count to its list, and the municipality coordinator takes a pupil over the absence
threshold (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pumpurs.world.personas import build_world
from pumpurs.world.tests.test_my_work import busy_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROLES = [
    "teacher_lizuma",
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "coordinator_gulbene",
    "national",
    "dpo",
    "admin",
]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_every_roles_home_page_is_accessible(live_server: Any, browser: Any) -> None:
    world = busy_world(build_world())
    for persona in ROLES:
        context = browser.new_context(bypass_csp=True, locale="lv-LV")
        page = context.new_page()
        log_in(page, live_server.url, getattr(world, persona).username)
        page.goto(live_server.url + reverse("home"))
        assert page.locator("h1").inner_text() == "Mani darbi", persona
        assert_accessible(page)
        context.close()


def test_a_coordinator_follows_a_count_to_its_list(live_server: Any, page: Any) -> None:
    world = busy_world(build_world())
    log_in(page, live_server.url, world.coordinator_lizuma.username)
    page.goto(live_server.url + reverse("home"))
    nav = page.get_by_role("navigation", name="Galvenā navigācija")
    assert nav.locator(".nav-count").inner_text().startswith("6")
    page.get_by_role("link", name="Izlemjamie signāli").click()
    page.wait_for_load_state()
    assert reverse("work_list", args=["flags"]) in page.url
    assert page.get_by_role("link", name="Anna Kalniņa").count() == 1
    assert_accessible(page)


def test_the_municipality_takes_a_pupil_over_the_threshold(live_server: Any, page: Any) -> None:
    world = busy_world(build_world())
    log_in(page, live_server.url, world.coordinator_gulbene.username)
    page.goto(live_server.url + reverse("work_list", args=["absences"]))
    page.get_by_role("link", name="Anna Kalniņa").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Statuss").select_option("in_progress")
    page.get_by_role("button", name="Saglabāt").click()
    page.wait_for_load_state()
    assert reverse("work_list", args=["absences"]) in page.url
    assert page.get_by_text("tiek risināts").count() >= 1
    assert_accessible(page)
