"""Writes to the journal's reference data (the list of subjects); facts are written by imports."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.journal.models import Subject
from pumpurs.people.actors import Actor


def subject_code_for(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


@transaction.atomic
def subject_add(*, actor: Actor, name: str, code: str = "") -> Subject:
    """Add a subject that imports will accept. Inverse: ``subject_set_active(active=False)``."""
    name = name.strip()
    code = code.strip() or subject_code_for(name)
    if not name or not code:
        raise ValidationError(_("A subject needs a name."), code="subject_name_required")
    if Subject.objects.filter(code=code).exists() or Subject.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("The subject %(name)s is already on the list.") % {"name": name}, code="subject_exists")
    subject = Subject.objects.create(code=code, name=name)
    audit_record(actor=actor, action="journal.subject.added", target=subject, data={"code": code, "name": name})
    return subject


@transaction.atomic
def subject_set_active(*, actor: Actor, subject: Subject, active: bool) -> Subject:
    """Stop (or resume) accepting a subject in imports; its grades stay. Inverse: itself."""
    if subject.is_active != active:
        subject.is_active = active
        subject.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="journal.subject.activated" if active else "journal.subject.deactivated",
            target=subject,
            data={"code": subject.code},
        )
    return subject
