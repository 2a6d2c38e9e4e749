"""Decisions about flags: accept, dismiss, reopen (issue 4 item 2).

Each decision is a new ``FlagDecision`` row — history is never edited — plus the flag's new
``status`` and one audit event, in one transaction. Only someone who may decide on the pupil's
flags (``Perm.DECIDE_FLAGS`` over the pupil) can decide; anyone else gets ``PermissionDenied``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.models import User
from pumpurs.risk.models import DismissReason, Flag, FlagDecision, FlagStatus

LIVE = (FlagStatus.OPEN, FlagStatus.ACCEPTED)


def _locked(actor: User, flag: Flag) -> Flag:
    if not access.pupils_visible_to(actor, access.Perm.DECIDE_FLAGS).filter(pk=flag.pupil_id).exists():
        raise PermissionDenied(_("You may not decide on this pupil's flags."))
    # Of two decisions submitted at once, the second waits and then sees the first.
    return Flag.objects.select_for_update().get(pk=flag.pk)


def _newer_flag_exists(flag: Flag) -> bool:
    return Flag.objects.filter(
        pupil_id=flag.pupil_id, period_id=flag.period_id, rule=flag.rule, pk__gt=flag.pk
    ).exists()


def _decide(
    *, actor: User, flag: Flag, current: Flag, decision: str, status: str, reason: str = "", comment: str = ""
) -> Flag:
    previous_status = current.status
    current.status = status
    current.save(update_fields=["status"])
    made = FlagDecision.objects.create(
        flag=current,
        decision=decision,
        reason=reason,
        comment=comment,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"risk.flag.{decision}",
        pupil_id=current.pupil_id,
        target=current,
        data={
            "rule": current.rule,
            "period": current.period_id,
            "from": previous_status,
            "reason": reason,
            "decision": made.pk,
        },
    )
    flag.status = current.status
    return current


@transaction.atomic
def flag_accept(*, actor: User, flag: Flag, comment: str = "") -> Flag:
    """Accept a flag: the pupil needs an assessment or support. Open or dismissed → accepted.

    Inverse: ``flag_reopen`` (or ``flag_dismiss``), always as a new decision."""
    current = _locked(actor, flag)
    if current.status == FlagStatus.ACCEPTED:
        raise ValidationError(_("This flag is already accepted."))
    if current.status == FlagStatus.DISMISSED and _newer_flag_exists(current):
        raise ValidationError(_("This flag was raised again since; decide on the newer flag."))
    return _decide(
        actor=actor,
        flag=flag,
        current=current,
        decision=FlagDecision.Decision.ACCEPTED,
        status=FlagStatus.ACCEPTED,
        comment=comment,
    )


@transaction.atomic
def flag_dismiss(*, actor: User, flag: Flag, reason: str, comment: str = "") -> Flag:
    """Dismiss a flag with a reason code (``DismissReason``; "other" needs a comment).
    Open or accepted → dismissed. The flag comes back only if its condition recurs (see
    ``risk.flags``).

    Inverse: ``flag_reopen`` (or ``flag_accept``), always as a new decision."""
    current = _locked(actor, flag)
    if reason not in DismissReason.values:
        raise ValidationError(_("Choose a reason for dismissing the flag."))
    if reason == DismissReason.OTHER and not comment.strip():
        raise ValidationError(_("Say why in a comment when the reason is “other”."))
    if current.status == FlagStatus.DISMISSED:
        raise ValidationError(_("This flag is already dismissed."))
    return _decide(
        actor=actor,
        flag=flag,
        current=current,
        decision=FlagDecision.Decision.DISMISSED,
        status=FlagStatus.DISMISSED,
        reason=reason,
        comment=comment.strip(),
    )


@transaction.atomic
def flag_reopen(*, actor: User, flag: Flag, comment: str) -> Flag:
    """Take back an acceptance or a dismissal: accepted or dismissed → open, with a comment.

    Inverse: ``flag_accept`` / ``flag_dismiss``. A dismissed flag that has since been raised
    again is not reopened: the newer flag is the one to decide on."""
    current = _locked(actor, flag)
    if not comment.strip():
        raise ValidationError(_("Say why the flag is reopened."))
    if current.status == FlagStatus.OPEN:
        raise ValidationError(_("This flag is already open."))
    if current.status == FlagStatus.DISMISSED and _newer_flag_exists(current):
        raise ValidationError(_("This flag was raised again since; decide on the newer flag."))
    return _decide(
        actor=actor,
        flag=flag,
        current=current,
        decision=FlagDecision.Decision.REOPENED,
        status=FlagStatus.OPEN,
        comment=comment.strip(),
    )
