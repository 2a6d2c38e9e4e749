"""A training in the browser, from its creation to printed certificates (issue 16), accessible at
every step. Inese Gulbe (Gulbene's coordinator) creates a training for today; Līga Bērza
registers two Lizuma colleagues; Inese adds a youth worker by name, marks who came and prints
the certificates — one page each, for those present only."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pumpurs.prevention.models import Participant, Training
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible, submit, switch_user
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_training_from_creation_to_printed_certificates(live_server: Any, page: Any) -> None:
    world = build_world()
    base = live_server.url
    log_in(page, base, world.coordinator_gulbene.username)
    page.locator(f"nav.site-nav a[href='{reverse('prevention:trainings')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('prevention:training_create')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=title]", "Kā laikus pamanīt riskus")
    page.fill("textarea[name=topic]", "Riska pazīmes un sadarbība ar ģimeni")
    page.fill("input[name=organiser]", "Gulbenes novada pašvaldība")
    page.select_option("select[name=audience]", "teachers")
    page.fill("input[name=place]", "Gulbenes novada vidusskola")
    page.fill("input[name=starts_on]", "2026-11-12")
    page.fill("input[name=ends_on]", "2026-11-12")
    page.fill("input[name=hours]", "6")
    submit(page, "main form.stacked-form")
    training = Training.objects.get()
    assert page.url.endswith(reverse("prevention:training", args=[training.public_id]))
    assert_accessible(page)

    switch_user(page, base, world.coordinator_lizuma.username)
    page.goto(base + reverse("prevention:training", args=[training.public_id]))
    assert_accessible(page)
    staff_form = f"form[action='{reverse('prevention:register_staff', args=[training.public_id])}']"
    for colleague in (world.teacher_lizuma, world.specialist_lizuma):
        page.select_option(f"{staff_form} select[name=person]", f"{world.lizuma.public_id}:{colleague.public_id}")
        submit(page, staff_form)
        assert_accessible(page)
    assert Participant.objects.count() == 2

    switch_user(page, base, world.coordinator_gulbene.username)
    page.goto(base + reverse("prevention:training", args=[training.public_id]))
    external = f"form[action='{reverse('prevention:register_external', args=[training.public_id])}']"
    page.fill(f"{external} input[name=name]", "Eva Zeltiņa")
    page.fill(f"{external} input[name=organisation]", "Gulbenes jauniešu centrs")
    submit(page, external)
    assert_accessible(page)
    came = Participant.objects.exclude(user=world.specialist_lizuma)
    for participant in came:
        page.check(f"input[name=present][value='{participant.public_id}']")
    submit(page, f"form[action='{reverse('prevention:attendance', args=[training.public_id])}']")
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('prevention:certificates', args=[training.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    certificates = page.locator("article.certificate")
    assert certificates.count() == 2
    text = page.locator("main").inner_text()
    assert "Ilze Ozola" in text
    assert "Eva Zeltiņa" in text
    assert "Māris Egle" not in text  # absent: no certificate
    page.emulate_media(media="print")
    assert not page.locator("nav.site-nav").is_visible()
    assert page.locator("article.certificate").first.evaluate("e => getComputedStyle(e).breakAfter") == "page"
    assert page.pdf()[:4] == b"%PDF"
