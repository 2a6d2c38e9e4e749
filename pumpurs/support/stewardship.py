"""Who may change a case, and who may take its destructive steps (issue 13, trap 4; decision 0022).

* **Changing a case** (its team, contacts, consent, plan drafts) needs ``Perm.MANAGE_CASES`` at
  the school that runs the case (``scope.require_case``, decision 0020) and, on top of it, a place on the case's support team — unless the user holds
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

from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import User
from pumpurs.support.models import Case, TeamMember
from pumpurs.support.scope import may_work_on, require_case


def _on_team(user: User, case_id: int, *, role: str | None = None) -> bool:
    members = TeamMember.objects.filter(case_id=case_id, user=user, removed_at__isnull=True)
    return (members.filter(role=role) if role else members).exists()


def _holds(user: Viewer, case: Case, perm: Perm) -> bool:
    """``perm`` at the school that runs ``case`` (never at a former school: decision 0020)."""
    return may_work_on(user, case, perm)


def may_change_case(user: Viewer, case: Case) -> bool:
    """Whether ``user`` may change ``case`` (team, contacts, consent, plan drafts)."""
    if not _holds(user, case, Perm.MANAGE_CASES):
        return False
    if not isinstance(user, User):
        return True
    return _on_team(user, case.pk) or _holds(user, case, Perm.CHANGE_ANY_CASE)


def require_case_change(actor: Viewer, case: Case) -> None:
    """For the services: ``PermissionDenied`` unless ``may_change_case``."""
    require_case(actor, case, Perm.MANAGE_CASES)
    if not may_change_case(actor, case):
        raise PermissionDenied(
            _("Only the case's support team, the pupil's class teacher or the school coordinator change this case.")
        )


def may_steward(user: Viewer, case: Case) -> bool:
    """Whether ``user`` may take the case's destructive steps: its lead or the school coordinator."""
    if not _holds(user, case, Perm.MANAGE_CASES):
        return False
    if _holds(user, case, Perm.STEWARD_CASES):
        return True
    return isinstance(user, User) and _on_team(user, case.pk, role=TeamMember.Role.LEAD)


def require_steward(actor: Viewer, case: Case) -> None:
    """For the services: ``PermissionDenied`` unless ``may_steward``."""
    require_case(actor, case, Perm.MANAGE_CASES)
    if not may_steward(actor, case):
        raise PermissionDenied(_("Only the case lead or the school coordinator may do this."))


__all__ = ["may_change_case", "may_steward", "require_case_change", "require_steward"]
