"""Olga, the system administrator, opens the scheduled jobs from the menu — accessible, in Latvian."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pumpurs.ops.scheduler import scheduler_tick
from pumpurs.world.personas import build_world
from tests.browser.test_walkthrough import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_system_admin_opens_the_scheduled_jobs_from_the_menu(live_server: Any, page: Any) -> None:
    world = build_world()
    scheduler_tick(worker="vm1:41", now=timezone.now())
    log_in(page, live_server.url, world.admin.username)
    page.get_by_role("link", name="Plānotie darbi").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("ops_jobs"))
    assert page.locator("main h1").inner_text().strip() == "Plānotie darbi"
    assert page.get_by_text("katru dienu plkst. 05:30").count() == 1
    assert page.get_by_text("vm1:41").count() == 1
    assert_accessible(page)
