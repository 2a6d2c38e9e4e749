"""Reading the audit trail: filters that use its indexes, and pages without a full COUNT(*)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from pumpurs.audit import registry
from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.listing import LISTED
from pumpurs.people.models import Pupil

PAGE_SIZE = 50


@dataclass(frozen=True)
class EventFilter:
    person: str = ""
    pupil: UUID | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events_filtered(f: EventFilter) -> QuerySet[AuditEvent]:
    """Events matching every given filter, newest first. Dates are whole local days, both inclusive."""
    events = AuditEvent.objects.select_related("actor")
    if f.person:
        # Failed sign-ins have no actor; the username they tried is in their data.
        events = events.filter(
            Q(actor_username__iexact=f.person) | Q(action__startswith="auth.", data__username__iexact=f.person)
        )
    if f.pupil is not None:
        pupil_pk = Pupil.objects.filter(public_id=f.pupil).values_list("pk", flat=True).first()
        events = events.filter(about_pupil(pupil_pk)) if pupil_pk is not None else events.none()
    if f.action:
        events = events.filter(action__startswith=f.action)
    if f.date_from:
        events = events.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        events = events.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")


def _lists_showing(pupil_pk: int) -> QuerySet[AuditEvent]:
    """The list views (``people.pupils.listed``) whose page showed this pupil: their ids are in
    the event's ``data["pupils"]``. PostgreSQL asks jsonb containment; SQLite has no JSON
    ``contains`` lookup in Django, so it asks ``json_each``. Either way the action's index narrows
    the events to list views first."""
    listed = AuditEvent.objects.filter(action=LISTED)
    if connection.vendor == "postgresql":
        return listed.filter(data__pupils__contains=[pupil_pk])
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    # The table name comes from the model; the pupil's id is a parameter.
    contains = f"EXISTS (SELECT 1 FROM json_each({table}.data, '$.pupils') WHERE json_each.value = %s)"  # noqa: S608
    return listed.extra(where=[contains], params=[pupil_pk])  # noqa: S610 — no ORM lookup exists on SQLite


def about_pupil(pupil_pk: int) -> Q:
    """Events about one pupil: those naming them (opened, changed, exported …) and the list views
    that showed them among others."""
    return Q(pupil_id=pupil_pk) | Q(pk__in=_lists_showing(pupil_pk).values("pk"))


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    pupil: Pupil | None  # None when no pupil is named, or the reader may not see them

    @property
    def label(self) -> str:
        """What happened, in the reader's language (the code itself for one nobody declared)."""
        return registry.event_label(self.event.action)

    @property
    def details(self) -> list[tuple[str, str]]:
        return registry.event_details(self.event.action, self.event.data)


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def audit_event_page(user: Viewer, f: EventFilter, *, number: int = 1) -> EventPage:
    """One page of events, with the pupils they name (those the reader may see) fetched in one query."""
    number = max(1, number)
    start = (number - 1) * PAGE_SIZE
    rows = list(audit_events_filtered(f)[start : start + PAGE_SIZE + 1])
    events = rows[:PAGE_SIZE]
    pupil_ids = {e.pupil_id for e in events if e.pupil_id is not None}
    pupils = access.pupils_visible_to(user).filter(pk__in=pupil_ids).only("public_id", "first_name", "last_name")
    by_pk = {p.pk: p for p in pupils}
    return EventPage(
        rows=[EventRow(e, by_pk.get(e.pupil_id) if e.pupil_id is not None else None) for e in events],
        number=number,
        has_next=len(rows) > PAGE_SIZE,
    )
