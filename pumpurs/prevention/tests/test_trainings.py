"""Trainings (issue 16, activity 2): Inese Gulbe organises one for Gulbene; Līga Bērza registers
her Lizuma colleagues, Anna Vītola of Tirzas may not; a youth worker comes by name; attendance is
marked and certificates printed for those present; Madona never sees Gulbene's training."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Municipality, User
from pumpurs.prevention import services
from pumpurs.prevention.models import Participant, Training
from pumpurs.prevention.scope import participants_visible_to, trainings_visible_to
from pumpurs.prevention.selectors import staff_trained, staff_trained_by_municipality, training_counts
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _training(actor: User, municipality: Municipality | None, **changes: Any) -> Training:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "Kā laikus pamanīt mācību pārtraukšanas riskus",
        "topic": "Riska pazīmes un sadarbība ar ģimeni",
        "organiser": "Gulbenes novada izglītības pārvalde",
        "audience": "teachers",
        "remote": False,
        "place": "Gulbenes novada vidusskola",
        "starts_on": today,
        "ends_on": today,
        "hours": Decimal("6"),
    } | changes
    return services.training_create(actor=actor, municipality=municipality, now=timezone.now(), **values)


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_training_from_creation_to_certificates(world: World) -> None:
    now = timezone.now()
    training = _training(world.coordinator_gulbene, world.gulbene)
    ilze = services.participant_register_staff(
        actor=world.coordinator_lizuma, training=training, user=world.teacher_lizuma, institution=world.lizuma, now=now
    )
    services.participant_register_staff(
        actor=world.coordinator_lizuma,
        training=training,
        user=world.specialist_lizuma,
        institution=world.lizuma,
        now=now,
    )
    with pytest.raises(ValidationError, match="already registered"):
        services.participant_register_staff(
            actor=world.coordinator_lizuma,
            training=training,
            user=world.teacher_lizuma,
            institution=world.lizuma,
            now=now,
        )
    with pytest.raises(PermissionDenied):  # Tirzas registers its own staff only
        services.participant_register_staff(
            actor=world.coordinator_tirzas,
            training=training,
            user=world.teacher_lizuma,
            institution=world.lizuma,
            now=now,
        )
    with pytest.raises(ValidationError, match="staff"):  # a Tirzas teacher is not Lizuma's staff
        services.participant_register_staff(
            actor=world.coordinator_lizuma,
            training=training,
            user=world.teacher_tirzas,
            institution=world.lizuma,
            now=now,
        )
    with pytest.raises(PermissionDenied):
        services.participant_register_external(
            actor=world.coordinator_lizuma,
            training=training,
            name="Eva Zeltiņa",
            organisation="Jauniešu centrs",
            now=now,
        )
    youth_worker = services.participant_register_external(
        actor=world.coordinator_gulbene, training=training, name="Eva Zeltiņa", organisation="Jauniešu centrs", now=now
    )
    assert (
        services.attendance_mark(
            actor=world.coordinator_gulbene, training=training, present={ilze.pk, youth_worker.pk}, now=now
        )
        == 2
    )
    assert dict(Participant.objects.values_list("name", "attended")) == {
        "Ilze Ozola": True,
        "Māris Egle": False,
        "Eva Zeltiņa": True,
    }
    with pytest.raises(ValidationError, match="closed"):
        services.participant_register_external(
            actor=world.coordinator_gulbene, training=training, name="Vēl viens", organisation="X", now=now
        )
    assert AuditEvent.objects.filter(action__startswith="prevention.").count() == 5

    # Līga sees her school's two participants; Inese, the organiser, all three.
    assert participants_visible_to(world.coordinator_lizuma, training).count() == 2
    assert participants_visible_to(world.coordinator_gulbene, training).count() == 3
    page = _client(world.coordinator_lizuma).get(reverse("prevention:certificates", args=[training.public_id]))
    body = page.content.decode()
    assert body.count('class="certificate"') == 1  # Ilze only: Māris was absent, Eva is not Lizuma's
    assert "Ilze Ozola" in body
    assert f"{training.starts_on.year}-{training.pk}-{ilze.number}" in body
    all_of_them = _client(world.coordinator_gulbene).get(reverse("prevention:certificates", args=[training.public_id]))
    assert all_of_them.content.decode().count('class="certificate"') == 2

    rows = staff_trained(world.gulbene.institutions.all())
    lizuma = next(r for r in rows if r.institution_id == world.lizuma.pk)
    assert (lizuma.trained, lizuma.staff) == (1, 5)  # Ilze of five Lizuma accounts
    assert lizuma.share == 20.0
    gulbene = staff_trained_by_municipality(rows)[0]
    assert gulbene.trained == 1
    assert training_counts(trainings_visible_to(world.national)) == [
        {
            "municipality_id": world.gulbene.pk,
            "municipality": "Gulbenes novads",
            "trainings": 1,
            "registered": 3,
            "present": 2,
        }
    ]


def test_scope_and_refusals(world: World) -> None:
    gulbene_training = _training(world.coordinator_gulbene, world.gulbene)
    national_training = _training(world.national, None, remote=True, place="")
    assert set(trainings_visible_to(world.coordinator_madona)) == {national_training}
    assert set(trainings_visible_to(world.director_lizuma)) == {national_training, gulbene_training}
    assert not trainings_visible_to(world.teacher_lizuma).exists()
    with pytest.raises(PermissionDenied):
        _training(world.coordinator_madona, world.gulbene)
    with pytest.raises(PermissionDenied):
        _training(world.coordinator_gulbene, None)
    with pytest.raises(ValidationError, match="where"):
        _training(world.coordinator_gulbene, world.gulbene, place="")
    soon = timezone.localdate() + dt.timedelta(days=3)
    later = _training(world.coordinator_gulbene, world.gulbene, starts_on=soon, ends_on=soon)
    with pytest.raises(ValidationError, match="not started"):
        services.attendance_mark(actor=world.coordinator_gulbene, training=later, present=set(), now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=world.national, training=gulbene_training, present=set(), now=timezone.now())
    madona = _client(world.coordinator_madona)
    assert madona.get(reverse("prevention:training", args=[gulbene_training.public_id])).status_code == 404
    assert madona.get(reverse("prevention:training", args=[national_training.public_id])).status_code == 200
    assert _client(world.teacher_lizuma).get(reverse("prevention:trainings")).status_code == 404
    # No certificate before attendance: nothing to print is a 404, not an empty page.
    assert (
        _client(world.coordinator_gulbene)
        .get(reverse("prevention:certificates", args=[gulbene_training.public_id]))
        .status_code
        == 404
    )


def test_the_pages_create_register_mark_and_list(world: World) -> None:
    inese = _client(world.coordinator_gulbene)
    today = timezone.localdate().isoformat()
    response = inese.post(
        reverse("prevention:training_create"),
        {
            "municipality": world.gulbene.pk,
            "title": "Sadarbība ar vecākiem",
            "topic": "Kā runāt ar ģimeni",
            "organiser": "Gulbenes novada pašvaldība",
            "audience": "specialists",
            "place": "Gulbene",
            "starts_on": today,
            "ends_on": today,
            "hours": "4",
        },
    )
    training = Training.objects.get()
    assert response.url == reverse("prevention:training", args=[training.public_id])
    liga = _client(world.coordinator_lizuma)
    form_page = liga.get(reverse("prevention:training", args=[training.public_id])).content.decode()
    assert "Ilze Ozola" in form_page  # offered: Lizuma's staff
    assert "Dace Kalna" not in form_page  # not offered: Tirzas's
    key = f"{world.lizuma.public_id}:{world.teacher_lizuma.public_id}"
    assert (
        liga.post(reverse("prevention:register_staff", args=[training.public_id]), {"person": key}).status_code == 302
    )
    forged = f"{world.tirzas.public_id}:{world.teacher_tirzas.public_id}"
    assert (
        liga.post(reverse("prevention:register_staff", args=[training.public_id]), {"person": forged}).status_code
        == 400
    )
    participant = Participant.objects.get()
    assert liga.post(reverse("prevention:attendance", args=[training.public_id]), {}).status_code == 404
    inese.post(reverse("prevention:attendance", args=[training.public_id]), {"present": [str(participant.public_id)]})
    participant.refresh_from_db()
    assert participant.attended is True
    listing = inese.get(reverse("prevention:trainings")).content.decode()
    assert "Sadarbība ar vecākiem" in listing
    assert "Share of staff trained" in listing


def test_the_trainings_page_costs_the_same_for_one_training_or_several(world: World) -> None:
    client = _client(world.coordinator_gulbene)
    # The first page of a session also counts "Mani darbi" for the menu (kept a minute): warm it.
    client.get(reverse("home"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("prevention:trainings")).status_code == 200
        return len(captured)

    training = _training(world.coordinator_gulbene, world.gulbene)
    services.participant_register_staff(
        actor=world.coordinator_gulbene,
        training=training,
        user=world.teacher_lizuma,
        institution=world.lizuma,
        now=timezone.now(),
    )
    one = queries()
    for n in range(3):
        more = _training(world.coordinator_gulbene, world.gulbene, title=f"Apmācība {n}")
        services.participant_register_staff(
            actor=world.coordinator_gulbene,
            training=more,
            user=world.coordinator_tirzas,
            institution=world.tirzas,
            now=timezone.now(),
        )
    assert queries() == one


def test_a_trainings_cost_is_typed_in_euros_and_kept_in_cents(world: World) -> None:
    inese = _client(world.coordinator_gulbene)
    today = timezone.localdate().isoformat()
    form = {
        "municipality": world.gulbene.pk,
        "title": "Sadarbība ar vecākiem",
        "topic": "Kā runāt ar ģimeni",
        "organiser": "Gulbenes novada pašvaldība",
        "audience": "specialists",
        "place": "Gulbene",
        "starts_on": today,
        "ends_on": today,
        "hours": "4",
    }
    for bad in ("-1", "12.345", "abc"):
        refused = inese.post(reverse("prevention:training_create"), form | {"cost": bad})
        assert refused.status_code == 200  # the form again, with its error
        assert "field--error" in refused.content.decode()
    assert not Training.objects.exists()
    with pytest.raises(ValidationError):
        _training(world.coordinator_gulbene, world.gulbene, cost_cents=-1)
    assert not Training.objects.exists()

    inese.post(reverse("prevention:training_create"), form | {"cost": "1250.50"})
    training = Training.objects.get()
    assert training.cost_cents == 125_050
    assert AuditEvent.objects.get(action="prevention.training.created").data == {"cost_cents": 125_050}
    page = inese.get(reverse("prevention:training", args=[training.public_id])).content.decode()
    assert "<dd data-cost>1250.50</dd>" in page
    # No cost typed: nothing is invented, the training costs nothing.
    inese.post(reverse("prevention:training_create"), form | {"title": "Bez izmaksām"})
    assert Training.objects.get(title="Bez izmaksām").cost_cents == 0
