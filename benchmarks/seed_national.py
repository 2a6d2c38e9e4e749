"""Time `pumpurs seed` on a fresh database and print rows per second.

    .venv/bin/python benchmarks/seed_national.py                       # national, 250 000 pupils, PostgreSQL
    .venv/bin/python benchmarks/seed_national.py --pupils 50000
    .venv/bin/python benchmarks/seed_national.py --preset gulbene --database sqlite

PostgreSQL: creates the database ``pumpurs_bench_seed`` through ``--admin-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), migrates it, seeds it, counts the rows and
drops it again (``--keep`` keeps it). SQLite: the same in a temporary file. The seed runs as a
separate process exactly as an operator would run it; the time reported is that process's wall
time, start-up included, plus the command's own figure for the seeding transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = "pumpurs_bench_seed"
TABLES = (
    "people_institution",
    "people_classgroup",
    "people_pupil",
    "people_enrolment",
    "people_guardian",
    "people_user",
    "people_rolegrant",
)


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def count_rows_postgresql(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def count_rows_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=("national", "gulbene"), default="national")
    parser.add_argument("--pupils", type=int, default=250_000, help="national preset only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--db-name", default=DB_NAME, help="the PostgreSQL database to create (and drop)")
    parser.add_argument("--today", help="the date to seed for, YYYY-MM-DD (default: the machine's today)")
    parser.add_argument("--no-facts", action="store_true", help="people only (no attendance, grades or incidents)")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="pumpurs-bench-")
    env = {**os.environ, "PUMPURS_DATA_DIR": data_dir}
    seed_args = [*PUMPURS, "seed", "--preset", args.preset, "--seed", str(args.seed)]
    if args.preset == "national":
        seed_args += ["--pupils", str(args.pupils)]
    if args.today:
        seed_args += ["--today", args.today]
    if args.no_facts:
        seed_args += ["--no-facts"]

    if args.database == "postgresql":
        import psycopg

        url = re.sub(r"/[^/?]*(\?|$)", f"/{args.db_name}\\1", args.admin_url, count=1)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            server = admin.execute("SHOW server_version").fetchone()[0]
            admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
            admin.execute(f"CREATE DATABASE {args.db_name}")
        env["DATABASE_URL"] = url
        try:
            run([*PUMPURS, "migrate", "-v0"], env)
            seconds, output = run(seed_args, env)
            rows = count_rows_postgresql(url)
        finally:
            if not args.keep:
                with psycopg.connect(args.admin_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
        database = f"PostgreSQL {server}"
    else:
        path = Path(data_dir) / "bench.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        run([*PUMPURS, "migrate", "-v0"], env)
        seconds, output = run(seed_args, env)
        rows = count_rows_sqlite(path)
        database = f"SQLite {sqlite3.sqlite_version}"
        if not args.keep:
            path.unlink()

    total = sum(rows.values())
    print(output.strip())
    print()
    print(f"date:      {dt.date.today().isoformat()}")
    print(f"machine:   {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, {database}")
    print(f"command:   pumpurs {' '.join(seed_args[3:])}")
    for table, n in rows.items():
        print(f"  {table:<22} {n:>9,}")
    print(f"rows:      {total:,}")
    print(f"wall time: {seconds:.1f} s (process, start-up included)")
    print(f"rate:      {total / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
