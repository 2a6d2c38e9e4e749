"""Issue 13, "Forms": every long form of the support record keeps what was typed when the server
refuses it, and shows the error summary at the top linking to each field (the one mechanism:
``includes/form_errors.html`` with ``{% error_summary %}``; ``core.testing.assert_kept``).

Ilze Ozola types into Anna's case, plan, review and edit forms; Līga Bērza records a low-income
status. Each refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.core.testing import assert_kept, assert_summary_links
from pumpurs.support.models import Consent, ContactEntry, Delivery, LowIncomeStatus, Plan, Review
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import active_plan, draft_plan, guardian_for, open_case
from pumpurs.support.tests.stories import semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def running_plan(world: World) -> Plan:
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def test_a_refused_consent_keeps_the_guardian_and_the_method(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    guardian = guardian_for(world.pupil_lizuma)
    response = client_for(world.teacher_lizuma).post(
        reverse("support_consent_add", args=[case.public_id]),
        {"given_by": str(guardian.public_id), "given_on": "31.02.2026", "method": "paper"},
    )
    summary = assert_kept(response, id_given_by=str(guardian.public_id), id_given_on="31.02.2026", id_method="paper")
    assert_summary_links(summary, "id_given_on")
    assert not Consent.objects.exists()


def test_a_refused_contact_keeps_the_summary_typed(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    response = client_for(world.teacher_lizuma).post(
        reverse("support_contact_add", args=[case.public_id]),
        {"happened_at": "vakar", "channel": "home_visit", "summary": "Runājām ar mammu par <kavējumiem>"},
    )
    summary = assert_kept(
        response, id_happened_at="vakar", id_channel="home_visit", id_summary="Runājām ar mammu par <kavējumiem>"
    )
    assert_summary_links(summary, "id_happened_at")
    assert not ContactEntry.objects.exists()


def test_a_refused_consultation_keeps_its_topic_and_links_the_minutes(world: World) -> None:
    plan = running_plan(world)
    line = plan.measures.get(measure__code="consult-psychologist")
    response = client_for(world.teacher_lizuma).post(
        reverse("support_consultation_add", args=[plan.public_id]),
        {
            "consultation-line": str(line.public_id),
            "consultation-held_on": timezone.localdate().isoformat(),
            "consultation-minutes": "900",
            "consultation-specialist": str(world.specialist_lizuma.public_id),
            "consultation-mode": "remote",
            "consultation-topic": "Mācību motivācija",
        },
    )
    summary = assert_kept(
        response,
        **{
            "id_consultation-minutes": "900",
            "id_consultation-topic": "Mācību motivācija",
            "id_consultation-mode": "remote",
            "id_consultation-specialist": str(world.specialist_lizuma.public_id),
        },
    )
    assert_summary_links(summary, "id_consultation-minutes")
    assert not Delivery.objects.exists()


def test_a_refused_compensation_or_item_keeps_the_dates_and_links_the_quantity(world: World) -> None:
    plan = running_plan(world)
    line = plan.measures.get(measure__code="transport")
    start = timezone.localdate().isoformat()
    response = client_for(world.teacher_lizuma).post(
        reverse("support_compensation_add", args=[plan.public_id]),
        {
            "compensation-line": str(line.public_id),
            "compensation-starts_on": start,
            "compensation-quantity": "0",
            "compensation-amount": "12,50x",
        },
    )
    summary = assert_kept(
        response,
        **{
            "id_compensation-line": str(line.public_id),
            "id_compensation-starts_on": start,
            "id_compensation-quantity": "0",
            "id_compensation-amount": "12,50x",
        },
    )
    assert_summary_links(summary, "id_compensation-quantity", "id_compensation-amount")
    assert not Delivery.objects.exists()


def test_a_refused_plan_keeps_every_row_typed_and_links_the_bad_cell(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    client = client_for(world.teacher_lizuma)
    url = reverse("support_plan_edit", args=[plan.public_id])
    form = {
        "version": str(plan.version),
        "contact_person": "Ilze Ozola, 26123456",
        **{f"{p}-{k}": "0" for p in ("risks", "goals", "measures") for k in ("INITIAL_FORMS", "MIN_NUM_FORMS")},
        **{f"{p}-{k}": "1000" for p in ("risks", "goals", "measures") for k in ("MAX_NUM_FORMS",)},
        "risks-TOTAL_FORMS": "1",
        "goals-TOTAL_FORMS": "1",
        "measures-TOTAL_FORMS": "1",
        "risks-0-group": "learning",
        "risks-0-description": "Neattaisnoti kavējumi",
        "goals-0-text": "Apmeklēt skolu",
        "goals-0-target": "",
        "measures-0-planned_quantity": "-4",
        "measures-0-note": "divreiz nedēļā",
    }
    response = client.post(url, form)
    summary = assert_kept(
        response,
        id_contact_person="Ilze Ozola, 26123456",
        **{
            "id_risks-0-description": "Neattaisnoti kavējumi",
            "id_goals-0-text": "Apmeklēt skolu",
            "id_measures-0-planned_quantity": "-4",
            "id_measures-0-note": "divreiz nedēļā",
        },
    )
    assert_summary_links(summary, "id_goals-0-target", "id_measures-0-measure", "id_measures-0-planned_quantity")
    assert Plan.objects.get(pk=plan.pk).version == plan.version


def test_a_refused_review_keeps_the_summary_and_links_the_decision(world: World) -> None:
    plan = running_plan(world)
    goal = plan.goals.order_by("order").first()
    assert goal is not None
    response = client_for(world.teacher_lizuma).post(
        reverse("support_review", args=[plan.public_id]),
        {"version": str(plan.version), "summary": "Apmeklējums uzlabojās", f"note_{goal.pk}": "Labi"},
    )
    summary = assert_kept(response, id_summary="Apmeklējums uzlabojās", **{f"id_note_{goal.pk}": "Labi"})
    assert_summary_links(summary, "id_decision_0", f"id_outcome_{goal.pk}_0")
    assert not Review.objects.exists()


def test_a_refused_low_income_status_keeps_the_source(world: World) -> None:
    today = timezone.localdate()
    url = reverse("support_pupil:low_income", args=[world.pupil_lizuma.public_id])
    response = client_for(world.coordinator_lizuma).post(
        url,
        {
            "kind": "needy",
            "valid_from": today.isoformat(),
            "valid_until": (today - dt.timedelta(days=1)).isoformat(),
            "source": "Sociālā dienesta lēmums Nr. 7",
        },
    )
    summary = assert_kept(response, id_kind="needy", id_source="Sociālā dienesta lēmums Nr. 7")
    assert_summary_links(summary, "id_valid_until")
    assert not LowIncomeStatus.objects.exists()


# --- Forms refused by another view, kept across the redirect (core/refusal.py) ---------------------


def test_a_refused_void_keeps_the_reason_typed_and_links_its_field(world: World) -> None:
    plan = running_plan(world)
    line = plan.measures.get(measure__code="transport")
    client = client_for(world.teacher_lizuma)
    day = timezone.localdate().isoformat()
    client.post(
        reverse("support_compensation_add", args=[plan.public_id]),
        {"compensation-line": str(line.public_id), "compensation-starts_on": day, "compensation-quantity": "2"},
    )
    delivery = Delivery.objects.get()
    response = client.post(reverse("support_delivery_void", args=[delivery.public_id]), {"reason": "   "}, follow=True)
    html = response.content.decode()
    assert f'href="#void-reason-{delivery.public_id}"' in html
    assert "Say why the delivery is voided." in html
    assert re.search(r"<details open>\s*<summary>Void \(entered by mistake\)</summary>", html)
    assert not Delivery.objects.get().is_voided


def test_a_refused_return_keeps_the_comment_typed_and_links_it(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    typed = "Trūkst mērķa par matemātiku"
    response = client_for(world.director_lizuma).post(
        reverse("support_plan_transition", args=[plan.public_id]),
        {"action": "return", "version": str(plan.version - 1), "comment": typed},
        follow=True,
    )
    html = response.content.decode()
    assert 'href="#return-comment"' in html
    textarea = re.search(r'id="return-comment"[^>]*>([^<]*)</textarea>', html)
    assert textarea is not None
    assert textarea.group(1) == typed
    assert Plan.objects.get(pk=plan.pk).status == plan.status
