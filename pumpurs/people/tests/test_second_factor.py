"""A second factor for the wide roles (decision 0026). Zane of the national programme signs in
with her password and must first set up an authenticator app; from then on each sign-in asks for
its current code. Ilze, a class teacher, signs in with her password alone. A wrong code is refused,
recorded and throttled like a wrong password."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import PASSWORD, World


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """These requests ask for English; the next test must not inherit it (Django keeps the last
    request's language active in the test process)."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def second_factor_on(settings) -> None:
    settings.PUMPURS_SECOND_FACTOR = True


def signed_in(username: str) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def code_for(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + later
    return f"{totp.token():0{device.digits}d}"


def test_a_class_teacher_needs_no_code(world: World) -> None:
    client = signed_in("ilze.ozola")
    assert client.get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id])).status_code == 200


@pytest.mark.parametrize("persona", ["national", "coordinator_gulbene", "dpo"])
def test_a_wide_role_reaches_nothing_before_setting_up_a_code(world: World, persona: str) -> None:
    client = signed_in(getattr(world, persona).username)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))
    assert client.get(reverse("audit_events")).status_code == 302
    assert client.get(reverse("api:cases")).status_code == 403
    assert client.post(reverse("logout")).status_code == 302  # signing out always works


def test_zane_sets_up_her_app_then_every_sign_in_asks_for_a_code(world: World, clock) -> None:
    client = signed_in("ikvd.zane")
    page = client.get(reverse("second_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=world.national, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    assert client.post(reverse("second_factor_setup"), {"code": "000000"}).status_code == 400
    clock.shift(dt.timedelta(seconds=3))  # django-otp's own per-device wait after a wrong code
    done = client.post(reverse("second_factor_setup"), {"code": code_for(device), "next": reverse("municipality_list")})
    assert done.status_code == 200  # the recovery codes, shown once, then on to where she was going
    assert len(done.context["codes"]) == 10
    assert f'href="{reverse("municipality_list")}"' in done.content.decode()
    assert client.get(reverse("municipality_list")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor.enrolled", actor=world.national).count() == 1

    clock.shift(dt.timedelta(minutes=2))
    again = signed_in("ikvd.zane")
    assert again.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))
    device.refresh_from_db()
    wrong = again.post(reverse("second_factor_verify"), {"code": "123456"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="auth.second_factor.failed", data__username="ikvd.zane").count() == 2
    clock.shift(dt.timedelta(seconds=3))
    right = again.post(reverse("second_factor_verify"), {"code": code_for(device)})
    assert right.status_code == 302
    assert again.get(reverse("home"), follow=True).status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor.verified", actor=world.national).count() == 1


def test_guessing_codes_is_throttled_like_passwords(world: World) -> None:
    client = signed_in("dpo.edgars")
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=world.dpo)
    for _ in range(5):
        client.post(reverse("second_factor_setup"), {"code": "000000"})
    assert client.post(reverse("second_factor_setup"), {"code": code_for(device)}).status_code == 400
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action="auth.second_factor.failed", data__throttled=True).count() == 1


def test_another_sites_address_is_never_a_next_step(world: World) -> None:
    client = signed_in("ikvd.zane")
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=world.national)
    done = client.post(reverse("second_factor_setup"), {"code": code_for(device), "next": "https://evil.example/"})
    assert done.context["next"] == reverse("home")  # the link after the recovery codes
    assert "evil.example" not in done.content.decode()


def set_up(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert done.status_code == 200
    return device, done.context["codes"]


def test_a_lost_phone_a_recovery_code_signs_in_once_and_asks_for_a_new_app(world: World, clock) -> None:
    from pumpurs.people.models import RecoveryCode

    _device, codes = set_up(signed_in("ikvd.zane"), world.national)
    assert len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=world.national).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)  # only keyed hashes are kept

    clock.shift(dt.timedelta(minutes=2))
    lost = signed_in("ikvd.zane")
    wrong = lost.post(reverse("second_factor_verify"), {"code": "ABCDE-FGHJK"})
    assert wrong.status_code == 400
    assert TOTPDevice.objects.filter(user=world.national).exists()  # a wrong code changes nothing
    used = lost.post(reverse("second_factor_verify"), {"code": codes[0].lower()})
    assert used.status_code == 302
    assert used["Location"].startswith(reverse("second_factor_setup"))
    assert not TOTPDevice.objects.filter(user=world.national, confirmed=True).exists()  # the lost app is gone
    assert lost.get(reverse("home"))["Location"].startswith(reverse("second_factor_setup"))  # not signed in yet
    event = AuditEvent.objects.get(action="auth.second_factor.recovery_used")
    assert (event.actor_id, event.data) == (world.national.pk, {"left": 9})
    assert codes[0] not in str(list(AuditEvent.objects.values_list("data", flat=True)))

    _new_device, fresh = set_up(lost, world.national)  # a new phone: ten fresh codes, the old ones gone
    assert not set(fresh) & set(codes)
    assert RecoveryCode.objects.filter(user=world.national).count() == 10
    clock.shift(dt.timedelta(minutes=2))
    again = signed_in("ikvd.zane")
    assert again.post(reverse("second_factor_verify"), {"code": codes[1]}).status_code == 400  # old codes are void


def test_the_operator_resets_a_person_who_lost_phone_and_codes(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    set_up(signed_in("ikvd.zane"), world.national)
    out = StringIO()
    call_command("second_factor_reset", "ikvd.zane", "--reason", "ticket 42", stdout=out)
    assert not TOTPDevice.objects.filter(user=world.national).exists()
    assert not world.national.recovery_codes.exists()
    event = AuditEvent.objects.get(action="auth.second_factor.reset")
    assert (event.actor_username, event.data["reason"], event.object_id) == (
        "system:second-factor-reset",
        "ticket 42",
        str(world.national.public_id),
    )
    assert signed_in("ikvd.zane").get(reverse("home"))["Location"].startswith(reverse("second_factor_setup"))
    with pytest.raises(CommandError):
        call_command("second_factor_reset", "nobody.here", "--reason", "x")
    with pytest.raises(CommandError):
        call_command("second_factor_reset", "ikvd.zane", "--reason", " ")
    assert AuditEvent.objects.filter(action="auth.second_factor.reset").count() == 1


def test_the_set_up_page_draws_the_address_as_a_qr_code_within_the_csp(world: World) -> None:
    import segno

    from pumpurs.people.second_factor import qr_svg

    client = signed_in("ikvd.zane")
    page = client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=world.national, confirmed=False)
    body = page.content.decode()
    assert '<svg width="' in body
    assert 'class="qr-code"' in body
    assert str(qr_svg(device.config_url)) in body  # the code of this device's own address
    assert " style=" not in body  # no inline style: the CSP allows none
    assert "xlink" not in body  # nothing fetched from anywhere
    assert "<image" not in body
    assert segno.make(device.config_url, error="m").designator  # the address fits a QR code
