"""Staff in the browser — accessible at every step (issue 12).

Līga Bērza (Lizuma's school coordinator) opens the staff list, invites a new class teacher,
Baiba Kalna chooses her password through the link in her mail and signs in; the link then says it
no longer works. Līga deactivates Baiba after a confirmation page. Fields are found by name and
forms by their action: the pages are in Latvian.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from pumpurs.people.models import User
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NEW_PASSWORD = "Sniegs-uz-Gaiziņa-2026"


def test_a_coordinator_invites_a_teacher_who_signs_in_then_leaves(live_server: Any, page: Any) -> None:
    world = build_world()
    base = live_server.url
    log_in(page, base, world.coordinator_lizuma.username)
    page.locator(f"nav.site-nav a[href='{reverse('staff_index')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('staff_school', args=[world.lizuma.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('staff_school_invite', args=[world.lizuma.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=first_name]", "Baiba")
    page.fill("input[name=last_name]", "Kalna")
    page.fill("input[name=email]", "baiba.kalna@lizums.lv")
    page.select_option("select[name=role]", "class_teacher")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("staff_school", args=[world.lizuma.public_id]))
    assert_accessible(page)
    assert "Baiba Kalna" in page.locator("main").inner_text()

    match = re.search(r"https?://[^/\s]+(/invitation/\S+)", mail.outbox[-1].body)
    assert match is not None
    link = base + match.group(1)
    page.context.clear_cookies()
    page.goto(link)
    assert_accessible(page)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("login"))
    page.fill("input[name=username]", "baiba.kalna@lizums.lv")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    assert not page.url.endswith(reverse("login"))
    page.goto(link)  # used once: a clear page
    assert_accessible(page)
    assert page.locator("h1").inner_text() == "Šī saite vairs nedarbojas"

    page.context.clear_cookies()
    log_in(page, base, world.coordinator_lizuma.username)
    baiba = User.objects.get(email="baiba.kalna@lizums.lv")
    page.goto(base + reverse("staff_person", args=[baiba.public_id]))
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('staff_deactivate', args=[baiba.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    baiba.refresh_from_db()
    assert not baiba.is_active
