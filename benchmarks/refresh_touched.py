"""Time one school's attendance import and the refresh of only the pupils it touched (issue 18
item 3; decision 0048), with national data loaded.

    .venv/bin/python benchmarks/refresh_touched.py --database-url postgresql://postgres@127.0.0.1:5432/DB

The database must already hold a seeded national preset (``pumpurs seed --preset national
[--pupils N]``, then ``VACUUM ANALYZE``); the script writes into it (one school's corrected days,
snapshots and flags), so use a benchmark copy. In this process it:

1. refreshes the whole semester once (untimed: the mark the partial refreshes start from);
2. picks the school whose pupil count in the semester is nearest ``--school-pupils`` (1 000);
3. three times: writes a file correcting the ``late`` count of that school's pupils on three
   school days before the last day with facts (a different value each run, so every run changes
   facts), imports it for that school through the real import services, and times the import and
   the refresh that follows it (``indicators_refresh(touched=…)`` as ``imports.facts`` calls it);
4. prints min and median, the planner settings of the session and the machine's load.

The refresh's session is given the planner settings documented for deployments
(``docs/deployment.md``): ``random_page_cost`` 1.1 and ``effective_cache_size`` (``--cache``,
default 4GB). ``--default-planner`` keeps the server's own (PostgreSQL's defaults: 4 and 4GB) to
show what they change. A refresh that was not partial (the window moved, another input came in)
is reported as such, never silently timed as one.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--school-pupils", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", default="4GB", help="effective_cache_size for the session")
    parser.add_argument("--default-planner", action="store_true", help="keep the server's planner settings")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="the refresh's day (default: today)")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="pumpurs.settings")

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from pumpurs.imports.facts import touched_by
    from pumpurs.imports.services import import_batch_create, import_batch_run, import_operator
    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import Enrolment, Institution, Pupil
    from pumpurs.risk.indicators import indicators_refresh

    today = args.today or timezone.localdate()
    period = semester_on(today)
    assert period is not None, f"no semester on {today}"
    with connection.cursor() as cursor:
        if not args.default_planner:
            # Session-wide: the import's and the refresh's transactions both run in it.
            cursor.execute("SET random_page_cost = 1.1")
            cursor.execute("SELECT set_config('effective_cache_size', %s, false)", [args.cache])
        cursor.execute("SHOW random_page_cost")
        rpc = cursor.fetchone()[0]
        cursor.execute("SHOW effective_cache_size")
        ecs = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM journal_attendanceday")
        attendance_rows = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM journal_grade")
        grade_rows = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM audit_auditevent")
        audit_rows = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0].split(" on ")[0]

    started = time.perf_counter()
    full = indicators_refresh(today=today, period=period)
    print(f"full refresh (untimed set-up, {time.perf_counter() - started:.1f} s): {full}")

    in_semester = Enrolment.objects.filter(starts_on__lte=full.period_to).exclude(ends_on__lt=period.starts_on)
    sizes = dict(
        in_semester.values("institution_id")
        .annotate(n=Count("pupil", distinct=True))
        .values_list("institution_id", "n")
    )
    school_id = min(sizes, key=lambda pk: (abs(sizes[pk] - args.school_pupils), pk))
    school = Institution.objects.get(pk=school_id)
    ids = in_semester.filter(institution=school, ends_on__isnull=True).values_list("pupil_id", flat=True)
    pupils = [pupil.personal_code for pupil in Pupil.objects.filter(pk__in=list(ids))]
    last = full.four_weeks_to
    assert last is not None
    days = [last - dt.timedelta(days=d) for d in range(3, 12) if (last - dt.timedelta(days=d)).weekday() < 5][:3]

    imports: list[float] = []
    refreshes: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="touch-bench-") as tmp:
            path = Path(tmp) / "fix.csv"
            with path.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(
                    ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]
                )
                for code in pupils:
                    for day in days:
                        writer.writerow([code, day.isoformat(), 6, 0, 0, 0, run % 3])
            actor = import_operator(institution=school)
            t0 = time.perf_counter()
            batch = import_batch_create(
                actor=actor, kind="attendance", path=path, filename=path.name, institution=school, dry_run=False
            )
            result = import_batch_run(batch, actor=actor, today=today)
            imports.append(time.perf_counter() - t0)
            assert result.status == "applied", result.error_dicts(limit=3)
            t0 = time.perf_counter()
            done = indicators_refresh(today=today, period=period, touched=touched_by([batch.pk]))
            refreshes.append(time.perf_counter() - t0)
            print(
                f"run {run + 1}: import {imports[-1]:.2f} s ({result.rows} rows: {result.updated} changed); "
                f"refresh {refreshes[-1]:.2f} s — {done}"
            )
            if done.pupils_recomputed is None:
                print("  (not partial: the whole semester was refreshed)")

    t0 = time.perf_counter()
    idle = indicators_refresh(today=today, period=period, skip_unchanged=True)
    print(f"then an idle refresh (skip_unchanged): nothing to do = {idle.unchanged}, {time.perf_counter() - t0:.3f} s")
    load = os.getloadavg()
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; {server}; load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        f"data: {full.pupils} pupils in the semester, {attendance_rows:,} attendance rows, {grade_rows:,} grades, {audit_rows:,} audit events"
    )
    print(f"planner: random_page_cost {rpc}, effective_cache_size {ecs}")
    print(f"school: {school.name} ({sizes[school_id]} pupils this semester; file {len(pupils) * len(days)} rows)")
    print(f"import:  min {min(imports):.2f} s, median {statistics.median(imports):.2f} s")
    print(f"refresh: min {min(refreshes):.2f} s, median {statistics.median(refreshes):.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()
