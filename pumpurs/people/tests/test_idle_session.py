"""A session left idle is signed out (issue 17): Ilze leaves the staff-room computer signed in;
half an hour later the next person finds the sign-in page, not Anna's record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import PASSWORD, World


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """These requests ask for English; the next test must not inherit it (Django keeps the last
    request's language active in the test process)."""
    yield
    translation.deactivate()


def signed_in_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.post(reverse("login"), {"username": "ilze.ozola", "password": PASSWORD}).status_code == 302
    return client


def test_activity_keeps_the_session_and_half_an_hour_idle_ends_it(world: World, clock) -> None:
    client = signed_in_client()
    pupil = reverse("pupil_detail", args=[world.pupil_lizuma.public_id])
    for _ in range(3):  # an hour of work, a request every twenty minutes
        clock.shift(dt.timedelta(minutes=20))
        assert client.get(pupil).status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get(pupil)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.session.expired")
    assert event.actor == world.teacher_lizuma
    assert event.data["idle_seconds"] >= 31 * 60
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_the_idle_limit_is_a_setting(world: World, clock, settings) -> None:
    settings.PUMPURS_SESSION_IDLE_SECONDS = 5 * 60
    client = signed_in_client()
    clock.shift(dt.timedelta(minutes=6))
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
