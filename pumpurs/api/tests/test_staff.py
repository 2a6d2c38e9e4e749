"""Who is staff of a school is answered once (``access.staff_of``): Māris Egle, Lizuma's
psychologist, leaves and his account is switched off. From then on no page offers him as a team
member, a plan's provider or a consultation's specialist, no service accepts him, and neither
does the API — the same answer as for Dace Kalna of Tirzas or Inese Gulbe of the municipality,
who were never Lizuma's staff."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.api.testing import api_client
from pumpurs.people import access
from pumpurs.people.models import User
from pumpurs.support.cases import team_member_add
from pumpurs.support.delivery import consultation_record
from pumpurs.support.models import Plan
from pumpurs.support.plans import MeasureInput, plan_amend, plan_save
from pumpurs.support.testing import active_plan, measure
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def running_plan(world: World) -> Plan:
    stories.semester_now()
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def maris_leaves(world: World) -> User:
    maris = world.specialist_lizuma
    maris.is_active = False
    maris.save(update_fields=["is_active"])
    return maris


def outsiders(world: World) -> list[User]:
    return [world.specialist_lizuma, world.teacher_tirzas, world.coordinator_gulbene, world.nobody]


def offered(user: User, url: str, field: str) -> set[str]:
    """The public ids a page's ``<select name=field>`` offers."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    html = client.get(url).content.decode()
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"no {field} choice on {url}"
    return set(re.findall(r'<option value="([^"]+)"', select.group(1)))


def test_staff_of_a_school_are_its_active_grant_holders(world: World) -> None:
    lizuma = set(access.staff_of(world.lizuma))
    assert lizuma == {
        world.teacher_lizuma,
        world.teacher_lizuma_8a,
        world.specialist_lizuma,
        world.coordinator_lizuma,
        world.director_lizuma,
    }
    assert world.teacher_tirzas in access.staff_of(world.tirzas.pk)  # an id answers the same
    maris_leaves(world)
    assert world.specialist_lizuma not in access.staff_of(world.lizuma)


def test_who_left_is_offered_nowhere_and_accepted_by_no_service(world: World) -> None:
    plan = running_plan(world)
    case = plan.case
    maris = maris_leaves(world)
    ilze = world.teacher_lizuma
    staff = {str(u.public_id) for u in access.staff_of(world.lizuma)}

    # The pages offer the school's staff and nobody else.
    assert offered(ilze, reverse("support_case", args=[case.public_id]), "user") == staff
    assert (
        offered(world.coordinator_lizuma, reverse("support_plan", args=[plan.public_id]), "consultation-specialist")
        == staff
    )
    plan = plan_amend(actor=ilze, plan=plan, comment="Vairāk stundu")
    editor = offered(ilze, reverse("support_plan_edit", args=[plan.public_id]), "measures-0-provider")
    assert editor == staff
    assert str(maris.public_id) not in staff

    # The services refuse each outsider, Māris now among them.
    psychologist = measure("consult-psychologist")
    for outsider in outsiders(world):
        with pytest.raises(ValidationError, match="Only staff of the pupil's school"):
            team_member_add(actor=ilze, case=case, user=outsider, role="specialist")
        with pytest.raises(ValidationError, match="the provider must work at the pupil's school"):
            plan_save(
                actor=ilze,
                plan=plan,
                expected_version=plan.version,
                contact_person="Ilze Ozola",
                risks=[],
                goals=[],
                measures=[MeasureInput(measure=psychologist, planned_quantity=Decimal(10), provider=outsider)],
            )
    assert not case.team.filter(user=maris, removed_at__isnull=True).exists()
    team_member_add(actor=ilze, case=case, user=world.director_lizuma, role="other")  # staff still join


def test_who_left_cannot_be_named_for_a_consultation(world: World) -> None:
    plan = running_plan(world)
    maris_leaves(world)
    for outsider in outsiders(world):
        with pytest.raises(ValidationError, match="must work at the pupil's school"):
            consultation_record(
                actor=world.coordinator_lizuma,
                plan=plan,
                measure=measure("consult-psychologist"),
                held_on=timezone.localdate(),
                minutes=45,
                specialist=outsider,
                mode="in_person",
                topic="Motivācija",
            )
    assert not plan.measures.filter(deliveries__isnull=False).exists()


def test_the_api_refuses_who_left_with_a_400_on_the_field(world: World) -> None:
    plan = running_plan(world)
    maris_leaves(world)
    liga = api_client(world.coordinator_lizuma)
    for outsider in outsiders(world):
        held = liga.post(
            f"/api/v1/plans/{plan.public_id}/deliveries/",
            {
                "measure": "consult-psychologist",
                "held_on": timezone.localdate().isoformat(),
                "minutes": 45,
                "mode": "in_person",
                "topic": "Motivācija",
                "specialist": str(outsider.public_id),
            },
            format="json",
        )
        assert held.status_code == 400, held.json()
        assert set(held.json()["fields"]) == {"specialist"}
    amended = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Cits speciālists")
    ilze = api_client(world.teacher_lizuma)
    body: dict[str, Any] = {
        "version": amended.version,
        "contact_person": "Ilze Ozola",
        "risks": [],
        "goals": [{"text": "Apmeklēt skolu regulāri", "target": "Ne vairāk kā 5 stundas mēnesī"}],
        "measures": [{"code": "consult-psychologist", "planned_quantity": "10"}],
    }
    for outsider in outsiders(world):
        body["measures"][0]["provider"] = str(outsider.public_id)
        saved = ilze.put(f"/api/v1/plans/{amended.public_id}/", body, format="json")
        assert saved.status_code == 400, saved.json()
        assert set(saved.json()["fields"]) == {"measures.0.provider"}
    body["measures"][0]["provider"] = str(world.coordinator_lizuma.public_id)
    assert ilze.put(f"/api/v1/plans/{amended.public_id}/", body, format="json").status_code == 200
    assert amended.measures.get(measure__code="consult-psychologist").provider == world.coordinator_lizuma
