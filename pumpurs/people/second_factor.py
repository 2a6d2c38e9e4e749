"""A second factor for the roles that see widely (decision 0026): the national programme, the
municipality coordinators and the data protection officer confirm each sign-in with a six-digit
code from an authenticator app (TOTP, RFC 6238, through django-otp).

``SecondFactorMiddleware`` lets such a person, signed in with the password only, reach nothing but
the set-up page (no confirmed device yet), the code page, signing out and the language switch.
Codes are throttled like passwords (``people.throttle``, per username and address) and every
enrolment, success and failure is in the audit trail. ``PUMPURS_SECOND_FACTOR`` turns the
requirement off (the demo and the test settings do; production keeps it on).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from pumpurs.audit.services import audit_record
from pumpurs.people.access import roles_of
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import SIGN_IN, client_address
from pumpurs.people.models import Role, User
from pumpurs.people.passkeys import has_passkey
from pumpurs.people.recovery import looks_like_recovery_code, recovery_code_use, recovery_codes_issue
from pumpurs.people.throttle import sign_in_claim, sign_in_failed, sign_in_succeeded

WIDE_ROLES = frozenset({Role.NATIONAL_PROGRAMME, Role.MUNICIPALITY_COORDINATOR, Role.DATA_PROTECTION_OFFICER})
ENROLLED = "auth.second_factor.enrolled"
VERIFIED = "auth.second_factor.verified"
FAILED = "auth.second_factor.failed"
DEVICE_NAME = "authenticator"
OPEN_URLS = (
    "second_factor_setup",
    "second_factor_verify",
    "passkey_auth_begin",
    "passkey_auth_complete",
    "logout",
    "set_language",
)


def second_factor_required(user: User) -> bool:
    """Whether ``user`` must confirm sign-ins with a code: one of their grants is a wide role."""
    return bool(settings.PUMPURS_SECOND_FACTOR) and bool(roles_of(user) & WIDE_ROLES)


def _device(user: User, *, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified() or not second_factor_required(user):
            return self.get_response(request)
        if self.open_paths is None:
            self.open_paths = {reverse(name) for name in OPEN_URLS}
        if request.path in self.open_paths or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [_("Confirm your sign-in with a code first.")]}, status=403)
        confirmed = _device(user, confirmed=True) is not None or has_passkey(user)
        step = "second_factor_verify" if confirmed else "second_factor_setup"
        return redirect(f"{reverse(step)}?next={quote(request.get_full_path())}")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=12,
        help_text=gettext_lazy("Lost your phone? Type one of your recovery codes (xxxxx-xxxxx) instead."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def _check(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Match ``code`` against ``device``, throttled and recorded like a password."""
    user = request.user
    assert isinstance(user, User)
    address = client_address(request)
    name = f"{user.username}#code"
    claim = sign_in_claim(username=name, address=address, now=timezone.now())
    if not claim.allowed:
        with transaction.atomic():
            audit_record(
                actor=SIGN_IN, action=FAILED, data={"username": user.username, "throttled": True}, ip_address=address
            )
        return False
    if device.verify_token(code.strip()):
        sign_in_succeeded(username=name, address=address)
        otp_login(request, device)
        return True
    sign_in_failed(username=name, address=address, now=timezone.now())
    with transaction.atomic():
        audit_record(actor=SIGN_IN, action=FAILED, data={"username": user.username}, ip_address=address)
    return False


def _recover(request: HttpRequest, user: User, code: str) -> bool:
    """A recovery code instead of the app's: throttled and recorded like any code."""
    address = client_address(request)
    name = f"{user.username}#code"
    claim = sign_in_claim(username=name, address=address, now=timezone.now())
    if claim.allowed and recovery_code_use(user=user, code=code, ip_address=address):
        sign_in_succeeded(username=name, address=address)
        return True
    if claim.allowed:
        sign_in_failed(username=name, address=address, now=timezone.now())
    with transaction.atomic():
        data = {"username": user.username, "recovery": True} | ({} if claim.allowed else {"throttled": True})
        audit_record(actor=SIGN_IN, action=FAILED, data=data, ip_address=address)
    return False


def qr_svg(uri: str) -> str:
    """The set-up address as a QR code, an inline SVG drawn here (segno, decision 0035): no script,
    no style attribute, no request to anywhere — the strict CSP holds. Paths and numbers only; the
    title is escaped by segno."""
    code = segno.make(uri, error="m")
    return mark_safe(  # noqa: S308 — segno's own SVG of our address: paths, numbers and an escaped title
        code.svg_inline(scale=4, border=4, title=_("QR code for your authenticator app"), svgclass="qr-code")
    )


def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of a person in a wide role: add the key to an authenticator app, confirm a code."""
    user = request.user
    assert isinstance(user, User)
    if _device(user, confirmed=True) is not None:
        return redirect("second_factor_verify")
    device = _device(user, confirmed=False) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check(request, device, form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=request_actor(request), action=ENROLLED, ip_address=client_address(request))
                codes = recovery_codes_issue(actor=request_actor(request), user=user)
            messages.success(request, _("Your authenticator app is set up; each sign-in will ask for a code."))
            # Shown this once, never again: only their hashes are kept.
            return render(request, "people/second_factor_recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("That code is not right (or too many were tried); try the current one."))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "secret": secret,
        "uri": device.config_url,
        "qr": qr_svg(device.config_url),
        "next": _next(request),
    }
    return render(request, "people/second_factor_setup.html", context, status=400 if form.errors else 200)


def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """Every later sign-in of a person in a wide role: the current code from their app, or one of
    their passkeys (decision 0041; ``passkeys.js`` posts to the passkey endpoints), or a recovery code."""
    user = request.user
    assert isinstance(user, User)
    device = _device(user, confirmed=True)
    passkey = has_passkey(user)
    if device is None and not passkey:
        return redirect("second_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if looks_like_recovery_code(form.cleaned_data["code"]):
            if _recover(request, user, form.cleaned_data["code"]):
                messages.info(request, _("Recovery code accepted. Set up your authenticator app on your new phone."))
                return redirect(f"{reverse('second_factor_setup')}?next={quote(_next(request))}")
        elif device is not None and _check(request, device, form.cleaned_data["code"]):
            with transaction.atomic():
                audit_record(actor=request_actor(request), action=VERIFIED, ip_address=client_address(request))
            return redirect(_next(request))
        form.add_error("code", _("That code is not right (or too many were tried); try the current one."))
    context = {"form": form, "next": _next(request), "has_app": device is not None, "has_passkey": passkey}
    return render(request, "people/second_factor_verify.html", context, status=400 if form.errors else 200)
