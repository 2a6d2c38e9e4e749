"""Time the full indicator + flag refresh against one bare ``GROUP BY`` over the attendance table.

    .venv/bin/python benchmarks/indicators.py                   # 250 000 pupils (a few minutes)
    .venv/bin/python benchmarks/indicators.py --pupils 50000
    .venv/bin/python benchmarks/indicators.py --pupils 50000 --keep   # keep the database afterwards

Creates a fresh PostgreSQL database ``pumpurs_bench_indicators`` through ``--database-url`` (an
admin connection, default ``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth), migrates
it, seeds the national preset (``pumpurs seed --preset national --pupils N --today D``: one
semester of daily attendance, grades and incidents up to ``D`` through the real imports; ``D`` is
by default the last day of the semester running today, so the semester is whole: 250 000 pupils ×
78 school days of semester 1 of 2026/27 = 19.5 million attendance rows), runs ``VACUUM ANALYZE``,
then, in this process:

(a) the floor: one bare ``SELECT pupil_id, SUM(lessons), SUM(unjustified), SUM(illness),
    SUM(other_justified), SUM(late) FROM journal_attendanceday WHERE date BETWEEN <semester>
    GROUP BY pupil_id``, every row fetched (after one untimed warm-up run);
(b) ``indicators_refresh(today=D)`` — snapshots for both windows and the flags — on empty
    snapshot and flag tables (first refresh of the semester: every row inserted);
(c) the same refresh again over the same facts (the steady state between imports: no snapshot
    changed, so none is rewritten; it still recomputes every one and evaluates every flag rule);
(d) the daily case: after a refresh as of the school day before ``D``, the refresh as of ``D`` —
    one more day of facts, the 4-week window moves, so nearly every snapshot is rewritten;
(e) the refresh again with ``skip_unchanged`` (what the scheduled job runs): nothing was written
    since (d) and the window is the same, so it reads no fact (decision 0032);

and prints the times and the ratios (b)/(a), (c)/(a), (d)/(a) (target ≤ 1.5), with the machine. For
context it also times (a') the barest pass over the semester's grades the refresh must also make
(``SELECT pupil_id, COUNT(*) FROM journal_grade WHERE period_id = <semester> GROUP BY pupil_id``):
not part of the ratio, it shows how much of the 1.5 budget the grades alone take. The
database is dropped at the end unless ``--keep``; ``--reuse`` skips creating and seeding when the
database is already there (to iterate on the refresh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "pumpurs_bench_indicators"
GRADES_FLOOR_SQL = "SELECT pupil_id, COUNT(*) FROM journal_grade WHERE period_id = %s GROUP BY pupil_id"
FLOOR_SQL = (
    "SELECT pupil_id, SUM(lessons), SUM(unjustified), SUM(illness), SUM(other_justified), SUM(late) "
    "FROM journal_attendanceday WHERE date BETWEEN %s AND %s GROUP BY pupil_id"
)


def semester_end(day: dt.date) -> dt.date:
    """The last day of the semester running on ``day`` (or of the next one, between semesters)."""
    from pumpurs.people.calendar import school_year_start_for, year_dates

    dates = year_dates(school_year_start_for(day))
    return dates.semester1_ends_on if day <= dates.semester1_ends_on else dates.ends_on


def pumpurs(args: list[str], env: dict[str, str]) -> None:
    """Run a ``pumpurs`` command, its output streamed as progress."""
    started = time.perf_counter()
    print(f"$ pumpurs {' '.join(args)}", flush=True)
    code = subprocess.call([sys.executable, "-m", "pumpurs.cli", *args], env=env, cwd=ROOT)
    if code != 0:
        sys.exit(f"pumpurs {' '.join(args)} failed with exit code {code}")
    print(f"  … {time.perf_counter() - started:.1f} s", flush=True)


def admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def seed_national(pupils: int, seed: int, today: dt.date, env: dict[str, str]) -> None:
    """``pumpurs seed --preset national``: the pupils with a semester of facts up to ``today``."""
    pumpurs(
        ["seed", "--preset", "national", "--pupils", str(pupils), "--seed", str(seed), "--today", today.isoformat()],
        env,
    )


def exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="YYYY-MM-DD (default: the last day of the semester running today: a whole semester of facts)",
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is if it exists")
    parser.add_argument("--profile", action="store_true", help="print each refresh's statements, slowest first")
    parser.add_argument("--database-name", default=DB_NAME, help=f"the benchmark's database (default {DB_NAME})")
    args = parser.parse_args()
    db_name = args.database_name

    base = args.database_url.rsplit("/", 1)[0]
    url = f"{base}/{db_name}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="pumpurs.settings")
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="pumpurs.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import Period
    from pumpurs.risk.indicators import indicators_refresh
    from pumpurs.risk.models import Flag, IndicatorSnapshot, RefreshMark, SemesterPupil
    from pumpurs.risk.sql import tune_session

    today = args.today or semester_end(timezone.localdate())
    fresh = not (args.reuse and exists(args.database_url, db_name))
    if fresh:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {db_name}", f"CREATE DATABASE {db_name}")
    pumpurs(["migrate", "-v", "0"], env)
    if fresh:
        seed_national(args.pupils, args.seed, today, env)
    print("VACUUM ANALYZE …", flush=True)
    admin(url, "VACUUM ANALYZE")

    period = semester_on(today)
    if period is None:
        sys.exit(f"no semester on or before {today}")
    period = Period.objects.select_related("school_year").get(pk=period.pk)
    upto = min(today, period.ends_on)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM journal_attendanceday")
        rows = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]

        def timed(sql: str, params: list[object]) -> tuple[float, int]:
            started = time.perf_counter()
            cursor.execute(sql, params)
            pupils = len(cursor.fetchall())
            return time.perf_counter() - started, pupils

        floor_params: list[object] = [period.starts_on, upto]
        timed(FLOOR_SQL, floor_params)  # warm-up: the table in the cache for both measurements alike
        floor_seconds, floor_pupils = timed(FLOOR_SQL, floor_params)
        timed(GRADES_FLOOR_SQL, [period.pk])
        grades_seconds, grades_pupils = timed(GRADES_FLOOR_SQL, [period.pk])
        # The like-for-like floor (issue 18): the same GROUP BY with the refresh's own session
        # settings (JIT off, its work_mem), inside a transaction as the refresh runs.
        with transaction.atomic():
            tune_session(cursor)
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
            timed(FLOOR_SQL, floor_params)
            like_seconds, _ = timed(FLOOR_SQL, floor_params)

    Flag.objects.filter(period=period).delete()
    IndicatorSnapshot.objects.filter(period=period).delete()
    # A true first refresh: no cached pupil table and no mark either (decision 0049).
    SemesterPupil.objects.filter(period=period).delete()
    RefreshMark.objects.filter(period=period).delete()
    admin(url, "VACUUM ANALYZE risk_indicatorsnapshot", "VACUUM ANALYZE risk_flag", "VACUUM ANALYZE risk_semesterpupil")
    profiles: dict[str, list[tuple[float, str]]] = {}

    def refresh(name: str, day: dt.date, **kwargs: Any) -> Any:
        """One refresh, each of its statements timed (``--profile``: printed, slowest first)."""
        statements: list[tuple[float, str]] = []

        def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - started, " ".join(sql.split())[:110]))

        with connection.execute_wrapper(timer):
            result = indicators_refresh(today=day, period=period, **kwargs)
        profiles[name] = statements
        return result

    first = refresh("first", today)
    second = refresh("again", today)
    day_before = today - dt.timedelta(days=1)
    while day_before.weekday() >= 5:
        day_before -= dt.timedelta(days=1)
    indicators_refresh(today=day_before, period=period)
    daily = refresh("daily", today)
    idle = indicators_refresh(today=today, period=period, skip_unchanged=True)

    print()
    print(
        f"date {dt.date.today()}, machine: nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}"
    )
    print(f"PostgreSQL {server}; semester {period} {period.starts_on} – {upto}; {rows:,} attendance rows")
    print(
        f"(a) bare GROUP BY over attendance (floor, server settings): {floor_seconds:7.2f} s ({floor_pupils:,} pupils)"
    )
    print(
        f"(a*) the same with the refresh's settings (jit off, work_mem {work_mem}), the like-for-like floor: "
        f"{like_seconds:7.2f} s"
    )
    floor_seconds = like_seconds  # every ratio below is to the like-for-like floor
    print(
        f"(a') bare GROUP BY over grades (context):   {grades_seconds:7.2f} s ({grades_pupils:,} pupils), "
        f"{grades_seconds / floor_seconds:.2f} of the floor"
    )
    print(
        f"(b) indicators_refresh, first of the semester: {first.seconds:7.2f} s  ratio {first.seconds / floor_seconds:.2f}"
    )
    print(f"    {first}")
    print(
        f"(c) indicators_refresh, again (same facts):   {second.seconds:7.2f} s  ratio {second.seconds / floor_seconds:.2f}"
    )
    print(f"    {second}")
    print(
        f"(d) indicators_refresh, a school day later:     {daily.seconds:7.2f} s  ratio {daily.seconds / floor_seconds:.2f}"
    )
    print(f"    {daily}")
    print(f"(e) nothing new since (d), same window (skip_unchanged): {idle.seconds:7.3f} s  unchanged={idle.unchanged}")
    if args.profile:
        for name, statements in profiles.items():
            total = sum(seconds for seconds, _ in statements)
            print(f"profile of the {name} refresh: {len(statements)} statements, {total:.2f} s in the database")
            for seconds, sql in sorted(statements, reverse=True)[:8]:
                print(f"  {seconds:6.2f} s  {seconds / floor_seconds:5.2f} floor  {sql}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("target: ratio ≤ 1.5 (to the like-for-like floor)")

    connection.close()
    if not args.keep:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {db_name}")


if __name__ == "__main__":
    main()
