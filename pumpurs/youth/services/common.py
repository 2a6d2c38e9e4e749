"""What the youth services share: the line type, the manager and status checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from pumpurs.people.models import User
from pumpurs.youth import scope
from pumpurs.youth.models import (
    Call,
    CallStatus,
)

EVALUATIONS_NEEDED = 2
MAX_SCORE = 10


@dataclass(frozen=True)
class Line:
    """A budget or expense line as typed: what, and how many cents."""

    item: str
    amount_cents: int


def _require_manager(actor: User, call: Call) -> None:
    if not scope.may_manage(actor, call):
        raise PermissionDenied(_("You do not run this call."))


def _require_status(call: Call, *allowed: CallStatus) -> None:
    if call.status not in allowed:
        raise ValidationError(
            _("The call is “%(status)s”; this is done when it is “%(allowed)s”.")
            % {"status": call.get_status_display(), "allowed": ", ".join(str(s.label) for s in allowed)}
        )


def _check_lines(lines: list[Line]) -> int:
    """The total of budget or expense lines, each with an item and an amount above zero."""
    if not lines:
        raise ValidationError(_("Enter at least one line with an item and its amount."))
    if any(line.amount_cents <= 0 or not line.item.strip() for line in lines):
        raise ValidationError(_("Every line needs an item and an amount above zero."))
    return sum(line.amount_cents for line in lines)
