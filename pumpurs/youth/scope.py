"""Who sees and runs which call (on top of ``people.access``).

* the municipality coordinator sees and runs the calls of their municipality;
* the national team sees every call and runs the national ones (no municipality);
* an evaluator named on a call sees that call and its applications once it is open;
* anyone else sees nothing: out of scope is 404, as missing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import RoleGrant, User
from pumpurs.youth.models import Application, Call, CallStatus


def _by_perm(user: Viewer, perm: Perm) -> Q:
    if access.is_national(user, perm):
        # Every call (a real condition: an empty Q() would vanish when or-ed below).
        return Q(pk__isnull=False) if perm == Perm.VIEW_YOUTH else Q(municipality__isnull=True)
    if not access.has_perm(user, perm):
        return Q(pk__in=[])
    return Q(municipality__in=access.municipalities_visible_to(user, perm))


def calls_visible_to(user: Viewer) -> QuerySet[Call]:
    q = _by_perm(user, Perm.VIEW_YOUTH)
    if isinstance(user, User) and user.is_authenticated:
        q |= Q(evaluators=user) & ~Q(status=CallStatus.DRAFT)
    return Call.objects.filter(pk__in=Call.objects.filter(q).values("pk"))


def calls_managed_by(user: Viewer) -> QuerySet[Call]:
    return Call.objects.filter(_by_perm(user, Perm.MANAGE_YOUTH))


def applications_visible_to(user: Viewer) -> QuerySet[Application]:
    return Application.objects.filter(call__in=calls_visible_to(user))


def may_manage(user: Viewer, call: Call) -> bool:
    return calls_managed_by(user).filter(pk=call.pk).exists()


def may_approve_reports(user: Viewer, call: Call) -> bool:
    """Who approves a project's report: whoever runs the call, or the national team for any call
    — never the one who entered it (``services.report_approve``, the four-eyes rule)."""
    return may_manage(user, call) or access.is_national(user, Perm.MANAGE_YOUTH)


def may_see_any_call(user: Viewer) -> bool:
    if access.has_perm(user, Perm.VIEW_YOUTH):
        return True
    return isinstance(user, User) and user.is_authenticated and user.youth_calls_evaluated.exists()


def may_open_calls(user: Viewer) -> bool:
    return access.has_perm(user, Perm.MANAGE_YOUTH)


def evaluator_candidates(call: Call) -> QuerySet[User]:
    """Who may be named an evaluator: active staff of the call's municipality (its schools' staff
    and its coordinators), or for a national call anyone active with a role."""
    grants = RoleGrant.objects.all()
    if call.municipality_id is not None:
        grants = grants.filter(
            Q(municipality_id=call.municipality_id) | Q(institution__municipality_id=call.municipality_id)
        )
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("last_name", "first_name")
