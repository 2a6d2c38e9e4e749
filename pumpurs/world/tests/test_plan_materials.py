"""A support plan's line names the materials of the library it used (issue 16, decision 0027).

Support and prevention are siblings that may not import each other: the plan page shows
prevention's panel and the plan's POST calls prevention's setter, both registered in
``people.registry``. So this story lives in world, the one place that sees both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import User
from pumpurs.prevention.materials import material_create
from pumpurs.prevention.models import Material, MaterialUse
from pumpurs.support.models import Plan
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _material(world: World, title: str) -> Material:
    return material_create(
        actor=world.national,
        municipality=None,
        title=title,
        description="",
        language="lv",
        audience="teachers",
        topics=["learning"],
        file=None,
        url="https://example.lv/celvedis",
        now=timezone.now(),
    )


def _plan(world: World) -> Plan:
    return draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))


def test_a_plan_line_names_the_materials_it_used_and_the_page_links_them(world: World) -> None:
    guide, talk = _material(world, "Ceļvedis: sarunas ar ģimeni"), _material(world, "Saruna ar skolēnu")
    plan = _plan(world)
    line = plan.measures.get(measure__code="consult-psychologist")
    teacher = _client(world.teacher_lizuma)
    url = reverse("support_plan_materials", args=[plan.public_id])

    response = teacher.post(
        url, {"line": str(line.public_id), "materials": [str(guide.public_id), str(talk.public_id)]}
    )
    assert response.status_code == 302
    assert set(MaterialUse.objects.filter(plan_line_id=line.pk).values_list("material__title", flat=True)) == {
        guide.title,
        talk.title,
    }
    event = AuditEvent.objects.get(action="prevention.material.used")
    assert event.pupil_id == world.pupil_lizuma.pk
    assert event.actor == world.teacher_lizuma

    page = teacher.get(reverse("support_plan", args=[plan.public_id])).content.decode()
    assert "Materials used" in page
    assert f'href="{reverse("materials:material", args=[guide.public_id])}"' in page
    assert 'name="materials"' in page  # the teacher may change the plan: the picker is there

    # Choosing again replaces: only the talk is left.
    teacher.post(url, {"line": str(line.public_id), "materials": [str(talk.public_id)]})
    assert list(MaterialUse.objects.filter(plan_line_id=line.pk).values_list("material", flat=True)) == [talk.pk]


def test_refusals_write_nothing(world: World) -> None:
    guide = _material(world, "Ceļvedis")
    plan = _plan(world)
    line = plan.measures.first()
    assert line is not None
    url = reverse("support_plan_materials", args=[plan.public_id])
    teacher = _client(world.teacher_lizuma)
    teacher.post(url, {"line": str(line.public_id), "materials": [str(guide.public_id)]})
    before = AuditEvent.objects.filter(action="prevention.material.used").count()

    # A material not in the library, or not an id at all: refused, the line keeps what it named.
    for bad in (str(uuid.uuid4()), "not-an-id"):
        response = teacher.post(
            url, {"line": str(line.public_id), "materials": [str(guide.public_id), bad]}, follow=True
        )
        assert "Choose the materials from the library." in response.content.decode()
    assert list(MaterialUse.objects.values_list("material", flat=True)) == [guide.pk]
    assert AuditEvent.objects.filter(action="prevention.material.used").count() == before

    # Another school's coordinator does not see the plan; a line of no plan is not found.
    other = _client(world.coordinator_tirzas)
    assert other.post(url, {"line": str(line.public_id), "materials": []}).status_code == 404
    assert teacher.post(url, {"line": str(uuid.uuid4()), "materials": []}).status_code == 404
    assert teacher.get(url).status_code == 405
    assert list(MaterialUse.objects.values_list("material", flat=True)) == [guide.pk]
    # The other school's page never shows the panel: the plan itself is 404 there.
    assert other.get(reverse("support_plan", args=[plan.public_id])).status_code == 404


def test_a_reader_who_may_not_change_the_plan_sees_the_materials_but_no_picker(world: World) -> None:
    guide = _material(world, "Ceļvedis")
    plan = _plan(world)
    line = plan.measures.first()
    assert line is not None
    url = reverse("support_plan_materials", args=[plan.public_id])
    _client(world.teacher_lizuma).post(url, {"line": str(line.public_id), "materials": [str(guide.public_id)]})

    inese = _client(world.coordinator_gulbene)  # the municipality reads its schools' plans
    page = inese.get(reverse("support_plan", args=[plan.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("materials:material", args=[guide.public_id])}"' in html
    assert 'name="materials"' not in html
    assert inese.post(url, {"line": str(line.public_id), "materials": []}).status_code == 404
    assert list(MaterialUse.objects.values_list("material", flat=True)) == [guide.pk]
