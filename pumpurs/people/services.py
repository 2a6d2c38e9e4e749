"""Every write to people and organisations: one transaction each, audit row included."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core import crypto
from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.models import (
    ClassGroup,
    Enrolment,
    Guardian,
    Institution,
    Municipality,
    Pupil,
    Role,
    RoleGrant,
    User,
)
from pumpurs.people.personal_code import PersonalCode, parse_personal_code


def personal_code_lookup_hash(code: PersonalCode) -> str:
    return crypto.lookup_hash(code.digits)


def pupil_find_by_personal_code(raw: str) -> Pupil | None:
    """Exact look-up through the keyed hash; raises ValidationError for a malformed code."""
    code = parse_personal_code(raw)
    return Pupil.objects.filter(personal_code_hash=personal_code_lookup_hash(code)).first()


def _require_manage(actor: Actor, class_group: ClassGroup) -> None:
    if not access.can_manage_pupils_of(actor, class_group.institution):
        raise PermissionDenied(_("You may not register or move pupils of this school."))


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
) -> Pupil:
    """Register a pupil and enrol them in ``class_group`` from ``starts_on``.

    Invariants: one pupil per personal code (keyed hash, unique); an old-format code's birth date
    must agree with ``birth_date``. Inverse: none — a pupil is ended by ``enrolment_end``.
    """
    _require_manage(actor, class_group)
    code = parse_personal_code(personal_code)
    code_hash = personal_code_lookup_hash(code)
    existing = Pupil.objects.filter(personal_code_hash=code_hash).first()
    if existing is not None:
        raise ValidationError(
            _("A pupil with this personal code is already registered (record %(id)s). Open that record instead.")
            % {"id": existing.public_id},
            code="personal_code_duplicate",
        )
    if birth_date is None:
        if code.birth_date is None:
            raise ValidationError(
                _("A birth date is required for a new-format personal code."), code="birth_date_required"
            )
        birth_date = code.birth_date
    elif code.birth_date is not None and code.birth_date != birth_date:
        raise ValidationError(
            _("The birth date does not match the one in the personal code (%(date)s).")
            % {"date": code.birth_date.isoformat()},
            code="birth_date_mismatch",
        )
    pupil = Pupil.objects.create(
        personal_code_encrypted=crypto.encrypt(code.digits),
        personal_code_hash=code_hash,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        gender=gender,
    )
    enrolment = Enrolment.objects.create(
        pupil=pupil, class_group=class_group, institution=class_group.institution, starts_on=starts_on
    )
    audit_record(actor=actor, action="people.pupil.created", pupil_id=pupil.pk, target=pupil)
    audit_record(
        actor=actor,
        action="people.enrolment.started",
        pupil_id=pupil.pk,
        target=enrolment.class_group,
        data={"institution": class_group.institution.code, "class": class_group.name, "from": starts_on.isoformat()},
    )
    return pupil


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
def pupil_enrol(*, actor: Actor, pupil: Pupil, class_group: ClassGroup, starts_on: dt.date) -> Enrolment:
    """Move ``pupil`` into ``class_group`` from ``starts_on``, ending the open enrolment the day before.

    The history is kept: the previous enrolment is closed (class changed, or transferred when the
    receiving school is another one — the receiving school's coordinator may close it), never
    rewritten. Inverse: ``enrolment_end``.
    """
    _require_manage(actor, class_group)
    current = Enrolment.objects.select_for_update().filter(pupil=pupil, ends_on__isnull=True).first()
    if current is not None:
        if current.class_group_id == class_group.pk:
            raise ValidationError(_("The pupil is already in this class."), code="enrolment_same_class")
        if starts_on <= current.starts_on:
            raise ValidationError(
                _("The new class must start after the current enrolment began (%(date)s).")
                % {"date": current.starts_on.isoformat()},
                code="enrolment_overlap",
            )
        same_school = current.institution_id == class_group.institution_id
        _enrolment_close(
            actor=actor,
            enrolment=current,
            ends_on=starts_on - dt.timedelta(days=1),
            reason=Enrolment.EndReason.CLASS_CHANGED if same_school else Enrolment.EndReason.TRANSFERRED,
        )
    enrolment = Enrolment.objects.create(
        pupil=pupil, class_group=class_group, institution=class_group.institution, starts_on=starts_on
    )
    audit_record(
        actor=actor,
        action="people.enrolment.started",
        pupil_id=pupil.pk,
        target=class_group,
        data={"institution": class_group.institution.code, "class": class_group.name, "from": starts_on.isoformat()},
    )
    return enrolment


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
    """Add a parent or guardian to a pupil. Inverse: none yet (guardians are corrected, not removed)."""
    if not access.pupils_visible_to(actor, access.Perm.MANAGE_PUPILS).filter(pk=pupil.pk).exists():
        raise PermissionDenied(_("You may not change this pupil's record."))
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


@transaction.atomic
def role_grant_create(
    *,
    actor: Actor,
    user: User,
    role: str,
    institution: Institution | None = None,
    municipality: Municipality | None = None,
    specialist_kind: str = "",
) -> RoleGrant:
    """Give ``user`` a role within a scope. Only a system administrator may. Inverse: ``role_grant_revoke``."""
    if not access.has_perm(actor, access.Perm.MANAGE_STAFF):
        raise PermissionDenied(_("Only a system administrator may grant roles."))
    grant = RoleGrant(
        user=user, role=role, institution=institution, municipality=municipality, specialist_kind=specialist_kind
    )
    grant.full_clean()
    grant.save()
    access.forget_cached_grants(user)
    audit_record(actor=actor, action="people.role.granted", target=user, data={"role": role, "scope": str(grant)})
    return grant


@transaction.atomic
def role_grant_revoke(*, actor: Actor, grant: RoleGrant) -> None:
    """Take a role away. Inverse: ``role_grant_create``."""
    if not access.has_perm(actor, access.Perm.MANAGE_STAFF):
        raise PermissionDenied(_("Only a system administrator may revoke roles."))
    audit_record(
        actor=actor, action="people.role.revoked", target=grant.user, data={"role": grant.role, "scope": str(grant)}
    )
    user = grant.user
    grant.delete()
    access.forget_cached_grants(user)


__all__ = [
    "Role",
    "enrolment_end",
    "guardian_add",
    "pupil_create",
    "pupil_enrol",
    "pupil_find_by_personal_code",
    "role_grant_create",
    "role_grant_revoke",
]
