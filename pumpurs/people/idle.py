"""Signing out a session left idle (issue 17): a school computer left signed in must not show the
next person a pupil's record. ``PUMPURS_SESSION_IDLE_SECONDS`` without a request ends the session;
``PUMPURS_SESSION_SECONDS`` still bounds a busy one."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import request_actor

LAST_SEEN = "pumpurs_last_seen"
SESSION_EXPIRED = "auth.session.expired"
# The last-seen time is written at most this often, not on every request (one session write a minute).
RESOLUTION_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(timezone.now().timestamp())
        last = request.session.get(LAST_SEEN)
        idle = settings.PUMPURS_SESSION_IDLE_SECONDS
        if isinstance(last, int) and now - last > idle:
            with transaction.atomic():
                audit_record(actor=request_actor(request), action=SESSION_EXPIRED, data={"idle_seconds": now - last})
            logout(request)
            messages.info(
                request, _("You were signed out after %(minutes)d minutes without activity.") % {"minutes": idle // 60}
            )
            return redirect_to_login(request.get_full_path())
        if not isinstance(last, int) or now - last >= RESOLUTION_SECONDS:
            request.session[LAST_SEEN] = now
        return self.get_response(request)


def remember_sign_in(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """``user_logged_in``: the session's clock starts at sign-in, in the save the sign-in makes anyway."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(timezone.now().timestamp())
