"""Which consent covers a day: asked by the plan's submission, by deliveries and by the case and
pupil pages. Below ``cases`` (which records and withdraws consents) and ``plans`` so that both
can ask without importing each other."""

from __future__ import annotations

import datetime as dt

from pumpurs.support.models import Case, Consent


def consent_active(case: Case | int, day: dt.date) -> Consent | None:
    """The consent that covers ``day``, if any (given on or before it, not withdrawn by then)."""
    case_id = case if isinstance(case, int) else case.pk
    for consent in Consent.objects.filter(case_id=case_id, given_on__lte=day).order_by("-given_on", "-id"):
        if consent.active_on(day):
            return consent
    return None
