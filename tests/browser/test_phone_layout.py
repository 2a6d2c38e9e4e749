"""Every role's main pages on a 390 px phone (issue 13): nothing makes the page scroll sideways —
wide tables scroll inside their own box or reflow — and axe-core stays clean."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
ROLES = (
    "teacher_lizuma",
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "coordinator_gulbene",
    "national",
    "dpo",
    "admin",
)


def main_pages(page: Any, base: str) -> list[str]:
    """The home page and every page the navigation offers."""
    links = page.eval_on_selector_all(".site-nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [reverse("home"), *dict.fromkeys(link for link in links if link.startswith("/"))]


def test_main_pages_of_every_role_fit_a_phone(live_server: Any, browser: Any) -> None:
    world = build_world()
    base = live_server.url
    extra = {
        "teacher_lizuma": [reverse("class_detail", args=[world.lizuma_7a.public_id])],
        "coordinator_lizuma": [reverse("pupil_detail", args=[world.pupil_lizuma.public_id])],
    }
    problems: dict[str, str] = {}
    for role in ROLES:
        context = browser.new_context(viewport=PHONE, locale="lv-LV", bypass_csp=True)
        page = context.new_page()
        log_in(page, base, getattr(world, role).username)
        for address in [*main_pages(page, base), *extra.get(role, [])]:
            response = page.goto(base + address)
            assert response is not None
            assert response.status == 200, f"{role} {address}: {response.status}"
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll, .data-table'))
                        .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
                )
                problems[f"{role} {address}"] = f"scrollWidth {width}: {wide}"
            violations = axe_violations(page)
            if violations:
                problems[f"{role} {address} axe"] = describe(violations)
        context.close()
    assert not problems, "\n".join(f"{where}: {what}" for where, what in problems.items())


def test_the_family_print_of_a_typical_plan_is_one_a4_page(live_server: Any, browser: Any) -> None:
    """Three risks, three goals and four measures print on one A4 page, naming the contact's
    e-mail and the parent who signed the application."""
    world = build_world()
    plan = typical_plan(world)
    context = browser.new_context(locale="lv-LV")
    page = context.new_page()
    log_in(page, live_server.url, world.coordinator_lizuma.username)
    page.goto(live_server.url + reverse("support_pupil:plan_print", args=[plan.public_id]))
    text = page.locator("main").inner_text()
    assert world.teacher_lizuma.email in text
    assert "Inga Kalniņa" in text
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    context.close()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def typical_plan(world: Any) -> Any:
    from pumpurs.people.models import Guardian
    from pumpurs.support.cases import case_open, consent_record
    from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_create, plan_save
    from pumpurs.support.testing import measure, period_on

    world.teacher_lizuma.email = "ilze.ozola@lizuma.example.lv"
    world.teacher_lizuma.save()
    actor = world.coordinator_lizuma
    mother = Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    case = case_open(actor=actor, pupil=world.pupil_lizuma, reason="Daudz neattaisnotu kavējumu")
    consent_record(actor=actor, case=case, guardian=mother, given_on=timezone.localdate(), method="paper")
    plan = plan_create(actor=actor, case=case, period=period_on(timezone.localdate()))
    name = world.teacher_lizuma.get_full_name()
    return plan_save(
        actor=actor,
        plan=plan,
        expected_version=plan.version,
        contact_person=f"{name}, klases audzinātāja",
        risks=[
            RiskInput(group="learning", description="Neattaisnoti kavējumi matemātikas un fizikas stundās"),
            RiskInput(group="learning", description="Nesekmīgi vērtējumi trijos priekšmetos"),
            RiskInput(group="economic", description="Ceļš uz skolu ir tāls un dārgs"),
        ],
        goals=[
            GoalInput(text="Apmeklēt skolu regulāri", target="Ne vairāk kā 5 neattaisnotas stundas mēnesī"),
            GoalInput(text="Uzlabot sekmes matemātikā", target="Semestra vērtējums matemātikā vismaz 5"),
            GoalInput(text="Laikā nokļūt skolā", target="Ne vairāk kā 2 kavējumi mēnesī"),
        ],
        measures=[
            MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(10)),
            MeasureInput(measure=measure("consult-social-pedagogue"), planned_quantity=Decimal(6)),
            MeasureInput(measure=measure("transport"), planned_quantity=Decimal(40), planned_cost=Decimal(60)),
            MeasureInput(
                measure=measure("learning-materials"),
                planned_quantity=Decimal(1),
                planned_cost=Decimal(35),
                provider=world.teacher_lizuma,
            ),
        ],
    )
