"""Each submission writes once (issue 17 M2): a double-clicked form or a retried API ``POST`` must
not record a consultation or a contact twice.

``IdempotencyMiddleware`` looks at every ``POST`` that carries a key — the form field
``submission_key`` (``{% submission_key %}``, a new one per render) or the ``Idempotency-Key``
header — and claims ``(scope, key)`` in ``SubmissionKey`` under a unique constraint before the view
runs. A second request with the same key never reaches the view: a form is redirected where the
first one went, with a note that it was saved once; an API request gets the first response again
(``Idempotent-Replayed: true``), or 409 while the first is still running. A first request that did
not succeed (a form shown again with errors, any 4xx or 5xx) gives its key back, so correcting and
resubmitting works. Requests without a key behave as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

FORM_FIELD = "submission_key"
HEADER = "HTTP_IDEMPOTENCY_KEY"
KEEP = dt.timedelta(days=1)
MAX_BODY = 64 * 1024
_VALID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def _scope(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    credentials = request.META.get("HTTP_AUTHORIZATION", "")
    if credentials:  # an API token: authenticated later, by the view; the key is scoped to it
        return hashlib.sha256(credentials.encode()).hexdigest()
    return None


def _key(request: HttpRequest) -> tuple[str, bool] | None:
    """(key, from the API header?) or None when the request carries none."""
    header = request.META.get(HEADER)
    if header is not None:
        return header.strip(), True
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        value = request.POST.get(FORM_FIELD)
        if value:
            return value.strip(), False
    return None


def _api_error(message: str, status: int) -> JsonResponse:
    # The API's one error shape (``pumpurs.api.errors.error_body``; core sits below api).
    return JsonResponse({"errors": [message], "fields": {}}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        found = _key(request)
        scope = _scope(request)
        if found is None or scope is None:
            return self.get_response(request)
        key, api = found
        if not _VALID.match(key):
            if api:
                return _api_error(_("The Idempotency-Key header must be 8–64 letters, digits or - _ . :"), 400)
            return self.get_response(request)
        from pumpurs.core.models import SubmissionKey  # models are ready only once apps are

        now = timezone.now()
        try:
            with transaction.atomic():
                claim = SubmissionKey.objects.create(scope=scope, key=key, created_at=now)
        except IntegrityError:
            first = SubmissionKey.objects.filter(scope=scope, key=key).first()
            return self._repeat(request, first, api)
        response = self.get_response(request)
        succeeded = (response.status_code < 400 and api) or response.status_code in {301, 302, 303}
        if succeeded:
            body = response.content.decode(errors="replace") if api and not response.streaming else ""
            SubmissionKey.objects.filter(pk=claim.pk).update(
                status=response.status_code,
                location=response.get("Location", "")[:500],
                body=body if len(body) <= MAX_BODY else "",
            )
        else:
            SubmissionKey.objects.filter(pk=claim.pk).delete()
        SubmissionKey.objects.filter(scope=scope, created_at__lt=now - KEEP).delete()
        return response

    def _repeat(self, request: HttpRequest, first: object, api: bool) -> HttpResponse:
        from pumpurs.core.models import SubmissionKey

        done = isinstance(first, SubmissionKey) and first.status is not None
        if api:
            if not done:
                return _api_error(_("A request with this Idempotency-Key is still being processed."), 409)
            assert isinstance(first, SubmissionKey)
            replay = HttpResponse(first.body, status=first.status, content_type="application/json")
            if first.location:
                replay["Location"] = first.location
            replay["Idempotent-Replayed"] = "true"
            return replay
        messages.info(request, _("This form was already submitted; it was saved once, not twice."))
        target = first.location if done and isinstance(first, SubmissionKey) and first.location else ""
        if not target:  # the first is still running: back to the page the form was on
            referer = request.META.get("HTTP_REFERER", "")
            safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure())
            target = referer if safe else "/"
        return HttpResponseRedirect(target)
