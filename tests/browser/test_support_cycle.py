"""The whole support cycle across four roles, in the browser — accessible at every step.

Ilze Ozola (Lizuma 7.a) accepts Anna's flag, opens a case, records her mother's consent, plans
a psychologist and transport compensation and submits; Juris Priede (director), Inese Gulbe
(Gulbene) and Zane Lapsa (national) approve from their inboxes; Māris Egle (psychologist) logs a
consultation; with a new questionnaire in, Ilze reviews the semester and closes the case.

Buttons are found by the form they post (action, hidden fields), not by their text: the page
is in Latvian and the wording may change with the translation.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.risk.questionnaire import assessment_new_version, assessment_start, assessment_submit
from pumpurs.risk.tests.watch_factories import flag_for, period_now
from pumpurs.support.models import Case, Delivery, Plan, PlanStatus, Review
from pumpurs.support.testing import guardian_for, measure
from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def submit(page: Any, form_selector: str) -> None:
    page.locator(f"{form_selector} button[type=submit]").first.click()
    page.wait_for_load_state()


def switch_user(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


def approve_from_inbox(page: Any, base: str, username: str, plan: Plan) -> None:
    switch_user(page, base, username)
    page.locator(f"nav.site-nav a[href='{reverse('support_approvals')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('support_plan', args=[plan.public_id])}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    submit(page, "form:has(input[name=action][value=approve])")
    assert page.locator(".message--error").count() == 0, page.locator(".messages").inner_text()


def test_the_support_cycle_across_four_roles(live_server: Any, page: Any) -> None:
    world = build_world()
    flag = flag_for(world.pupil_lizuma, "unjustified_semester", period=period_now(world))
    guardian_for(world.pupil_lizuma)
    base = live_server.url

    # Ilze accepts the flag on Anna's profile and opens a case from it.
    log_in(page, base, world.teacher_lizuma.username)
    page.goto(base + reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    submit(page, f"form[action='{reverse('flag_decide', args=[flag.public_id])}']:has(input[value=accept])")
    assert_accessible(page)
    submit(page, f"form:has(input[name=flag][value='{flag.public_id}'])")
    case = Case.objects.get(pupil=world.pupil_lizuma)
    assert case.origin == Case.Origin.FLAG
    assert reverse("support_case", args=[case.public_id]) in page.url
    assert_accessible(page)

    # Her mother's consent, on paper, today.
    submit(page, f"form[action='{reverse('support_consent_add', args=[case.public_id])}']")
    assert case.consents.count() == 1
    assert_accessible(page)

    # A plan for this semester with two measures.
    submit(page, f"form[action='{reverse('support_plan_start', args=[case.public_id])}']")
    plan = Plan.objects.get(case=case)
    assert reverse("support_plan_edit", args=[plan.public_id]) in page.url
    assert_accessible(page)
    # One measure is one row on a wide screen and stacks on a phone (issue 13, "forms and small screens").
    fields = [
        page.locator(f"[name=measures-0-{name}]").locator("xpath=ancestor::div[contains(@class, 'field')][1]")
        for name in ("measure", "provider", "planned_quantity", "planned_cost")
    ]
    page.set_viewport_size({"width": 1280, "height": 800})
    tops = [field.bounding_box()["y"] for field in fields]
    assert max(tops) - min(tops) < 1, tops
    page.set_viewport_size({"width": 390, "height": 844})
    tops = [field.bounding_box()["y"] for field in fields]
    assert all(upper < lower for upper, lower in pairwise(tops)), tops
    page.set_viewport_size({"width": 1280, "height": 800})
    page.select_option("select[name=risks-0-group]", "learning")
    page.fill("input[name=risks-0-description]", "Neattaisnoti kavējumi")
    page.fill("input[name=goals-0-text]", "Apmeklēt skolu regulāri")
    page.fill("input[name=goals-0-target]", "Ne vairāk kā 5 neattaisnotas stundas mēnesī")
    page.select_option("select[name=measures-0-measure]", str(measure("consult-psychologist").public_id))
    page.select_option("select[name=measures-0-provider]", str(world.specialist_lizuma.public_id))
    page.fill("input[name=measures-0-planned_quantity]", "10")
    page.select_option("select[name=measures-1-measure]", str(measure("transport").public_id))
    page.fill("input[name=measures-1-provider_name]", "Gulbenes autobusu parks")
    page.fill("input[name=measures-1-planned_quantity]", "40")
    page.fill("input[name=measures-1-planned_cost]", "60")
    submit(page, "form.plan-form")
    assert reverse("support_plan", args=[plan.public_id]) in page.url
    assert plan.measures.count() == 2
    assert_accessible(page)

    submit(page, "form:has(input[name=action][value=submit])")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert page.locator("form:has(input[name=action][value=approve])").count() == 0  # not hers to approve

    # Director, municipality, national.
    approve_from_inbox(page, base, world.director_lizuma.username, plan)
    approve_from_inbox(page, base, world.coordinator_gulbene.username, plan)
    approve_from_inbox(page, base, world.national.username, plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert_accessible(page)

    # Māris logs a consultation; the table shows it against the plan.
    switch_user(page, base, world.specialist_lizuma.username)
    page.locator(f"nav.site-nav a[href='{reverse('support_case_list')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='{reverse('support_plan', args=[plan.public_id])}']").click()
    page.wait_for_load_state()
    page.select_option("select[name=consultation-specialist]", str(world.specialist_lizuma.public_id))
    page.fill("input[name=consultation-minutes]", "45")
    page.select_option("select[name=consultation-mode]", "in_person")
    page.fill("input[name=consultation-topic]", "Motivācija mācīties")
    submit(page, f"form[action='{reverse('support_consultation_add', args=[plan.public_id])}']")
    assert Delivery.objects.filter(line__plan=plan).count() == 1
    assert_accessible(page)

    # A new questionnaire after the approval (a new version when this semester's was submitted).
    current = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    if current.status == current.Status.SUBMITTED:
        current = assessment_new_version(actor=world.teacher_lizuma, assessment=current)
    assessment_submit(actor=world.teacher_lizuma, assessment=current, unanswered_confirmed=True)

    # Ilze reviews the semester and closes the case: the risk is reduced.
    switch_user(page, base, world.teacher_lizuma.username)
    page.goto(base + reverse("support_plan", args=[plan.public_id]))
    submit(page, "form:has(input[name=action][value=start_review])")
    assert reverse("support_review", args=[plan.public_id]) in page.url
    assert_accessible(page)
    for radio in page.locator("input[type=radio][value=achieved]").all():
        radio.check()
    for radio in page.locator("input[type=radio][value=useful]").all():
        radio.check()
    page.check("input[name=decision][value=close]")
    page.select_option("select[name=close_reason]", "risk_reduced")
    page.fill("textarea[name=summary]", "Kavējumu vairs nav.")
    submit(page, "form.review-form")
    assert reverse("support_case", args=[case.public_id]) in page.url
    assert_accessible(page)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert Review.objects.get(plan=plan).decision == Review.Decision.CLOSE
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED
