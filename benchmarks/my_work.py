"""Serve a municipality coordinator's "Mani darbi" from the national data set; print p50/p95.

    .venv/bin/python benchmarks/watch_list.py --reuse     # seeds pumpurs_bench_watch once
    .venv/bin/python benchmarks/my_work.py                # then this, on the same database

It reuses the database the watch-list benchmark seeded and refreshed (250 000 pupils, the
national preset), starts ``pumpurs serve`` on a free port of 127.0.0.1, signs in as the
coordinator of the municipality with the most current pupils and requests ``/`` (the counts of
every kind: one statement) and the list of the biggest kind, ``--requests`` times each after
``--warmup`` unmeasured requests. Times are the client's wall time, HTTP over loopback included.
It also prints the one statement's own time in-process (``people.work.summary``). Nothing is
written to the database except the session and the audit rows of the list views.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch_list import DB_NAME, PUMPURS, ROOT, free_port, percentile, session, wait_for


def pick_coordinator(url: str) -> tuple[str, str, int]:
    """(username, municipality code, current pupils) of the biggest municipality's coordinator."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            """
            SELECT u.username, m.code, count(*)
            FROM people_enrolment e
            JOIN people_institution i ON i.id = e.institution_id
            JOIN people_municipality m ON m.id = i.municipality_id
            JOIN people_rolegrant g ON g.municipality_id = m.id AND g.role = 'municipality_coordinator'
            JOIN people_user u ON u.id = g.user_id
            WHERE e.ends_on IS NULL
            GROUP BY u.username, m.code ORDER BY count(*) DESC, m.code LIMIT 1
            """
        ).fetchone()
    if row is None:
        sys.exit(f"{DB_NAME} holds no municipality coordinator: run benchmarks/watch_list.py first")
    return row[0], row[1], int(row[2])


def in_process(env: dict[str, str], username: str, runs: int) -> str:
    """The summary statement's own time, without HTTP or templates (a child process: Django set up
    on the benchmark's database)."""
    code = f"""
import time, statistics, django
django.setup()
from pumpurs.people.models import User
from pumpurs.people import work
user = User.objects.get(username={username!r})
summary = work.summary(user)
times = []
for _ in range({runs}):
    started = time.perf_counter(); summary = work.summary(user); times.append((time.perf_counter() - started) * 1000)
print("counts:", {{c.kind.code: c.count for c in summary.counts}})
print(f"summary in-process: p50 {{statistics.median(times):.1f}} ms, max {{max(times):.1f}} ms")
"""
    child_env = {**env, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    return done.stdout.strip()


def measure(opener: urllib.request.OpenerDirector, target: str, warmup: int, requests: int) -> list[float]:
    for _ in range(warmup):
        opener.open(target).read()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        opener.open(target).read()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    url = args.admin_url.rsplit("/", 1)[0] + "/" + DB_NAME
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUMPURS_DATA_DIR": tempfile.mkdtemp(prefix="pumpurs-bench-work-"),
        "PUMPURS_HTTPS": "0",
        "PUMPURS_ALLOWED_HOSTS": "127.0.0.1",
        "PUMPURS_LOG_LEVEL": "WARNING",
        # The page is measured, not the sign-in: the wide roles' second factor is off here (decision 0026).
        "PUMPURS_SECOND_FACTOR": "0",
    }
    username, municipality, pupils = pick_coordinator(url)
    print(f"municipality {municipality}: {pupils} current pupils; coordinator {username}")
    print(in_process(env, username, args.requests))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*PUMPURS, "serve", "--addr", f"127.0.0.1:{port}"], env=env, cwd=ROOT)
    try:
        wait_for(base, server)
        opener = session(base, username)
        for label, path in (("home (counts)", "/"), ("absences list", "/work/absences/")):
            times = measure(opener, base + path, args.warmup, args.requests)
            p50, p95 = statistics.median(times), percentile(times, 95)
            print(f"{label}: {len(times)} requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
