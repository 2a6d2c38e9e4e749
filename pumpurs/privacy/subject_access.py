"""Subject access (GDPR art. 15; issue 17 "Data protection duties"): everything the system holds
about one pupil, for the data protection officer to hand over.

What "everything" is, is not a hand-kept list: starting from the pupil, the export follows every
relation that points at a record already found (enrolments, guardians, flags and their decisions,
assessments, notices, cases and what hangs on them — team, consents, contacts, plans, lines,
deliveries, reviews, hand-overs …), app by app, one query per relation and level, so a record kind
added later is exported without anyone remembering to add it. Then the audit trail about the
pupil: the events naming them and the list views that showed them (``privacy.selectors``).

The result is one ZIP:

* ``records.json``: every record, grouped by kind, values as stored (choices as codes), a link to
  another record as that record's readable name;
* ``audit_trail.json`` and ``audit_trail.csv``: who did or saw what, when, from where;
* ``summary.html``: the same, readable, in the DPO's language, with no script, style or link;
* ``files/…``: the scanned consents and delivery evidence the records point to.

Only holders of ``Perm.EXPORT_SUBJECT`` (the data protection officer) export, for the pupils in
their scope (a national grant: every pupil, including those who left long ago); each export is
itself an audit event (``privacy.subject_access.exported``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pumpurs.audit import registry
from pumpurs.audit.identity import AuditActor
from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_record
from pumpurs.core.display import day_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.listing import LISTED
from pumpurs.people.models import Pupil
from pumpurs.privacy.selectors import about_pupil

EXPORTED = "privacy.subject_access.exported"
# Links are followed this many steps from the pupil (pupil → case → plan → line → delivery is 4).
MAX_DEPTH = 6
# The trail is exported on its own; the project's plumbing holds no one's data.
SKIPPED_APPS = {"audit", "core"}
# Stored forms of the personal code: the export gives the code itself instead. A session's signed
# data (retention exports expired sessions, decision 0040) holds a password-derived hash: never exported.
HIDDEN_FIELDS = {"personal_code_encrypted", "personal_code_hash", "session_data"}


@dataclass
class Kind:
    """The records of one model found for the pupil."""

    model: type[models.Model]
    objects: list[models.Model] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def fields(self) -> list[models.Field[Any, Any]]:
        return [f for f in self.model._meta.concrete_fields if f.name not in HIDDEN_FIELDS and f.name != "id"]


def _is_ours(model: type[models.Model]) -> bool:
    app = model._meta.app_config
    return app is not None and app.name.startswith("pumpurs.") and model._meta.app_label not in SKIPPED_APPS


def collect(pupil: Pupil) -> list[Kind]:
    """Every record that points, directly or through records found before it, at the pupil."""
    kinds: dict[type[models.Model], Kind] = {Pupil: Kind(Pupil, [pupil])}
    seen: dict[type[models.Model], set[Any]] = defaultdict(set, {Pupil: {pupil.pk}})
    frontier: dict[type[models.Model], set[Any]] = {Pupil: {pupil.pk}}
    for _depth in range(MAX_DEPTH):
        found: dict[type[models.Model], set[Any]] = defaultdict(set)
        for model, pks in frontier.items():
            for relation in model._meta.related_objects:
                if not (relation.one_to_many or relation.one_to_one):
                    continue
                related = relation.related_model
                assert isinstance(related, type)
                if not _is_ours(related):
                    continue
                rows = related._default_manager.filter(**{f"{relation.field.name}__in": sorted(pks)})
                for obj in rows.exclude(pk__in=sorted(seen[related])).order_by("pk"):
                    if obj.pk in seen[related]:
                        continue
                    seen[related].add(obj.pk)
                    found[related].add(obj.pk)
                    kinds.setdefault(related, Kind(related)).objects.append(obj)
        if not found:
            break
        frontier = found
    return sorted(kinds.values(), key=lambda k: (k.model is not Pupil, k.key))


def _names(kinds: list[Kind]) -> dict[tuple[type[models.Model], Any], str]:
    """The readable name of every record a found record links to: one query per linked model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for kind in kinds:
        for f in kind.fields:
            if f.is_relation and f.related_model is not None:
                target = f.related_model
                assert isinstance(target, type)
                wanted[target] |= {getattr(o, f.attname) for o in kind.objects} - {None}
    names: dict[tuple[type[models.Model], Any], str] = {}
    for target, pks in wanted.items():
        for pk, obj in target._default_manager.in_bulk(sorted(pks)).items():
            names[(target, pk)] = str(obj)
    return names


def _value(obj: models.Model, f: models.Field[Any, Any], names: dict[tuple[type[models.Model], Any], str]) -> Any:
    raw = getattr(obj, f.attname)
    if raw is None:
        return None
    if f.is_relation and f.related_model is not None:
        return names.get((f.related_model, raw), str(raw))
    if isinstance(f, models.FileField):
        return raw.name if raw else ""
    return raw


def _record(kind: Kind, obj: models.Model, names: dict[tuple[type[models.Model], Any], str]) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: _value(obj, f, names) for f in kind.fields}
    if isinstance(obj, Pupil):
        row["personal_code"] = obj.personal_code
    return row


def records_of(model: type[models.Model], objects: list[models.Model]) -> list[dict[str, Any]]:
    """``objects`` of ``model`` in the export's format (``records.json``): values as stored, links as
    the linked record's readable name, the personal code's stored forms left out. Also what
    retention writes before anything goes (``privacy.retention``)."""
    kind = Kind(model, objects)
    names = _names([kind])
    return [_record(kind, obj, names) for obj in objects]


def _display(kind: Kind, obj: models.Model, f: models.Field[Any, Any], value: Any) -> str:
    if value is None or value == "":
        return "—"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return day_text(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return str(value)


def _event(event: AuditEvent) -> dict[str, Any]:
    data = dict(event.data)
    if event.action == LISTED:
        data.pop("pupils", None)  # the other pupils on that page are not this pupil's data
    return {
        "at": timezone.localtime(event.at).isoformat(),
        "who": event.actor_username,
        "action": event.action,
        "what": registry.event_label(event.action),
        "record": event.object_type,
        "data": data,
        "address": event.ip_address or "",
    }


def _files(kinds: list[Kind]) -> list[tuple[str, bytes]]:
    out = []
    for kind in kinds:
        for f in kind.fields:
            if not isinstance(f, models.FileField):
                continue
            for obj in kind.objects:
                stored = getattr(obj, f.attname)
                if not stored:
                    continue
                try:
                    with stored.open("rb") as handle:
                        out.append((f"files/{kind.key}/{stored.name.rsplit('/', 1)[-1]}", handle.read()))
                except (FileNotFoundError, OSError):
                    continue  # listed in records.json by name; the file itself is gone (purged)
    return out


def subject_access_bundle(pupil: Pupil) -> tuple[bytes, int, int]:
    """The ZIP for ``pupil``, with how many records and trail events it holds. Reads only."""
    kinds = collect(pupil)
    names = _names(kinds)
    records = {kind.key: [_record(kind, obj, names) for obj in kind.objects] for kind in kinds}
    events = [_event(e) for e in AuditEvent.objects.filter(about_pupil(pupil.pk)).order_by("seq")]
    sections = [
        {
            "title": kind.title,
            "columns": [str(f.verbose_name) for f in kind.fields],
            "rows": [[_display(kind, obj, f, _value(obj, f, names)) for f in kind.fields] for obj in kind.objects],
        }
        for kind in kinds
    ]
    trail_rows = [
        [e["at"], e["who"], e["what"], "; ".join(f"{k}: {v}" for k, v in e["data"].items()), e["address"]]
        for e in events
    ]
    trail_header = [_("Time"), _("Person"), _("What happened"), _("Details"), _("Address")]
    html = render_to_string(
        "privacy/subject_access_summary.html",
        {
            "pupil": pupil,
            "personal_code": pupil.personal_code,
            "sections": sections,
            "trail_header": trail_header,
            "trail": trail_rows,
            "made_at": timezone.localtime(),
        },
    )
    trail_csv = io.StringIO()
    writer = csv.writer(trail_csv)
    writer.writerow(trail_header)
    writer.writerows(trail_rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        dump = {"ensure_ascii": False, "indent": 2, "cls": DjangoJSONEncoder}
        archive.writestr("records.json", json.dumps(records, **dump))  # type: ignore[arg-type]
        archive.writestr("audit_trail.json", json.dumps(events, **dump))  # type: ignore[arg-type]
        archive.writestr("audit_trail.csv", "\ufeff" + trail_csv.getvalue())
        archive.writestr("summary.html", html)
        for name, content in _files(kinds):
            archive.writestr(name, content)
    count = sum(len(kind.objects) for kind in kinds)
    return buffer.getvalue(), count, len(events)


@transaction.atomic
def subject_access_export(*, actor: AuditActor, pupil: Pupil, ip_address: str | None = None) -> bytes:
    """Everything held about ``pupil`` as a ZIP, recorded as ``privacy.subject_access.exported``.
    Refused (``PermissionDenied``) unless ``actor`` holds ``Perm.EXPORT_SUBJECT`` over the pupil.
    Writes nothing but its audit event; it has no inverse."""
    if not access.pupils_visible_to(actor, Perm.EXPORT_SUBJECT).filter(pk=pupil.pk).exists():  # type: ignore[arg-type]
        raise PermissionDenied(_("You may not do this for this pupil."))
    bundle, records, events = subject_access_bundle(pupil)
    audit_record(
        actor=actor,
        action=EXPORTED,
        pupil_id=pupil.pk,
        target=pupil,
        data={"records": records, "events": events},
        ip_address=ip_address,
    )
    return bundle
