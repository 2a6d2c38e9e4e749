"""The youth call pages, as Inese Gulbe (Gulbene's coordinator), her evaluators Juris Priede and
Anna Vītola, the national team, and Kārlis Madons of Madona, who never sees Gulbene's call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Role, User
from pumpurs.world.personas import World, make_user
from pumpurs.youth import services
from pumpurs.youth.models import Application, ApplicationStatus, Call, CallStatus, ProjectReport
from pumpurs.youth.testing import a_call, an_application

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _call_form(world: World, **changes: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "municipality": str(world.gulbene.pk),
        "title": "Jauniešu iniciatīvas 2027",
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=30)).isoformat(),
        "total": "20000",
        "max_per_project": "4600",
        "eligibility": "Biedrības",
        "criterion_1": "Atbilstība",
        "weight_1": "60",
        "criterion_2": "Budžets",
        "weight_2": "40",
    } | changes


def test_the_coordinator_creates_opens_and_fills_a_call(world: World) -> None:
    inese = _client(world.coordinator_gulbene)
    refused = inese.post(reverse("youth:call_create"), _call_form(world, max_per_project="4600.01"))
    assert "the programme allows at most 4600.00 EUR" in refused.content.decode()
    assert not Call.objects.exists()
    response = inese.post(reverse("youth:call_create"), _call_form(world))
    call = Call.objects.get()
    assert response.url == reverse("youth:call", args=[call.public_id])
    assert inese.post(reverse("youth:call_open", args=[call.public_id])).status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN

    form = {
        "organisation": "Biedrība Jaunieši",
        "registration_number": "40008000001",
        "contact_name": "Marta Kļava",
        "contact_email": "marta@example.lv",
        "title": "Pārgājieni",
        "aims": "Iesaiste",
        "activities": "Pārgājieni",
        "starts_on": "2027-02-01",
        "ends_on": "2027-05-01",
        "participants_expected": "12",
        "age_from": "13",
        "age_to": "17",
        "requested": "2000",
        "item_1": "Materiāli",
        "amount_1": "1500",
        "item_2": "Transports",
        "amount_2": "400",
    }
    url = reverse("youth:application_create", args=[call.public_id])
    refused = inese.post(url, form)
    assert "The budget lines add up to 1900.00 EUR, not the 2000.00 EUR requested." in refused.content.decode()
    assert not Application.objects.exists()
    inese.post(url, form | {"amount_2": "500"})
    application = Application.objects.get()
    assert (application.requested_cents, application.budget_lines.count()) == (200_000, 2)
    page = inese.get(reverse("youth:application", args=[application.public_id]))
    assert page.status_code == 200
    assert "Biedrība Jaunieši" in page.content.decode()


def test_madona_and_teachers_never_see_gulbene_calls_the_national_team_reads_them(world: World) -> None:
    now = timezone.now()
    call = services.call_open(
        actor=world.coordinator_gulbene,
        call=a_call(actor=world.coordinator_gulbene, municipality=world.gulbene, now=now),
        now=now,
    )
    application = an_application(actor=world.coordinator_gulbene, call=call, now=now)
    for outsider in (world.coordinator_madona, world.teacher_lizuma):
        client = _client(outsider)
        assert client.get(reverse("youth:call", args=[call.public_id])).status_code == 404
        assert client.get(reverse("youth:application", args=[application.public_id])).status_code == 404
    # Madona runs its own calls: its list is there, without Gulbene's; a teacher has no list at all.
    madona_list = _client(world.coordinator_madona).get(reverse("youth:calls"))
    assert madona_list.status_code == 200
    assert call.title not in madona_list.content.decode()
    assert _client(world.teacher_lizuma).get(reverse("youth:calls")).status_code == 404
    national = _client(world.national)
    assert national.get(reverse("youth:call", args=[call.public_id])).status_code == 200
    assert national.get(reverse("youth:application", args=[application.public_id])).status_code == 200
    # Reading is not running: the national team enters nothing into a municipality's call.
    assert national.get(reverse("youth:application_create", args=[call.public_id])).status_code == 404
    assert national.post(reverse("youth:call_close", args=[call.public_id])).status_code == 403


def test_evaluators_score_the_coordinator_decides_prints_the_letter_and_approves_the_report(
    world: World, clock: Any
) -> None:
    now = timezone.now()
    call = a_call(actor=world.coordinator_gulbene, municipality=world.gulbene, now=now)
    inese = _client(world.coordinator_gulbene)
    inese.post(
        reverse("youth:call_evaluators", args=[call.public_id]),
        {"evaluators": [world.director_lizuma.pk, world.coordinator_tirzas.pk]},
    )
    assert set(call.evaluators.all()) == {world.director_lizuma, world.coordinator_tirzas}
    services.call_open(actor=world.coordinator_gulbene, call=call, now=now)
    application = an_application(actor=world.coordinator_gulbene, call=call, now=now)
    inese.post(reverse("youth:call_evaluate", args=[call.public_id]))
    criteria = list(call.criteria.all())
    for evaluator, score in ((world.director_lizuma, "8"), (world.coordinator_tirzas, "6")):
        client = _client(evaluator)
        url = reverse("youth:application_score", args=[application.public_id])
        scores = {f"score_{c.pk}": score for c in criteria}
        refused = client.post(url, scores)
        assert refused.status_code == 400
        assert "Confirm that you have no conflict of interest" in refused.content.decode()
        assert client.post(url, scores | {"no_conflict": "on"}).status_code == 302
    assert application.evaluations.count() == 2

    decide = reverse("youth:application_decide", args=[application.public_id])
    refused = inese.post(decide, {"decision": "approve", "awarded": "2000.01"})
    assert "more than the 2000.00 EUR requested" in refused.content.decode()
    inese.post(decide, {"decision": "approve", "awarded": "1800"})
    application.refresh_from_db()
    assert (application.status, application.awarded_cents) == (ApplicationStatus.APPROVED, 180_000)
    letter = inese.get(reverse("youth:award_letter", args=[application.public_id]))
    assert "1800.00 EUR" in letter.content.decode()

    assert inese.get(reverse("youth:report_create", args=[application.public_id])).status_code == 200
    # Three days after the project ends (a fresh sign-in: the session of months ago has expired).
    clock.move_to(dt.datetime.combine(application.ends_on + dt.timedelta(days=3), dt.time(10), tzinfo=dt.UTC))
    inese = _client(world.coordinator_gulbene)
    inese.post(
        reverse("youth:report_create", args=[application.public_id]),
        {
            "participants_reached": "14",
            "activities_done": "Pieci pārgājieni",
            "item_1": "Materiāli",
            "amount_1": "1700",
        },
    )
    report = ProjectReport.objects.get()
    # Four eyes: Inese entered it, so her page offers no approval and her POST is refused.
    own_page = inese.get(reverse("youth:application", args=[application.public_id])).content.decode()
    assert "data-four-eyes" in own_page
    assert reverse("youth:report_approve", args=[application.public_id]) not in own_page
    refused = inese.post(reverse("youth:report_approve", args=[application.public_id]), follow=True)
    assert "You entered this report" in refused.content.decode()
    report.refresh_from_db()
    assert report.status == "submitted"
    # A second coordinator of Gulbene approves it.
    second = make_user(
        "gulbene.otra", "Dace", "Otra", {"role": Role.MUNICIPALITY_COORDINATOR, "municipality": world.gulbene}
    )
    dace = _client(second)
    assert (
        reverse("youth:report_approve", args=[application.public_id])
        in dace.get(reverse("youth:application", args=[application.public_id])).content.decode()
    )
    dace.post(reverse("youth:report_approve", args=[application.public_id]))
    report.refresh_from_db()
    assert (report.status, report.approved_by) == ("approved", second)
    page = inese.get(reverse("youth:call", args=[call.public_id])).content.decode()
    assert "100.00 EUR" in page  # returned unspent
