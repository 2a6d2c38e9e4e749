"""Signing in and out, with every attempt in the audit trail and failed attempts throttled (DESIGN §7).

Attempts are counted per (username, address) in the database (``people.throttle``), so the limit
holds across web processes and restarts without a shared cache, and guesses from one place never
lock the rightful user out from another (decision 0026). The password is never recorded; the
username tried is, because the data protection officer needs to see who was being guessed at.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import SystemActor, request_actor
from pumpurs.people.throttle import sign_in_claim, sign_in_failed, sign_in_succeeded

LOGIN_FAILED = "auth.login.failed"
LOGIN_REFUSED = "auth.login.throttled"
LOGIN_SUCCEEDED = "auth.login.succeeded"
# Failed and throttled sign-ins are recorded by the sign-in guard itself: nobody is signed in yet.
SIGN_IN = SystemActor(name="system:sign-in")
LOGOUT = "auth.logout"
USERNAME_MAX = 150


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address. Behind our reverse proxy (PUMPURS_BEHIND_PROXY) that is the last
    X-Forwarded-For entry, the one the proxy itself appended; earlier entries are whatever the
    client sent. Without a proxy the header is ignored altogether."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded.strip():
        candidate = forwarded.split(",")[-1].strip()
    else:
        candidate = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None  # not an address: record none rather than fail the sign-in


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, each attempt claimed from the (username, address) throttle before the
    password is checked (``people.throttle``, decision 0026)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts for this account from this computer. "
            "Wait %(minutes)d minutes and try again. From another computer you can sign in now."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "")[:USERNAME_MAX]
        if not username:
            return super().clean()
        address = client_address(self.request)
        claim = sign_in_claim(username=username, address=address, now=timezone.now())
        if not claim.allowed:
            with transaction.atomic():
                audit_record(actor=SIGN_IN, action=LOGIN_REFUSED, data={"username": username}, ip_address=address)
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, -(-claim.wait_seconds // 60))},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            sign_in_failed(username=username, address=address, now=timezone.now())
            with transaction.atomic():
                audit_record(actor=SIGN_IN, action=LOGIN_FAILED, data={"username": username}, ip_address=address)
            raise
        # Forgotten by LoginView.form_valid inside the sign-in's own transaction (one commit fewer).
        self.throttle_key = (username, address)
        return cleaned


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """One transaction: the new session, the last sign-in time, the trail's event and the
        throttle forgetting this (username, address) — the claim before the password check commits
        on its own, as it must (``people.throttle``), and the session middleware writes the session
        once more: three transactions a sign-in, not four (decision 0047)."""
        with transaction.atomic():
            response = super().form_valid(form)
            if key := getattr(form, "throttle_key", None):
                sign_in_succeeded(username=key[0], address=key[1])
            audit_record(actor=form.get_user(), action=LOGIN_SUCCEEDED, ip_address=client_address(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            with transaction.atomic():
                audit_record(actor=request_actor(request), action=LOGOUT, ip_address=client_address(request))
        return super().post(request, *args, **kwargs)


PASSWORD_CHANGED = "auth.password.changed"  # noqa: S105 - an audit code, not a password
PASSWORD_RESET_REQUESTED = "auth.password.reset_requested"  # noqa: S105 - an audit code
PASSWORD_RESET_DONE = "auth.password.reset"  # noqa: S105 - an audit code


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                actor=request_actor(self.request), action=PASSWORD_CHANGED, ip_address=client_address(self.request)
            )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-hour link (``PASSWORD_RESET_TIMEOUT``) to an active account with a password;
    the page says the same whether or not the address is known. The address asked for is recorded
    (who was being reset is what the data protection officer needs), never the link."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            audit_record(
                actor=SIGN_IN,
                action=PASSWORD_RESET_REQUESTED,
                data={"email": form.cleaned_data["email"][:USERNAME_MAX]},
                ip_address=client_address(self.request),
            )
        return super().form_valid(form)

    extra_email_context = {"site_url": settings.PUMPURS_SITE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(actor=form.user, action=PASSWORD_RESET_DONE, ip_address=client_address(self.request))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
