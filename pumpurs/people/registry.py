"""What the apps add to people's pages: items of the site navigation and panels of the pupil page.

People renders the header and the pupil page but knows no app above it (DESIGN §5, STYLE.md
"Contribute, don't reach up"). Each app registers its own items and panels in its
``AppConfig.ready()``; the navigation context processor and the pupil page render what is
registered, in ``order``. Registering the same URL name or template again replaces the earlier
entry, so a ``ready()`` that runs twice (as in some test runners) adds nothing twice.

A nav item's ``visible`` decides from the user alone whether the item is shown (the pages
themselves still check access). A pupil panel is a template included with the pupil page's
context (``pupil``, ``profile``, ``request``); it fetches what it shows through its own app's
template tag and renders nothing for a reader who may not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from pumpurs.people import access
from pumpurs.people.access import Perm

Visible = Callable[[Any], bool]


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise  # lazily translated: shown in the reader's language
    url_name: str
    visible: Visible
    order: int
    # A number shown beside the label, from the request (what waits for the user: people.work).
    count: Callable[[Any], int] | None = None


@dataclass(frozen=True)
class PupilPanel:
    template: str
    order: int


_nav: dict[str, NavEntry] = {}
_panels: dict[str, PupilPanel] = {}


def any_perm(*perms: Perm) -> Visible:
    """``visible`` for an item shown to whoever holds at least one of ``perms``."""
    return lambda user: any(access.has_perm(user, perm) for perm in perms)


def nav_item_register(
    *,
    label: str | Promise,
    url_name: str,
    visible: Visible,
    order: int,
    count: Callable[[Any], int] | None = None,
) -> None:
    _nav[url_name] = NavEntry(label=label, url_name=url_name, visible=visible, order=order, count=count)


def pupil_panel_register(*, template: str, order: int) -> None:
    _panels[template] = PupilPanel(template=template, order=order)


def nav_entries() -> list[NavEntry]:
    return sorted(_nav.values(), key=lambda e: (e.order, e.url_name))


def pupil_panels() -> list[PupilPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.template))
