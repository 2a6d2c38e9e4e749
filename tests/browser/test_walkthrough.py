"""A class teacher of Lizuma logs in, opens her class and a pupil — accessible at every step."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import PASSWORD, build_world
from tests.browser.conftest import axe_violations, describe

# serialized_rollback: the flush after each live-server test would otherwise drop the
# reference data that migrations load (municipalities, subjects).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def test_class_teacher_walks_from_login_to_a_pupil(live_server: Any, page: Any) -> None:
    world = build_world()
    base = live_server.url

    page.goto(base + reverse("login"))
    assert page.locator("html").get_attribute("lang") == "lv"
    assert_accessible(page)

    log_in(page, base, world.teacher_lizuma.username)
    assert reverse("login") not in page.url, "login failed"
    assert_accessible(page)

    page.goto(base + reverse("class_detail", args=[world.lizuma_7a.public_id]))
    assert page.get_by_role("link", name="Anna Kalniņa").count() == 1
    assert page.get_by_text("Jānis Bērziņš").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="Anna Kalniņa").click()
    page.wait_for_load_state()
    assert str(world.pupil_lizuma.public_id) in page.url
    assert page.locator("main h1").inner_text().strip().startswith("Anna Kalniņa")
    assert_accessible(page)
    assert AuditEvent.objects.filter(
        action="people.pupil.viewed", actor=world.teacher_lizuma, pupil_id=world.pupil_lizuma.pk
    ).exists()

    response = page.goto(base + reverse("pupil_detail", args=[world.pupil_tirzas.public_id]))
    assert response is not None
    assert response.status == 404
    assert page.get_by_text("Jānis Bērziņš").count() == 0


def test_pages_load_without_csp_violations_or_external_requests(live_server: Any, browser: Any) -> None:
    """Without the CSP bypass: no page of the walk triggers a violation or asks another host."""
    world = build_world()
    base = live_server.url
    context = browser.new_context(locale="lv-LV")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    foreign: list[str] = []
    page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(base) else None)
    broken: list[str] = []
    page.on(
        "response",
        lambda res: broken.append(f"{res.status} {res.url}") if "/static/" in res.url and res.status >= 400 else None,
    )

    log_in(page, base, world.teacher_lizuma.username)
    for url in (
        reverse("home"),
        reverse("class_detail", args=[world.lizuma_7a.public_id]),
        reverse("pupil_detail", args=[world.pupil_lizuma.public_id]),
        reverse("pupil_search") + "?q=Anna",
    ):
        page.goto(base + url)
        assert page.locator("link[rel=stylesheet]").count() >= 1
    context.close()
    assert problems == []
    assert foreign == []
    assert broken == [], "static files must be served by the app itself"
