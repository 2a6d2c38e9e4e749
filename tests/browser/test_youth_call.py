"""A youth initiative call in the browser, from opening to an approved project's report (issue 16),
accessible at every step. The pages are in Latvian; fields are found by name, forms by action.

Inese Gulbe (Gulbene's coordinator) drafts a call, names Juris Priede and Anna Vītola as its
evaluators and opens it; she enters an application — refused first with the numbers for asking
more than the maximum — and starts the evaluation. Both evaluators score it; Inese approves a
lower amount and prints the award letter. After the project ends she enters its report and
approves it: the money not spent returns to the call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.world.personas import build_world
from pumpurs.youth.models import Application, Call
from tests.browser.test_support_cycle import assert_accessible, submit, switch_user
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _go(page: Any, base: str, url: str) -> None:
    page.goto(base + url)
    assert_accessible(page)


def test_a_call_from_opening_to_an_approved_projects_report(live_server: Any, page: Any, clock: Any) -> None:
    world = build_world()
    base = live_server.url
    log_in(page, base, world.coordinator_gulbene.username)
    page.locator(f"nav.site-nav a[href='{reverse('youth:calls')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('youth:call_create')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=title]", "Jauniešu iniciatīvas 2027")
    page.fill("input[name=opens_on]", "2026-11-12")
    page.fill("input[name=closes_on]", "2026-12-12")
    page.fill("input[name=total]", "20000")
    page.fill("input[name=max_per_project]", "4600")
    page.fill("textarea[name=eligibility]", "Biedrības, kas strādā ar jauniešiem")
    page.fill("input[name=criterion_1]", "Atbilstība mērķim")
    page.fill("input[name=weight_1]", "60")
    page.fill("input[name=criterion_2]", "Budžeta pamatotība")
    page.fill("input[name=weight_2]", "40")
    submit(page, "main form.stacked-form")
    call = Call.objects.get()
    assert page.url.endswith(reverse("youth:call", args=[call.public_id]))
    assert_accessible(page)
    for evaluator in (world.director_lizuma, world.coordinator_tirzas):
        page.check(f"input[name=evaluators][value='{evaluator.pk}']")
    submit(page, f"form[action='{reverse('youth:call_evaluators', args=[call.public_id])}']")
    submit(page, f"form[action='{reverse('youth:call_open', args=[call.public_id])}']")
    assert_accessible(page)

    page.locator(f"main a[href='{reverse('youth:application_create', args=[call.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    fields = {
        "organisation": "Biedrība “Gulbenes jaunieši”",
        "registration_number": "40008000001",
        "contact_name": "Marta Kļava",
        "contact_email": "marta@example.lv",
        "title": "Pārgājienu klubs",
        "starts_on": "2026-12-01",
        "ends_on": "2027-03-31",
        "participants_expected": "15",
        "age_from": "13",
        "age_to": "18",
        "requested": "4700",
        "item_1": "Ekipējums",
        "amount_1": "4700",
    }
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.fill("textarea[name=aims]", "Iesaistīt jauniešus")
    page.fill("textarea[name=activities]", "Pārgājieni un nometne")
    submit(page, "main form.stacked-form")
    assert_accessible(page)
    refusal = page.locator(".error-summary").inner_text()
    assert "4700,00 EUR" in refusal
    assert "4600,00 EUR" in refusal
    assert not Application.objects.exists()
    page.fill("[name=requested]", "3000")
    page.fill("[name=amount_1]", "2000")
    page.fill("[name=item_2]", "Transports")
    page.fill("[name=amount_2]", "1000")
    submit(page, "main form.stacked-form")
    application = Application.objects.get()
    assert page.url.endswith(reverse("youth:application", args=[application.public_id]))
    assert_accessible(page)
    _go(page, base, reverse("youth:call", args=[call.public_id]))
    submit(page, f"form[action='{reverse('youth:call_evaluate', args=[call.public_id])}']")

    for evaluator, score in ((world.director_lizuma, "8"), (world.coordinator_tirzas, "7")):
        switch_user(page, base, evaluator.username)
        _go(page, base, reverse("youth:application", args=[application.public_id]))
        for criterion in call.criteria.all():
            page.fill(f"input[name=score_{criterion.pk}]", score)
        page.check("input[name=no_conflict]")
        submit(page, f"form[action='{reverse('youth:application_score', args=[application.public_id])}']")
        assert_accessible(page)
    assert application.evaluations.count() == 2

    switch_user(page, base, world.coordinator_gulbene.username)
    _go(page, base, reverse("youth:call", args=[call.public_id]))
    assert "75,00" in page.locator("main table").last.inner_text()  # mean of 80 and 70 points
    _go(page, base, reverse("youth:application", args=[application.public_id]))
    page.check("input[name=decision][value=approve]")
    page.fill("input[name=awarded]", "2500")
    submit(page, f"form[action='{reverse('youth:application_decide', args=[application.public_id])}']")
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('youth:award_letter', args=[application.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    letter = page.locator("article.letter").inner_text()
    assert "2500,00 EUR" in letter
    assert "Biedrība “Gulbenes jaunieši”" in letter
    page.emulate_media(media="print")
    assert not page.locator("nav.site-nav").is_visible()
    assert page.pdf()[:4] == b"%PDF"
    page.emulate_media(media="screen")

    # The project ended on 31 March; in April its report comes in.
    clock.move_to(dt.datetime(2027, 4, 7, 8, 0, tzinfo=dt.UTC))
    switch_user(page, base, world.coordinator_gulbene.username)
    _go(page, base, reverse("youth:application", args=[application.public_id]))
    page.locator(f"main a[href='{reverse('youth:report_create', args=[application.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=participants_reached]", "17")
    page.fill("textarea[name=activities_done]", "Seši pārgājieni un nometne")
    page.fill("input[name=item_1]", "Ekipējums")
    page.fill("input[name=amount_1]", "2000")
    page.fill("input[name=item_2]", "Transports")
    page.fill("input[name=amount_2]", "350")
    submit(page, "main form.stacked-form")
    assert_accessible(page)
    # Four eyes: she entered the report, so the national team approves it.
    switch_user(page, base, world.national.username)
    _go(page, base, reverse("youth:application", args=[application.public_id]))
    submit(page, f"form[action='{reverse('youth:report_approve', args=[application.public_id])}']")
    assert_accessible(page)
    assert "150,00 EUR" in page.locator("main").inner_text()  # returns to the call
    _go(page, base, reverse("youth:call", args=[call.public_id]))
    facts = page.locator("main dl.facts").inner_text()
    assert "150,00 EUR" in facts
    assert "17650,00 EUR" in facts.replace("\u00a0", "")  # 20 000 − 2 500 + 150 left to award
