"""Two small answers every page gets (issue 17): a busy database says 503, not 500; pages are
never kept in a browser's or a proxy's cache, because most of them name pupils."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


class DatabaseBusyMiddleware:
    """On SQLite a write waits ``PUMPURS_SQLITE_BUSY_SECONDS`` for another writer (a long import);
    if that was not enough, the person gets "busy, try again" with ``Retry-After`` (503) instead
    of a server error. Nothing was written: the request's transaction rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, OperationalError) and "database is locked" in str(exception)):
            return None
        logger.warning("database busy: %s %s answered 503", request.method, request.path)
        if request.path.startswith("/api/"):
            # The API's one error shape (``pumpurs.api.errors.error_body``; core sits below api).
            message = _(
                "The database is busy with a large change (an import, perhaps); nothing was saved by this request. Try again in half a minute."
            )
            response: HttpResponse = JsonResponse({"errors": [message], "fields": {}}, status=503)
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that is not a static file: pages show pupils'
    data, and a shared computer's browser cache or a proxy must keep none of it. WhiteNoise serves
    static files before this runs, with its own long-lived caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
        return response
