"""Who may see what, and do what — the one place that decides (STYLE.md "Access").

Every view, selector and service starts from these functions. The rules (issue 2, DESIGN §2):

* a class teacher sees the classes they lead and the pupils currently enrolled in them;
* school roles (specialist, school coordinator, director) see their school;
* the municipality coordinator sees the schools of their municipality;
* national roles see the whole country, personal detail only where the role needs it;
* a user without a recognised grant sees nothing. Out of scope is answered with 404;
* a ``SystemActor`` (background work, the operator's commands) is answered from the permissions
  and the scope it carries, never from a default: an empty scope is nowhere (decision 0012).

Permissions are names in code mapped from roles; a scope query always takes the permission it
serves, so a user who holds two grants never gets one grant's permission over the other's scope.

A package of cohesive modules (``roles``: the tables; ``grants``: what a person holds; ``pupils``,
``places``, ``staff``: the scope questions; ``delegation``: ``acting_for``). Callers keep saying
``from pumpurs.people import access`` and ``access.X``: everything public is re-exported here. The
underscored helpers are private to the package, shared by its modules only.
"""

from pumpurs.people.access.delegation import acting_for
from pumpurs.people.access.grants import (
    forget_cached_grants,
    has_perm,
    has_perm_by_grant,
    holds_at_school,
    is_national,
    reads_whole_school,
    roles_of,
)
from pumpurs.people.access.places import (
    can_manage_pupils_of,
    classes_visible_to,
    institutions_visible_to,
    municipalities_held_by,
    municipalities_visible_to,
    school_roles_institutions,
)
from pumpurs.people.access.pupils import (
    can_see_pupil,
    former_pupil_cutoff,
    held_at_school,
    pupils_visible_to,
    require_pupil,
)
from pumpurs.people.access.roles import EMERGENCY_PERMS, GLASS_ONLY, GRANTABLE_BY, ROLE_PERMISSIONS
from pumpurs.people.access.staff import (
    grants_manageable_by,
    may_grant,
    staff_institutions_of,
    staff_municipalities_of,
    staff_of,
    staff_visible_to,
)
from pumpurs.people.perms import Perm  # callers say access.Perm

__all__ = [
    "EMERGENCY_PERMS",
    "GLASS_ONLY",
    "GRANTABLE_BY",
    "ROLE_PERMISSIONS",
    "Perm",
    "acting_for",
    "can_manage_pupils_of",
    "can_see_pupil",
    "classes_visible_to",
    "forget_cached_grants",
    "former_pupil_cutoff",
    "grants_manageable_by",
    "has_perm",
    "has_perm_by_grant",
    "held_at_school",
    "holds_at_school",
    "institutions_visible_to",
    "is_national",
    "may_grant",
    "municipalities_held_by",
    "municipalities_visible_to",
    "pupils_visible_to",
    "reads_whole_school",
    "require_pupil",
    "roles_of",
    "school_roles_institutions",
    "staff_institutions_of",
    "staff_municipalities_of",
    "staff_of",
    "staff_visible_to",
]
