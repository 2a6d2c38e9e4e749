"""The programme's indicators (issue 15): ``catalogue`` defines each figure once, ``compute`` counts
them in grouped statements, ``report`` scopes and protects them, ``exports`` writes them out."""

from __future__ import annotations

from django.db import transaction

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import Actor
from pumpurs.reporting.indicators.report import Report


def report_record(*, actor: Actor, report: Report, action: str, fmt: str = "", municipality: str = "") -> None:
    """Audit a read (``reporting.indicators.viewed``) or an export (``…exported``) of ``report``."""
    data = {
        "year": report.year.name,
        "semester": report.period.number if report.period else None,
        "municipality": municipality,
        "format": fmt,
    }
    with transaction.atomic():
        audit_record(actor=actor, action=action, data=data)


__all__ = ["report_record"]
