"""The audit trail's record kind (decision 0040): events past the period are scrubbed by their
registered scrubber (``registry``), never deleted; the hash chain still verifies (decision 0025)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_scrub_steps
from pumpurs.core.retention import Action, Part, record_kind_register


def audit_events_due(now: dt.datetime) -> Sequence[Part]:
    """Events written before the period whose details were not scrubbed yet."""
    return (Part(AuditEvent.objects.filter(at__lt=events.cutoff(now), scrubbed_at__isnull=True), "at"),)


def audit_events_scrub_steps(parts: Sequence[Part], now: dt.datetime) -> Iterator[Callable[[], int]]:
    """One transaction per ``PUMPURS_RETENTION_AUDIT_CHUNK`` events (decision 0046): the first run
    over a national trail scrubs millions of events without one transaction holding them all."""
    (part,) = parts
    return audit_scrub_steps(part.queryset, now=now, chunk=settings.PUMPURS_RETENTION_AUDIT_CHUNK)


events = record_kind_register(
    code="audit.events",
    label=_("Details of audit events (scrubbed, never deleted)"),
    setting="PUMPURS_RETENTION_AUDIT_DAYS",
    due=audit_events_due,
    action=Action.SCRUB,
    steps=audit_events_scrub_steps,
    order=90,
)
