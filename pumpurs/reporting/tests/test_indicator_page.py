"""The indicator report page: scope, exports, print view and audit."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import User
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.world.personas import PASSWORD, World

URL = "/monitoring/indicators/"


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_url_is_named() -> None:
    assert reverse("reporting:indicators") == URL


def test_a_teacher_and_a_person_without_a_role_get_404(world: World) -> None:
    for user in (world.teacher_lizuma, world.nobody):
        assert client_for(user).get(URL).status_code == 404
        assert client_for(user).get(URL, {"format": "csv"}).status_code == 404
        assert client_for(user).get(reverse("reporting:indicators_print")).status_code == 404


def test_the_gulbene_coordinator_sees_gulbene_only(world: World, cohort: Cohort) -> None:
    client = client_for(world.coordinator_gulbene)
    page = client.get(URL, {"year": world.year.name})
    assert page.status_code == 200
    html = page.content.decode()
    assert world.gulbene.name in html
    assert world.madona.name not in html
    # asking for another municipality is as if it did not exist
    assert client.get(URL, {"municipality": world.madona.code}).status_code == 404
    rows = list(csv.reader(io.StringIO(client.get(URL, {"format": "csv"}).content.decode("utf-8-sig"))))
    assert {row[1] for row in rows[1:]} == {world.gulbene.code}
    # two pupils at risk in Gulbene: hidden above school level
    at_risk = next(row for row in rows if row[3] == "PUPILS_AT_RISK")
    assert at_risk[5] == ""
    assert at_risk[7] == "jā"


def test_a_school_coordinator_sees_the_school_unsuppressed(world: World, cohort: Cohort) -> None:
    rows = list(
        csv.reader(
            io.StringIO(client_for(world.coordinator_lizuma).get(URL, {"format": "csv"}).content.decode("utf-8-sig"))
        )
    )
    assert {row[1] for row in rows[1:]} == {world.lizuma.code}
    values = {row[3]: row[5] for row in rows[1:]}
    assert values["PUPILS_AT_RISK"] == "2"
    assert values["IAP_MADE"] == "1"
    assert values["COMP_CENTS_TRANSPORT"] == "1800"
    assert values["CONSULT_HOURS_PSYCHOLOGIST"] == "1.5"


def test_the_national_page_exports_every_municipality_and_audits(world: World, cohort: Cohort) -> None:
    client = client_for(world.national)
    before = AuditEvent.objects.count()
    page = client.get(URL)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="reporting.indicators.viewed").count() == 1
    xlsx = client.get(URL, {"format": "xlsx", "semester": "1"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="raditaji-' in xlsx["Content-Disposition"]
    exported = AuditEvent.objects.get(action="reporting.indicators.exported")
    assert exported.data["format"] == "xlsx"
    assert exported.data["semester"] == 1
    assert exported.pupil_id is None
    assert AuditEvent.objects.count() == before + 2
    printable = client.get(reverse("reporting:indicators_print"), {"semester": "1"})
    assert printable.status_code == 200
    assert b"print.css" in printable.content


def test_bad_choices_are_404(world: World) -> None:
    client = client_for(world.national)
    assert client.get(URL, {"semester": "3"}).status_code == 404
    assert client.get(URL, {"municipality": "atlantida"}).status_code == 404
    assert client.get(URL, {"format": "pdf"}).status_code == 404


def test_the_nav_item_shows_for_readers_only(world: World) -> None:
    assert URL in client_for(world.coordinator_gulbene).get("/").content.decode()
    assert URL not in client_for(world.teacher_lizuma).get("/").content.decode()
