"""Issue 13, traps 1 and 5, in the browser — accessible at every step.

Trap 1: Ilze accepts the flag of Anna (61 unjustified lessons) on her page and opens no case: Anna
stays on the watch list, marked "no support case yet", until Līga opens a case for her.

Trap 5: a page that does not exist, and a pupil of another school, answer the site's own page — its
navigation, Latvian or English, a way back; a form whose security token went stale (an old tab)
comes back with what was typed and sends it again with one click.

Forms are found by what they post (action, hidden fields), not by their text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.journal.models import AttendanceDay
from pumpurs.risk.models import FlagStatus, Level
from pumpurs.risk.tests.watch_factories import assessment_for, flag_for, period_now
from pumpurs.support.models import Case
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible, submit, switch_user
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AWAITING = "Signāls pieņemts: atbalsta lietas vēl nav"


def watch_names(page: Any, base: str) -> list[str]:
    page.goto(base + reverse("watch_list"))
    assert_accessible(page)
    return page.locator("main table tbody th[scope=row] a").all_inner_texts()


def test_an_accepted_flag_keeps_the_pupil_listed_until_a_case_exists(live_server: Any, page: Any) -> None:
    world = build_world()
    base = live_server.url
    period = period_now(world)
    assessment_for(world.pupil_lizuma, Level.LOW, period=period, by=world.teacher_lizuma)
    flag = flag_for(world.pupil_lizuma, "unjustified_semester", period=period, value="61")
    AttendanceDay.objects.bulk_create(
        [
            AttendanceDay(pupil=world.pupil_lizuma, date=dt.date(2026, 11, 2), lessons=6, unjustified=6),
            AttendanceDay(pupil=world.pupil_lizuma, date=dt.date(2026, 11, 10), lessons=6, illness=3, unjustified=1),
        ]
    )

    log_in(page, base, world.teacher_lizuma.username)
    page.goto(base + reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    # Her weeks (issue 15) are drawn on her page, accessible like the rest of it.
    assert page.locator("svg[aria-labelledby=weekly-title] rect.trend__bar").count() == 3
    assert_accessible(page)
    accept = f"form[action='{reverse('flag_decide', args=[flag.public_id])}']:has(input[name=action][value=accept])"
    submit(page, accept)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACCEPTED
    assert_accessible(page)

    # No case: Anna has not disappeared — she is listed, and the list says what is missing.
    assert watch_names(page, base) == ["Anna Kalniņa"]
    assert AWAITING in page.locator("main").inner_text()

    switch_user(page, base, world.coordinator_lizuma.username)
    assert watch_names(page, base) == ["Anna Kalniņa"]
    page.goto(base + reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    submit(page, f"form[action='{reverse('support_case_open', args=[world.pupil_lizuma.public_id])}']")
    assert Case.objects.filter(pupil=world.pupil_lizuma, closed_at__isnull=True).count() == 1
    assert_accessible(page)
    assert watch_names(page, base) == []  # served: a case exists


def test_error_pages_have_the_layout_a_way_back_and_both_languages(live_server: Any, browser: Any) -> None:
    world = build_world()
    base = live_server.url
    for locale, heading, way_back in (
        ("lv-LV", "Lapa nav atrasta", "Uz savu sākumlapu"),
        ("en-GB", "Page not found", "Go to your start page"),
    ):
        context = browser.new_context(bypass_csp=True, locale=locale)
        page = context.new_page()
        log_in(page, base, world.teacher_lizuma.username)
        for url in ("/no-such-page/", reverse("pupil_detail", args=[world.pupil_tirzas.public_id])):
            response = page.goto(base + url)
            assert response is not None
            assert response.status == 404
            assert page.locator("h1").inner_text() == heading
            assert page.locator("nav.site-nav").count() == 1  # the site's navigation, not a bare page
            assert "DEBUG" not in page.content()
            assert_accessible(page)
        page.get_by_role("link", name=way_back).click()
        page.wait_for_load_state()
        assert page.url.rstrip("/") == base
        context.close()


def test_a_stale_form_comes_back_with_what_was_typed_and_sends_it_again(live_server: Any, page: Any) -> None:
    world = build_world()
    base = live_server.url
    typed = "Daudz kavējumu pēc brīvdienām; mamma lūdz palīdzību"
    log_in(page, base, world.coordinator_lizuma.username)
    url = reverse("support_case_open", args=[world.pupil_lizuma.public_id])
    page.goto(base + url)
    page.fill("main textarea[name=reason]", typed)
    # An old tab: the token the form carries no longer matches the session's.
    page.evaluate(
        "document.querySelectorAll('main input[name=csrfmiddlewaretoken]').forEach(i => i.value = 'x'.repeat(64))"
    )
    submit(page, f"main form[action='{url}']")
    assert page.locator("h1").inner_text() == "Veidlapas derīgums beidzies"
    assert page.locator("nav.site-nav").count() == 1
    assert not Case.objects.filter(pupil=world.pupil_lizuma).exists()
    assert_accessible(page)

    submit(page, f"main form[action='{url}']")  # "Nosūtīt veidlapu vēlreiz"
    case = Case.objects.get(pupil=world.pupil_lizuma)
    assert case.reason == typed
    assert typed in page.locator("main").inner_text()
    assert_accessible(page)
