"""Who is already being served, for the watch list (issue 13, trap 1).

Accepting a flag says "this pupil needs attention"; the pupil must stay on the watch list until
someone serves them — or the flag's condition stops holding. Risk sits below support and cannot
know its cases, so support says, in its ``AppConfig.ready()``, which pupils it serves (an open
case) by registering a queryset of pupil ids. Until something registers, nobody counts as served:
the pupil stays listed, which is the safe side.
"""

from __future__ import annotations

from collections.abc import Callable
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
