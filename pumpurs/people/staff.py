"""Staff accounts and their role grants: invitation, grants, class teachers, deactivation (issue 12).

One grant policy decides every change here: ``access.may_grant`` (who may give which role where)
and its filter ``access.grants_manageable_by``. Each service checks it first and refuses with the
same ``PermissionDenied`` whether the person or school is outside the actor's scope or does not
exist — pages fetch through ``access.staff_visible_to`` and answer 404 (decision 0016).

Grants carry no dates: a revoked grant is deleted and the audit trail keeps its history. A
deactivated account keeps its grants as the record of what it held; they grant nothing because
``access`` ignores inactive accounts, and the account can no longer sign in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.actors import Actor, SystemActor
from pumpurs.people.models import ClassGroup, Institution, Invitation, Municipality, Role, RoleGrant, User

STAFF_INVITED = "people.staff.invited"
STAFF_REINVITED = "people.staff.reinvited"
INVITATION_ACCEPTED = "people.invitation.accepted"
ROLE_GRANTED = "people.role.granted"
ROLE_REVOKED = "people.role.revoked"
CLASS_TEACHER_SET = "people.class.teacher_set"
STAFF_DEACTIVATED = "people.staff.deactivated"
STAFF_REACTIVATED = "people.staff.reactivated"
STAFF_PHONE_CHANGED = "people.staff.phone_changed"
# Accepting an invitation: nobody is signed in yet, the link's owner becomes the actor once it checks.
INVITATION_GUARD = SystemActor(name="system:invitation")


def _refuse() -> PermissionDenied:
    # One answer for "not yours" and "no such thing" (DESIGN §2): nothing about what lies outside.
    return PermissionDenied(_("You may not manage staff there."))


def _require_grantable(
    actor: Actor, role: str, institution: Institution | None, municipality: Municipality | None
) -> None:
    if not access.may_grant(actor, role, institution=institution, municipality=municipality):
        raise _refuse()


def _scope_label(grant: RoleGrant) -> str:
    place = grant.institution or grant.municipality
    return str(place) if place is not None else "national"


def _grant_data(grant: RoleGrant) -> dict[str, str]:
    return {
        "role": grant.role,
        "specialist_kind": grant.specialist_kind,
        "institution": grant.institution.code if grant.institution else "",
        "municipality": grant.municipality.code if grant.municipality else "",
        "scope": _scope_label(grant),
    }


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.PUMPURS_SITE_URL + reverse("invitation_accept", kwargs={"token": token})


def _invitation_issue(user: User, now: dt.datetime) -> str:
    """A new one-time link for ``user``; earlier unused links end now. Returns the token, which is
    kept nowhere but in the mail."""
    Invitation.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.PUMPURS_INVITATION_DAYS),
    )
    return token


def _send_invitation(user: User, token: str) -> None:
    days = settings.PUMPURS_INVITATION_DAYS
    body = _(
        "Hello %(name)s,\n\nyou have been given an account in PuMPuRS. Open this link to choose your "
        "password (it works once, for %(days)d days):\n\n%(url)s\n\nYour username is %(username)s."
    ) % {"name": user.get_full_name(), "days": days, "url": invitation_url(token), "username": user.username}
    send_mail(_("Your PuMPuRS account"), body, None, [user.email], fail_silently=False)


def _clean_person(*, email: str, first_name: str, last_name: str) -> tuple[str, str, str]:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}, code="email_invalid") from None
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        raise ValidationError(_("Both the first and the last name are needed."), code="name_missing")
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise ValidationError(
            {"email": _("There is already an account with this e-mail address: grant it a role instead.")},
            code="email_taken",
        )
    return email, first_name, last_name


def _grant_build(
    *,
    user: User,
    role: str,
    institution: Institution | None,
    municipality: Municipality | None,
    specialist_kind: str,
) -> RoleGrant:
    grant = RoleGrant(
        user=user, role=role, institution=institution, municipality=municipality, specialist_kind=specialist_kind
    )
    grant.full_clean()
    return grant


@transaction.atomic
def staff_invite(
    *,
    actor: Actor,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    institution: Institution | None = None,
    municipality: Municipality | None = None,
    specialist_kind: str = "",
) -> User:
    """Create a staff account with one role and mail its owner a one-time set-password link.

    The account has no usable password until the link is used (``invitation_accept``); its
    username is the e-mail address. An address already in use is refused: give that account a role
    with ``role_grant_create``. Inverse: ``staff_deactivate``."""
    _require_grantable(actor, role, institution, municipality)
    email, first_name, last_name = _clean_person(email=email, first_name=first_name, last_name=last_name)
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    grant = RoleGrant(role=role, institution=institution, municipality=municipality, specialist_kind=specialist_kind)
    # The grant is checked before anything is saved: a missing specialist kind writes no account.
    grant.full_clean(exclude=["user"])
    user.full_clean()
    user.save()
    grant.user = user
    grant.save()
    token = _invitation_issue(user, timezone.now())
    audit_record(actor=actor, action=STAFF_INVITED, target=user, data=_grant_data(grant))
    transaction.on_commit(lambda: _send_invitation(user, token))
    return user


@transaction.atomic
def staff_reinvite(*, actor: Actor, user: User) -> None:
    """Send a new set-password link to someone who has not used theirs (lost, expired); the old
    link stops working. Only for an active account that has never set a password."""
    if not access.staff_visible_to(actor).filter(pk=user.pk).exists():
        raise _refuse()
    if not user.is_active or user.has_usable_password():
        raise ValidationError(
            _("This person has already chosen a password; they can reset it on the sign-in page."),
            code="already_signed_up",
        )
    token = _invitation_issue(user, timezone.now())
    audit_record(actor=actor, action=STAFF_REINVITED, target=user)
    transaction.on_commit(lambda: _send_invitation(user, token))


def invitation_find(token: str, *, now: dt.datetime | None = None) -> Invitation | None:
    """The invitation this token opens, if it still works: unused, not expired, for an active
    account. Anything else — unknown, used, expired — is ``None``: one answer."""
    return (
        Invitation.objects.select_related("user")
        .filter(
            token_hash=_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=now or timezone.now(),
            user__is_active=True,
        )
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited person's password through their link, which then stops working.

    Raises ``ValidationError`` (code ``invitation_invalid``) for a link that is unknown, used or
    expired, or whose account was deactivated — and changes nothing."""
    now = timezone.now()
    invitation = invitation_find(token, now=now)
    if invitation is None:
        raise ValidationError(_("This link no longer works."), code="invitation_invalid")
    # Lock the row: two tabs submitting the same link set the password once.
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(_("This link no longer works."), code="invitation_invalid")
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    audit_record(actor=user, action=INVITATION_ACCEPTED, target=user)
    return user


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
    """Give ``user`` a role within a scope, by the grant policy (``access.may_grant``). The account
    must be active. Inverse: ``role_grant_revoke``."""
    _require_grantable(actor, role, institution, municipality)
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: reactivate it first."), code="inactive")
    grant = _grant_build(
        user=user, role=role, institution=institution, municipality=municipality, specialist_kind=specialist_kind
    )
    grant.save()
    access.forget_cached_grants(user)
    audit_record(actor=actor, action=ROLE_GRANTED, target=user, data=_grant_data(grant))
    return grant


@transaction.atomic
def role_grant_revoke(*, actor: Actor, grant: RoleGrant) -> None:
    """Take a role away (the grant is deleted; the trail keeps it). A class teacher who loses the
    role stops leading their classes at that school. The last system administrator cannot be
    removed. Inverse: ``role_grant_create``."""
    if not access.grants_manageable_by(actor).filter(pk=grant.pk).exists():
        raise _refuse()
    if (
        grant.role == Role.SYSTEM_ADMIN
        and not RoleGrant.objects.filter(role=Role.SYSTEM_ADMIN, user__is_active=True).exclude(pk=grant.pk).exists()
    ):
        raise ValidationError(_("The last system administrator cannot be removed."), code="last_admin")
    data = _grant_data(grant)
    user = grant.user
    if grant.role == Role.CLASS_TEACHER:
        led = ClassGroup.objects.filter(class_teacher=user, institution=grant.institution)
        data["classes"] = ", ".join(sorted(led.values_list("name", flat=True)))
        led.update(class_teacher=None)
    audit_record(actor=actor, action=ROLE_REVOKED, target=user, data=data)
    grant.delete()
    access.forget_cached_grants(user)


@transaction.atomic
def class_teacher_set(*, actor: Actor, class_group: ClassGroup, teacher: User | None) -> None:
    """Name the class teacher who leads ``class_group`` (``None``: nobody for now). The teacher
    must be active and hold the class-teacher role at the class's school. Inverse: itself, with
    the previous teacher."""
    _require_grantable(actor, Role.CLASS_TEACHER, class_group.institution, None)
    if teacher is not None and not (
        teacher.is_active
        and RoleGrant.objects.filter(
            user=teacher, role=Role.CLASS_TEACHER, institution_id=class_group.institution_id
        ).exists()
    ):
        raise ValidationError(
            _("%(name)s is not a class teacher of this school.") % {"name": teacher}, code="not_class_teacher"
        )
    previous = class_group.class_teacher
    class_group.class_teacher = teacher
    class_group.save(update_fields=["class_teacher"])
    audit_record(
        actor=actor,
        action=CLASS_TEACHER_SET,
        target=class_group,
        data={
            "class": class_group.name,
            "institution": class_group.institution.code,
            "teacher": teacher.username if teacher else "",
            "previous": previous.username if previous else "",
        },
    )


def _require_whole_account(actor: Actor, user: User) -> None:
    """Deactivation ends every role the account holds: the actor must manage each of them. Someone
    who also works at a school outside the actor's scope loses only the roles the actor gives."""
    if isinstance(actor, User) and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    grants = RoleGrant.objects.filter(user=user)
    if not grants.exists():
        raise _refuse()
    if grants.exclude(pk__in=access.grants_manageable_by(actor).values("pk")).exists():
        raise ValidationError(
            _("This person also holds a role you do not manage: revoke the roles you manage instead."),
            code="other_roles",
        )


@transaction.atomic
def staff_deactivate(*, actor: Actor, user: User) -> None:
    """Someone leaves: their account can no longer sign in (open sessions end too — Django's
    backend refuses an inactive user), their grants stay as the record of what they held but give
    nothing, and their unused invitation links stop working. Their history stays. Inverse:
    ``staff_reactivate``."""
    if not access.staff_visible_to(actor).filter(pk=user.pk).exists():
        raise _refuse()
    _require_whole_account(actor, user)
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    access.forget_cached_grants(user)
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    roles = [_grant_data(g) for g in RoleGrant.objects.filter(user=user).select_related("institution", "municipality")]
    audit_record(actor=actor, action=STAFF_DEACTIVATED, target=user, data={"roles": roles})


@transaction.atomic
def staff_reactivate(*, actor: Actor, user: User) -> None:
    """Someone comes back: the account signs in again with the grants it kept. Inverse:
    ``staff_deactivate``."""
    if not access.staff_visible_to(actor).filter(pk=user.pk).exists():
        raise _refuse()
    _require_whole_account(actor, user)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    access.forget_cached_grants(user)
    audit_record(actor=actor, action=STAFF_REACTIVATED, target=user)


# --- Phone -----------------------------------------------------------------------------------------

_PHONE_SEPARATORS = str.maketrans("", "", " -().")


def phone_clean(text: str) -> str:
    """A phone number as stored: ``+`` and digits. A Latvian number has eight digits (mobile from
    2, fixed from 6, free from 8) and may be written with or without +371 / 00371; a foreign one
    starts with + (or 00) and its country code, 8–15 digits in all (E.164). Spaces, dashes, dots
    and brackets are ignored; anything else is refused. Empty stays empty (no phone)."""
    raw = text.strip().translate(_PHONE_SEPARATORS)
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(_("Write the phone number with digits only, e.g. +371 2612 3456."), code="phone_invalid")
    if not raw.startswith("+"):
        if len(digits) != 8 or digits[0] not in "268":
            raise ValidationError(
                _(
                    "A Latvian phone number has 8 digits and starts with 2, 6 or 8; add the country code for another country."
                ),
                code="phone_invalid",
            )
        return f"+371{digits}"
    if digits.startswith("371") and (len(digits) != 11 or digits[3] not in "268"):
        raise ValidationError(
            _("A Latvian phone number has 8 digits after +371 and starts with 2, 6 or 8."), code="phone_invalid"
        )
    if not 8 <= len(digits) <= 15:
        raise ValidationError(_("A phone number has 8 to 15 digits with its country code."), code="phone_invalid")
    return f"+{digits}"


def phone_text(phone: str) -> str:
    """How a stored number is shown: "+371 2612 3456" for a Latvian one, as stored otherwise."""
    if phone.startswith("+371") and len(phone) == 12:
        return f"+371 {phone[4:8]} {phone[8:]}"
    return phone


@transaction.atomic
def staff_phone_set(*, actor: Actor, user: User, phone: str) -> User:
    """Set (or clear, with "") a staff member's work phone: the person themselves, or whoever
    manages their account (``access.staff_visible_to``). Validated by ``phone_clean``; audited
    without the number (the audit trail needs who changed it, not a copy of it)."""
    own = isinstance(actor, User) and actor.pk == user.pk
    if not own and not access.staff_visible_to(actor).filter(pk=user.pk).exists():
        raise _refuse()
    cleaned = phone_clean(phone)
    if cleaned == user.phone:
        return user
    user.phone = cleaned
    user.save(update_fields=["phone"])
    audit_record(actor=actor, action=STAFF_PHONE_CHANGED, target=user, data={"set": bool(cleaned)})
    return user
