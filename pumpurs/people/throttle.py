"""Sign-in throttling per (username, address): an atomic counter and exponential back-off
(issue 17 M8, decision 0026).

1. ``sign_in_claim`` reserves an attempt *before* the password is checked: in one short
   transaction it locks the pair's row and refuses when the pair is waiting out a back-off, when
   its allowance is used up (also by attempts still in flight), or when the address as a whole
   has failed too often. Thirty parallel guesses therefore get exactly ``allowance`` checks.
2. ``sign_in_failed`` after a wrong password: from ``PUMPURS_LOGIN_MAX_FAILURES`` failures on, the
   pair waits ``PUMPURS_LOGIN_BACKOFF_SECONDS`` × 2^(failures − limit) (at most the window), then
   gets one more attempt.
3. ``sign_in_succeeded`` forgets the pair.

The rightful user signing in from another address is never blocked by guesses from this one; a
school's NAT is blocked as a whole only after ``PUMPURS_LOGIN_ADDRESS_MAX_FAILURES`` failures over
all usernames in the window, far more than a class of mistyped passwords.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from pumpurs.people.models import SignInThrottle

FORGET_AFTER = dt.timedelta(days=1)  # rows older than this are removed (they name guessed usernames)


@dataclass(frozen=True)
class Claim:
    allowed: bool
    wait_seconds: int = 0  # how long the client should wait before trying again (0 when allowed)


def _key(username: str, address: str | None) -> tuple[str, str]:
    return username.strip().lower()[:150], address or ""


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.PUMPURS_LOGIN_WINDOW_SECONDS)


def _locked(username: str, address: str, now: dt.datetime) -> SignInThrottle:
    SignInThrottle.objects.bulk_create(
        [
            SignInThrottle(
                username=username, address=address, allowance=settings.PUMPURS_LOGIN_MAX_FAILURES, last_at=now
            )
        ],
        ignore_conflicts=True,
    )
    row = SignInThrottle.objects.select_for_update().get(username=username, address=address)
    quiet_since = max(row.last_at, row.blocked_until or row.last_at)
    if quiet_since < now - _window():
        # Quiet for a whole window after the last failure and its wait: start afresh.
        row.attempts, row.allowance, row.blocked_until = 0, settings.PUMPURS_LOGIN_MAX_FAILURES, None
    return row


def sign_in_claim(*, username: str, address: str | None, now: dt.datetime) -> Claim:
    """Reserve one sign-in attempt for ``username`` from ``address``, or refuse it."""
    name, where = _key(username, address)
    with transaction.atomic():
        row = _locked(name, where, now)
        if row.blocked_until and row.blocked_until > now:
            return Claim(False, max(1, int((row.blocked_until - now).total_seconds())))
        if row.attempts >= row.allowance:
            return Claim(False, settings.PUMPURS_LOGIN_BACKOFF_SECONDS)  # the allowance is in flight
        if where:
            failed_here = SignInThrottle.objects.filter(address=where, last_at__gte=now - _window()).aggregate(
                n=Sum("attempts")
            )["n"]
            if (failed_here or 0) >= settings.PUMPURS_LOGIN_ADDRESS_MAX_FAILURES:
                return Claim(False, settings.PUMPURS_LOGIN_WINDOW_SECONDS)
        row.attempts += 1
        row.last_at = now
        row.save()
    return Claim(True)


def sign_in_failed(*, username: str, address: str | None, now: dt.datetime) -> None:
    """A claimed attempt had a wrong password: from the limit on, back off exponentially."""
    name, where = _key(username, address)
    limit = settings.PUMPURS_LOGIN_MAX_FAILURES
    with transaction.atomic():
        row = _locked(name, where, now)
        if row.attempts >= limit:
            wait = settings.PUMPURS_LOGIN_BACKOFF_SECONDS * 2 ** min(row.attempts - limit, 20)
            row.blocked_until = now + min(dt.timedelta(seconds=wait), _window())
            row.allowance = row.attempts + 1
        row.last_at = now
        row.save()
        SignInThrottle.objects.filter(last_at__lt=now - FORGET_AFTER).delete()


def sign_in_succeeded(*, username: str, address: str | None) -> None:
    """The password was right: forget this pair's attempts (other addresses keep theirs)."""
    name, where = _key(username, address)
    SignInThrottle.objects.filter(username=name, address=where).delete()
