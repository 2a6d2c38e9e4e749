"""The support pages and the API's documentation page under the real Content-Security-Policy:
no violation, no request to another host, every static file served by the app."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pumpurs.support.testing import active_plan
from pumpurs.world.personas import build_world
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_support_pages_and_api_docs_keep_the_csp(live_server: Any, browser: Any) -> None:
    world = build_world()
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    base = live_server.url
    context = browser.new_context(locale="lv-LV")  # no CSP bypass here
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    foreign: list[str] = []
    page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(base) else None)
    broken: list[str] = []
    page.on("response", lambda res: broken.append(f"{res.status} {res.url}") if res.status >= 400 else None)

    log_in(page, base, world.teacher_lizuma.username)
    for url in (
        reverse("support_case_list"),
        reverse("support_case", args=[plan.case.public_id]),
        reverse("support_plan", args=[plan.public_id]),
        reverse("support_pupil:timeline", args=[world.pupil_lizuma.public_id]),
        reverse("support_pupil:plan_print", args=[plan.public_id]),
        reverse("support_catalogue:catalogue"),
    ):
        page.goto(base + url)
        assert page.locator("main h1").count() == 1, url

    # Swagger UI from the app's own static files, started by a script file, not inline code.
    page.goto(base + reverse("api:docs"))
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=15000)
    assert page.locator(".swagger-ui .opblock").count() >= 8
    context.close()
    assert problems == []
    assert foreign == []
    assert broken == []
