"""Activities 2 and 3 through the API: Gulbene's coordinator and the national team read Gulbene's
youth call, its money and ranked applications; Madona's coordinator gets 404, as for a call that
does not exist; the counts — of calls and of staff trained — are those of the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.prevention.services import attendance_mark, participant_register_staff, training_create
from pumpurs.world.personas import World
from pumpurs.youth import services
from pumpurs.youth.testing import a_call, an_application

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]


def test_calls_detail_and_counts_in_scope(world: World, api: Api) -> None:
    now = timezone.now()
    call = services.call_open(
        actor=world.coordinator_gulbene,
        call=a_call(actor=world.coordinator_gulbene, municipality=world.gulbene, now=now),
        now=now,
    )
    an_application(actor=world.coordinator_gulbene, call=call, now=now)
    for reader in (world.coordinator_gulbene, world.national):
        client = api(reader)
        listed = client.get("/api/v1/youth/calls/").json()
        assert [c["id"] for c in listed] == [str(call.public_id)]
        detail = client.get(f"/api/v1/youth/calls/{call.public_id}/").json()
        assert detail["max_per_project_cents"] == 460_000
        assert [c["weight"] for c in detail["criteria"]] == [40, 35, 25]
        assert detail["money"]["available_cents"] == 2_000_000
        assert detail["applications"][0]["application"]["requested_cents"] == 200_000
        assert detail["applications"][0]["points"] is None
        counts = client.get("/api/v1/youth/counts/").json()
        assert counts["municipalities"][0]["applications"] == 1
        assert counts["total"]["calls"] == 1

    madona = api(world.coordinator_madona)
    assert madona.get("/api/v1/youth/calls/").json() == []
    assert madona.get(f"/api/v1/youth/calls/{call.public_id}/").status_code == 404
    assert madona.get(f"/api/v1/youth/calls/{uuid.uuid4()}/").status_code == 404
    assert madona.get("/api/v1/youth/counts/").json()["total"]["applications"] == 0
    teacher = api(world.teacher_lizuma)
    assert teacher.get(f"/api/v1/youth/calls/{call.public_id}/").status_code == 404
    assert api(world.national).get("/api/v1/youth/calls/?status=nonsense").status_code == 400


def test_trainings_and_the_share_of_staff_trained(world: World, api: Api) -> None:
    today = timezone.localdate()
    training = training_create(
        actor=world.coordinator_gulbene, municipality=world.gulbene, title="Riski", topic="Riski",
        organiser="Pašvaldība", audience="teachers", remote=True, place="", starts_on=today, ends_on=today,
        hours=Decimal(3), now=timezone.now(),
    )  # fmt: skip
    ilze = participant_register_staff(
        actor=world.coordinator_lizuma,
        training=training,
        user=world.teacher_lizuma,
        institution=world.lizuma,
        now=timezone.now(),
    )
    attendance_mark(actor=world.coordinator_gulbene, training=training, present={ilze.pk}, now=timezone.now())
    listed = api(world.director_lizuma).get("/api/v1/trainings/").json()
    assert [(t["title"], t["registered"], t["present"]) for t in listed] == [("Riski", 1, 1)]
    assert api(world.coordinator_madona).get("/api/v1/trainings/").json() == []
    report = api(world.coordinator_gulbene).get("/api/v1/trainings/staff-trained/").json()
    lizuma = next(r for r in report["schools"] if r["institution"] == world.lizuma.name)
    assert (lizuma["trained"], lizuma["staff"], lizuma["share"]) == (1, 5, 20.0)
    assert report["municipalities"][0]["trained"] == 1
    # The director reads only Lizuma's line.
    assert [
        r["institution"] for r in api(world.director_lizuma).get("/api/v1/trainings/staff-trained/").json()["schools"]
    ] == [world.lizuma.name]
