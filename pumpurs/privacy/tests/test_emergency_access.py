"""Break-the-glass: Gulbene's municipality coordinator sees pupils' risk only as counts; in an
emergency she opens Anna's risk record for three hours, saying why. The reason is in the trail and
the data protection officer reviews every opening (issue 17, decision 0035)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.emergency import OPENED
from pumpurs.people.models import EmergencyAccess
from pumpurs.world.personas import World

REASON = "Police asked about her absences today"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def open_for(world: World, persona: str, pupil, reason: str = REASON):
    return client_for(getattr(world, persona)).post(
        reverse("emergency_access", args=[pupil.public_id]), {"reason": reason}
    )


def test_the_coordinator_opens_one_pupils_risk_record_for_three_hours(world: World, clock) -> None:
    coordinator, anna = world.coordinator_gulbene, world.pupil_lizuma
    assert not access.can_see_pupil(coordinator, anna, Perm.VIEW_RISK)
    page = client_for(coordinator).get(reverse("pupil_detail", args=[anna.public_id])).content.decode()
    assert reverse("emergency_access", args=[anna.public_id]) in page
    answer = open_for(world, "coordinator_gulbene", anna)
    assert answer.status_code == 302
    assert access.can_see_pupil(coordinator, anna, Perm.VIEW_RISK)
    assert not access.can_see_pupil(coordinator, world.pupil_lizuma_8a, Perm.VIEW_RISK)  # one pupil only
    assert not access.can_see_pupil(coordinator, anna, Perm.VIEW_SENSITIVE)
    opened = client_for(coordinator).get(reverse("pupil_detail", args=[anna.public_id])).content.decode()
    assert "stays open to you until" in opened
    event = AuditEvent.objects.get(action=OPENED)
    assert (event.actor_id, event.pupil_id, event.data) == (coordinator.pk, anna.pk, {"reason": REASON, "hours": 3})
    clock.shift(dt.timedelta(hours=3, minutes=1))
    assert not access.can_see_pupil(coordinator, anna, Perm.VIEW_RISK)  # it ended by itself


def test_no_reason_no_access(world: World) -> None:
    assert open_for(world, "coordinator_gulbene", world.pupil_lizuma, reason="  urgent ").status_code == 302
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.filter(action=OPENED).exists()
    assert not access.can_see_pupil(world.coordinator_gulbene, world.pupil_lizuma, Perm.VIEW_RISK)


@pytest.mark.parametrize(
    ("persona", "pupil"),
    [
        ("coordinator_gulbene", "pupil_madona"),  # another municipality's pupil
        ("teacher_lizuma", "pupil_lizuma"),  # a role without break-the-glass
        ("teacher_tirzas", "pupil_lizuma"),
    ],
)
def test_out_of_scope_or_without_the_right_it_is_refused(world: World, persona: str, pupil: str) -> None:
    assert open_for(world, persona, getattr(world, pupil)).status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_the_dpo_reviews_every_opening_and_nobody_else_sees_the_list(world: World) -> None:
    open_for(world, "coordinator_gulbene", world.pupil_lizuma)
    open_for(world, "national", world.pupil_tirzas, reason="Ministry inquiry about a complaint")
    page = client_for(world.dpo).get(reverse("emergency_accesses"))
    assert page.status_code == 200
    body = page.content.decode()
    assert REASON in body
    assert "Ministry inquiry about a complaint" in body
    assert [a.user for a in page.context["page"].object_list] == [world.national, world.coordinator_gulbene]
    for persona in ("coordinator_gulbene", "national", "teacher_lizuma"):
        assert client_for(getattr(world, persona)).get(reverse("emergency_accesses")).status_code == 404
