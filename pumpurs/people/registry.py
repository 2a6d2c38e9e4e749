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

import datetime as dt
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


# --- Support plans and the apps beside support ----------------------------------------------------
# A plan panel is a template included on the plan page with its context (``plan``, ``lines``,
# ``request``, ``may_link_materials``). It lives here, below support, so that an app beside support
# (prevention: the materials a line used) can add one as well as an app above it (finance).


@dataclass(frozen=True)
class PlanPanel:
    template: str
    order: int


_plan_panels: dict[str, PlanPanel] = {}


def plan_panel_register(*, template: str, order: int) -> None:
    """Add a panel to the plan page; registering the same template again replaces it."""
    _plan_panels[template] = PlanPanel(template=template, order=order)


def plan_panels() -> list[PlanPanel]:
    return sorted(_plan_panels.values(), key=lambda p: (p.order, p.template))


# What a plan line names in the materials library (issue 16): support checks who may change the
# plan and calls the setter prevention registered, with the line and the chosen materials' public
# ids; the setter refuses with ValidationError and writes the link and its audit row.
MaterialsSetter = Callable[[Any, Any, list[str], dt.datetime], None]  # (actor, plan line, chosen, now)

_materials_setter: list[MaterialsSetter] = []


def plan_line_materials_register(setter: MaterialsSetter) -> None:
    """Register the setter; registering again replaces the earlier one."""
    _materials_setter[:] = [setter]


def plan_line_materials_setter() -> MaterialsSetter | None:
    """The registered setter, or None when no app keeps materials (then lines name none)."""
    return _materials_setter[0] if _materials_setter else None
