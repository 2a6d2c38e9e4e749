"""A double submit records once (issue 17 M2, L3). Ilze double-clicks "Save" on a contact with
Anna's mother: one contact. An integration retries a consultation POST with the same
Idempotency-Key: one consultation, the first answer again. Two "Plan for this semester" clicks at
the same moment: one plan and a clear answer, never a server error."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.api.testing import api_client
from pumpurs.api.tokens import OPERATOR, token_create
from pumpurs.audit.models import AuditEvent
from pumpurs.core.models import SubmissionKey
from pumpurs.support.models import ContactEntry, Delivery, Plan
from pumpurs.support.plans import plan_create
from pumpurs.support.testing import active_plan, draft_plan, open_case, period_on
from pumpurs.world.personas import World, build_world


def contact(key: str | None = None, summary: str = "Mamma zvanīja par kavējumiem") -> dict[str, str]:
    data = {"happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "phone", "summary": summary}
    if key is not None:
        data["submission_key"] = key
    return data


def test_every_render_of_a_create_form_carries_a_fresh_key(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    client = Client()
    client.force_login(world.teacher_lizuma)
    pages = [client.get(reverse("support_case", args=[case.public_id])).content.decode() for _ in range(2)]
    keys = [re.findall(r'name="submission_key" value="([0-9a-f]{32})"', page) for page in pages]
    assert len(keys[0]) >= 3  # contact, team, consent, plan
    assert not set(keys[0]) & set(keys[1])


def test_a_double_clicked_contact_is_recorded_once(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    client = Client()
    client.force_login(world.teacher_lizuma)
    url = reverse("support_contact_add", args=[case.public_id])
    key = uuid.uuid4().hex
    first = client.post(url, contact(key))
    second = client.post(url, contact(key))
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ContactEntry.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="support.contact.logged").count() == 1
    # A new render, a new key: a second contact is a second contact.
    assert client.post(url, contact(uuid.uuid4().hex)).status_code == 302
    assert ContactEntry.objects.filter(case=case).count() == 2


def test_a_form_with_errors_gives_its_key_back(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    client = Client()
    client.force_login(world.teacher_lizuma)
    url = reverse("support_contact_add", args=[case.public_id])
    key = uuid.uuid4().hex
    assert client.post(url, contact(key, summary="")).status_code == 400
    assert client.post(url, contact(key)).status_code == 302
    assert ContactEntry.objects.filter(case=case).count() == 1


def test_one_persons_key_never_answers_anothers_request(world: World) -> None:
    case = open_case(world.coordinator_lizuma, world.pupil_lizuma)
    url = reverse("support_contact_add", args=[case.public_id])
    key = uuid.uuid4().hex
    for person in (world.teacher_lizuma, world.coordinator_lizuma):
        client = Client()
        client.force_login(person)
        assert client.post(url, contact(key)).status_code == 302
    assert ContactEntry.objects.filter(case=case).count() == 2


def test_a_retried_api_consultation_is_recorded_once_and_answered_again(world: World) -> None:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    maris = api_client(world.specialist_lizuma)
    body = {
        "measure": "consult-psychologist",
        "held_on": timezone.localdate().isoformat(),
        "minutes": 45,
        "mode": "in_person",
        "topic": "Motivācija",
    }
    url = f"/api/v1/plans/{plan.public_id}/deliveries/"
    first = maris.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="consult-2026-11-12-001")
    again = maris.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="consult-2026-11-12-001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Delivery.objects.filter(line__plan=plan).count() == 1
    other = maris.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="consult-2026-11-12-002")
    assert other.status_code == 201
    assert Delivery.objects.filter(line__plan=plan).count() == 2
    assert maris.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="x").status_code == 400  # too short


def test_a_request_in_flight_answers_409_to_its_repeat(world: World) -> None:
    """What the second of two simultaneous requests sees: the first has claimed the key, not finished."""
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    _token, secret = token_create(actor=OPERATOR, user=world.specialist_lizuma, name="retrying integration")
    maris = APIClient()
    maris.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/plans/{plan.public_id}/deliveries/"
    assert maris.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-00000001").status_code == 400
    assert not SubmissionKey.objects.filter(key="k-00000001").exists()  # a refusal gives the key back
    running = SubmissionKey.objects.create(
        scope=hashlib.sha256(f"Bearer {secret}".encode()).hexdigest(), key="k-00000002", created_at=timezone.now()
    )
    assert maris.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-00000002").status_code == 409
    assert SubmissionKey.objects.get(pk=running.pk).status is None


@pytest.mark.django_db(transaction=True)
def test_two_plan_for_this_semester_clicks_at_once_make_one_plan_and_no_error(municipalities: None, today) -> None:
    world = build_world(today)
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    period = period_on(timezone.localdate())
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def click() -> None:
        try:
            start.wait()
            plan_create(actor=world.teacher_lizuma, case=case, period=period)
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(error.code or "invalid")
        except BaseException as error:  # reported by the main thread
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "plan_exists", "plan_exists", "plan_exists"], outcomes
    assert Plan.objects.filter(case=case).count() == 1
