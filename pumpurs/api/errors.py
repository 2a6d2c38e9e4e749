"""One shape for every API error: ``{"errors": [every message], "fields": {field: [messages]}}``.

The services raise Django's ``ValidationError`` (400; a conflict — ``PlanConflict`` or any
``code="conflict"``: changed since you read it — is 409) and ``PermissionDenied`` (403); objects out of scope are 404 like objects that do not exist; a request
without valid credentials is 401. Field paths of nested input are dotted: ``goals.1.target``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from pumpurs.support.plans import PlanConflict

NON_FIELD = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}


def error_body(messages: list[str], fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    fields = fields or {}
    return {"errors": messages + [m for ms in fields.values() for m in ms], "fields": fields}


def _flatten(detail: Any, path: str, out: dict[str, list[str]]) -> None:
    """DRF's nested error detail → {dotted path: [messages]}."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            _flatten(item, f"{path}.{index}", out)
    elif isinstance(detail, list):
        if detail:
            out.setdefault(path, []).extend(str(item) for item in detail)
    else:
        out.setdefault(path, []).append(str(detail))


def _from_drf(detail: Any) -> dict[str, Any]:
    flat: dict[str, list[str]] = {}
    _flatten(detail if isinstance(detail, dict | list) else [detail], "", flat)
    messages = [m for key in ("", *NON_FIELD) for m in flat.pop(key, [])]
    return error_body(messages, flat)


def _from_django(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        fields = {key: list(messages) for key, messages in exc.message_dict.items()}
        messages = [m for key in NON_FIELD for m in fields.pop(key, [])]
        return error_body(messages, fields)
    return error_body(list(exc.messages))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 (``handler404``): under ``/api/`` the API's error shape, in JSON, also for an
    address no API view matches (``/api/v1/plans/not-a-uuid/``); elsewhere the usual page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body([str(NotFound.default_detail)]), status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception or Http404())


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PlanConflict) or (
        isinstance(exc, DjangoValidationError) and getattr(exc, "code", None) == "conflict"
    ):
        return Response(_from_django(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(_from_django(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # The same words whether it does not exist or is out of scope (and no model names).
        return Response(error_body([str(NotFound.default_detail)]), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or _("You may not do this.")
        return Response(error_body([message]), status=status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = exc.detail if isinstance(exc, DrfValidationError) else response.data.get("detail", response.data)
        response.data = _from_drf(detail)
    return response
