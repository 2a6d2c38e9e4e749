"""Time `pumpurs import attendance` against a bare PostgreSQL `COPY` of the same file.

    .venv/bin/python benchmarks/import_attendance.py                  # 250 000 pupils, 10 M rows
    .venv/bin/python benchmarks/import_attendance.py --rows 2000000 --pupils 50000
    .venv/bin/python benchmarks/import_attendance.py --sqlite          # also the SQLite path (1 M rows)

Creates the database ``pumpurs_bench_import`` through ``--database-url`` (an admin connection,
default ``postgresql://postgres@127.0.0.1:5432/postgres``), migrates it, seeds the national preset
without facts (``pumpurs seed --preset national --no-facts``), writes a valid daily-count
attendance file of ``--rows`` rows (pupils × school days up to ``--today``, generated vectorised
by the journal seeding model), then measures:

(a) our import end to end: ``pumpurs import attendance FILE --json`` as a separate process, wall
    time (start-up included) and its peak RSS, on an empty attendance table;
(b) a bare ``COPY`` of the same file into a bare logged table (the same columns, personal code as
    text, no constraints, no indexes), committed;

and prints both times, their ratio, rows/s and peak RSS. The import also runs on the first
``--small-rows`` rows of the file, to show whether peak RSS grows with file size. The database is
dropped at the end (``--keep`` keeps it). Targets (issue 3): ratio ≤ 2.0, ≥ 250 000 rows/s, peak
RSS < 1 GB and not growing with file size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = "pumpurs_bench_import"
BARE_TABLE = "bench_bare_attendance"
COLUMNS = ("personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late")
# Runs a command as its only child and reports that child's peak RSS (kB) on the last stderr line.
RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print(f'peak_rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def measured_import(path: Path, today: str, env: dict[str, str]) -> tuple[float, int, dict[str, object]]:
    """(wall seconds, peak RSS in kB, JSON summary) of one `pumpurs import attendance` process."""
    args = [sys.executable, "-c", RSS_WRAPPER, *PUMPURS, "import", "attendance", str(path), "--json", "--today", today]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    rss = int(re.findall(r"peak_rss_kb=(\d+)", done.stderr)[-1])
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"import failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if summary["status"] != "applied":
        sys.exit(f"import was {summary['status']}: {summary['errors'][:5]}")
    return seconds, rss, summary


def generate(path: Path, rows: int, today: dt.date, seed: int) -> None:
    """Write ``rows`` valid daily-count rows: every pupil × the last school days up to ``today``.

    Runs inside Django (``--generate``); uses the journal seeding model, vectorised per chunk of
    pupils, so a 10 M-row file takes seconds, not a per-row Python loop.
    """
    import django

    django.setup()
    import polars as pl

    from pumpurs.journal.seeding import model
    from pumpurs.journal.seeding.roster import Semester, roster, school_days
    from pumpurs.people.models import Period

    periods = Period.objects.filter(starts_on__lte=today).select_related("school_year").order_by("starts_on")
    semesters = [
        Semester(p.number, p.starts_on, p.ends_on, p.school_year.starts_on, p.school_year.ends_on, 0) for p in periods
    ]
    pupils = model.pupil_traits(roster(max(s.year_starts_on for s in semesters), today), seed)
    n_days = -(-rows // pupils.height)
    days = school_days(semesters, today).tail(n_days)
    if days.height < n_days:
        sys.exit(f"only {days.height} school days up to {today}: ask for fewer rows or more pupils")
    days = days.drop("day_index").with_row_index("day_index").with_columns(pl.col("day_index").cast(pl.Int64))
    written = 0
    chunk_pupils = max(1, 1_000_000 // n_days)
    with path.open("wb") as handle:
        for start in range(0, pupils.height, chunk_pupils):
            part = model.pupil_days(pupils.slice(start, chunk_pupils), days, seed).select(COLUMNS)
            part = part.head(rows - written)
            part.write_csv(handle, include_header=start == 0, date_format="%Y-%m-%d")
            written += part.height
            if written >= rows:
                break
    print(json.dumps({"rows": written, "pupils": pupils.height, "days": n_days}))


def head_file(source: Path, target: Path, rows: int) -> None:
    with source.open("rb") as src, target.open("wb") as dst:
        dst.writelines(itertools.islice(src, rows + 1))


def bare_copy(url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        conn.execute(
            f"CREATE TABLE {BARE_TABLE} (personal_code text, date date, lessons smallint, unjustified smallint, "
            "illness smallint, other_justified smallint, late smallint)"
        )
        conn.commit()
        conn.execute("CHECKPOINT")
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            path.open("rb") as handle,
            cursor.copy(f"COPY {BARE_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - started


def keyed_copy(url: str) -> float:
    """The engine's own floor for a *keyed* load: COPY of the already-resolved rows (pupil id,
    date, counts) into a table with the same primary key as ``journal_attendanceday``."""
    import psycopg

    keyed = "bench_keyed_attendance"
    with psycopg.connect(url) as conn:
        buffer = bytearray()
        with conn.cursor().copy("COPY (SELECT * FROM journal_attendanceday) TO STDOUT WITH (FORMAT csv)") as out:
            for chunk in out:
                buffer += chunk
        conn.execute(f"DROP TABLE IF EXISTS {keyed}")
        conn.execute(f"CREATE TABLE {keyed} (LIKE journal_attendanceday INCLUDING ALL)")
        conn.commit()
        conn.execute("CHECKPOINT")
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY {keyed} FROM STDIN WITH (FORMAT csv)") as copy:
            view = memoryview(buffer)
            for offset in range(0, len(view), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute(f"DROP TABLE {keyed}")
        conn.commit()
        return seconds


def reset_attendance(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE journal_attendanceday")
        conn.execute("VACUUM ANALYZE journal_attendanceday")
        conn.execute("CHECKPOINT")


def prepare(env: dict[str, str], args: argparse.Namespace, pupils: int) -> None:
    run([*PUMPURS, "migrate", "-v0"], env)
    seed = [*PUMPURS, "seed", "--preset", "national", "--no-facts", "--pupils", str(pupils)]
    run([*seed, "--seed", str(args.seed), "--today", args.today], env)


def make_file(env: dict[str, str], args: argparse.Namespace, path: Path, rows: int) -> dict[str, int]:
    out = run([sys.executable, __file__, "--generate", str(path), "--rows", str(rows), "--today", args.today], env)
    return json.loads(out.strip().splitlines()[-1])


def fmt_rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--small-rows", type=int, default=2_000_000, help="second, smaller import (RSS check)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=dt.date.today().isoformat())
    parser.add_argument("--sqlite", action="store_true", help="also measure the SQLite path")
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database and files")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows, dt.date.fromisoformat(args.today), args.seed)
        return

    import psycopg

    work = Path(tempfile.mkdtemp(prefix="pumpurs-bench-import-"))
    env = {**os.environ, "PUMPURS_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    url = re.sub(r"/[^/?]*(\?|$)", f"/{DB_NAME}\\1", args.database_url, count=1)
    with psycopg.connect(args.database_url, autocommit=True) as admin:
        server = admin.execute("SHOW server_version").fetchone()[0]
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    pg_env = {**env, "DATABASE_URL": url}
    results: list[str] = []
    try:
        print(f"seeding {args.pupils:,} pupils (national, --no-facts) …", flush=True)
        prepare(pg_env, args, args.pupils)
        big, small = work / "attendance.csv", work / "attendance-small.csv"
        print(f"writing {args.rows:,} attendance rows …", flush=True)
        shape = make_file(pg_env, args, big, args.rows)
        head_file(big, small, args.small_rows)
        size_mb = big.stat().st_size / 1e6

        reset_attendance(url)
        small_s, small_rss, _ = measured_import(small, args.today, pg_env)
        reset_attendance(url)
        print("importing …", flush=True)
        import_s, import_rss, summary = measured_import(big, args.today, pg_env)
        assert summary["created"] == args.rows, summary
        print("importing the same file again (every row unchanged) …", flush=True)
        again_s, again_rss, again = measured_import(big, args.today, pg_env)
        assert again["unchanged"] == args.rows, again
        copy_s = bare_copy(url, big)
        keyed_s = keyed_copy(url)
        results += [
            f"date:        {dt.date.today().isoformat()}",
            f"machine:     nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
            f"PostgreSQL {server}",
            f"file:        {args.rows:,} rows, {size_mb:,.0f} MB ({shape['pupils']:,} pupils × {shape['days']} school days)",
            f"import:      {import_s:.1f} s  ({fmt_rate(args.rows, import_s)}), peak RSS {import_rss / 1024:,.0f} MB",
            f"bare COPY:   {copy_s:.1f} s  ({fmt_rate(args.rows, copy_s)})",
            f"ratio:       {import_s / copy_s:.2f}  (import / bare COPY)",
            f"keyed COPY:  {keyed_s:.1f} s  (resolved rows into a table with the same primary key)",
            f"ratio keyed: {import_s / keyed_s:.2f}  (import / keyed COPY)",
            f"re-import:   {again_s:.1f} s  ({fmt_rate(args.rows, again_s)}; every row unchanged, stage + MERGE path), "
            f"peak RSS {again_rss / 1024:,.0f} MB",
            f"small file:  {args.small_rows:,} rows: {small_s:.1f} s ({fmt_rate(args.small_rows, small_s)}), "
            f"peak RSS {small_rss / 1024:,.0f} MB",
            f"RSS growth:  {small_rss / 1024:,.0f} MB at {args.small_rows:,} rows → "
            f"{import_rss / 1024:,.0f} MB at {args.rows:,} rows",
        ]
    finally:
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")

    if args.sqlite:
        import sqlite3

        sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}"}
        sqlite_pupils = max(1, min(args.pupils, args.sqlite_rows // 40))
        print(f"SQLite: seeding {sqlite_pupils:,} pupils, writing {args.sqlite_rows:,} rows …", flush=True)
        prepare(sqlite_env, args, sqlite_pupils)
        path = work / "attendance-sqlite.csv"
        make_file(sqlite_env, args, path, args.sqlite_rows)
        seconds, rss, _ = measured_import(path, args.today, sqlite_env)
        results.append(
            f"SQLite {sqlite3.sqlite_version}: {args.sqlite_rows:,} rows in {seconds:.1f} s "
            f"({fmt_rate(args.sqlite_rows, seconds)}), peak RSS {rss / 1024:,.0f} MB"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")
    print("\n".join(results))


if __name__ == "__main__":
    main()
