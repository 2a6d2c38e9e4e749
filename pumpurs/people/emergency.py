"""Break-the-glass (issue 17; decisions 0035, 0041): a municipality coordinator, the national team
or the data protection officer — roles that do not read pupils' files in their daily work — open
one pupil's file (risk record and support case) for ``PUMPURS_EMERGENCY_ACCESS_HOURS``, stating why. ``people.access`` lets the opening count while it
lasts; the reason is in the audit trail and the data protection officer reviews every opening
(``privacy``: "Emergency accesses")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import EmergencyAccess, Pupil, User

OPENED = "people.emergency_access.opened"
MIN_REASON = 10


def may_break_glass(user: User, pupil: Pupil) -> bool:
    """Whether ``user`` may open ``pupil``'s risk record in an emergency: they hold the permission,
    see the pupil by name, and do not see the risk record already."""
    return (
        access.has_perm(user, Perm.BREAK_GLASS)
        and access.can_see_pupil(user, pupil, Perm.VIEW_PUPILS)
        and not access.can_see_pupil(user, pupil, Perm.VIEW_RISK)
    )


def emergency_access_active(user: User, pupil: Pupil, now: dt.datetime | None = None) -> EmergencyAccess | None:
    now = now or timezone.now()
    return EmergencyAccess.objects.filter(user=user, pupil=pupil, until__gt=now).order_by("-until").first()


@transaction.atomic
def emergency_access_open(
    *, actor: User, pupil: Pupil, reason: str, now: dt.datetime | None = None, ip_address: str | None = None
) -> EmergencyAccess:
    """Open ``pupil``'s risk record to ``actor`` for the configured hours. Refused without the
    permission or outside the actor's view of pupils (``PermissionDenied``), and without a reason of
    at least ten characters (``ValidationError``). It ends by itself; it has no inverse."""
    now = now or timezone.now()
    if not (access.has_perm(actor, Perm.BREAK_GLASS) and access.can_see_pupil(actor, pupil, Perm.VIEW_PUPILS)):
        raise PermissionDenied(_("You may not do this for this pupil."))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": _("Say why you need this pupil's file (at least ten characters).")})
    hours = settings.PUMPURS_EMERGENCY_ACCESS_HOURS
    opening = EmergencyAccess.objects.create(
        user=actor, pupil=pupil, reason=reason, opened_at=now, until=now + dt.timedelta(hours=hours)
    )
    audit_record(
        actor=actor,
        action=OPENED,
        pupil_id=pupil.pk,
        target=pupil,
        data={"reason": reason, "hours": hours},
        ip_address=ip_address,
    )
    return opening
