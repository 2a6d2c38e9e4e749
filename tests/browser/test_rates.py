"""The rates page in the browser (issue 14): Zane (national programme) opens "Rates" from the menu,
sees the psychologist's hour "not set", sets it from the school year's start as an example figure
and finds it in force and in the history; Inese (Gulbene) sets Gulbene's own transport rate where the
programme allows it. Every page axe-clean. Buttons are found by the form they post."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pumpurs.finance.models import Rate
from pumpurs.support.catalogue import measure_change
from pumpurs.support.testing import measure
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible, submit, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_national_and_municipal_rates_are_set_on_the_page(live_server: Any, page: Any) -> None:
    world = build_world()
    measure_change(
        actor=world.national, measure=measure("transport"), effective_from=world.year.starts_on,
        municipal_rate_allowed=True,
    )  # fmt: skip
    base = live_server.url
    start = world.year.starts_on.isoformat()

    switch_user(page, base, world.national.username)
    page.locator(f"nav.site-nav a[href='{reverse('finance_rates')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    row = page.locator("table[data-table=rates] tr:has(a[href='?measure=consult-psychologist'])").first
    assert row.locator(".unset").count() == 1  # nothing invented
    row.locator("a[href='?measure=consult-psychologist#h-set']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    form = f"form[action='{reverse('finance_rate_set')}']"
    page.fill(f"{form} input[name=valid_from]", start)
    page.fill(f"{form} input[name=unit]", "25,00")
    page.fill(f"{form} input[name=cap_month]", "120,00")
    page.check(f"{form} input[name=is_example]")
    submit(page, form)
    assert page.locator(".message--error").count() == 0
    rate = Rate.objects.get(measure_code="consult-psychologist")
    assert (rate.unit_cents, rate.cap_month_cents, rate.is_example) == (2500, 12000, True)
    history = page.locator("table[data-table=history]").inner_text()
    assert "25,00" in history
    assert "120,00" in history
    assert_accessible(page)

    switch_user(page, base, world.coordinator_gulbene.username)
    page.goto(base + reverse("finance_rates") + "?measure=transport")
    assert_accessible(page)
    page.fill(f"{form} input[name=valid_from]", start)
    page.fill(f"{form} input[name=unit]", "1,20")
    page.select_option(f"{form} select[name=municipality]", str(world.gulbene.pk))
    submit(page, form)
    own = Rate.objects.get(measure_code="transport")
    assert (own.municipality, own.unit_cents) == (world.gulbene, 120)
    assert "1,20" in page.locator("table[data-table=rates]").inner_text()
    assert_accessible(page)
