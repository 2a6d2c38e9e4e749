"""The header and navigation every page shows: who is signed in, as what, and where they may go
(the items are what the apps registered in ``people.registry``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from pumpurs.people import registry, selectors


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool
    count: int | None = None


def _items(request: HttpRequest) -> list[NavItem]:
    items = []
    for entry in registry.nav_entries():
        if entry.visible(request.user):
            url = reverse(entry.url_name)
            count = entry.count(request) if entry.count is not None else None
            items.append(NavItem(str(entry.label), url, request.path == url, count))
    return items


def _roles(request: HttpRequest) -> list[str]:
    # str(grant) is "role — scope" in the active language.
    return [str(grant) for grant in selectors.role_grants_of(request.user)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    # Lazy: a page that renders no header (an error page, a redirect) costs no query.
    return {
        "nav_items": SimpleLazyObject(lambda: _items(request)),
        "user_roles": SimpleLazyObject(lambda: _roles(request)),
    }
