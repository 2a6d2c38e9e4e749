"""The audit chain's head lock under concurrent viewers (decision 0047): events a second when N
connections record a viewed page at once, each in its own transaction as a page does.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python benchmarks/audit_chain.py

``DATABASE_URL`` must name a migrated PostgreSQL database that may receive test events (the load
benchmark's ``pumpurs_bench_load`` does; its trail keeps them, they verify). Two ways of linking
an event are measured alternately, three rounds each: ``one statement`` (``link_in_one_statement``:
lock, hash, head and insert in one statement, the lock held for it and the commit) and ``four round
trips`` (the head locked, the event inserted, the head updated, then the commit — the way before).
Prints min and median events a second per way and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")


def round_of(clients: int, events: int, *, one_statement: bool) -> float:
    from django.db import connections, transaction

    from pumpurs.audit import services
    from pumpurs.people.actors import SystemActor

    viewer = SystemActor(name="system:benchmark")
    start = threading.Barrier(clients + 1)
    failures: list[BaseException] = []

    def client() -> None:
        try:
            start.wait()
            for n in range(events):
                with transaction.atomic():
                    services.audit_record(
                        actor=viewer, action="people.pupil.viewed", pupil_id=n, data={}, ip_address="127.0.0.1"
                    )
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    patch = mock.patch.object(services, "link_in_one_statement", return_value=False)
    with patch if not one_statement else contextlib.nullcontext():
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - began
    if failures:
        raise failures[0]
    return clients * events / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=100, help="events per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    rates: dict[str, list[float]] = {"one statement": [], "four round trips": []}
    loads = []
    for _ in range(args.rounds):
        for way in rates:
            rates[way].append(round_of(args.clients, args.events, one_statement=way == "one statement"))
            loads.append(os.getloadavg()[0])
    for way, measured in rates.items():
        print(
            f"{way:<17} {args.clients} clients × {args.events} events: events/s min {min(measured):.0f}, "
            f"median {statistics.median(measured):.0f} ({', '.join(f'{r:.0f}' for r in measured)})"
        )
    print(f"load average (1 min): {min(loads):.2f}–{max(loads):.2f}; CPUs: {os.cpu_count()}")


if __name__ == "__main__":
    main()
