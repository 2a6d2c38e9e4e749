"""A staff member's work phone (issue 13): the family print names the contact's phone beside the
e-mail, so the person sets it, or whoever manages their account does; a refused number is shown
again as typed and nothing is written; a reader outside the account's scope gets 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import User
from pumpurs.people.staff import phone_clean, phone_text, staff_phone_set
from pumpurs.world.personas import World


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def phone_url(user: User) -> str:
    return reverse("staff_phone", args=[user.public_id])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2612 3456", "+37126123456"),
        ("+371 26 123 456", "+37126123456"),
        ("00371-6712-3456", "+37167123456"),
        ("(+44) 20 7946 0958", "+442079460958"),
        ("  ", ""),
    ],
)
def test_a_phone_is_stored_in_one_form(typed: str, stored: str) -> None:
    assert phone_clean(typed) == stored


@pytest.mark.parametrize("typed", ["1234 5678", "2612345", "+371 1612 3456", "26l23456", "+12345", "zvanīt"])
def test_an_impossible_phone_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        phone_clean(typed)


def test_a_latvian_number_is_shown_in_groups() -> None:
    assert phone_text("+37126123456") == "+371 2612 3456"
    assert phone_text("+442079460958") == "+442079460958"


def test_ilze_sets_her_own_phone_from_the_header(world: World) -> None:
    client = signed_in(world.teacher_lizuma)
    home = client.get(reverse("home")).content.decode()
    assert phone_url(world.teacher_lizuma) in home
    response = client.post(phone_url(world.teacher_lizuma), {"phone": "2612 3456"})
    assert response.status_code == 302
    world.teacher_lizuma.refresh_from_db()
    assert world.teacher_lizuma.phone == "+37126123456"
    event = AuditEvent.objects.get(action="people.staff.phone_changed")
    assert "26123456" not in str(event.data)  # who changed it, not a copy of the number


def test_a_refused_phone_keeps_what_was_typed_and_writes_nothing(world: World) -> None:
    client = signed_in(world.teacher_lizuma)
    response = client.post(phone_url(world.teacher_lizuma), {"phone": "1234 5678"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="1234 5678"' in html
    assert "A Latvian phone number has 8 digits" in html
    world.teacher_lizuma.refresh_from_db()
    assert world.teacher_lizuma.phone == ""
    assert not AuditEvent.objects.filter(action="people.staff.phone_changed").exists()


def test_the_coordinator_sets_a_colleagues_phone_and_tirzas_cannot(world: World) -> None:
    response = signed_in(world.coordinator_lizuma).post(phone_url(world.teacher_lizuma), {"phone": "+371 2612 3456"})
    assert response.status_code == 302
    world.teacher_lizuma.refresh_from_db()
    assert world.teacher_lizuma.phone == "+37126123456"
    person = signed_in(world.coordinator_lizuma).get(reverse("staff_person", args=[world.teacher_lizuma.public_id]))
    assert "+371 2612 3456" in person.content.decode()

    assert signed_in(world.coordinator_tirzas).get(phone_url(world.teacher_lizuma)).status_code == 404
    assert signed_in(world.coordinator_tirzas).post(phone_url(world.teacher_lizuma), {"phone": ""}).status_code == 404
    assert signed_in(world.specialist_lizuma).post(phone_url(world.teacher_lizuma), {"phone": ""}).status_code == 404
    world.teacher_lizuma.refresh_from_db()
    assert world.teacher_lizuma.phone == "+37126123456"
    with pytest.raises(PermissionDenied):
        staff_phone_set(actor=world.teacher_tirzas, user=world.teacher_lizuma, phone="")
