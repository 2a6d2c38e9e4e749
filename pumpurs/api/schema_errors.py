"""The error answers in the OpenAPI document (issue 17, low items): every operation lists the
statuses it can give besides its 2xx, each with the one error shape of ``pumpurs.api.errors``.

drf-spectacular documents only what a view declares, and our views declare their successes; the
errors come from the exception handler and two middlewares that every request passes (idempotency
and the busy database), so they are added here, once, by a post-processing hook, per method:

* every operation: 401 (no or a bad token), 403 (the token's person may not do this, or must
  first confirm a second factor), 503 (the database is busy: a long import on SQLite; retry after
  ``Retry-After`` seconds);
* every operation: 404 — no such object, or out of the reader's scope (the same answer), a page
  past the last, or a school year that does not exist;
* an operation with a query parameter or a body: 400 (a field is wrong; ``fields`` names it);
* ``POST``: 409 (a request with the same ``Idempotency-Key`` is still running, or the plan changed
  under the request), and 400 for a malformed ``Idempotency-Key``.

The API answers no 412 (it reads no ``If-Match``) and no 429 (API tokens are not throttled; sign-in
is, on the web pages), so neither is documented.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "Error"
ERROR_COMPONENT: dict[str, Any] = {
    "type": "object",
    "description": "Every error answer of the API. `errors` lists every message (those of `fields` too); "
    "`fields` names the input that is wrong, by dotted path for nested input (`goals.1.target`).",
    "properties": {
        "errors": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["errors", "fields"],
}

DESCRIPTIONS = {
    "400": "The input is wrong: a field, a query parameter or the Idempotency-Key header.",
    "401": "No valid credentials: send `Authorization: Bearer <token>`.",
    "403": "The token's person may not do this (or must first confirm their second factor).",
    "404": "No such object, or not in the reader's scope (the answer is the same); or a page past the last.",
    "409": "A request with this Idempotency-Key is still being processed, or the object changed meanwhile.",
    "503": "The database is busy (a long import); nothing was written. Retry after `Retry-After` seconds.",
}

_METHODS = ("get", "put", "patch", "post", "delete")


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["401", "403", "404", "503"]
    if operation.get("parameters") or "requestBody" in operation or method == "post":
        statuses.append("400")
    if method == "post":
        statuses.append("409")
    return statuses


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA] = ERROR_COMPONENT
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for path, item in result.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in _statuses(path, method, operation):
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": reference}}}
                )
    return result
