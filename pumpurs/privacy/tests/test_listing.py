"""Who saw which pupils on a list: one trail event per page view names the pupils it showed, and
the data protection officer finds those lists in one pupil's trail (issue 17)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.listing import LISTED
from pumpurs.risk.tests.watch_factories import flag_for, period_now
from pumpurs.support.cases import case_open
from pumpurs.world.personas import World


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def listings(user) -> list[dict]:
    return list(AuditEvent.objects.filter(action=LISTED, actor=user).order_by("seq").values_list("data", flat=True))


def test_the_class_list_records_one_event_naming_its_pupils(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    assert client.get(reverse("class_detail", args=[world.lizuma_7a.public_id])).status_code == 200
    assert listings(world.teacher_lizuma) == [{"list": "class", "count": 1, "pupils": [world.pupil_lizuma.pk]}]


def test_the_watch_list_the_case_list_and_the_name_search_record_what_they_showed(world: World) -> None:
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period_now(world))
    case_open(actor=world.coordinator_lizuma, pupil=world.pupil_lizuma_8a, reason="family")
    client = client_for(world.coordinator_lizuma)
    assert client.get(reverse("watch_list")).status_code == 200
    assert client.get(reverse("support_case_list")).status_code == 200
    assert client.get(reverse("pupil_search"), {"q": "a"}).status_code == 200
    events = {data["list"]: data["pupils"] for data in listings(world.coordinator_lizuma)}
    assert events["watch"] == [world.pupil_lizuma.pk]
    assert events["cases"] == [world.pupil_lizuma_8a.pk]
    # The search shows only the school's pupils: Tirzas and Madona pupils are not on the page.
    assert world.pupil_tirzas.pk not in events["search"]
    assert world.pupil_lizuma.pk in events["search"]


def test_a_page_that_shows_nobody_writes_nothing(world: World) -> None:
    client = client_for(world.teacher_tirzas)
    client.get(reverse("pupil_search"), {"q": "Kalniņa"})  # Anna is not hers: not found
    client.get(reverse("support_case_list"))
    assert listings(world.teacher_tirzas) == []


@pytest.mark.parametrize("persona", ["teacher_tirzas", "coordinator_gulbene"])
def test_out_of_scope_class_lists_are_refused_and_record_nothing(world: World, persona: str) -> None:
    user = getattr(world, persona)
    answer = client_for(user).get(reverse("class_detail", args=[world.madona_7a.public_id]))
    assert answer.status_code == 404
    assert listings(user) == []


def test_the_dpo_sees_the_lists_in_one_pupils_trail(world: World) -> None:
    client_for(world.teacher_lizuma).get(reverse("class_detail", args=[world.lizuma_7a.public_id]))
    client_for(world.teacher_tirzas).get(reverse("class_detail", args=[world.tirzas_7a.public_id]))
    page = client_for(world.dpo).get(reverse("audit_events"), {"pupil": str(world.pupil_lizuma.public_id)})
    assert page.status_code == 200
    rows = page.context["page"].rows
    lists = [row.event.actor_id for row in rows if row.event.action == LISTED]
    assert lists == [world.teacher_lizuma.pk]
    assert {row.event.action for row in rows} >= {LISTED, "people.pupil.created"}
    assert "Was shown a list of pupils" in page.content.decode()
    other = client_for(world.dpo).get(reverse("audit_events"), {"pupil": str(world.pupil_tirzas.public_id)})
    rows = other.context["page"].rows
    assert [row.event.actor_id for row in rows if row.event.action == LISTED] == [world.teacher_tirzas.pk]
