"""The audit trail's record kind (decision 0040): events past the period are scrubbed by their
registered scrubber (``registry``), never deleted; the hash chain still verifies (decision 0025)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_scrub_events
from pumpurs.core.retention import Action, Part, record_kind_register


def audit_events_due(now: dt.datetime) -> Sequence[Part]:
    """Events written before the period whose details were not scrubbed yet."""
    return (Part(AuditEvent.objects.filter(at__lt=events.cutoff(now), scrubbed_at__isnull=True), "at"),)


def audit_events_scrub(parts: Sequence[Part], now: dt.datetime) -> int:
    (part,) = parts
    return audit_scrub_events(part.queryset, now=now)


events = record_kind_register(
    code="audit.events",
    label=_("Details of audit events (scrubbed, never deleted)"),
    setting="PUMPURS_RETENTION_AUDIT_DAYS",
    due=audit_events_due,
    action=Action.SCRUB,
    apply=audit_events_scrub,
    order=90,
)
