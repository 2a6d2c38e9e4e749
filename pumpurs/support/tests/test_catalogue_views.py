"""The measure catalogue page: everyone in support reads it, the national team changes it.

Ilze Ozola (class teacher) sees today's catalogue with unknown costs plainly "not set", and the
catalogue of another day. The national team adds a measure and changes a unit cost from a date;
both versions stay visible. The Lizuma coordinator may read but finds no way to change it (the
editing pages answer 404, as the questionnaire instruments do); someone with no role does not find
the catalogue at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.support.models import Measure
from pumpurs.support.testing import measure
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("support_catalogue:catalogue")
CREATE = reverse("support_catalogue:measure_create")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def change_url(m: Measure) -> str:
    return reverse("support_catalogue:measure_change", args=[m.public_id])


def test_teacher_reads_todays_catalogue_with_unknown_costs_visible(world: World) -> None:
    html = client_for(world.teacher_lizuma).get(CATALOGUE).content.decode()
    psychologist = measure("consult-psychologist")
    assert psychologist.name_en in html
    assert "not set" in html
    assert "Add a measure" not in html
    assert change_url(psychologist) not in html


def test_national_team_changes_a_cost_from_a_date_and_both_versions_show(world: World) -> None:
    client = client_for(world.national)
    psychologist = measure("consult-psychologist")
    assert client.get(change_url(psychologist)).status_code == 200
    start = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        change_url(psychologist),
        {
            "action": "change",
            "effective_from": start.isoformat(),
            "name": psychologist.name,
            "name_en": psychologist.name_en,
            "cap_per_plan": "250.00",
        },
    )
    assert response.status_code == 302
    versions = list(Measure.objects.filter(code="consult-psychologist").order_by("valid_from"))
    assert [v.cap_per_plan for v in versions] == [None, Decimal("250.00")]
    assert versions[0].valid_until == start - dt.timedelta(days=1)

    today_html = client_for(world.teacher_lizuma).get(CATALOGUE).content.decode()
    later_html = client_for(world.teacher_lizuma).get(CATALOGUE + f"?on={start.isoformat()}").content.decode()
    assert "250.00" in later_html
    assert "2 versions" in today_html


def test_unchanged_terms_and_a_bad_date_are_refused_on_the_form(world: World) -> None:
    client = client_for(world.national)
    transport = measure("transport")
    same = {
        "action": "change",
        "name": transport.name,
        "name_en": transport.name_en,
        "cap_per_plan": "",
    }
    response = client.post(change_url(transport), {**same, "effective_from": "2099-01-01"})
    assert response.status_code == 200
    assert "Nothing differs from the version in force" in response.content.decode()
    response = client.post(
        change_url(transport), {**same, "cap_per_plan": "150.00", "effective_from": transport.valid_from.isoformat()}
    )
    assert response.status_code == 200
    assert "Choose a date after" in response.content.decode()
    assert Measure.objects.filter(code="transport").count() == 1


def test_national_team_adds_a_measure_and_a_duplicate_code_is_refused(world: World) -> None:
    client = client_for(world.national)
    assert client.get(CREATE).status_code == 200
    data = {
        "code": "consult-tutor",
        "category": "consultation",
        "specialist_kind": "psychologist",
        "name": "Pedagoga konsultācija",
        "name_en": "Tutor consultation",
        "unit": "hour",
        "cap_per_plan": "",
        "valid_from": timezone.localdate().isoformat(),
    }
    assert client.post(CREATE, data).status_code == 302
    assert Measure.objects.get(code="consult-tutor").cap_per_plan is None
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "A measure with this code exists" in response.content.decode()
    response = client.post(CREATE, {**data, "code": "consult-other", "specialist_kind": ""})
    assert "A consultation names the kind of specialist." in response.content.decode()


def test_retiring_a_measure_moves_it_out_of_force(world: World) -> None:
    client = client_for(world.national)
    meals = measure("meals")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        change_url(meals),
        {"action": "retire", "effective_from": tomorrow.isoformat(), "name": meals.name, "name_en": meals.name_en},
    )
    assert response.status_code == 302
    html = client_for(world.national).get(CATALOGUE + f"?on={tomorrow.isoformat()}").content.decode()
    assert "Not in force on that day" in html
    meals.refresh_from_db()
    assert meals.valid_until == timezone.localdate()


def test_coordinator_cannot_change_the_catalogue(world: World) -> None:
    client = client_for(world.coordinator_lizuma)
    page = client.get(CATALOGUE)
    assert page.status_code == 200
    assert "Add a measure" not in page.content.decode()
    assert "Change or retire" not in page.content.decode()
    assert client.get(CREATE).status_code == 404
    transport = measure("transport")
    assert client.get(change_url(transport)).status_code == 404
    response = client.post(
        change_url(transport),
        {"action": "change", "effective_from": "2099-01-01", "name": "x", "name_en": "x", "cap_per_plan": "9"},
    )
    assert response.status_code == 404
    assert Measure.objects.filter(code="transport").count() == 1


def test_without_a_support_role_the_catalogue_does_not_exist(world: World) -> None:
    assert client_for(world.nobody).get(CATALOGUE).status_code == 404
    assert client_for(world.admin).get(CREATE).status_code == 404
