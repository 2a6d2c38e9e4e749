"""Creating, revoking and checking API tokens (decision 0007).

The key is ``pmp_`` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 hash
is stored: a key that random needs no slow password hash, and a fast hash lets every request be
checked with one indexed lookup. The first characters are kept as the token's display prefix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.api.models import ApiToken
from pumpurs.audit.services import audit_record
from pumpurs.people.actors import Actor, SystemActor
from pumpurs.people.models import User

KEY_PREFIX = "pmp_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
# ``last_used_at`` is a hint for whoever tidies up tokens, not an access log (the audit trail is):
# writing it at most once a minute keeps a busy integration from writing on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
# Tokens are issued and revoked by the server's operator on the command line (``pumpurs api_token``).
OPERATOR = SystemActor(name="system:api-token-cli")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Actor, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token acting as ``user`` and return it with its key — the only time the key is
    available. ``days`` limits its life; without it the token lasts until revoked.
    Inverse: ``token_revoke``."""
    if not name.strip():
        raise ValidationError({"name": _("Name the token after the integration that will use it.")})
    if days is not None and days < 1:
        raise ValidationError({"days": _("A token lasts at least one day.")})
    if not user.is_active:
        raise ValidationError({"user": _("This account is disabled.")})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days) if days is not None else None
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key), expires_at=expires_at
    )
    audit_record(
        actor=actor,
        action="api.token.created",
        target=token,
        data={
            "user": user.get_username(),
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Refuse the token from now on; the row stays so the trail can name it. Inverse: none —
    create a new token."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This token was already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api.token.revoked",
        target=token,
        data={"user": token.user.get_username(), "name": token.name, "prefix": token.prefix},
    )
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key (not revoked, not expired, its user active), or ``None``.
    Notes the use in ``last_used_at`` at most once a minute."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), key_hash=key_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        # A conditional update, so two concurrent requests write once and nobody waits for a lock.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
