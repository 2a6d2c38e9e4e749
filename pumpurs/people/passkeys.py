"""Passkeys (WebAuthn) as a second factor beside the authenticator app's code (decision 0041).

django-otp-webauthn does the WebAuthn ceremonies (challenges kept in the session, the attestation
and assertion checked by py_webauthn) and keeps each passkey as a django-otp device, so
``user.is_verified()`` — and with it ``SecondFactorMiddleware`` — treats a passkey like the app.
Here:

* ``PasskeyHelper``: the relying party is the host the page was opened at (validated by
  ``ALLOWED_HOSTS``; behind the proxy its forwarded host), so a passkey made at
  ``pumpurs.example.lv`` works there and nowhere else; the origin is checked against the same.
* Our own endpoints around the package's views: registering needs a signed-in person who, if
  they already have a second factor, confirmed it in this session (the package refuses
  otherwise); passwordless sign-in is off — a passkey confirms a password, never replaces it.
  Each passkey added, used, refused, renamed or removed is an audit event.
* ``passkeys.js`` (our static file, no inline script: strict CSP) drives the browser's
  ``navigator.credentials`` calls.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import SIGN_IN, client_address
from pumpurs.people.models import User

ADDED = "auth.passkey.added"
RENAMED = "auth.passkey.renamed"
REMOVED = "auth.passkey.removed"
VERIFIED = "auth.passkey.verified"
REFUSED = "auth.passkey.refused"
NAME_MAX = 64
RP_NAME = "PuMPuRS"


def _host(request: HttpRequest) -> str:
    """The host name the page was opened at, without the port: the WebAuthn relying party ID."""
    return urlsplit(f"//{request.get_host()}").hostname or ""


def relying_party_id(request: HttpRequest) -> str:
    return _host(request)


def relying_party_name(request: HttpRequest) -> str:
    return RP_NAME


class PasskeyHelper(WebAuthnHelper):  # type: ignore[misc]  # the package ships no type hints
    """The package's helper with the origin taken from the request (scheme and host as Django
    sees them: ``SECURE_PROXY_SSL_HEADER`` and ``ALLOWED_HOSTS`` apply)."""

    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def get_credential_name(self, user: Any) -> str:
        return _("Passkey")


def passkeys_of(user: User) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk"))


def has_passkey(user: User) -> bool:
    return bool(WebAuthnCredential.objects.filter(user=user, confirmed=True).exists())


def _verified(user: User) -> bool:
    """django-otp's ``is_verified``, set on the request's user by ``OTPMiddleware``."""
    return bool(getattr(user, "is_verified", lambda: False)())


# --- services -------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("Give the passkey a name of 1 to %(max)d characters (e.g. “work laptop”).") % {"max": NAME_MAX}}
        )
    return name


@transaction.atomic
def passkey_rename(*, actor: User, passkey: WebAuthnCredential, name: str, ip_address: str | None = None) -> None:
    """Name one of ``actor``'s own passkeys (another person's is refused as not found)."""
    if passkey.user_id != actor.pk:
        raise Http404
    old, passkey.name = passkey.name, _clean_name(name)
    passkey.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action=RENAMED,
        target=actor,
        data={"passkey": passkey.pk, "old_name": old, "name": passkey.name},
        ip_address=ip_address,
    )


@transaction.atomic
def passkey_remove(*, actor: User, passkey: WebAuthnCredential, ip_address: str | None = None) -> None:
    """Remove one of ``actor``'s own passkeys; the next sign-in asks for another second factor."""
    if passkey.user_id != actor.pk:
        raise Http404
    data = {"passkey": passkey.pk, "name": passkey.name}
    passkey.delete()
    audit_record(actor=actor, action=REMOVED, target=actor, data=data, ip_address=ip_address)


# --- the WebAuthn endpoints ---------------------------------------------------------------------


def _audit_failure(request: HttpRequest, exc: Exception) -> None:
    user = request.user
    username = user.get_username() if user.is_authenticated else ""
    with transaction.atomic():
        audit_record(
            actor=SIGN_IN,
            action=REFUSED,
            data={"username": username, "reason": getattr(exc, "code", type(exc).__name__)},
            ip_address=client_address(request),
        )


class RegisterBegin(BeginCredentialRegistrationView):  # type: ignore[misc]  # the package ships no type hints
    pass


class RegisterComplete(CompleteCredentialRegistrationView):  # type: ignore[misc]  # the package ships no type hints
    """Checks the new passkey's attestation, keeps it under the name typed, records it."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        request = self.request
        user = request.user
        assert isinstance(user, User)
        body = request.data  # parsed JSON, set by the package's dispatch
        state = self.get_state()
        name = _clean_name(str(body.get("name") or _("Passkey")))
        with rewrite_exceptions(), transaction.atomic():
            device = self.get_helper().register_complete(user=user, state=state, data=body.get("credential") or {})
            device.name = name
            device.save(update_fields=["name"])
            audit_record(
                actor=user,
                action=ADDED,
                target=user,
                data={"passkey": device.pk, "name": name},
                ip_address=client_address(request),
            )
        if not _verified(user):
            otp_login(request, device)
        return JsonResponse({"id": device.pk, "redirect_url": reverse("security")})

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, ValidationError):
            return JsonResponse({"detail": " ".join(exc.messages), "code": "invalid_name"}, status=400)
        response: JsonResponse = super().handle_exception(exc)
        return response


class AuthenticateBegin(BeginCredentialAuthenticationView):  # type: ignore[misc]  # the package ships no type hints
    pass


class AuthenticateComplete(CompleteCredentialAuthenticationView):  # type: ignore[misc]  # the package ships no type hints
    """Confirms a signed-in person's sign-in with one of their passkeys; refusals are recorded."""

    def complete_auth(self, device: WebAuthnCredential) -> None:
        request = self.request
        otp_login(request, device)
        with transaction.atomic():
            audit_record(
                actor=request_actor(request),
                action=VERIFIED,
                data={"passkey": device.pk},
                ip_address=client_address(request),
            )

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError):
            _audit_failure(self.request, exc)
        response: JsonResponse = super().handle_exception(exc)
        return response


# --- the security page -------------------------------------------------------------------------


@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """The person's own second factors: the authenticator app, their passkeys (add, name, remove)."""
    user = request_actor(request)
    context = {"passkeys": passkeys_of(user), "name_max": NAME_MAX}
    return render(request, "people/security.html", context)


@require_POST
def passkey_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename (``name`` given) or remove (``remove``) one of the signed-in person's passkeys."""
    user = request_actor(request)
    passkey = get_object_or_404(WebAuthnCredential, pk=pk, user=user)
    try:
        if "remove" in request.POST:
            passkey_remove(actor=user, passkey=passkey, ip_address=client_address(request))
            messages.success(request, _("The passkey was removed."))
        else:
            passkey_rename(
                actor=user, passkey=passkey, name=request.POST.get("name", ""), ip_address=client_address(request)
            )
            messages.success(request, _("The passkey was renamed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("security")
