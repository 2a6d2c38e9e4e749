"""Every write to people and organisations: one transaction each, audit row included."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core import crypto
from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import (
    ClassGroup,
    Enrolment,
    Guardian,
    Pupil,
    Role,
)
from pumpurs.people.personal_code import PersonalCode, parse_personal_code
from pumpurs.people.roster import (
    GuardianEntry,
    NotInScope,
    PupilEntry,
    guardian_problems,
    raise_first,
    roster_apply,
)


def personal_code_lookup_hash(code: PersonalCode) -> str:
    return crypto.lookup_hash(code.digits)


def pupil_find_by_personal_code(raw: str) -> Pupil | None:
    """Exact look-up through the keyed hash; raises ValidationError for a malformed code."""
    code = parse_personal_code(raw)
    return Pupil.objects.filter(personal_code_hash=personal_code_lookup_hash(code)).first()


def _require_manage(actor: Actor, class_group: ClassGroup) -> None:
    # The roster's refusal, with its code: a roster row for this school gets the same answer.
    if not access.can_manage_pupils_of(actor, class_group.institution):
        raise NotInScope(_("You may not register or move pupils of this school."), code="institution_unknown")


def _require_current(class_group: ClassGroup, today: dt.date) -> None:
    """A pupil joins a class of the current school year (the roster rules find classes there)."""
    year = school_year_on(today)
    if year is not None and class_group.school_year_id != year.pk:
        raise ValidationError(
            _("Class %(cls)s belongs to the %(year)s school year, not the current one.")
            % {"cls": class_group.name, "year": class_group.school_year.name},
            code="class_not_current",
        )


def _entry(
    class_group: ClassGroup,
    *,
    personal_code: str,
    first_name: str,
    last_name: str,
    birth_date: dt.date | None,
    gender: str,
    starts_on: dt.date | None,
) -> PupilEntry:
    return PupilEntry(
        row=1,
        personal_code=personal_code,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        gender=gender,
        institution=class_group.institution,
        class_name=class_group.name,
        grade=class_group.grade,
        starts_on=starts_on,
    )


@transaction.atomic
def pupil_create(
    *,
    actor: Actor,
    personal_code: str,
    first_name: str,
    last_name: str,
    birth_date: dt.date | None,
    gender: str = Pupil.Gender.UNKNOWN,
    class_group: ClassGroup,
    starts_on: dt.date,
    today: dt.date | None = None,
) -> Pupil:
    """Register a pupil and enrol them in ``class_group`` from ``starts_on``.

    The roster rules decide (``people.roster``, the same as a roster import): one pupil per
    personal code (keyed hash, unique), an old-format code's birth date agrees with ``birth_date``,
    a school where ``actor`` may register pupils, a start in the current school year and not after
    ``today``. The first problem is raised: ``NotInScope`` (a ``PermissionDenied``) or
    ``ValidationError``, each with the roster's code. Inverse: none — a pupil is ended by
    ``enrolment_end``.
    """
    today = today or timezone.localdate()
    _require_manage(actor, class_group)
    _require_current(class_group, today)
    entry = _entry(
        class_group,
        personal_code=personal_code,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        gender=gender,
        starts_on=starts_on,
    )
    outcome = roster_apply(actor=actor, entries=[entry], today=today, create_only=True)
    raise_first(outcome.problems)
    return outcome.pupils[0]


def _enrolment_close(*, actor: Actor, enrolment: Enrolment, ends_on: dt.date, reason: str) -> Enrolment:
    if enrolment.ends_on is not None:
        raise ValidationError(_("This enrolment has already ended."), code="enrolment_already_ended")
    if ends_on < enrolment.starts_on:
        raise ValidationError(_("An enrolment cannot end before it started."), code="enrolment_end_before_start")
    if reason not in Enrolment.EndReason.values:
        raise ValidationError(_("Choose one of the listed end reasons."), code="enrolment_end_reason")
    enrolment.ends_on = ends_on
    enrolment.end_reason = reason
    enrolment.save(update_fields=["ends_on", "end_reason"])
    audit_record(
        actor=actor,
        action="people.enrolment.ended",
        pupil_id=enrolment.pupil_id,
        target=enrolment.class_group,
        data={"until": ends_on.isoformat(), "reason": reason},
    )
    return enrolment


@transaction.atomic
def enrolment_end(*, actor: Actor, enrolment: Enrolment, ends_on: dt.date, reason: str) -> Enrolment:
    """Close an open enrolment with a reason. Inverse: ``pupil_enrol`` into a class again."""
    _require_manage(actor, enrolment.class_group)
    locked = Enrolment.objects.select_for_update().select_related("class_group").get(pk=enrolment.pk)
    return _enrolment_close(actor=actor, enrolment=locked, ends_on=ends_on, reason=reason)


@transaction.atomic
def pupil_enrol(
    *, actor: Actor, pupil: Pupil, class_group: ClassGroup, starts_on: dt.date, today: dt.date | None = None
) -> Enrolment:
    """Move ``pupil`` into ``class_group`` from ``starts_on``, ending the open enrolment the day before.

    The history is kept: the previous enrolment is closed (class changed, or transferred when the
    receiving school is another one), never rewritten. The roster rules decide (``people.roster``):
    the pupil's current school must be in ``actor``'s scope too — a school outside it ends the
    enrolment itself first — and the move starts after the current enrolment began, in the current
    school year, not after ``today``. Inverse: ``enrolment_end``.
    """
    today = today or timezone.localdate()
    _require_manage(actor, class_group)
    _require_current(class_group, today)
    current = Enrolment.objects.select_for_update().filter(pupil=pupil, ends_on__isnull=True).first()
    if current is not None and current.class_group_id == class_group.pk:
        raise ValidationError(_("The pupil is already in this class."), code="enrolment_same_class")
    entry = _entry(
        class_group,
        personal_code=pupil.personal_code,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        birth_date=pupil.birth_date,
        gender=pupil.gender,
        starts_on=starts_on,
    )
    outcome = roster_apply(actor=actor, entries=[entry], today=today)
    raise_first(outcome.problems)
    return outcome.enrolments[pupil.pk]


@transaction.atomic
def guardian_add(
    *,
    actor: Actor,
    pupil: Pupil,
    first_name: str,
    last_name: str,
    relation: str,
    phone: str = "",
    email: str = "",
    out_of_family_care: bool = False,
) -> Guardian:
    """Add a parent or guardian to a pupil, by the roster's guardian rules (``people.roster``):
    a first and a last name, a known relation, a valid e-mail address if any. Inverse: none yet
    (guardians are corrected, not removed)."""
    if not access.pupils_visible_to(actor, access.Perm.MANAGE_PUPILS).filter(pk=pupil.pk).exists():
        raise PermissionDenied(_("You may not change this pupil's record."))
    raise_first(
        guardian_problems(
            GuardianEntry(first_name=first_name, last_name=last_name, relation=relation, phone=phone, email=email)
        )
    )
    guardian = Guardian(
        pupil=pupil,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        relation=relation,
        phone=phone.strip(),
        email=email.strip(),
        out_of_family_care=out_of_family_care,
    )
    guardian.full_clean()
    guardian.save()
    audit_record(actor=actor, action="people.guardian.added", pupil_id=pupil.pk, target=guardian)
    return guardian


__all__ = [
    "Role",
    "enrolment_end",
    "guardian_add",
    "pupil_create",
    "pupil_enrol",
    "pupil_find_by_personal_code",
]
