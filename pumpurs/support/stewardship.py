"""Who may change a case, and who may take its destructive steps (issue 13, trap 4; decision 0022).

* **Changing a case** (its team, contacts, consent, plan drafts) needs ``Perm.MANAGE_CASES`` over
  the pupil and, on top of it, a place on the case's support team — unless the user holds
  ``Perm.CHANGE_ANY_CASE`` over the pupil (the pupil's class teacher, the school coordinator).
  A specialist sees the whole school (decision 0003) but changes only the cases whose team they
  are on: team membership narrows what they change, as decision 0003 promised.
* **Destructive steps** — closing and reopening a case, recording that consent was withdrawn,
  taking someone else off the team — belong to the case lead or the school coordinator
  (``Perm.STEWARD_CASES``). The pages ask for confirmation before each of them.

A ``SystemActor`` has no team: it is answered from the permissions and the scope it carries.
Below ``cases`` and ``plans`` so that both ask the same question here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import User
from pumpurs.support.models import Case, TeamMember


def _on_team(user: User, case_id: int, *, role: str | None = None) -> bool:
    members = TeamMember.objects.filter(case_id=case_id, user=user, removed_at__isnull=True)
    return (members.filter(role=role) if role else members).exists()


def _holds(user: Viewer, pupil_id: int, perm: Perm) -> bool:
    return access.pupils_visible_to(user, perm).filter(pk=pupil_id).exists()


def may_change_case(user: Viewer, case: Case) -> bool:
    """Whether ``user`` may change ``case`` (team, contacts, consent, plan drafts)."""
    if not _holds(user, case.pupil_id, Perm.MANAGE_CASES):
        return False
    if not isinstance(user, User):
        return True
    return _on_team(user, case.pk) or _holds(user, case.pupil_id, Perm.CHANGE_ANY_CASE)


def require_case_change(actor: Viewer, case: Case) -> None:
    """For the services: ``PermissionDenied`` unless ``may_change_case``."""
    access.require_pupil(actor, case.pupil_id, Perm.MANAGE_CASES)
    if not may_change_case(actor, case):
        raise PermissionDenied(
            _("Only the case's support team, the pupil's class teacher or the school coordinator change this case.")
        )


def may_steward(user: Viewer, case: Case) -> bool:
    """Whether ``user`` may take the case's destructive steps: its lead or the school coordinator."""
    if not _holds(user, case.pupil_id, Perm.MANAGE_CASES):
        return False
    if _holds(user, case.pupil_id, Perm.STEWARD_CASES):
        return True
    return isinstance(user, User) and _on_team(user, case.pk, role=TeamMember.Role.LEAD)


def require_steward(actor: Viewer, case: Case) -> None:
    """For the services: ``PermissionDenied`` unless ``may_steward``."""
    access.require_pupil(actor, case.pupil_id, Perm.MANAGE_CASES)
    if not may_steward(actor, case):
        raise PermissionDenied(_("Only the case lead or the school coordinator may do this."))


__all__ = ["may_change_case", "may_steward", "require_case_change", "require_steward"]
