"""Passkeys in a real browser (decision 0041): Chromium's virtual authenticator (DevTools protocol,
``WebAuthn.addVirtualAuthenticator``) stands in for a laptop's fingerprint reader.

Zane (national programme) signs in with her password and her app's code, adds a passkey on her
security page, signs out, and next time confirms her sign-in with the passkey instead of a code.
All of it in a context that keeps the strict CSP (no bypass): ``passkeys.js`` is our static file
and the page has no inline script. The live server is ``localhost``, a secure context for WebAuthn
and the relying party ID the server derives from the request."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def second_factor_on(settings: Any) -> None:
    settings.PUMPURS_SECOND_FACTOR = True


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def virtual_authenticator(page: Any) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_zane_adds_a_passkey_and_signs_in_with_it(live_server: Any, browser: Any, second_factor_on: None) -> None:
    world = build_world()
    zane = world.national
    device = TOTPDevice.objects.create(user=zane, name="authenticator", confirmed=True)
    base = live_server.url
    assert base.startswith("http://localhost:"), base
    context = browser.new_context(locale="lv-LV")  # the strict CSP holds: no bypass
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    virtual_authenticator(page)

    log_in(page, base, zane.username)
    assert reverse("second_factor_verify") in page.url
    page.fill("input[name=code]", current_code(device))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert reverse("second_factor_verify") not in page.url

    page.goto(base + reverse("security"))
    page.fill("#passkey-name", "Darba dators")
    page.locator("#passkey-register").click()
    page.locator("main td", has_text="Darba dators").wait_for(timeout=15_000)
    passkey = WebAuthnCredential.objects.get(user=zane)
    assert passkey.name == "Darba dators"

    context.clear_cookies()
    log_in(page, base, zane.username)
    assert reverse("second_factor_verify") in page.url
    with page.expect_navigation(url=f"{base}{reverse('home')}", timeout=15_000):
        page.locator("#passkey-sign-in").click()
    assert page.locator("main h1").count() == 1
    assert AuditEvent.objects.filter(action="auth.passkey.verified", actor_id=zane.pk).exists()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert not problems, problems
    context.close()


def test_the_security_and_code_pages_are_accessible(live_server: Any, page: Any, second_factor_on: None) -> None:
    world = build_world()
    WebAuthnCredential.objects.create(user=world.national, name="Darba dators", public_key=b"-", credential_id=b"x")
    log_in(page, live_server.url, world.national.username)
    assert reverse("second_factor_verify") in page.url
    assert page.locator("#passkey-sign-in").is_visible()
    assert_accessible(page)
    page.context.clear_cookies()
    log_in(page, live_server.url, world.teacher_lizuma.username)
    page.goto(live_server.url + reverse("security"))
    assert page.locator("#passkey-register").is_visible()
    assert_accessible(page)
