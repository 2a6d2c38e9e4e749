"""Issue 13, traps 2 and 4, in the browser — accessible at every step.

Trap 2: Ilze amends Anna's active plan (more psychologist hours). While the change waits for
three approvals, Māris still finds the consultation form on the plan in force and logs a
consultation; the approvals apply the change to that plan, whose line keeps its delivery.

Trap 4: Māris (psychologist, not on the team) reads Anna's case but finds no way to change it,
close it, withdraw consent or remove anyone. Līga (school coordinator) closes it: a confirmation
page says what will happen, nothing happens until she confirms, and she can reopen the case.

Buttons are found by the form they post (action, hidden fields), not by their text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.support.models import Case, Delivery, Plan, PlanStatus
from pumpurs.support.testing import active_plan, guardian_for
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import approve_from_inbox, assert_accessible, submit, switch_user
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_deliveries_go_on_while_an_amendment_waits_for_approval(live_server: Any, page: Any) -> None:
    world = build_world()
    guardian_for(world.pupil_lizuma)
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    line = plan.measures.get(measure__code="consult-psychologist")
    base = live_server.url

    # Ilze asks for more hours: the change is a draft of its own; she edits and submits it.
    log_in(page, base, world.teacher_lizuma.username)
    page.goto(base + reverse("support_plan", args=[plan.public_id]))
    page.locator("details.explain:has(input[name=action][value=amend]) summary").click()
    page.fill("#amend-comment", "Vajag vairāk psihologa stundu")
    submit(page, "form:has(input[name=action][value=amend])")
    change = Plan.objects.get(amends=plan)
    assert reverse("support_plan_edit", args=[change.public_id]) in page.url
    assert_accessible(page)
    # The change starts as a copy of the plan: the psychologist is its first line.
    assert page.locator("select[name=measures-0-measure]").input_value() == str(line.measure.public_id)
    page.fill("input[name=measures-0-planned_quantity]", "20")
    submit(page, "form.plan-form")
    assert reverse("support_plan", args=[change.public_id]) in page.url
    assert page.locator(".amendment-note").count() == 1
    assert page.locator(f"form[action='{reverse('support_consultation_add', args=[change.public_id])}']").count() == 0
    assert_accessible(page)
    submit(page, "form:has(input[name=action][value=submit])")
    change.refresh_from_db()
    assert change.status == PlanStatus.SUBMITTED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    # Māris still records a consultation against the plan in force.
    switch_user(page, base, world.specialist_lizuma.username)
    page.goto(base + reverse("support_plan", args=[plan.public_id]))
    assert page.locator(".amendment-note").count() == 1
    assert_accessible(page)
    page.select_option("select[name=consultation-specialist]", str(world.specialist_lizuma.public_id))
    page.fill("input[name=consultation-minutes]", "60")
    page.select_option("select[name=consultation-mode]", "in_person")
    page.fill("input[name=consultation-topic]", "Motivācija mācīties")
    submit(page, f"form[action='{reverse('support_consultation_add', args=[plan.public_id])}']")
    assert Delivery.objects.filter(line=line).count() == 1
    assert_accessible(page)

    # Three approvals from the inboxes apply the change to the plan in force.
    approve_from_inbox(page, base, world.director_lizuma.username, change)
    approve_from_inbox(page, base, world.coordinator_gulbene.username, change)
    approve_from_inbox(page, base, world.national.username, change)
    change.refresh_from_db()
    assert change.status == PlanStatus.CLOSED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    line.refresh_from_db()
    assert line.planned_quantity == Decimal(20)
    assert line.deliveries.count() == 1
    page.goto(base + reverse("support_plan", args=[plan.public_id]))
    assert page.locator(".amendment-note").count() == 0
    assert_accessible(page)


def test_destructive_steps_need_the_right_role_and_a_confirmation(live_server: Any, page: Any) -> None:
    world = build_world()
    guardian_for(world.pupil_lizuma)
    plan = active_plan(world.teacher_lizuma, world.pupil_lizuma)  # submitted, not active: the case can close
    case = plan.case
    case_url = reverse("support_case", args=[case.public_id])
    close_form = f"form[action='{reverse('support_case_close', args=[case.public_id])}']"
    base = live_server.url

    # Māris is not on the team: he reads the case, and nothing on it is his to change.
    log_in(page, base, world.specialist_lizuma.username)
    page.goto(base + case_url)
    assert page.locator("main h1").count() == 1
    assert page.locator(close_form).count() == 0
    assert page.locator(f"form[action='{reverse('support_team_remove', args=[case.public_id])}']").count() == 0
    assert page.locator("form[action*='/withdraw/']").count() == 0
    assert page.locator(f"form[action='{reverse('support_consent_add', args=[case.public_id])}']").count() == 0
    assert_accessible(page)

    # Līga, the school coordinator, closes the case: first a confirmation, then the step.
    switch_user(page, base, world.coordinator_lizuma.username)
    page.goto(base + case_url)
    page.select_option(f"{close_form} select[name=reason]", "moved")
    submit(page, close_form)
    assert page.locator(".confirm-step").count() == 1
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN  # nothing yet
    assert_accessible(page)
    submit(page, "form:has(input[name=confirmed][value=yes])")
    closed = Case.objects.get(pk=case.pk)
    assert (closed.status, closed.close_reason) == (Case.Status.CLOSED, "moved")
    assert case_url in page.url
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED

    # The way back: she reopens it with a reason, and the unfinished plan is a draft again.
    reopen_form = f"form[action='{reverse('support_case_reopen', args=[case.public_id])}']"
    page.fill(f"{reopen_form} textarea[name=reason]", "Slēgts kļūdas pēc: skolēns nav pārcēlies")
    submit(page, reopen_form)
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert_accessible(page)
