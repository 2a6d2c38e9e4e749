"""Tokens for integrations: shown once, stored as a hash, refused once revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.api.models import ApiToken
from pumpurs.api.tokens import OPERATOR, token_create, token_revoke
from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

MEASURES = "/api/v1/measures/"


def bearer(key: str, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def test_a_created_key_works_and_only_its_hash_is_stored(world: World) -> None:
    token, key = token_create(actor=OPERATOR, user=world.teacher_lizuma, name="e-klase sync")
    assert bearer(key).get(MEASURES).status_code == 200
    assert bearer(key, "Token").get(MEASURES).status_code == 200
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(stored.values())
    assert key.startswith(stored["prefix"])
    assert stored["last_used_at"] is not None
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.data["prefix"] == token.prefix
    assert key not in str(event.data)


def test_without_credentials_the_api_answers_401_not_the_login_page(world: World) -> None:
    response = APIClient().get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"]


def test_an_unknown_or_malformed_token_is_refused(world: World) -> None:
    assert bearer("pmp_not-a-real-key").get(MEASURES).status_code == 401
    assert bearer("two words").get(MEASURES).status_code == 401


def test_a_revoked_token_is_refused(world: World) -> None:
    token, key = token_create(actor=world.admin, user=world.teacher_lizuma, name="old sync")
    token_revoke(actor=world.admin, token=token)
    response = bearer(key).get(MEASURES, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]
    assert AuditEvent.objects.filter(action="api.token.revoked", actor=world.admin).count() == 1


def test_an_expired_token_is_refused(world: World) -> None:
    token, key = token_create(actor=OPERATOR, user=world.teacher_lizuma, name="a week", days=7)
    assert bearer(key).get(MEASURES).status_code == 200
    # Eight days later (the clock moved: expiry is compared with the current time).
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - dt.timedelta(days=8), expires_at=now - dt.timedelta(days=1)
    )
    assert bearer(key).get(MEASURES).status_code == 401


def test_a_disabled_account_loses_its_tokens(world: World) -> None:
    _token, key = token_create(actor=OPERATOR, user=world.teacher_lizuma, name="sync")
    world.teacher_lizuma.is_active = False
    world.teacher_lizuma.save()
    assert bearer(key).get(MEASURES).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(world: World) -> None:
    token, key = token_create(actor=OPERATOR, user=world.teacher_lizuma, name="busy sync")
    bearer(key).get(MEASURES)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    bearer(key).get(MEASURES)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    assert first is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    bearer(key).get(MEASURES)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_the_command_creates_lists_and_revokes(world: World) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "api_token",
        "create",
        world.teacher_lizuma.username,
        "--name",
        "e-klase",
        "--days",
        "30",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert bearer(key).get(MEASURES).status_code == 200
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)

    listing = StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue()
    assert key not in listing.getvalue()

    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    assert bearer(key).get(MEASURES).status_code == 401
    assert list(AuditEvent.objects.filter(action__startswith="api.token.").values_list("action", flat=True)) == [
        "api.token.revoked",
        "api.token.created",
    ]


def test_the_browser_session_works_and_writes_need_the_csrf_token(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=world.teacher_lizuma.username, password=PASSWORD)
    assert browser.get(MEASURES).status_code == 200
    refused = browser.post(
        "/api/v1/cases/", {"pupil": str(world.pupil_lizuma.public_id), "reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]
