"""Sign-in throttling per (username, address) with an atomic counter and exponential back-off
(issue 17 M8, decision 0026). Ilze's password is guessed at from one computer; she still signs in
from her own. A school's NAT full of mistyped passwords does not lock every account there. Thirty
guesses at once get five checks, not eleven."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.auth import ThrottledAuthenticationForm
from pumpurs.people.models import SignInThrottle, User
from pumpurs.world.personas import PASSWORD, World


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """These requests ask for English; the next test must not inherit it (Django keeps the last
    request's language active in the test process)."""
    yield
    translation.deactivate()


SCHOOL_NAT = "192.0.2.7"
HOME = "198.51.100.20"


def sign_in(username: str, password: str = PASSWORD, *, address: str = SCHOOL_NAT, **extra: Any):
    client = Client()
    client.cookies["django_language"] = "en"
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302


def refused(response) -> bool:
    return response.status_code == 200 and "Too many failed sign-in attempts" in response.content.decode()


def test_guesses_from_one_computer_never_lock_the_rightful_user_out_from_another(world: World) -> None:
    for _ in range(5):
        assert not signed_in(sign_in("ilze.ozola", "guess", address=SCHOOL_NAT))
    assert refused(sign_in("ilze.ozola", address=SCHOOL_NAT))  # even the right password waits here
    assert signed_in(sign_in("ilze.ozola", address=HOME))
    assert AuditEvent.objects.filter(action="auth.login.throttled", data__username="ilze.ozola").count() == 1


def test_the_wait_doubles_with_each_failure_and_a_success_forgets_it(world: World, clock) -> None:
    for _ in range(5):
        sign_in("ilze.ozola", "guess")
    assert refused(sign_in("ilze.ozola"))
    clock.shift(dt.timedelta(seconds=31))  # the first wait: 30 s, then one more try
    assert not signed_in(sign_in("ilze.ozola", "guess"))
    clock.shift(dt.timedelta(seconds=31))
    assert refused(sign_in("ilze.ozola"))  # the second wait is 60 s
    clock.shift(dt.timedelta(seconds=30))
    assert signed_in(sign_in("ilze.ozola"))
    assert not SignInThrottle.objects.filter(username="ilze.ozola").exists()
    assert not signed_in(sign_in("ilze.ozola", "typo"))  # a fresh allowance
    assert not refused(sign_in("ilze.ozola", "typo"))


def test_the_wait_never_exceeds_the_window_and_a_quiet_window_starts_afresh(world: World, clock, settings) -> None:
    settings.PUMPURS_LOGIN_WINDOW_SECONDS = 120
    for _ in range(5):
        sign_in("ilze.ozola", "guess")
    for wait in (30, 60, 120):  # doubling, then capped at the window
        clock.shift(dt.timedelta(seconds=wait + 1))
        assert not refused(sign_in("ilze.ozola", "guess"))
    row = SignInThrottle.objects.get(username="ilze.ozola")
    assert row.blocked_until is not None
    assert row.blocked_until - row.last_at == dt.timedelta(seconds=120)
    clock.shift(dt.timedelta(seconds=121))  # the wait is over: one more try, not a fresh five
    assert not refused(sign_in("ilze.ozola", "guess"))
    assert refused(sign_in("ilze.ozola", "guess"))
    clock.shift(dt.timedelta(seconds=121 + 120))  # a whole quiet window after the wait
    for _ in range(5):
        assert not refused(sign_in("ilze.ozola", "typo"))
    assert refused(sign_in("ilze.ozola"))


def test_a_schools_nat_full_of_typos_does_not_lock_every_account_there(world: World) -> None:
    for name in ("peteris.liepa", "liga.berza", "juris.priede"):
        for _ in range(5):
            sign_in(name, "typo", address=SCHOOL_NAT)
    assert signed_in(sign_in("ilze.ozola", address=SCHOOL_NAT))


def test_an_address_spraying_many_accounts_waits_as_a_whole(world: World, settings) -> None:
    settings.PUMPURS_LOGIN_ADDRESS_MAX_FAILURES = 6
    for n in range(6):
        sign_in(f"guess.{n}", "wrong", address=SCHOOL_NAT)
    assert refused(sign_in("ilze.ozola", address=SCHOOL_NAT))
    assert signed_in(sign_in("ilze.ozola", address=HOME))


def test_behind_the_proxy_each_client_is_throttled_by_its_own_address(world: World, settings) -> None:
    """Without this, every failure would count against the proxy's address."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for _ in range(5):
        sign_in("ilze.ozola", "wrong", address="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert AuditEvent.objects.filter(action="auth.login.failed", ip_address="198.51.100.1").count() == 5
    # A spoofed first entry does not help the guesser; another client behind the proxy is unaffected.
    assert refused(sign_in("ilze.ozola", address="10.9.9.9", HTTP_X_FORWARDED_FOR="5.6.7.8, 198.51.100.1"))
    assert signed_in(sign_in("ilze.ozola", address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.2"))


def test_without_a_proxy_a_forwarded_header_is_ignored(world: World) -> None:
    for n in range(5):
        sign_in("ilze.ozola", "wrong", address="192.0.2.50", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert refused(sign_in("ilze.ozola", address="192.0.2.50", HTTP_X_FORWARDED_FOR="203.0.113.77"))


@pytest.mark.django_db(transaction=True)
def test_thirty_guesses_at_once_get_exactly_the_allowance_checked() -> None:
    User.objects.create_user(username="ilze.ozola", password=PASSWORD)
    start = threading.Barrier(30)
    factory = RequestFactory()
    outcomes: list[str] = []

    def guess(n: int) -> None:
        try:
            request = factory.post("/login/", REMOTE_ADDR=SCHOOL_NAT)
            form = ThrottledAuthenticationForm(request, data={"username": "ilze.ozola", "password": f"guess-{n}"})
            start.wait()
            form.is_valid()
            outcomes.append(form.errors.as_data()["__all__"][0].code or "")
        except BaseException as exc:  # reported by the main thread
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == ["invalid_login", "throttled"], outcomes
    assert outcomes.count("invalid_login") == 5
    assert AuditEvent.objects.filter(action="auth.login.failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.login.throttled").count() == 25


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_writes_in_three_transactions_and_forgets_the_throttle_with_the_session(monkeypatch) -> None:
    """The claim commits before the password is checked (it must); the session, the last sign-in,
    the trail's event and forgetting the (username, address) commit together; the session
    middleware writes once more (decision 0047). Was four: the throttle forgot on its own."""
    User.objects.create_user(username="ilze.ozola", password=PASSWORD)
    commits: list[int] = []
    loose_writes: list[str] = []
    forget_in_atomic: list[bool] = []
    wrapper = type(connections["default"])
    real_commit = wrapper.commit

    def counting_commit(self) -> None:  # the boundary counted: Django's commit of an atomic block
        commits.append(1)
        real_commit(self)

    def watch(execute, sql, params, many, context):
        write = sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        if write and not connection.in_atomic_block:
            loose_writes.append(sql)
        if sql.lstrip().upper().startswith("DELETE") and "signinthrottle" in sql:
            forget_in_atomic.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    monkeypatch.setattr(wrapper, "commit", counting_commit)
    with connection.execute_wrapper(watch):
        assert signed_in(sign_in("ilze.ozola"))
    assert len(commits) + len(loose_writes) == 3, (commits, loose_writes)
    assert forget_in_atomic == [True]
    assert not SignInThrottle.objects.exists()
    assert AuditEvent.objects.filter(action="auth.login.succeeded").count() == 1
