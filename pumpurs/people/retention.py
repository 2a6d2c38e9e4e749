"""The people app's record kinds (decision 0040): sign-in records and break-the-glass openings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pumpurs.core.retention import Action, Part, record_kind_register
from pumpurs.people.models import EmergencyAccess, SignInThrottle


def sign_in_records_due(now: dt.datetime) -> Sequence[Part]:
    """Sessions that expired, and sign-in throttles last touched, before the period; a throttle
    still blocking is kept whatever its age."""
    cutoff = sign_in.cutoff(now)
    return (
        Part(Session.objects.filter(expire_date__lt=cutoff), "expire_date"),
        Part(
            SignInThrottle.objects.filter(last_at__lt=cutoff).filter(
                Q(blocked_until__isnull=True) | Q(blocked_until__lt=now)
            ),
            "last_at",
        ),
    )


def emergency_accesses_due(now: dt.datetime) -> Sequence[Part]:
    """Break-the-glass openings that ended before the period (the trail keeps their events)."""
    return (Part(EmergencyAccess.objects.filter(until__lt=emergency.cutoff(now)), "until"),)


sign_in = record_kind_register(
    code="people.sign_in",
    label=_("Sessions and sign-in attempts"),
    setting="PUMPURS_RETENTION_SIGN_IN_DAYS",
    due=sign_in_records_due,
    action=Action.DELETE,
    order=10,
)
emergency = record_kind_register(
    code="people.emergency_access",
    label=_("Break-the-glass openings"),
    setting="PUMPURS_RETENTION_EMERGENCY_ACCESS_DAYS",
    due=emergency_accesses_due,
    action=Action.DELETE,
    order=20,
)
