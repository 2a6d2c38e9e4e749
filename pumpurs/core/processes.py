"""``pumpurs serve --processes N``: N waitress processes sharing one listening socket (decision 0047).

Waitress runs Python on one core at a time (the GIL), so one process is one core however many
threads it has. The parent binds the socket, loads the application once, then forks the workers;
the kernel hands each new connection to whichever worker accepts it first. The parent only
watches: a worker that dies is replaced (after a second's pause if it died young, so a worker that
cannot start does not fork in a loop), and SIGTERM or SIGINT to the parent stops every worker and
then the parent. Database connections are never shared across a fork: the parent closes its own
before forking and every worker opens its own on its first request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType

from django.db import connections

logger = logging.getLogger(__name__)

YOUNG_SECONDS = 1.0  # a worker that dies sooner than this is replaced after a pause


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=backlog, reuse_port=False)


def serve_in_processes(run_worker: Callable[[socket.socket], None], *, host: str, port: int, processes: int) -> None:
    """Bind ``host:port``, fork ``processes`` workers that each call ``run_worker(sock)`` (it serves
    until the process is killed), keep their number up until SIGTERM or SIGINT, then stop them all."""
    sock = listening_socket(host, port)
    connections.close_all()
    workers: dict[int, float] = {}  # pid → when it started
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                run_worker(sock)
            except BaseException:  # a worker never returns into the parent's loop
                logger.exception("pumpurs serve: worker %s failed", os.getpid())
                code = 1
            os._exit(code)
        workers[pid] = time.monotonic()

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            _kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        spawn()
    logger.warning("pumpurs serve: %d worker processes on %s:%d (%s)", processes, host, port, sorted(workers))
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = workers.pop(pid, None)
        if started is None or stopping:
            continue
        logger.warning("pumpurs serve: worker %d ended (%s); starting another", pid, _describe(status))
        if time.monotonic() - started < YOUNG_SECONDS:
            time.sleep(YOUNG_SECONDS)
        if not stopping:
            spawn()
    sock.close()


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.kill(pid, signum)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
