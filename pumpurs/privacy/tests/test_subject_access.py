"""Subject access: the data protection officer exports everything held about one pupil, found by
personal code sent by POST; nobody else may, and the export is itself in the trail (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.listing import LISTED
from pumpurs.privacy.subject_access import EXPORTED, collect
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import World


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def anna(world: World) -> World:
    """Anna has a guardian, a case with consent and a draft plan; her teacher saw her class list
    and opened her record."""
    case = open_case(world.coordinator_lizuma, world.pupil_lizuma)
    draft_plan(world.coordinator_lizuma, case)
    teacher = client_for(world.teacher_lizuma)
    teacher.get(reverse("class_detail", args=[world.lizuma_7a.public_id]))
    teacher.get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    return world


def export(world: World, code: str):
    return client_for(world.dpo).post(reverse("subject_access"), {"personal_code": code})


def test_the_dpo_exports_everything_held_about_one_pupil(anna: World) -> None:
    code = anna.pupil_lizuma.personal_code
    response = export(anna, code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert str(anna.pupil_lizuma.public_id) in response["Content-Disposition"]
    assert code not in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"records.json", "audit_trail.json", "audit_trail.csv", "summary.html"} <= set(archive.namelist())
    records = json.loads(archive.read("records.json"))
    assert records["people.pupil"][0]["personal_code"] == code
    assert "personal_code_encrypted" not in records["people.pupil"][0]
    assert records["people.pupil"][0]["first_name"] == "Anna"
    assert {"people.enrolment", "people.guardian", "support.case", "support.consent", "support.plan"} <= set(records)
    assert records["support.case"][0]["institution"] == "Lizuma pamatskola"  # links by their readable name
    # Nobody else's record: Roberts (the same school) is not in it.
    assert "Šmits" not in json.dumps(records, ensure_ascii=False)
    trail = json.loads(archive.read("audit_trail.json"))
    actions = [event["action"] for event in trail]
    assert "people.pupil.viewed" in actions
    assert LISTED in actions  # the class list that showed her
    listed = next(event for event in trail if event["action"] == LISTED)
    assert "pupils" not in listed["data"]  # the others on that page are not hers to see
    rows = list(csv.reader(io.StringIO(archive.read("audit_trail.csv").decode("utf-8-sig"))))
    assert rows[0] == ["Time", "Person", "What happened", "Details", "Address"]
    assert len(rows) == len(trail) + 1
    html = archive.read("summary.html").decode()
    assert "Everything held about Anna Kalniņa" in html
    assert "<script" not in html
    event = AuditEvent.objects.get(action=EXPORTED)
    assert (event.actor_id, event.pupil_id) == (anna.dpo.pk, anna.pupil_lizuma.pk)
    assert event.data["records"] == sum(len(rows) for rows in records.values())
    assert code not in json.dumps(event.data)


def test_the_page_asks_by_post_and_never_puts_the_code_in_an_address(anna: World) -> None:
    page = client_for(anna.dpo).get(reverse("subject_access"))
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert reverse("subject_access") in client_for(anna.dpo).get(reverse("home"), follow=True).content.decode()


def test_an_unknown_or_malformed_code_exports_nothing(anna: World) -> None:
    unknown = export(anna, "161175-19997")
    assert unknown.status_code == 200
    assert "No pupil with this personal code." in unknown.content.decode()
    malformed = export(anna, "12345")
    assert malformed.status_code == 200
    assert not AuditEvent.objects.filter(action=EXPORTED).exists()


@pytest.mark.parametrize(
    "persona", ["coordinator_gulbene", "coordinator_lizuma", "director_lizuma", "national", "admin", "nobody"]
)
def test_nobody_but_the_dpo_may_export(anna: World, persona: str) -> None:
    client = client_for(getattr(anna, persona))
    assert client.get(reverse("subject_access")).status_code == 404
    answer = client.post(reverse("subject_access"), {"personal_code": anna.pupil_lizuma.personal_code})
    assert answer.status_code == 404
    assert not AuditEvent.objects.filter(action=EXPORTED).exists()
    assert reverse("subject_access") not in client.get(reverse("home"), follow=True).content.decode()


def test_the_collection_follows_every_link_to_the_pupil(anna: World) -> None:
    kinds = {kind.key: kind for kind in collect(anna.pupil_lizuma)}
    assert kinds["people.pupil"].objects == [anna.pupil_lizuma]
    # Three links away: pupil → case → plan → its measures, goals and transitions.
    assert {line.plan.case.pupil_id for line in kinds["support.planmeasure"].objects} == {anna.pupil_lizuma.pk}
    assert {"support.goal", "support.plantransition", "support.teammember"} <= set(kinds)
    assert all(
        getattr(o, "pupil_id", anna.pupil_lizuma.pk) == anna.pupil_lizuma.pk for k in kinds.values() for o in k.objects
    )
