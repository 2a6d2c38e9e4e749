"""``pumpurs serve --processes N`` (decision 0047): N waitress processes share one port, every one
of them answers, a worker that dies is replaced, and SIGTERM to the server stops them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from pumpurs.core.testing import free_port, wait_for_port, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def server_env() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pumpurs.settings", "PUMPURS_DATA_DIR": str(settings.DATA_DIR)}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"  # the on-disk test database (settings_test)
    env.update(PUMPURS_HTTPS="0", PUMPURS_ALLOWED_HOSTS="127.0.0.1")
    return env


def workers_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in children.read_text().split()} if children.exists() else set()


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def answers(port: int, timeout: float = 20) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{reverse('login')}", timeout=timeout) as response:
        return int(response.status)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    if connection.vendor != "postgresql":
        pytest.skip("several processes are for PostgreSQL (SQLite has one writer)")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pumpurs.cli", "serve", "--addr", f"127.0.0.1:{port}", "--processes", "2"],
        env=server_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: len(workers_of(process.pid)) == 2 or process.poll() is not None, "two workers")
        assert process.poll() is None, process.communicate()
        wait_for_port(port, process, "pumpurs serve --processes 2")
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=20)


def test_every_worker_answers_a_dead_one_is_replaced_and_sigterm_stops_all(server) -> None:
    process, port = server
    first, second = sorted(workers_of(process.pid))
    # Each worker answers on its own: with the other one stopped, the port still answers.
    for stopped in (first, second):
        os.kill(stopped, signal.SIGSTOP)
        try:
            assert answers(port) == 200
        finally:
            os.kill(stopped, signal.SIGCONT)

    os.kill(first, signal.SIGKILL)
    wait_until(lambda: len(workers_of(process.pid) - {first}) == 2, "a new worker in place of the killed one")
    workers = workers_of(process.pid)
    assert first not in workers
    assert second in workers
    assert answers(port) == 200

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for pid in workers:
        assert not alive(pid)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_sqlite_refuses_more_than_one_process() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the refusal is SQLite's")
    done = subprocess.run(
        [sys.executable, "-m", "pumpurs.cli", "serve", "--addr", f"127.0.0.1:{free_port()}", "--processes", "2"],
        env=server_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "--processes" in done.stderr
    assert "PostgreSQL" in done.stderr  # the same words in Latvian and English
