"""Audit event types, declared once with their readable text and their scrubber (decision 0025).

Each app declares the codes it writes in its own ``audit_events.py``; the audit app imports those
modules when Django starts (``AuditConfig.ready``), so the trail never imports the apps above it.
A type has:

- ``label``: what happened, as the data protection officer reads it ("Skolēna dati atvērti");
- ``fields``: readable names of the ``data`` keys worth showing;
- ``keep``: the ``data`` keys that carry no personal detail and survive an erasure; everything else
  is scrubbed (a safe default: a key nobody declared is removed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Label = str | Promise


@dataclass(frozen=True)
class EventType:
    code: str
    label: Label
    fields: Mapping[str, Label] = field(default_factory=dict)
    keep: frozenset[str] = frozenset()


_types: dict[str, EventType] = {}

# Keys many events share, named once. Ones not named here or by the type are shown as they are.
COMMON_FIELDS: dict[str, Label] = {
    "on_behalf_of": gettext_lazy("on behalf of"),
    "username": gettext_lazy("username"),
    "fields": gettext_lazy("changed fields"),
    "rows": gettext_lazy("rows"),
    "from": gettext_lazy("from status"),
    "to": gettext_lazy("to status"),
    "step": gettext_lazy("approval step"),
    "version": gettext_lazy("version"),
    "reason": gettext_lazy("reason"),
    "comment": gettext_lazy("comment"),
    "kind": gettext_lazy("kind"),
    "status": gettext_lazy("status"),
    "roles": gettext_lazy("roles"),
    "role": gettext_lazy("role"),
}
# Keys that never carry personal detail whatever the event: kept by every scrubber.
ALWAYS_KEPT = frozenset({"on_behalf_of", "from", "to", "step", "version", "kind", "status", "rows"})


def event_type_register(
    code: str, label: Label, *, fields: Mapping[str, Label] | None = None, keep: Iterable[str] = ()
) -> EventType:
    """Declare one event code. Declaring a code twice with a different label is a programming error."""
    kind = EventType(code=code, label=label, fields=dict(fields or {}), keep=frozenset(keep) | ALWAYS_KEPT)
    known = _types.get(code)
    if known is not None and str(known.label) != str(label):
        raise ValueError(f"Audit event type {code!r} is already registered with another label.")
    _types[code] = kind
    return kind


def event_type(code: str) -> EventType | None:
    return _types.get(code)


def event_types() -> dict[str, EventType]:
    return dict(_types)


def event_label(code: str) -> str:
    """The readable text of ``code``; the code itself for one nobody declared (never an error)."""
    kind = _types.get(code)
    return str(kind.label) if kind is not None else code


# Dates and times are stored in an event's data as ISO text; the reader sees the one date format
# (issue 13: "1.09.2026" in Latvian), the time in local time.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _when(text: str) -> str | None:
    try:
        if _ISO_DAY.fullmatch(text):
            return str(formats.date_format(dt.date.fromisoformat(text), "SHORT_DATE_FORMAT"))
        if _ISO_MOMENT.fullmatch(text):
            moment = dt.datetime.fromisoformat(text)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return str(formats.date_format(moment, "SHORT_DATETIME_FORMAT"))
    except ValueError:
        return None  # shaped like a date but not one: shown as stored
    return None


def _value(value: Any) -> str:
    if isinstance(value, str) and (when := _when(value)) is not None:
        return when
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if value is None or value == "":
        return "—"
    return str(value)


def event_details(code: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``data`` as (readable name, readable value) pairs, in the order the type names its fields."""
    kind = _types.get(code)
    names: dict[str, Label] = {**COMMON_FIELDS, **(kind.fields if kind is not None else {})}
    ordered = [k for k in (kind.fields if kind is not None else {}) if k in data]
    ordered += [k for k in data if k not in ordered]
    return [(str(names.get(key, key)), _value(data[key])) for key in ordered]


def kept_keys(code: str) -> frozenset[str]:
    """The ``data`` keys an event of ``code`` keeps when it is scrubbed (only ``ALWAYS_KEPT`` for a
    code nobody declared). Every scrubber is declarative — a set of keys — so the trail can be
    scrubbed in SQL, type by type (``audit.services.audit_scrub_events``)."""
    kind = _types.get(code)
    return kind.keep if kind is not None else ALWAYS_KEPT


def scrub(code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` of an event of ``code`` with its personal detail removed: the Python twin of the
    SQL scrub, for keys SQL cannot name."""
    keep = kept_keys(code)
    return {key: value for key, value in data.items() if key in keep}
