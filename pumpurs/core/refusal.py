"""A refusal keeps what was typed, also when the form lives on another page (issue 13).

Most forms re-render themselves bound on a refusal (status 400). A small form embedded in a page
that another view composes — a flag decision on the pupil's page, an approver's comment on the
plan page — posts to its own view, which can only send the reader back: that redirect used to lose
the comment. ``refusal_keep`` puts the typed values (only the fields named: never a password) and
the reasons in the session for the page the reader goes back to; the ``refused`` context processor
hands them to that page once (and only to that path); ``{% kept %}`` / ``{% kept_errors %}``
(``core/templatetags/kept.py``, a builtin) put them back in the form, beside the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest

SESSION_KEY = "pumpurs_refused_form"


def form_key(*parts: Any) -> str:
    """The key of one form on a page: its kind and whatever tells it from its siblings."""
    return ":".join(str(part) for part in parts)


def refusal_keep(request: HttpRequest, *, form: str, fields: Sequence[str], errors: Iterable[str], back: str) -> None:
    """Remember what was typed in ``fields`` of ``form`` and why it was refused, for the page at
    ``back`` (the URL the view redirects to)."""
    request.session[SESSION_KEY] = {
        "form": form,
        "data": {name: request.POST.get(name, "") for name in fields},
        "errors": [str(error) for error in errors],
        "path": urlsplit(back).path,
    }


def refusal_take(request: HttpRequest, form: str) -> dict[str, str] | None:
    """For a page that builds the refused form itself: the typed values of ``form`` kept for this
    path (then gone), to bind the form with — its field shows the value and the reason."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    kept = session.get(SESSION_KEY)
    if not kept or kept.get("path") != request.path or kept.get("form") != form:
        return None
    del session[SESSION_KEY]
    return dict(kept["data"])


def refused(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the refusal kept for this page, handed over once."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return {}
    kept = session[SESSION_KEY]
    if kept.get("path") != request.path:
        return {}
    del session[SESSION_KEY]
    return {"refused": kept}
