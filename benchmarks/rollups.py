"""Time the weekly rollups (decision 0050): reading the families from them, and keeping them.

    .venv/bin/python benchmarks/rollups.py --pupils 50000 --keep     # seed, measure, keep the database
    .venv/bin/python benchmarks/rollups.py --pupils 50000 --reuse    # measure again on it

Creates ``pumpurs_bench_roll_<pupils>`` through ``--database-url`` (an admin connection, trust
auth), migrates it and seeds the national preset up to ``D`` (default: the last day of the
semester running today) through the real imports — which keep the rollups as they load — then
``VACUUM ANALYZE`` and, ``--runs`` times, each in a transaction rolled back at its end (but (c)):

(a) the floor: the bare ``GROUP BY`` over the semester's attendance, with the refresh's own
    session settings (``risk.sql.tune_session``: JIT off, ``PUMPURS_REFRESH_WORK_MEM``) — the
    ratio uses this one — and with the server's;
(b) ``risk.rollup_sums``: both families' per-pupil sums for the semester window and the 4 weeks
    ending on ``D``, read from the rollups (the statements built, with their probes of the
    semester's last week and day, and run, every row fetched, after one warm-up run as for the
    floor); for context also the
    refresh's current family statements over the facts (attendance days + marks, grades);
(c) the upkeep of a one-day file of every pupil: day ``D``'s attendance rows taken out (with
    their upkeep, untimed) and committed, then written back by ``COPY`` (timed for context) and
    ``keep_rollups`` (timed) and committed — not rolled back, so the week's rows carry one
    earlier committed version, as after yesterday's import;
    beside it the bare rewrite of the same rows (every row of the day's week, one column + 1,
    rolled back, just before the ``COPY``: the rows as the upkeep finds them; decision 0061's
    floor for the upkeep) and the ratio;
(d) the upkeep of a correction of one day four weeks back for every pupil (``late + 1``);
(e) ``rollups_rebuild`` of the semester (attendance and grades), in the first ``--rebuild-runs``.

After each run the rollup and attendance tables are vacuumed (the rolled-back writes leave dead rows).

Prints each run's numbers with the load average, then min and median. The database is dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from indicators import FLOOR_SQL, admin, exists, pumpurs, seed_national, semester_end  # the same floor and helpers


@contextlib.contextmanager
def statements(enabled: bool, label: str) -> Iterator[None]:
    """With ``enabled``: time every statement run inside, and print them slowest first."""
    if not enabled:
        yield
        return
    from django.db import connection

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started, " ".join(str(sql).split())[:150]))

    with connection.execute_wrapper(timed):
        yield
    print(f"  {label}: {sum(t for t, _ in timings):.3f} s in {len(timings)} statements, load {os.getloadavg()[0]:.1f}")
    for seconds, sql in sorted(timings, reverse=True)[:8]:
        print(f"    {seconds:7.3f}  {sql}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild-runs", type=int, default=1, help="runs that also time the rebuild (minutes each)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--database-name", default=None, help="default pumpurs_bench_roll_<pupils>")
    parser.add_argument("--profile", action="store_true", help="print the upkeep's statements, slowest first")
    parser.add_argument("--no-correction", action="store_true", help="skip (d): a minute a run at 250 000 pupils")
    args = parser.parse_args()

    name = args.database_name or f"pumpurs_bench_roll_{args.pupils}"
    url = f"{args.database_url.rsplit('/', 1)[0]}/{name}"
    # The seed's imports keep the rollups only with the setting on (decision 0050).
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="pumpurs.settings", PUMPURS_FACT_ROLLUPS="1")
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="pumpurs.settings", PUMPURS_FACT_ROLLUPS="1")
    import django

    django.setup()
    import polars as pl
    from django.db import connection, transaction
    from django.utils import timezone

    from pumpurs.journal.rollups import keep_rollups, rollups_readable, rollups_rebuild, week_of
    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import Period
    from pumpurs.risk.indicators import GRADES_SQL, _attendance_selects
    from pumpurs.risk.rollup_sums import (
        SumWindows,
        attendance_last_day,
        attendance_sums_sql,
        family_sums,
        grade_sums_sql,
    )
    from pumpurs.risk.sql import execute, tune_session

    today = args.today or semester_end(timezone.localdate())
    fresh = not (args.reuse and exists(args.database_url, name))
    if fresh:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    pumpurs(["migrate", "-v", "0"], env)
    if fresh:
        started = time.perf_counter()
        seed_national(args.pupils, args.seed, today, env)
        print(f"seed with rollups kept: {time.perf_counter() - started:.1f} s, load {os.getloadavg()[0]:.1f}")
    period = Period.objects.get(pk=semester_on(today).pk)  # type: ignore[union-attr]
    previous = (
        Period.objects.filter(starts_on__lt=period.starts_on)
        .order_by("-starts_on")
        .values_list("pk", flat=True)
        .first()
    )
    if not rollups_readable(period.pk, previous):  # a database seeded before the built marks existed
        started = time.perf_counter()
        with transaction.atomic():
            rollups_rebuild(period=period)
        print(f"rollups rebuilt (no built mark): {time.perf_counter() - started:.1f} s, load {os.getloadavg()[0]:.1f}")
    admin(url, "VACUUM ANALYZE")

    upto = min(today, period.ends_on)
    last = attendance_last_day(period.pk, upto)
    assert last is not None, "no attendance in the semester"
    windows = SumWindows(
        period.pk, previous, period.starts_on, upto, max(period.starts_on, last - dt.timedelta(days=27)), last
    )
    old_day = last - dt.timedelta(days=28)
    while old_day.weekday() >= 5:
        old_day -= dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM journal_attendanceday")
        facts = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*), pg_size_pretty(pg_total_relation_size('journal_attendanceweek')) FROM journal_attendanceweek"
        )
        att_rows, att_size = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*), pg_size_pretty(pg_total_relation_size('journal_gradeweek')) FROM journal_gradeweek"
        )
        grade_rows, grade_size = cursor.fetchone()

    def fetch_all(cursor: object, sql: str, params: object) -> float:
        started = time.perf_counter()
        execute(cursor, sql, params)  # type: ignore[arg-type]
        cursor.fetchall()  # type: ignore[attr-defined]
        return time.perf_counter() - started

    results: dict[str, list[float]] = {
        k: [] for k in ("floor", "floor_server", "sums", "facts", "copy", "daily", "bare", "old", "rebuild")
    }
    loads: list[float] = []
    floor_params = {"from": period.starts_on, "to": upto}
    floor_sql = FLOOR_SQL.replace("%s AND %s", "%(from)s AND %(to)s")
    for run in range(args.runs):
        loads.append(os.getloadavg()[0])
        with transaction.atomic(), connection.cursor() as cursor:
            fetch_all(cursor, floor_sql, floor_params)  # warm-up
            results["floor_server"].append(fetch_all(cursor, floor_sql, floor_params))
            tune_session(cursor)
            results["floor"].append(fetch_all(cursor, floor_sql, floor_params))
            sums = family_sums(windows)  # warm-up, as for the floor (and the pupils counted below)
            started = time.perf_counter()
            for sql in (attendance_sums_sql(windows), grade_sums_sql(windows)):  # the SQL built with its extent probes
                assert sql is not None
                execute(cursor, sql, {"period": period.pk, "previous": previous or -1})
                cursor.fetchall()
            results["sums"].append(time.perf_counter() - started)
            params = {
                "from": period.starts_on,
                "to": upto,
                "w_from": windows.w_from,
                "w_to": windows.w_to,
                "period": period.pk,
                "previous": previous or -1,
            }
            started = time.perf_counter()
            for sql in (*_attendance_selects({"r_": ("w_from", "w_to")}), GRADES_SQL.format(only="")):
                execute(cursor, sql, params)
                cursor.fetchall()
            results["facts"].append(time.perf_counter() - started)
            transaction.set_rollback(True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pupil_id, date, lessons, unjustified, illness, other_justified, late FROM journal_attendanceday WHERE date = %s",
                [last],
            )
            day = pl.DataFrame(
                cursor.fetchall(),
                schema=["pupil_id", "date", "lessons", "unjustified", "illness", "other_justified", "late"],
                orient="row",
            )
        # The day taken out and committed first (its upkeep untimed), then written back and
        # committed, as a day's import is: the rows it updates then carry one earlier committed
        # version, as the week's rows do after yesterday's import (before, both steps ran in one
        # transaction, so each row carried a version of the same transaction, which nothing can prune).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM journal_attendanceday WHERE date = %s", [last])
            keep_rollups("attendance", day.select("pupil_id", "date"))
        # The bare rewrite of the rows the upkeep will write (decision 0061's floor for it): every
        # row of the day's week updated in place, one column + 1, rolled back — the writing without
        # the upkeep's reading, joining and sums, timed on the rows in the state the upkeep finds
        # them (each with the dead version the day's deletion left). Its aborted versions are left
        # for the upkeep to prune: if anything, against it.
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "UPDATE journal_attendanceweek SET lessons_6 = lessons_6 + 1 WHERE period_id = %s AND week = %s",
                [period.pk, week_of(last)],
            )
            results["bare"].append(time.perf_counter() - started)
            transaction.set_rollback(True)
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            with cursor.cursor.copy(
                "COPY journal_attendanceday (pupil_id, date, lessons, unjustified, illness, other_justified, late) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(day.write_csv(include_header=False, date_format="%Y-%m-%d"))
            results["copy"].append(time.perf_counter() - started)
            started = time.perf_counter()
            with statements(args.profile, "one-day upkeep"):
                kept = keep_rollups("attendance", day)  # with the day's values, as the import lists them
            results["daily"].append(time.perf_counter() - started)
        corrected = None
        if not args.no_correction:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE journal_attendanceday SET late = late + 1 WHERE date = %s", [old_day])
                started = time.perf_counter()
                with statements(args.profile, "correction upkeep"):
                    corrected = keep_rollups(
                        "attendance",
                        "SELECT pupil_id, date FROM journal_attendanceday WHERE date = %(day)s",
                        {"day": old_day},
                    )
                results["old"].append(time.perf_counter() - started)
                transaction.set_rollback(True)
        if run < args.rebuild_runs:
            with transaction.atomic():
                started = time.perf_counter()
                rollups_rebuild(period=period)
                results["rebuild"].append(time.perf_counter() - started)
                transaction.set_rollback(True)
        # The rolled-back writes leave dead rows: vacuum so that every run reads the same tables.
        admin(
            url,
            "VACUUM ANALYZE journal_attendanceweek",
            "VACUUM ANALYZE journal_gradeweek",
            "VACUUM ANALYZE journal_attendanceday",
        )
        r = {k: v[-1] for k, v in results.items() if v}
        print(
            f"run {run + 1} (load {loads[-1]:.1f}): floor {r['floor']:.2f} s (server settings {r['floor_server']:.2f} s); "
            f"sums from rollups {r['sums']:.2f} s = {r['sums'] / r['floor']:.2f} floor (from facts {r['facts']:.2f} s = "
            f"{r['facts'] / r['floor']:.2f}); one-day file: COPY {r['copy']:.2f} s + upkeep {r['daily']:.2f} s "
            f"({kept.pupils} pupils, {kept.rows_written} rows; bare rewrite of the week {r['bare']:.2f} s, "
            f"upkeep {r['daily'] / r['bare']:.1f}× it); correction {old_day}: {r.get('old', float('nan')):.2f} s "
            f"({corrected.rows_written if corrected else 0} rows); rebuild {r['rebuild'] if run < args.rebuild_runs else float('nan'):.2f} s",
            flush=True,
        )

    print()
    print(
        f"date {dt.date.today()}, machine: nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}"
    )
    print(
        f"PostgreSQL {server}; semester {period.pk} {period.starts_on} – {upto}; {facts:,} attendance rows; "
        f"rollups: {att_rows:,} attendance weeks ({att_size}), {grade_rows:,} grade weeks ({grade_size}); "
        f"pupils in sums: attendance {len(sums['attendance']):,}, grades {len(sums['grades']):,}"
    )
    ratio = [s / f for s, f in zip(results["sums"], results["floor"], strict=True)]
    fratio = [s / f for s, f in zip(results["facts"], results["floor"], strict=True)]
    for label, values in (
        ("floor (refresh settings)", results["floor"]),
        ("floor (server settings)", results["floor_server"]),
        ("(b) sums from rollups", results["sums"]),
        ("(b) ratio to floor", ratio),
        ("    families from facts", results["facts"]),
        ("    ratio to floor", fratio),
        ("(c) one-day file COPY", results["copy"]),
        ("(c) one-day upkeep", results["daily"]),
        ("(c) bare rewrite of the week", results["bare"]),
        ("(c) upkeep / bare rewrite", [d / b for d, b in zip(results["daily"], results["bare"], strict=True)]),
        ("(d) correction 4 weeks back", results["old"]),
        ("(e) rebuild", results["rebuild"]),
    ):
        if values:
            print(f"{label:30s} min {min(values):7.2f}  median {statistics.median(values):7.2f}  (n={len(values)})")
    print(f"load average per run: {', '.join(f'{x:.1f}' for x in loads)}")
    connection.close()
    if not args.keep:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
