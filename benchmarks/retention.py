"""Retention over a large audit trail: the dry run, then the apply that scrubs it (decision 0040).

    .venv/bin/python benchmarks/retention.py                   # 100 000 old events, PostgreSQL
    .venv/bin/python benchmarks/retention.py --events 500000

Steps: (re)create ``pumpurs_bench_retention`` through ``--admin-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth), migrate, write ``--events`` audit
events six years ago (``audit_record_many``, as a roster import does), then ``--repeat`` dry runs
(``retention_plan``: every kind's count and oldest), one apply (export to JSON lines, then the
scrub of every event past ``PUMPURS_RETENTION_AUDIT_DAYS``) and ``chain_verify`` afterwards.
The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "pumpurs_bench_retention"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-name", default=DB_NAME, help="a name of your own on a shared server")
    args = parser.parse_args()
    import psycopg

    base = args.admin_url.rsplit("/", 1)[0]
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
        conn.execute(f"CREATE DATABASE {args.db_name}")
    os.environ["DATABASE_URL"] = f"{base}/{args.db_name}"
    os.environ.setdefault("PUMPURS_DATA_DIR", str(ROOT / "var" / "bench-retention"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from pumpurs.audit.chain import chain_verify
    from pumpurs.audit.services import Entry, audit_record_many
    from pumpurs.people.actors import SystemActor
    from pumpurs.privacy.retention import retention_apply, retention_plan

    try:
        call_command("migrate", verbosity=0)
        writer = SystemActor(name="system:bench")
        with time_machine.travel(timezone.now() - dt.timedelta(days=6 * 365), tick=True), transaction.atomic():
            audit_record_many(
                actor=writer,
                entries=(
                    Entry("people.pupil.viewed", pupil_id=i, data={"fields": ["first_name"], "note": f"n{i}"})
                    for i in range(args.events)
                ),
            )
        print(f"load average {os.getloadavg()[0]:.2f}; {args.events} events six years old")
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            plan = retention_plan(now=timezone.now())
            runs.append(time.perf_counter() - started)
        due = {item.kind.code: item.count for item in plan if item.count}
        print(f"dry run  min {min(runs) * 1000:7.0f} ms  median {statistics.median(runs) * 1000:7.0f} ms  due {due}")
        import pumpurs.privacy.retention as retention

        exporting: list[float] = []
        export = retention.retention_export

        def timed_export(*a: object, **k: object) -> Path:
            started = time.perf_counter()
            try:
                return export(*a, **k)  # type: ignore[arg-type]
            finally:
                exporting.append(time.perf_counter() - started)

        retention.retention_export = timed_export  # type: ignore[assignment]
        started = time.perf_counter()
        run = retention_apply(now=timezone.now())
        elapsed = time.perf_counter() - started
        print(f"apply    {elapsed:7.1f} s  {[(r.kind.code, r.count, r.error) for r in run.results]}")
        print(f"  of it  export {sum(exporting):7.1f} s, scrub {elapsed - sum(exporting):7.1f} s")
        print(f"export   {run.export.stat().st_size / 1e6:.1f} MB" if run.export else "export   none")
        started = time.perf_counter()
        verdict = chain_verify()
        print(f"verify   {time.perf_counter() - started:7.1f} s  intact {verdict.intact}, scrubbed {verdict.scrubbed}")
        print(f"load average {os.getloadavg()[0]:.2f}")
        if run.export:
            run.export.unlink()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(args.admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {args.db_name}")


if __name__ == "__main__":
    main()
