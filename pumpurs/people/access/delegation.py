"""A system actor that carries out a person's request with that person's authority (decision 0012)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from pumpurs.people.access.grants import _grants_with
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import Institution, Role, User
from pumpurs.people.perms import Perm


def acting_for(
    user: User | None, *, name: str, perms: Iterable[Perm], within: Institution | None = None
) -> SystemActor:
    """A system actor that carries out ``user``'s request with ``user``'s authority as it is now:
    ``perms`` in the schools where ``user`` holds every one of them, narrowed to ``within``.

    Fails closed: a deleted (``None``) or deactivated user, or one who no longer holds one of
    ``perms``, gives an actor whose scope is nowhere. Class-teacher grants are not delegated — they
    reach only the teacher's own classes, which a school scope cannot express.
    """
    wanted = frozenset(perms)
    if user is None:
        return SystemActor(name=name)
    schools: set[int] | None = None  # None: national for every permission so far
    for perm in sorted(wanted):
        grants = [g for g in _grants_with(user, perm) if g.role != Role.CLASS_TEACHER]
        if not grants:
            return SystemActor(name=name, on_behalf_of=user)
        if any(g.institution_id is None and g.municipality_id is None for g in grants):
            continue
        q = Q(pk__in=[g.institution_id for g in grants if g.institution_id is not None]) | Q(
            municipality_id__in=[g.municipality_id for g in grants if g.municipality_id is not None]
        )
        held = set(Institution.objects.filter(q).values_list("pk", flat=True))
        schools = held if schools is None else schools & held
    if within is not None:
        schools = {within.pk} if schools is None else schools & {within.pk}
    scope = Scope.country() if schools is None else Scope.schools(schools)
    return SystemActor(name=name, perms=wanted, scope=scope, on_behalf_of=user)
