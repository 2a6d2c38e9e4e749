"""On SQLite a long write (an import) no longer breaks sign-in or start-up (issue 17 M9): another
writer waits the busy timeout (PUMPURS_SQLITE_BUSY_SECONDS) instead of failing with "database is
locked", and one that waited in vain gets "busy, try again" (503), never a server error."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.core.testing import free_port, wait_for_port
from pumpurs.people.models import User

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the single-writer lock is SQLite's"),
    # libfaketime (CI's holiday stage) fakes the monotonic clock too, and a timed wait of the lock
    # holder's thread never ends under it; this module reads no calendar, the other stages run it.
    pytest.mark.skipif("FAKETIME" in os.environ, reason="timed thread waits stall under libfaketime"),
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "Droša-parole-2026"


@contextmanager
def import_writing(seconds: float) -> Iterator[None]:
    """Another process's long write transaction, like an import's, for ``seconds`` or until the
    block ends, whichever comes first."""
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE people_user SET last_name = last_name")
    lock = threading.Lock()

    def roll_back() -> None:
        with lock:
            if holder.in_transaction:
                holder.execute("ROLLBACK")

    release = threading.Timer(seconds, roll_back)
    release.start()
    try:
        yield
    finally:
        release.cancel()
        roll_back()
        holder.close()


def sign_in() -> tuple[int, float]:
    started = time.monotonic()
    response = Client().post(reverse("login"), {"username": "ilze.ozola", "password": PASSWORD})
    return response.status_code, time.monotonic() - started


def test_sign_in_waits_for_an_import_instead_of_failing() -> None:
    User.objects.create_user(username="ilze.ozola", password=PASSWORD)
    with import_writing(6.0):  # longer than the 5 s SQLite gave before
        status, took = sign_in()
    assert status == 302
    assert took >= 5.5
    assert AuditEvent.objects.filter(action="auth.login.succeeded").count() == 1


def test_a_write_that_waited_in_vain_is_told_to_try_again_not_a_server_error() -> None:
    User.objects.create_user(username="ilze.ozola", password=PASSWORD)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 200")
    try:
        with import_writing(2.0):
            client = Client(raise_request_exception=False)
            response = client.post(reverse("login"), {"username": "ilze.ozola", "password": PASSWORD})
    finally:
        connection.close()  # the next connection gets the configured timeout again
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "_auth_user_id" not in client.session


def test_pumpurs_serve_starts_and_serves_while_an_import_writes() -> None:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pumpurs.settings",
        "PUMPURS_DATA_DIR": str(settings.DATA_DIR),
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "PUMPURS_HTTPS": "0",
    }
    User.objects.create_user(username="ilze.ozola", password=PASSWORD)
    connection.close()
    # The write lasts until the server has answered (start-up takes 3 s on a quiet machine and
    # more than 10 s on a loaded CI runner), but never as long as the 30 s busy timeout: the
    # server must start and serve while the import still holds the lock, whatever the load.
    with import_writing(25.0):
        server = subprocess.Popen(
            [sys.executable, "-m", "pumpurs.cli", "serve", "--addr", f"127.0.0.1:{port}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_for_port(port, server, "pumpurs serve", seconds=24.0)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as page:
                assert page.status == 200
        finally:
            server.terminate()
            server.communicate(timeout=20)
