"""Four eyes on break-the-glass (decision 0046): the data protection officer reviews the openings of
the national team and the municipalities (``views.emergency_accesses``); her own openings are
reviewed by a holder of ``Perm.REVIEW_DPO_OPENINGS`` (the national programme, the controller's
management) — never by the person who opened them, whatever roles they hold."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import EmergencyAccess, Role, RoleGrant, User
from pumpurs.privacy.models import OpeningReview

REVIEWED = "privacy.emergency_access.reviewed"
NOTE_MAX = 2000


def dpo_openings_for_review(user: User) -> QuerySet[EmergencyAccess]:
    """The openings of data protection officers that ``user`` reviews, newest first: none without
    the permission, and never their own."""
    if not access.has_perm(user, Perm.REVIEW_DPO_OPENINGS):
        return EmergencyAccess.objects.none()
    officers = RoleGrant.objects.filter(role=Role.DATA_PROTECTION_OFFICER).values("user")
    return (
        EmergencyAccess.objects.filter(user__in=officers)
        .exclude(user=user)
        .select_related("user", "pupil", "review__reviewer")
        .order_by("-opened_at", "-id")
    )


@transaction.atomic
def opening_review(
    *,
    actor: User,
    opening: EmergencyAccess,
    note: str = "",
    now: dt.datetime | None = None,
    ip_address: str | None = None,
) -> OpeningReview:
    """Mark ``opening`` reviewed by ``actor``. Refused (``PermissionDenied``) unless it is one of
    the openings ``actor`` reviews — so never one's own; refused (``ValidationError``) when it was
    reviewed already or the note is too long. One ``privacy.emergency_access.reviewed`` event. It
    has no inverse: a review is a record of what was looked at."""
    if not dpo_openings_for_review(actor).filter(pk=opening.pk).exists():
        raise PermissionDenied(_("You may not review this opening."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("The note is too long (at most %(n)s characters).") % {"n": NOTE_MAX}})
    try:
        with transaction.atomic():
            review = OpeningReview.objects.create(
                opening=opening, reviewer=actor, reviewed_at=now or timezone.now(), note=note
            )
    except IntegrityError:  # reviewed by someone else meanwhile: the first review stands
        raise ValidationError(_("This opening has been reviewed already.")) from None
    audit_record(
        actor=actor,
        action=REVIEWED,
        pupil_id=opening.pupil_id,
        target=opening.pupil,
        data={"opened_by": opening.user.username, "opened_at": opening.opened_at.isoformat(), "note": note},
        ip_address=ip_address,
    )
    return review
