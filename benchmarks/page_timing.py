"""Timing pages through Django's test client: the one loop of the page benchmarks
(``dashboards.py``, ``outcomes.py``) and the one p95.

A page is requested ``requests`` times a round after ``warmup`` requests, for ``rounds`` rounds,
either as served (``kept``: what the cache holds since the refresh) or with the cache cleared
before every request (rendered from the pre-aggregate each time: the first reader after a
refresh). Per request: the wall time, this process's own CPU time and the SQL time (each
statement's wall time, sent to rows fetched by the driver), so that the load's share shows; per
round: p50 and p95 of the wall times, the medians of CPU and SQL, and the 1-minute load.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """The value at rank ``p`` % of the sorted values (nearest rank over ``len - 1``; no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def sql_timer(spent: list[float]) -> Callable[..., Any]:
    """An ``execute_wrapper`` adding each statement's wall time to ``spent[0]``."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    return wrapper


@dataclass
class Rounds:
    """One page's rounds: a value per round (ms; the load as ``os.getloadavg``'s first)."""

    requests: int
    p50s: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    sqls: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    size: int = 0  # the last body's bytes

    def line(self, label: str) -> str:
        return (
            f"{label}: p50 {statistics.median(self.p50s):.0f} ms; p95 min {min(self.p95s):.0f} ms, median "
            f"{statistics.median(self.p95s):.0f} ms ({len(self.p95s)} rounds of {self.requests}); own CPU p50 "
            f"{statistics.median(self.cpus):.0f} ms, SQL (wall, in the driver) p50 {statistics.median(self.sqls):.0f} ms; "
            f"{self.size // 1024} KB; load {', '.join(f'{x:.1f}' for x in self.loads)}"
        )


def page_rounds(
    client: Any, urls: Sequence[str], *, rounds: int, requests: int, warmup: int, kept: bool = True
) -> Rounds:
    """Request ``urls`` in turn (``requests`` a round, each answering 200) with ``client`` signed in."""
    from django.core.cache import cache
    from django.db import connection

    found = Rounds(requests=requests)
    for _round in range(rounds):
        for n in range(warmup):
            assert client.get(urls[n % len(urls)]).status_code == 200, urls[n % len(urls)]
        times, cpu, sql = [], [], []
        for n in range(requests):
            if not kept:
                cache.clear()
            spent = [0.0]
            with connection.execute_wrapper(sql_timer(spent)):
                started, own = time.perf_counter(), time.process_time()
                response = client.get(urls[n % len(urls)])
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - own) * 1000)
            sql.append(spent[0] * 1000)
            assert response.status_code == 200, (urls[n % len(urls)], response.status_code)
            found.size = len(response.content)
        found.p50s.append(percentile(times, 50))
        found.p95s.append(percentile(times, 95))
        found.cpus.append(statistics.median(cpu))
        found.sqls.append(statistics.median(sql))
        found.loads.append(os.getloadavg()[0])
    return found


def kept_and_cleared(label: str, client: Any, urls: Sequence[str], *, rounds: int, requests: int, warmup: int) -> None:
    """Print the page's rounds as served, then with the cache cleared before every request."""
    for kept, how in ((True, "page kept since the refresh"), (False, "rendered each time")):
        found = page_rounds(client, urls, rounds=rounds, requests=requests, warmup=warmup, kept=kept)
        print(found.line(f"{label}, {how}"))
