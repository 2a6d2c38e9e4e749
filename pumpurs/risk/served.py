"""Who is already being served, for the watch list (issue 13, trap 1).

Accepting a flag says "this pupil needs attention"; the pupil must stay on the watch list until
someone serves them — or the flag's condition stops holding. Risk sits below support and cannot
know its cases, so support says, in its ``AppConfig.ready()``, which pupils it serves (an open
case) by registering a queryset of pupil ids. Until something registers, nobody counts as served:
the pupil stays listed, which is the safe side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

ServedPupils = Callable[[], QuerySet[Any]]  # rows with a ``pupil_id`` column

_served: list[ServedPupils] = []


def served_pupils_register(provider: ServedPupils) -> None:
    """Register the pupils an app serves; registering again replaces the earlier provider."""
    _served[:] = [provider]


def served_pupils() -> QuerySet[Any] | None:
    """The registered served pupils (a queryset with ``pupil_id``), or ``None`` when none is."""
    return _served[0]() if _served else None


@dataclass(frozen=True)
class SupportState:
    """What support already does for a pupil, as the watch list shows it: "case open, plan in
    draft", "active plan", with the address of the case or plan."""

    label: str
    url: str
    active_plan: bool = False


# pupil ids → their state, for the pupils that have one: ONE query for a page of the watch list.
SupportStates = Callable[[list[int]], dict[int, SupportState]]

_states: list[SupportStates] = []


def support_states_register(provider: SupportStates) -> None:
    """Register how support describes its pupils; registering again replaces the earlier one."""
    _states[:] = [provider]


def support_states(pupil_ids: list[int]) -> dict[int, SupportState]:
    """The registered state of each of ``pupil_ids`` that support serves; empty when nothing is
    registered (then the watch list shows no support column's links)."""
    return _states[0](pupil_ids) if _states and pupil_ids else {}
