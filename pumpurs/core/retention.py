"""Record kinds and how long each is kept (issue 17, decision 0040): one registry.

Each app that owns personal data declares its kinds in its own ``retention.py`` with
``record_kind_register``: a code, a readable label, the setting that holds the retention period in
days, a selector of what is due at a moment, and what happens to it (``Action``). The privacy app
imports those modules when Django starts and composes them (``pumpurs retention``, the daily job,
the data protection officer's page), so privacy never reaches into each app's tables by hand and
the apps below it never import it.

A selector returns ``Part``\\s: one query per model that goes, with the date that made it due (the
oldest is shown). By default applying a kind deletes its parts in order; a kind that scrubs or
pseudonymises, or purges files, gives its own ``apply``. A kind too large for one transaction (the
audit trail's first scrub, a national journal's old years) gives ``steps`` instead: bounded units
of work the runner commits one by one, each with its own audit event (decision 0046).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise

Label = str | Promise


class Action(StrEnum):
    DELETE = "delete"  # the rows go
    SCRUB = "scrub"  # the rows stay, their personal detail goes (the audit trail)
    PSEUDONYMISE = "pseudonymise"  # rows public money rests on stay, without names and free text
    PURGE_FILES = "purge_files"  # the stored files go, the rows that name them stay


@dataclass(frozen=True)
class Part:
    """The rows of one model that are due, and the field whose value made them due."""

    queryset: models.QuerySet[Any]
    date_field: str

    @property
    def model(self) -> type[models.Model]:
        return self.queryset.model


Selector = Callable[[dt.datetime], Sequence[Part]]
Applier = Callable[[Sequence[Part], dt.datetime], int]
# Yields one bounded unit of work at a time; each returns how many records it removed or scrubbed.
# The next unit is asked for only after the previous one committed, so it sees what is left.
Stepper = Callable[[Sequence[Part], dt.datetime], Iterator[Callable[[], int]]]


@dataclass(frozen=True)
class RecordKind:
    code: str
    label: Label
    setting: str  # the name of the setting holding the period in days
    due: Selector
    action: Action
    apply: Applier | None = None  # None: delete every part in order
    order: int = 100
    steps: Stepper | None = None  # instead of ``apply``: one transaction per step

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting))

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """Records whose date is before this moment are due."""
        return now - dt.timedelta(days=self.days)


_kinds: dict[str, RecordKind] = {}


def record_kind_register(
    *,
    code: str,
    label: Label,
    setting: str,
    due: Selector,
    action: Action,
    apply: Applier | None = None,
    order: int = 100,
    steps: Stepper | None = None,
) -> RecordKind:
    """Declare one record kind. Registering a code twice with another setting is a programming error."""
    known = _kinds.get(code)
    if known is not None and known.setting != setting:
        raise ValueError(f"Record kind {code!r} is already registered with another setting.")
    if apply is not None and steps is not None:
        raise ValueError(f"Record kind {code!r} gives both apply and steps.")
    kind = RecordKind(
        code=code, label=label, setting=setting, due=due, action=action, apply=apply, order=order, steps=steps
    )
    _kinds[code] = kind
    return kind


def record_kinds() -> list[RecordKind]:
    """Every declared kind, in the order they are applied."""
    return sorted(_kinds.values(), key=lambda k: (k.order, k.code))


def parts_delete(parts: Sequence[Part], now: dt.datetime) -> int:
    """The default action: delete each part in order; returns how many rows of the parts went
    (not counting what a cascade took along)."""
    total = 0
    for part in parts:
        _count, by_model = part.queryset.delete()
        total += by_model.get(part.model._meta.label, 0)
    return total


def reverse_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every foreign key pointing at ``model``, as its reverse relation — the hidden ones
    (``related_name="+"``) included, which ``_meta.related_objects`` leaves out: a questionnaire a
    review rests on is protected by such a key (``support.Review.assessment``)."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if isinstance(f, models.ForeignObjectRel) and (f.one_to_many or f.one_to_one)
    ]


def unprotected(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``queryset`` without the rows another model's ``PROTECT`` foreign key points at (its own
    model's excepted: rows deleted together may point at each other), so that deleting it is never
    refused. Found from the models' declarations: a lower app need not know the models above it."""
    model = queryset.model
    for relation in reverse_relations(model):
        if relation.on_delete is not models.PROTECT or relation.related_model is model:
            continue
        related = relation.related_model
        assert isinstance(related, type)
        assert issubclass(related, models.Model)
        queryset = queryset.exclude(
            pk__in=related._default_manager.filter(**{f"{relation.field.name}__isnull": False}).values(
                relation.field.name
            )
        )
    return queryset
