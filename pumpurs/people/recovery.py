"""The way back for a lost phone (issue 17; decision 0035).

* Recovery codes: when a person sets up their authenticator app, ten one-time codes are made and
  shown once (``recovery_codes_issue``); only each code's keyed hash is kept (``core.crypto``, the
  field key), so a copy of the database does not give them away. On the code page a recovery code
  is accepted instead of the app's code (``recovery_code_use``): it is spent, the lost app is
  removed, and the person sets up a new one — which issues ten fresh codes.
* The operator's reset (``pumpurs second_factor_reset USERNAME``): for a person with neither phone
  nor codes, removes their app and codes so that the next sign-in starts the set-up again.

Every step is an audit event (``auth.second_factor.*``); a code itself is never written anywhere.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pumpurs.audit.identity import AuditActor
from pumpurs.audit.services import audit_record
from pumpurs.core import crypto
from pumpurs.people.models import RecoveryCode, User

COUNT = 10
# 10 letters and digits without the look-alikes (0/O, 1/I/L): about 49 bits each, shown as xxxxx-xxxxx.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ISSUED = "auth.second_factor.recovery_issued"
USED = "auth.second_factor.recovery_used"
RESET = "auth.second_factor.reset"


def _normal(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_recovery_code(code: str) -> bool:
    normal = _normal(code)
    return len(normal) == 10 and not normal.isdigit()


@transaction.atomic
def recovery_codes_issue(*, actor: AuditActor, user: User) -> list[str]:
    """Ten new codes for ``user``, replacing any earlier ones; returned once, kept only hashed."""
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(10)) for _ in range(COUNT)]
    now = timezone.now()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=crypto.lookup_hash(code), created_at=now) for code in codes
    )
    audit_record(actor=actor, action=ISSUED, target=user, data={"count": COUNT})
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def recovery_code_use(*, user: User, code: str, ip_address: str | None = None) -> bool:
    """Spend one of ``user``'s unused codes; on success the lost app goes (the person sets up a new
    one next). False, and nothing changed, for any other code."""
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=crypto.lookup_hash(_normal(code)), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not spent:
        return False
    TOTPDevice.objects.filter(user=user).delete()
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    audit_record(actor=user, action=USED, target=user, data={"left": left}, ip_address=ip_address)
    return True


@transaction.atomic
def second_factor_reset(*, actor: AuditActor, user: User, reason: str) -> int:
    """The operator's reset for a person who lost both phone and codes: their app and codes go; the
    next sign-in sets up a new app. Their passkeys go too (decision 0041): whoever lost everything
    may have lost the laptop that held one. Returns how many apps were removed."""
    removed: int = TOTPDevice.objects.filter(user=user).delete()[0]
    WebAuthnCredential.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=actor, action=RESET, target=user, data={"username": user.username, "reason": reason})
    return removed
