"""Who acted, as the trail records it. The audit trail sits below every app that acts, so it does
not know their actor types: anything with an ``audit_identity()`` may act — ``people.User`` (a
person) and ``people.actors.SystemActor`` (the system, perhaps on someone's behalf) implement it.
Anything else, ``None`` included, is refused (decision records 0004, 0012)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class AuditIdentity:
    user: Any  # the person's account (AUTH_USER_MODEL) behind the action, or None
    name: str  # ``actor_username``: the username, or the system actor's name
    on_behalf_of: str = ""  # the username a system actor acted for, kept after the account is gone


class AuditActor(Protocol):
    def audit_identity(self) -> AuditIdentity: ...


def identity_of(actor: object) -> AuditIdentity:
    """``actor``'s identity; ``TypeError`` for anything that cannot act (``None``, an anonymous
    visitor) — a programming error, never an event by no one."""
    identify = getattr(actor, "audit_identity", None)
    if not callable(identify):
        raise TypeError(f"An actor is a User or a SystemActor, not {actor!r}.")
    identity = identify()
    if not isinstance(identity, AuditIdentity) or not identity.name:
        raise TypeError(f"{actor!r} gave no name to record.")
    return identity
