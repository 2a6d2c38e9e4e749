"""Issue 13's "done when" walk: the Gulbene demo, as each role (class teacher, psychologist, social
pedagogue, school coordinator, director, municipality coordinator, national programme, data
protection officer, system administrator; the product has no parent's account), on a 390 px
phone: the home page, every page the navigation offers and the role's main forms, one of them
refused. On each page none of the issue's traps recurs: no page-wide sideways scroll (wide tables
scroll inside their own box or reflow), axe-core clean, no untranslated message or English error
code on the Latvian page (the server-side crawl's check, ``world/tests/test_demo_every_day.py``),
and dates written the one way (1.09.2026)."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from pumpurs.world.personas import build_world
from pumpurs.world.tests.test_demo_every_day import english_on
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo"  # the demo's published password (pumpurs demo prints it)

# Dates the Latvian pages must not show: ISO (2026-09-01), a leading zero (01.09.2026), a
# one-digit month (1.9.2026), slashes (1/09/2026). The one format is "1.09.2026" (formats/lv).
WRONG_DATE = re.compile(
    r"(?<![\w.-])(?:\d{4}-\d{2}-\d{2}|0\d\.\d{2}\.\d{4}|\d{1,2}\.\d\.\d{4}|\d{1,2}/\d{1,2}/\d{4})(?![\w-])"
)


def main_pages(page: Any, base: str) -> list[str]:
    """The home page and every page the navigation offers."""
    links = page.eval_on_selector_all(".site-nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [reverse("home"), *dict.fromkeys(link for link in links if link.startswith("/"))]


def demo_walk() -> dict[str, list[str]]:
    """The demo's accounts (and its social pedagogue at Lizuma, whom the printed logins leave out)
    → the main forms and records each reaches beyond its navigation, found in the seeded data."""
    from pumpurs.people.models import Institution
    from pumpurs.support.models import Case, Plan, PlanStatus

    call_command("demo", "--no-serve", stdout=StringIO())
    lizuma = Institution.objects.get(name="Lizuma pamatskola")
    case = Case.objects.filter(institution=lizuma, status=Case.Status.OPEN).order_by("pk").first()
    active = Plan.objects.filter(case__institution=lizuma, status=PlanStatus.ACTIVE).order_by("pk").first()
    assert case is not None, "the demo has an open case at Lizuma"
    assert active is not None, "the demo has an active plan at Lizuma"
    pupil = case.pupil
    records = [
        reverse("pupil_detail", args=[pupil.public_id]),
        reverse("questionnaire_pupil", args=[pupil.public_id]),
        reverse("support_case", args=[case.public_id]),
        reverse("support_plan", args=[active.public_id]),
    ]
    return {
        "lizums.audzinataja": records,
        "lizums.psihologs": records[2:],
        "lizums.socpedagogs": records[2:],
        "lizums.koordinators": [
            *records,
            reverse("support_review", args=[active.public_id]),
            reverse("support_pupil:low_income", args=[pupil.public_id]),
            reverse("staff_school_invite", args=[lizuma.public_id]),
        ],
        "lizums.direktors": records[2:],
        "tirza.audzinataja": [],
        "gulbene.koordinators": [reverse("finance_budget"), reverse("finance_rates"), records[3]],
        "ikvd.programma": [reverse("finance_rates")],
        "dati.aizsardziba": [],
        "sistema.admins": [],
    }


def traps_on(page: Any) -> list[str]:
    """What of issue 13's traps the page shows: a page-wide sideways scroll, axe violations,
    English on the Latvian page, a date written another way."""
    found = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll, .data-table'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        found.append(f"scrollWidth {width}: {wide}")
    if violations := axe_violations(page):
        found.append(describe(violations))
    body = page.content()
    if english := english_on(body):
        found.append(f"English: {english}")
    text = page.locator("body").inner_text()
    if dates := WRONG_DATE.findall(text):
        found.append(f"dates not in the one format: {sorted(set(dates))[:5]}")
    return found


def refuse_a_form(page: Any, base: str, username: str, walk: dict[str, list[str]]) -> str | None:
    """One main form of the role posted wrong: the refusal must come back Latvian, with the error
    summary at the top linking to the field, and still fit the phone. Returns the address."""
    if username == "lizums.koordinators":
        address = walk[username][-1]  # the staff invitation
        page.goto(base + address)
        page.fill("#id_first_name", "Baiba")
        page.fill("#id_email", "baiba.kalna@")
        page.locator("main form.stacked-form [type=submit]").click()
    elif username == "lizums.audzinataja":
        address = walk[username][1]  # the questionnaire
        page.goto(base + address)
        form = page.locator("#questionnaire-form")
        if form.count() == 0:
            return None  # submitted already this semester: nothing to refuse
        comment = form.locator("textarea").first
        comment.fill("Mācās tikai pirms kontroldarbiem")
        comment.evaluate(
            "t => { const f = t.closest('fieldset'); f.querySelectorAll('input[type=radio]').forEach(r => r.checked = false); }"
        )
        form.locator("button[value=save]").click()
    else:
        return None
    page.wait_for_load_state()
    summary = page.locator(".error-summary a[href^='#']")
    assert summary.count() >= 1, f"{username} {address}: no error summary linking to a field"
    target = summary.first.get_attribute("href")
    assert page.locator(target).count() == 1, f"{username} {address}: the summary's link {target} reaches no field"
    return address


def test_the_demo_walk_of_every_role_on_a_phone_finds_none_of_the_traps(live_server: Any, browser: Any) -> None:
    walk = demo_walk()
    base = live_server.url
    problems: dict[str, str] = {}
    visited = 0
    for username, extra in walk.items():
        context = browser.new_context(viewport=PHONE, locale="lv-LV", bypass_csp=True)
        page = context.new_page()
        page.goto(base + reverse("login"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
        assert reverse("login") not in page.url, f"{username} could not sign in"
        for address in dict.fromkeys([*main_pages(page, base), *extra]):
            response = page.goto(base + address)
            assert response is not None
            assert response.status == 200, f"{username} {address}: {response.status}"
            assert page.locator("html").get_attribute("lang") == "lv"
            visited += 1
            if found := traps_on(page):
                problems[f"{username} {address}"] = "; ".join(found)
        refused = refuse_a_form(page, base, username, walk)
        if refused is not None and (found := traps_on(page)):
            problems[f"{username} {refused} (refused)"] = "; ".join(found)
        context.close()
    assert visited >= 60, visited
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
