"""Field-level protection for identifiers such as personal codes.

Two keys are derived from ``settings.PUMPURS_FIELD_KEY`` with HKDF: one encrypts (Fernet:
AES-128-CBC + HMAC-SHA256, random IV, so equal values give different ciphertexts) and one keys
an HMAC-SHA256 *look-up hash*, which is deterministic so that an exact match can be found with an
index and without decrypting anything in bulk.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(master: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pumpurs-field-v1", info=purpose).derive(
        master.encode("utf-8")
    )


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[Fernet, bytes]:
    fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"encrypt")))
    return fernet, _derive(master, b"lookup-hash")


def encrypt(value: str) -> str:
    fernet, _ = _keys(settings.PUMPURS_FIELD_KEY)
    return fernet.encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    fernet, _ = _keys(settings.PUMPURS_FIELD_KEY)
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        # Never fall back to returning the raw token: that would leak ciphertext as if it were data.
        raise ValueError("The stored value cannot be decrypted with the configured PUMPURS_FIELD_KEY.") from None


def lookup_hash(value: str) -> str:
    _, key = _keys(settings.PUMPURS_FIELD_KEY)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
