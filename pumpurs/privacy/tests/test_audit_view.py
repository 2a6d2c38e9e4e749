"""The data protection officer reads the audit trail; for everyone else it does not exist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_record
from pumpurs.privacy import selectors
from pumpurs.world.personas import World


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> list[AuditEvent]:
    return [row.event for row in response.context["page"].rows]


@pytest.fixture
def trail(world: World) -> World:
    """Ilze opens Anna's record twice; the Tirzas teacher opens Jānis's once."""
    for _ in range(2):
        client_for(world.teacher_lizuma).get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    client_for(world.teacher_tirzas).get(reverse("pupil_detail", args=[world.pupil_tirzas.public_id]))
    return world


@pytest.mark.parametrize(
    "persona",
    [
        "teacher_lizuma",
        "coordinator_lizuma",
        "director_lizuma",
        "coordinator_gulbene",
        "national",
        "admin",
        "nobody",
    ],
)
def test_only_the_data_protection_officer_may_read_the_trail(trail: World, persona: str) -> None:
    client = client_for(getattr(trail, persona))
    assert client.get(reverse("audit_events")).status_code == 404
    assert client.get(reverse("audit_events"), {"action": "people"}).status_code == 404
    assert reverse("audit_events") not in client.get(reverse("home"), follow=True).content.decode()


def test_dpo_sees_the_newest_events_first(trail: World) -> None:
    response = client_for(trail.dpo).get(reverse("audit_events"))
    assert response.status_code == 200
    events = listed(response)
    assert events[0].action == "people.pupil.viewed"
    assert events[0].actor == trail.teacher_tirzas
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    body = response.content.decode()
    assert "people.pupil.created" in body
    assert reverse("pupil_detail", args=[trail.pupil_tirzas.public_id]) in body


def test_dpo_filters_by_person(trail: World) -> None:
    events = listed(client_for(trail.dpo).get(reverse("audit_events"), {"person": "ilze.ozola"}))
    assert len(events) == 2
    assert {e.actor_username for e in events} == {"ilze.ozola"}


def test_dpo_filters_by_pupil(trail: World) -> None:
    events = listed(client_for(trail.dpo).get(reverse("audit_events"), {"pupil": str(trail.pupil_tirzas.public_id)}))
    assert {e.pupil_id for e in events} == {trail.pupil_tirzas.pk}
    assert {e.action for e in events} == {"people.pupil.created", "people.enrolment.started", "people.pupil.viewed"}


def test_dpo_filters_by_action_prefix(trail: World) -> None:
    client = client_for(trail.dpo)
    events = listed(client.get(reverse("audit_events"), {"action": "people.pupil.viewed"}))
    assert len(events) == 3
    events = listed(client.get(reverse("audit_events"), {"action": "people.enrolment"}))
    assert {e.action for e in events} == {"people.enrolment.started"}
    assert len(events) == 4


def test_dpo_filters_by_date(trail: World) -> None:
    client = client_for(trail.dpo)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    yesterday = today - dt.timedelta(days=1)
    assert listed(client.get(reverse("audit_events"), {"date_from": today, "date_to": today}))
    assert listed(client.get(reverse("audit_events"), {"date_from": tomorrow})) == []
    assert listed(client.get(reverse("audit_events"), {"date_to": yesterday})) == []


def test_failed_sign_ins_are_found_by_the_username_tried(world: World) -> None:
    Client().post(reverse("login"), {"username": "ilze.ozola", "password": "wrong"})
    events = listed(client_for(world.dpo).get(reverse("audit_events"), {"person": "ilze.ozola"}))
    assert [e.action for e in events] == ["auth.login.failed"]


def test_a_bad_filter_is_explained_not_crashed(world: World) -> None:
    response = client_for(world.dpo).get(reverse("audit_events"), {"pupil": "not-a-uuid", "date_from": "yesterday"})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["form"].errors.keys() == {"pupil", "date_from"}


def test_the_trail_is_paged(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    client = client_for(world.dpo)
    total = AuditEvent.objects.filter(action__startswith="people.").count()
    assert total > 6
    first = client.get(reverse("audit_events"), {"action": "people."})
    second = client.get(reverse("audit_events"), {"action": "people.", "page": 2})
    assert len(listed(first)) == len(listed(second)) == 3
    assert not set(listed(first)) & set(listed(second))
    assert first.context["page"].has_next
    assert "action=people.&amp;page=2" in first.content.decode()


def test_reading_the_trail_does_not_grow_with_its_size(trail: World, django_assert_max_num_queries) -> None:
    client = client_for(trail.dpo)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("audit_events"))
    baseline = len(small.captured_queries)  # read now: the next request clears the log
    for _ in range(20):
        client_for(trail.coordinator_gulbene).get(reverse("pupil_detail", args=[trail.pupil_lizuma.public_id]))
    with django_assert_max_num_queries(baseline):
        client.get(reverse("audit_events"))


def test_the_dpo_reads_what_happened_in_latvian_not_codes_and_dicts(trail: World) -> None:
    """Issue 13: a label and named details, the code only as a hint."""
    with transaction.atomic():
        audit_record(actor=trail.admin, action="people.staff.deactivated", data={"roles": ["teacher", "director"]})
    page = client_for(trail.dpo).get(reverse("audit_events"), HTTP_ACCEPT_LANGUAGE="lv").content.decode()
    assert "Atvēra skolēna datus" in page
    assert "Deaktivizēja darbinieka kontu" in page
    assert "lomas: teacher, director" in page
    assert "{&#x27;roles&#x27;" not in page
    assert "{'roles'" not in page
