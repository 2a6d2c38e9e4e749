"""The header and navigation every page shows: who is signed in, as what, and where they may go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from pumpurs.people import access, selectors
from pumpurs.people.access import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _items(request: HttpRequest) -> list[NavItem]:
    user = request.user
    candidates = [
        (_("Home"), "home", access.has_perm(user, Perm.VIEW_OVERVIEW)),
        (_("Municipalities and schools"), "municipality_list", access.has_perm(user, Perm.VIEW_OVERVIEW)),
        (_("Find a pupil"), "pupil_search", access.has_perm(user, Perm.VIEW_PUPILS)),
        (_("Watch list"), "watch_list", access.has_perm(user, Perm.VIEW_RISK)),
        (
            _("Pupils at risk by school"),
            "risk_municipality_index",
            access.has_perm(user, Perm.VIEW_RISK_COUNTS) and not access.has_perm(user, Perm.VIEW_RISK),
        ),
        (_("Support"), "support_case_list", access.has_perm(user, Perm.VIEW_SUPPORT)),
        (
            _("Approvals"),
            "support_approvals",
            any(
                access.has_perm(user, p)
                for p in (Perm.APPROVE_AS_DIRECTOR, Perm.APPROVE_AS_MUNICIPALITY, Perm.APPROVE_AS_NATIONAL)
            ),
        ),
        (_("Measure catalogue"), "support_catalogue:catalogue", access.has_perm(user, Perm.VIEW_SUPPORT)),
        (_("Fairness"), "risk_fairness", access.has_perm(user, Perm.VIEW_FAIRNESS)),
        (_("Questionnaires"), "questionnaire_instrument_list", access.has_perm(user, Perm.MANAGE_INSTRUMENTS)),
        (_("Data imports"), "import_list", access.has_perm(user, Perm.IMPORT_DATA)),
        (_("Notices"), "notice_outbox", access.has_perm(user, Perm.VIEW_OUTBOX)),
        (_("Audit trail"), "audit_events", access.has_perm(user, Perm.VIEW_AUDIT)),
    ]
    items = []
    for label, name, allowed in candidates:
        if allowed:
            url = reverse(name)
            items.append(NavItem(label, url, request.path == url))
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
