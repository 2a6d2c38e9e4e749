"""Rough edges found walking the Gulbene demo, each pinned by the page it showed on.

Ilze Ozola (Lizuma 7.a) met a "Plan for this semester" button on a case whose semester already
had its plan (pressing it only said no) and an empty "What you can do" once she had submitted;
Juris Priede read the approval step's code ("director") in his Latvian inbox; a family's plan
printed from an English session named a sensitive risk's group in English; the review's radio
buttons were stretched to the full width, the labels below them; the catalogue's version table
called the measure's name "Vārds, uzvārds" (a person's name).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.support.models import Plan
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_create, plan_save, plan_submit
from pumpurs.support.testing import active_plan, draft_plan, measure, open_case, period_on
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(user, url: str, language: str = "en") -> str:
    response = client_for(user, language).get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def running_plan(world: World) -> Plan:
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def test_the_case_offers_a_plan_only_while_the_semester_has_none(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    start = reverse("support_plan_start", args=[case.public_id])
    assert start in page(world.teacher_lizuma, reverse("support_case", args=[case.public_id]))
    draft_plan(world.teacher_lizuma, case)
    html = page(world.teacher_lizuma, reverse("support_case", args=[case.public_id]))
    assert start not in html
    assert "Plan for this semester" not in html


def test_a_plan_with_nothing_to_do_says_so(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    url = reverse("support_plan", args=[plan.public_id])
    nothing = "Nothing for you to do on this plan at the moment."
    assert nothing not in page(world.teacher_lizuma, url)  # the draft is hers to edit and submit
    plan_submit(actor=world.teacher_lizuma, plan=plan)
    assert nothing in page(world.teacher_lizuma, url)  # now it waits for the director
    director = page(world.director_lizuma, url)
    assert nothing not in director
    assert 'value="approve"' in director


def test_the_approvals_inbox_names_the_step_in_the_users_language(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    english = page(world.director_lizuma, reverse("support_approvals"))
    assert "<td>Director</td>" in english
    latvian = page(world.director_lizuma, reverse("support_approvals"), "lv")
    assert "<td>Direktors</td>" in latvian
    assert "<td>director</td>" not in latvian


def test_the_family_plan_names_a_sensitive_group_in_latvian_from_an_english_session(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_create(actor=world.teacher_lizuma, case=case, period=period_on(timezone.localdate()))
    plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola",
        risks=[RiskInput(group="family", description="Tēvs zaudējis darbu")],
        goals=[GoalInput(text="Apmeklēt skolu regulāri", target="Ne vairāk kā 5 kavētas stundas mēnesī")],
        measures=[MeasureInput(measure=measure("consult-psychologist"), planned_quantity=10)],
    )
    html = page(world.teacher_lizuma, reverse("support_pupil:plan_print", args=[plan.public_id]), "en")
    assert "<li>Ar ģimeni saistītie riski</li>" in html
    assert "<li>family</li>" not in html
    assert "Tēvs zaudējis darbu" not in html


def test_review_radio_buttons_sit_before_their_labels_outside_the_stretched_field(world: World) -> None:
    plan = running_plan(world)
    html = page(world.teacher_lizuma, reverse("support_review", args=[plan.public_id]))
    decision = re.search(r"<fieldset[^>]*>\s*<legend>What happens next</legend>(.*?)</fieldset>", html, re.S)
    assert decision is not None
    assert 'class="field' not in decision.group(0)  # ".field input" is width: 100% (pumpurs.css)
    assert re.search(r'<input type="radio" name="decision" value="continue"[^>]*>\s*<label for=', decision.group(1))


def test_the_catalogue_versions_table_heads_the_name_column_as_the_measure(world: World) -> None:
    m = measure("consult-psychologist")
    html = page(world.national, reverse("support_catalogue:measure_change", args=[m.public_id]), "lv")
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head is not None
    assert "Pasākums" in head.group(1)
    assert "Vārds, uzvārds" not in head.group(1)
    low_income = re.search(r'<div[^>]*>\s*<input type="checkbox" name="requires_low_income"', html)
    assert low_income is not None
    assert 'class="field' not in low_income.group(0)
