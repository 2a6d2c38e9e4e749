"""One school day of attendance for every pupil, imported into a semester-sized table (issue 18, item 4).

    .venv/bin/python benchmarks/seed_national.py --pupils 250000 --today 2026-11-30 --keep \
        --db-name pumpurs_bench_bulk_day                                 # the database, once (~6 min)
    .venv/bin/python benchmarks/import_day.py --rekey                 # its codes under this data directory's key
    .venv/bin/python benchmarks/import_day.py --day 2026-11-30 --compact --runs 3
    .venv/bin/python benchmarks/import_day.py --day 2026-11-30 --profile   # cProfile of one import and its re-import

The database ``pumpurs_bench_bulk_day`` (``--database-name``; reached through ``--database-url``, an
admin connection) holds the national preset seeded with facts up to a day (a semester of
attendance); ``seed_national.py`` makes it in a data directory of its own, so ``--rekey`` first gives
its pupils codes under this one's key. The file is one row per pupil for ``--day``. Each run, in
this order and on the same machine state:

(a) **floor**: a bare ``COPY`` of the same file into a bare logged table (the same columns, the
    personal code as text, no key, no constraint), committed;
(a') **keyed floor** (decision 0061): the same rows with the pupils' ids instead of their codes,
    sorted by pupil as the import sorts them, ``COPY``'d into the attendance table itself (its
    month partition and ``(pupil_id, date)`` key), rolled back and the table vacuumed — what the
    import's write alone costs, without the checks and the rollups' upkeep;
(b) **import**: ``import_batch_run`` in a fresh process (Django set up before the clock starts),
    wall time from the batch's creation to its commit — what the worker spends on a file;
(c) **re-import** of the same file (every row unchanged), the same way;
(d) the CLI ``pumpurs import attendance FILE`` as a separate process (start-up included), once;

then the day's rows are deleted again. Prints per run the times, the ratios to the floor, and the
load average before the run; at the end min and median. ``--keep-day`` leaves the last run's day in.

``--compact``: the seed writes pupil after pupil, so a seeded day's rows lie on every page of its
month, and a day deleted and imported again fills the holes it left in every page — each insert
and each probe of a re-import on another page, which a daily import (appended at the month's end)
never pays. ``--compact`` rewrites the day's month once after deleting it (``VACUUM FULL``, which
also rebuilds its key with full leaves); the day's rows are then appended, and deleting them again
(``VACUUM`` truncates the emptied end) gives the same state for the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "pumpurs_bench_bulk_day"
BARE = "bench_bare_day"
COLUMNS = ("personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` pointed at the database ``name``."""
    return re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", admin_url, count=1)


def day_file(database_name: str, day: str) -> Path:
    """Where the one-day file of ``day`` for this database's pupils (their codes) is written."""
    return Path(tempfile.gettempdir()) / f"pumpurs-bench-bulk-day-{database_name}" / f"day-{day}.csv"


def child_import(path: Path, day: str, profile: bool) -> None:
    """Run one import in this process, timed from the batch's creation to its commit."""
    import django

    django.setup()
    from pumpurs.imports.services import import_batch_create, import_batch_run, import_operator

    actor = import_operator(institution=None)
    started, cpu = time.perf_counter(), time.process_time()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    batch = import_batch_create(
        actor=actor, kind="attendance", path=path, filename=path.name, institution=None, dry_run=False
    )
    result = import_batch_run(batch, actor=actor, today=dt.date.fromisoformat(day))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    print(json.dumps({"seconds": seconds, "cpu": cpu, **result.summary()}, default=str))


def timed_child(url: str, path: Path, day: str, profile: bool = False) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    args = [sys.executable, __file__, "--child", str(path), "--day", day, *(["--profile"] if profile else [])]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if profile:
        sys.stderr.write(done.stderr)
    if done.returncode != 0:
        sys.exit(f"import failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    summary: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if summary["status"] != "applied":
        sys.exit(f"import was {summary['status']}: {str(summary.get('errors'))[:2000]}")
    return summary


def cli_import(url: str, path: Path, day: str) -> float:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    args = [sys.executable, "-m", "pumpurs.cli", "import", "attendance", str(path), "--json", "--today", day]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"CLI import failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def bare_copy(url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {BARE}")
        conn.execute(
            f"CREATE TABLE {BARE} (personal_code text, date date, lessons smallint, unjustified smallint, "
            "illness smallint, other_justified smallint, late smallint)"
        )
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            path.open("rb") as handle,
            cursor.copy(f"COPY {BARE} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute(f"DROP TABLE {BARE}")
        conn.commit()
        return seconds


def keyed_copy(url: str, path: Path) -> float:
    """(a'): the day's rows by pupil id into the attendance table, timed, rolled back."""
    import psycopg

    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            path.open("rb") as handle,
            cursor.copy(
                "COPY journal_attendanceday (pupil_id, date, lessons, unjustified, illness, other_justified, late) "
                "FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        conn.rollback()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM journal_attendanceday")
    return seconds


def ids_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.ids.csv")


def compact_month(url: str, day: str) -> None:
    """Delete the day and rewrite its month partition (see ``--compact``)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM journal_attendanceday WHERE date = %s", [day])
        month = conn.execute(
            "SELECT tableoid::regclass::text FROM journal_attendanceday WHERE date >= date_trunc('month', %s::date) "
            "AND date < %s::date LIMIT 1",
            [day, day],
        ).fetchone()
        if month is not None:
            conn.execute(f"VACUUM (FULL, ANALYZE) {month[0]}")


def forget_day(url: str, day: str) -> None:
    """Delete the day's rows and settle the table before the next run. The rows go with their
    rollups' upkeep (a child process: Django), so the weekly rollups stay equal to the facts
    while ``PUMPURS_FACT_ROLLUPS`` is on; the upkeep of the deletion is not timed."""
    import psycopg

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    subprocess.run([sys.executable, __file__, "--forget-child", day], env=env, cwd=ROOT, check=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) journal_attendanceday")
        conn.execute("VACUUM (ANALYZE) journal_attendanceweek")
        conn.execute("CHECKPOINT")


def forget_child(day: str) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from pumpurs.journal.rollups import keep_rollups

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_attendanceday WHERE date = %s RETURNING pupil_id, date", [day])
        keep_rollups("attendance", cursor.fetchall())


def write_file(url: str, path: Path, day: str) -> int:
    """One row per enrolled pupil for ``day``, from the database's own pupils (valid counts); beside
    it the same rows by pupil id, sorted (``ids_path``, for the keyed floor)."""
    import polars as pl

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    import django

    django.setup()
    from pumpurs.people.models import Pupil

    pupils = [
        (p.pk, p.personal_code) for p in Pupil.objects.only("personal_code_encrypted").iterator(chunk_size=10_000)
    ]
    n = len(pupils)
    frame = pl.DataFrame(pupils, schema=["pupil_id", "personal_code"], orient="row").with_columns(
        pl.lit(day).alias("date"),
        pl.lit(8).alias("lessons"),
        (pl.int_range(n) % 7 == 0).cast(pl.Int64).alias("unjustified"),
        (pl.int_range(n) % 11 == 0).cast(pl.Int64).alias("illness"),
        pl.lit(0).alias("other_justified"),
        (pl.int_range(n) % 13 == 0).cast(pl.Int64).alias("late"),
    )
    frame.select(COLUMNS).write_csv(path)
    frame.select("pupil_id", *COLUMNS[1:]).sort("pupil_id").write_csv(ids_path(path))
    return n


def rekey(url: str) -> int:
    """Give every pupil a new synthetic personal code under this process's field key.

    A copy of a seed made in another data directory holds codes encrypted and hashed with that
    directory's key, which this benchmark neither has nor asks for: the file could not be written
    and no pupil would be found. The codes are invented anyway (``synthetic_code``), unique per
    birth date; set-based update from one ``COPY``."""
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    import django

    django.setup()
    from pumpurs.core import crypto
    from pumpurs.people.personal_code import synthetic_code

    with psycopg.connect(url) as conn:
        pupils = conn.execute("SELECT id, birth_date FROM people_pupil ORDER BY birth_date, id").fetchall()
        used: set[str] = set()
        rows = []
        for pupil_id, birth in pupils:
            serial = pupil_id
            code = synthetic_code(birth, serial)
            while code in used:
                serial += 1
                code = synthetic_code(birth, serial)
            used.add(code)
            rows.append((pupil_id, crypto.encrypt(code), code))
        hashes = crypto.lookup_hashes([code for _id, _enc, code in rows])
        conn.execute("CREATE TEMPORARY TABLE rekey (id bigint, enc text, hash varchar(64))")
        with conn.cursor().copy("COPY rekey FROM STDIN") as copy:
            for (pupil_id, enc, _code), digest in zip(rows, hashes, strict=True):
                copy.write_row((pupil_id, enc, digest))
        conn.execute(
            "UPDATE people_pupil p SET personal_code_encrypted = r.enc, personal_code_hash = r.hash "
            "FROM rekey r WHERE r.id = p.id"
        )
        conn.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-name", default=DB_NAME, help="the seeded database (default: %(default)s)")
    parser.add_argument("--day", default="2026-12-07")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=0, help="only the first ROWS pupils of the file (0: all)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one import and its re-import, in-process, print to stderr"
    )
    parser.add_argument("--keep-day", action="store_true")
    parser.add_argument(
        "--compact", action="store_true", help="rewrite the day's month once first, so the day is appended (see above)"
    )
    parser.add_argument(
        "--rekey", action="store_true", help="give the pupils new codes under this data directory's key, then stop"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--forget-child", help=argparse.SUPPRESS)
    parser.add_argument("--write-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = database_url(args.database_url, args.database_name)
    if args.child:
        child_import(args.child, args.day, args.profile)
        return
    if args.forget_child:
        forget_child(args.forget_child)
        return
    if args.rekey:
        print(f"re-keyed {rekey(url)} pupils")
        return
    if args.write_file:
        print(write_file(url, args.write_file, args.day))
        return

    import psycopg

    full = day_file(args.database_name, args.day)  # its own pupils' codes
    work = full.parent
    work.mkdir(exist_ok=True)
    if not full.exists() or not ids_path(full).exists():
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-file",
                str(full),
                "--day",
                args.day,
                "--database-url",
                args.database_url,
                "--database-name",
                args.database_name,
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
    path = full
    if args.rows:
        path = work / f"day-{args.day}-{args.rows}.csv"
        with full.open("rb") as src, path.open("wb") as dst:
            for number, line in enumerate(src):
                if number > args.rows:
                    break
                dst.write(line)
    rows = sum(1 for _ in path.open("rb")) - 1
    with psycopg.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        facts = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'journal_attendanceday'"
        ).fetchone()[0]
    print(
        f"machine: nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {server}; table ≈ {facts:,} attendance rows; file {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB",
        flush=True,
    )
    if args.compact:
        compact_month(url, args.day)
    if args.profile:
        forget_day(url, args.day)
        summary = timed_child(url, path, args.day, profile=True)
        print(f"profiled import: {summary['seconds']:.2f} s, load {load()}", flush=True)
        summary = timed_child(url, path, args.day, profile=True)
        print(f"profiled re-import: {summary['seconds']:.2f} s, load {load()}")
        if not args.keep_day:
            forget_day(url, args.day)
        return
    table: list[tuple[float, float, float, float, float]] = []
    for run in range(1, args.runs + 1):
        forget_day(url, args.day)
        before = load()
        floor = bare_copy(url, path)
        keyed = keyed_copy(url, ids_path(full)) if not args.rows else float("nan")
        first = timed_child(url, path, args.day)
        assert first["created"] == rows, first
        again = timed_child(url, path, args.day)
        assert again["unchanged"] == rows, again
        forget_day(url, args.day)
        cli = cli_import(url, path, args.day)
        f, i, r = floor, float(first["seconds"]), float(again["seconds"])  # type: ignore[arg-type]
        table.append((f, i, r, cli, keyed))
        print(
            f"run {run}: load {before} | floor (bare COPY) {f:.2f} s, keyed COPY {keyed:.2f} s "
            f"| import {i:.2f} s = {i / f:.2f}× floor = {i / keyed:.2f}× keyed "
            f"(our process's CPU {first.get('cpu', 0):.2f} s) | re-import {r:.2f} s = {r / i:.2f}× import "
            f"(CPU {again.get('cpu', 0):.2f} s) | CLI process {cli:.2f} s",
            flush=True,
        )
    if not args.keep_day:
        forget_day(url, args.day)
    for label, index in (("floor", 0), ("keyed COPY", 4), ("import", 1), ("re-import", 2), ("CLI process", 3)):
        values = [row[index] for row in table]
        print(f"{label:12} min {min(values):.2f} s, median {statistics.median(values):.2f} s")
    ratios = [row[1] / row[0] for row in table]
    again = [row[2] / row[1] for row in table]
    print(f"import/floor min {min(ratios):.2f}, median {statistics.median(ratios):.2f}")
    keyed_ratios = [row[1] / row[4] for row in table]
    print(f"import/keyed min {min(keyed_ratios):.2f}, median {statistics.median(keyed_ratios):.2f}")
    print(f"re-import/import min {min(again):.2f}, median {statistics.median(again):.2f}; load now {load()}")


if __name__ == "__main__":
    main()
