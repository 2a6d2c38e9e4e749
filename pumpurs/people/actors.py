"""Who acts: a person, or the system on someone's behalf — never ``None`` (decision 0012).

Every service takes an ``Actor``. A person is a ``User``; background work and commands run by
the server's operator are a ``SystemActor``: a name for the audit trail (``system:import-worker``),
the permissions it holds and the scope it holds them in, both spelt out. There is no default that
means "everywhere": a system actor's scope is empty (nowhere) unless it names schools,
municipalities or — explicitly — the whole country. ``people.access`` answers every scope question
for a system actor from these fields alone, so a forgotten scope fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from pumpurs.audit.identity import AuditIdentity
from pumpurs.people.models import User

if TYPE_CHECKING:
    from pumpurs.people.perms import Perm

SYSTEM_PREFIX = "system:"


@dataclass(frozen=True)
class Scope:
    """Where a system actor may act: named schools, the schools of named municipalities, or the
    whole country when ``national`` says so. ``Scope()`` is nowhere."""

    institution_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()
    national: bool = False

    def __post_init__(self) -> None:
        if self.national and (self.institution_ids or self.municipality_ids):
            raise ValueError("A national scope names no schools or municipalities.")

    @classmethod
    def country(cls) -> Scope:
        return cls(national=True)

    @classmethod
    def schools(cls, ids: Iterable[int]) -> Scope:
        return cls(institution_ids=frozenset(ids))

    @property
    def is_empty(self) -> bool:
        return not (self.national or self.institution_ids or self.municipality_ids)


NOWHERE = Scope()


@dataclass(frozen=True)
class SystemActor:
    """The system acting: a command run by the server's operator, the import worker, the notice
    sender. ``on_behalf_of`` names the person whose request it carries out (the uploader of a
    queued file), for the audit trail; it grants nothing by itself — ``perms`` and ``scope`` do.
    """

    name: str
    perms: frozenset[Perm] = frozenset()
    scope: Scope = field(default=NOWHERE)
    on_behalf_of: User | None = None

    def __post_init__(self) -> None:
        if not self.name.startswith(SYSTEM_PREFIX) or len(self.name) <= len(SYSTEM_PREFIX):
            raise ValueError(f"A system actor's name starts with {SYSTEM_PREFIX!r}, e.g. 'system:import-worker'.")
        if len(self.name) > 150:
            raise ValueError("A system actor's name fits the audit trail's 150 characters.")
        # A set or list given by mistake would make the actor mutable and unhashable.
        object.__setattr__(self, "perms", frozenset(self.perms))

    def audit_identity(self) -> AuditIdentity:
        """The trail records the system actor's name and, when it acts for someone, that person
        (the audit trail's ``AuditActor``)."""
        person = self.on_behalf_of
        return AuditIdentity(user=person, name=self.name, on_behalf_of=person.get_username() if person else "")

    def __str__(self) -> str:
        if self.on_behalf_of is not None:
            return f"{self.name} ({self.on_behalf_of.get_username()})"
        return self.name


# Who acts. ``None`` is not an actor: mypy refuses it, and ``require_actor`` refuses it at run time
# where untyped code (a template, a shell) could still pass it.
type Actor = User | SystemActor
# Who looks: an actor, or nobody signed in (who sees nothing).
type Viewer = User | SystemActor | AnonymousUser


def require_actor(actor: object) -> Actor:
    """``actor`` if it is a ``User`` or a ``SystemActor``; anything else (``None``, an anonymous
    visitor) is refused with ``TypeError`` — a programming error, never a national scope."""
    if isinstance(actor, User | SystemActor):
        return actor
    raise TypeError(f"An actor is a User or a SystemActor, not {actor!r}.")


def actor_user(actor: Actor) -> User | None:
    """The person behind an action: the user, or the one a system actor acts for (if any)."""
    return actor.on_behalf_of if isinstance(actor, SystemActor) else actor


class _HasUser(Protocol):
    @property
    def user(self) -> User | AnonymousUser: ...


def request_actor(request: _HasUser) -> User:
    """The signed-in person behind a page or API request. Every page but sign-in requires one
    (``LoginRequiredMiddleware``, the API's authentication), so nobody signed in is refused here
    rather than acted for."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
