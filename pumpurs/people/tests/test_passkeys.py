"""Passkeys as a second factor (decision 0041), tested for real: ``SoftKey`` below is a software
authenticator — a P-256 key that makes "none" attestations and signs assertions exactly as a
security key does (WebAuthn §6.1, §6.5.4) — and py_webauthn, inside django-otp-webauthn, checks
them. Nothing of ours is mocked.

Zane (national programme) has her authenticator app; she adds a passkey on her security page, and
the next sign-in she confirms with it instead of a code."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pumpurs.audit.models import AuditEvent
from pumpurs.people.auth import SIGN_IN
from pumpurs.people.models import User
from pumpurs.people.recovery import recovery_codes_issue, second_factor_reset
from pumpurs.world.personas import PASSWORD, World

ORIGIN = "http://testserver"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    """A software authenticator for one relying party."""

    def __init__(self, rp_id: str = "testserver") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id = rp_id
        self.count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _authenticator_data(self, *, attested: bool) -> bytes:
        self.count += 1
        flags = 0x01 | 0x04 | (0x40 if attested else 0)  # user present, user verified, attested data
        data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + self.count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, options: dict[str, Any], origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": origin}).encode()

    def create(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        assert options["rp"]["id"] == self.rp_id
        client_data = self._client_data("webauthn.create", options, origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": self._authenticator_data(attested=True)})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
            "clientExtensionResults": {},
        }

    def get(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        client_data = self._client_data("webauthn.get", options, origin)
        data = self._authenticator_data(attested=False)
        signature = self.key.sign(data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(data),
                "signature": b64(signature),
            },
            "clientExtensionResults": {},
        }


@pytest.fixture(autouse=True)
def _english_and_second_factor_on(settings) -> Iterator[None]:
    settings.PUMPURS_SECOND_FACTOR = True
    yield
    translation.deactivate()


def post_json(client: Client, name: str, body: dict[str, Any] | None = None, query: str = "") -> Any:
    return client.post(reverse(name) + query, json.dumps(body or {}), content_type="application/json")


def password_only(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def with_app(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery_codes_issue(actor=SIGN_IN, user=user)
    return device


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def verified_with_app(user: User, device: TOTPDevice) -> Client:
    client = password_only(user)
    assert client.post(reverse("second_factor_verify"), {"code": code_for(device)}).status_code == 302
    return client


def add_passkey(client: Client, key: SoftKey, name: str = "work laptop") -> Any:
    options = post_json(client, "passkey_register_begin").json()
    return post_json(client, "passkey_register_complete", {"name": name, "credential": key.create(options)})


def test_zane_adds_a_passkey_and_signs_in_with_it_instead_of_a_code(world: World) -> None:
    zane, key = world.national, SoftKey()
    client = verified_with_app(zane, with_app(zane))
    assert client.get(reverse("security")).status_code == 200

    added = add_passkey(client, key)
    assert added.status_code == 200, added.content
    assert added.json()["redirect_url"] == reverse("security")
    passkey = WebAuthnCredential.objects.get(user=zane)
    assert (passkey.name, passkey.confirmed) == ("work laptop", True)
    assert AuditEvent.objects.filter(action="auth.passkey.added", actor_id=zane.pk).exists()
    assert b"work laptop" in client.get(reverse("security")).content

    again = password_only(zane)
    assert again.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))
    page = again.get(reverse("second_factor_verify"))
    assert b'id="passkey-sign-in"' in page.content
    assert b"pumpurs/passkeys.js" in page.content
    options = post_json(again, "passkey_auth_begin").json()
    assert [c["id"] for c in options["allowCredentials"]] == [b64(key.credential_id)]
    done = post_json(again, "passkey_auth_complete", key.get(options), query="?next=/risk/")
    assert done.status_code == 200, done.content
    assert done.json()["redirect_url"] == "/risk/"
    assert again.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.passkey.verified", data__passkey=passkey.pk).exists()
    passkey.refresh_from_db()
    assert passkey.sign_count == 2
    assert passkey.last_used_at is not None


def test_a_wide_role_cannot_add_a_passkey_before_confirming_the_sign_in(world: World) -> None:
    zane = world.national
    with_app(zane)
    client = password_only(zane)
    response = post_json(client, "passkey_register_begin")
    assert response.status_code == 302  # to the code page: the password alone does not add a second factor
    assert response["Location"].startswith(reverse("second_factor_verify"))
    assert not WebAuthnCredential.objects.exists()


def test_a_signature_from_another_key_is_refused_and_recorded(world: World) -> None:
    zane, key = world.national, SoftKey()
    add_passkey(verified_with_app(zane, with_app(zane)), key)
    client = password_only(zane)
    options = post_json(client, "passkey_auth_begin").json()
    forged = SoftKey()
    forged.credential_id, forged.count = key.credential_id, 10  # the right id and a fresh count, the wrong key
    response = post_json(client, "passkey_auth_complete", forged.get(options))
    assert response.status_code == 422, response.content
    assert client.get(reverse("home")).status_code == 302  # still not confirmed
    assert AuditEvent.objects.filter(action="auth.passkey.refused").exists()


def test_a_challenge_is_used_once(world: World) -> None:
    zane, key = world.national, SoftKey()
    add_passkey(verified_with_app(zane, with_app(zane)), key)
    client = password_only(zane)
    options = post_json(client, "passkey_auth_begin").json()
    assertion = key.get(options)
    assert post_json(client, "passkey_auth_complete", assertion).status_code == 200
    assert post_json(client, "passkey_auth_complete", assertion).status_code == 400  # no ceremony under way


def test_someone_elses_passkey_does_not_confirm_my_sign_in(world: World) -> None:
    zane, key = world.national, SoftKey()
    add_passkey(verified_with_app(zane, with_app(zane)), key)
    dpo = world.dpo
    with_app(dpo)
    client = password_only(dpo)
    options = post_json(client, "passkey_auth_begin").json()
    response = post_json(client, "passkey_auth_complete", key.get(options))
    assert response.status_code in (400, 403, 404), response.content
    assert client.get(reverse("home")).status_code == 302


def test_no_passwordless_sign_in(world: World) -> None:
    anonymous = Client()
    assert post_json(anonymous, "passkey_auth_begin").status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="auth.passkey.verified").exists()


def test_a_passkey_from_another_origin_is_refused(world: World) -> None:
    zane = world.national
    client = verified_with_app(zane, with_app(zane))
    options = post_json(client, "passkey_register_begin").json()
    response = post_json(
        client, "passkey_register_complete", {"name": "phish", "credential": SoftKey().create(options, "http://evil")}
    )
    assert response.status_code == 422
    assert not WebAuthnCredential.objects.exists()


def test_renaming_and_removing_are_audited_and_only_for_ones_own(world: World) -> None:
    zane, key = world.national, SoftKey()
    client = verified_with_app(zane, with_app(zane))
    add_passkey(client, key)
    passkey = WebAuthnCredential.objects.get(user=zane)
    url = reverse("passkey_change", args=[passkey.pk])

    assert client.post(url, {"name": "   "}).status_code == 302  # refused with a message, unchanged
    passkey.refresh_from_db()
    assert passkey.name == "work laptop"
    assert client.post(url, {"name": "YubiKey  5"}).status_code == 302
    passkey.refresh_from_db()
    assert passkey.name == "YubiKey 5"
    assert AuditEvent.objects.filter(action="auth.passkey.renamed", data__name="YubiKey 5").exists()

    ilze = password_only(world.teacher_lizuma)
    assert ilze.post(url, {"remove": "1"}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()

    assert client.post(url, {"remove": "1"}).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert AuditEvent.objects.filter(action="auth.passkey.removed", data__name="YubiKey 5").exists()


def test_with_only_a_passkey_a_recovery_code_still_works(world: World) -> None:
    zane, key = world.national, SoftKey()
    device = with_app(zane)
    add_passkey(verified_with_app(zane, device), key)
    device.delete()  # the phone is gone; the passkey and the recovery codes remain
    codes = recovery_codes_issue(actor=SIGN_IN, user=zane)
    client = password_only(zane)
    page = client.get(reverse("second_factor_verify"))
    assert page.status_code == 200
    assert b'id="passkey-sign-in"' in page.content
    assert client.post(reverse("second_factor_verify"), {"code": "123456"}).status_code == 400
    response = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert response["Location"].startswith(reverse("second_factor_setup"))
    assert WebAuthnCredential.objects.filter(user=zane).exists()


def test_a_class_teacher_may_add_a_passkey_without_any_other_factor(world: World) -> None:
    client = password_only(world.teacher_lizuma)
    assert add_passkey(client, SoftKey(), "telefons").status_code == 200
    assert WebAuthnCredential.objects.get().user == world.teacher_lizuma


def test_the_operators_reset_removes_passkeys_too(world: World) -> None:
    zane = world.national
    add_passkey(verified_with_app(zane, with_app(zane)), SoftKey())
    second_factor_reset(actor=SIGN_IN, user=zane, reason="ticket 123: laptop and phone stolen")
    assert not WebAuthnCredential.objects.filter(user=zane).exists()
    assert password_only(zane).get(reverse("home"))["Location"].startswith(reverse("second_factor_setup"))
