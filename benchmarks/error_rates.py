"""The error-rate record's statement (``rule_quality.population_groups``) on a seeded database with
past school years (issue 15, decision 0057), on PostgreSQL.

    .venv/bin/python benchmarks/error_rates.py --db-name pumpurs_bench_errr_50            # time it
    .venv/bin/python benchmarks/error_rates.py --db-name pumpurs_bench_errr_50 --explain  # and its plan
    .venv/bin/python benchmarks/error_rates.py --db-name pumpurs_bench_errr_250 --add-history

The database must exist (``benchmarks/outcomes.py --reuse`` or ``benchmarks/dashboards.py`` seed
one). ``--add-history`` first adds the two past school years to a database that has none
(``reporting.seeding.history_seed``, as ``benchmarks/dashboards.py --history`` does), timing the
whole seed and, inside it, the error-rate record. Then, ``--repeat`` times each: the groups of one
past semester (the statement the record runs per semester) beside the bare ``GROUP BY pupil_id``
over all enrolments (the floor any per-pupil outcome has to read), and once the whole record
(``error_rates_record_in_transaction`` with the records deleted, rolled back). ``--explain`` prints
``EXPLAIN (ANALYZE, BUFFERS)`` of the semester's statement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 30)  # benchmarks/dashboards.py's day; outcomes.py's 12.11. has the same semesters due


def load() -> str:
    return "load " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(label: str, repeat: int, fn: Any, floor: float | None = None) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    ratio = f" ({median / floor:.1f}× the floor)" if floor else ""
    print(f"{label:<44} min {min(runs) * 1000:8.0f} ms  median {median * 1000:8.0f} ms{ratio}  {load()}", flush=True)
    return median


def module_at(commit: str) -> Any:
    """``pumpurs.reporting.rule_quality`` as ``commit`` wrote it, loaded beside the current one."""
    import importlib.util
    import subprocess
    import tempfile

    source = subprocess.run(
        ["git", "show", f"{commit}:pumpurs/reporting/rule_quality.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "rule_quality_then.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("rule_quality_then", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rule_quality_then"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def explain_wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Prints the plan of the groups' statement (``EXPLAIN ANALYZE`` runs it), then runs it."""
    if "judged AS MATERIALIZED" in sql:
        cursor = context["cursor"]
        started = time.perf_counter()
        execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
        print("\n".join(row[0] for row in cursor.fetchall()), flush=True)
        print(f"(explained in {time.perf_counter() - started:.1f} s; {load()})", flush=True)
    return execute(sql, params, many, context)


def add_history(today: dt.date) -> None:
    from django.db import connection, transaction

    import pumpurs.reporting.seeding as seeding

    record = seeding.error_rates_record_in_transaction
    spent = []

    def timed_record(**kwargs: Any) -> int:
        started = time.perf_counter()
        done = record(**kwargs)
        spent.append(time.perf_counter() - started)
        return done

    seeding.error_rates_record_in_transaction = timed_record  # type: ignore[assignment]
    started, cpu = time.perf_counter(), time.process_time()
    print(f"history seed starts ({load()})", flush=True)
    with transaction.atomic():
        counts = seeding.history_seed(seed=1, today=today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"past school years in {time.perf_counter() - started:.0f} s (own CPU {time.process_time() - cpu:.0f} s), "
        f"of which the error-rate record {sum(spent):.1f} s; {load()}: {counts}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-name", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--today", default=TODAY.isoformat())
    parser.add_argument("--add-history", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="skip the whole record (rolled back)")
    parser.add_argument("--record-as", metavar="COMMIT", help="--add-history's record with COMMIT's statement")
    parser.add_argument("--timeout", type=int, default=600, help="seconds the --against statement may run")
    parser.add_argument(
        "--against", metavar="COMMIT", help="also time population_groups as COMMIT wrote it (git show), same run"
    )
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    os.environ["DATABASE_URL"] = args.admin_url.rsplit("/", 1)[0] + f"/{args.db_name}"
    os.environ.setdefault("PUMPURS_DATA_DIR", str(ROOT / "var" / "bench-errr"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import OperationalError, connection, transaction

    from pumpurs.people.models import Period
    from pumpurs.reporting.error_rates import error_rates_record_in_transaction, semester_horizon
    from pumpurs.reporting.models import ErrorRateRecord
    from pumpurs.reporting.rule_quality import population_groups
    from pumpurs.support.models import Plan

    if args.add_history:
        if Plan.objects.filter(period__ends_on__lt=today).exists():
            print("the database has past plans already: no history added")
        elif args.record_as:  # the record inside the seed with the statement as that commit wrote it
            from pumpurs.reporting import error_rates

            error_rates.population_groups = module_at(args.record_as).population_groups  # type: ignore[attr-defined]
            add_history(today)
            error_rates.population_groups = population_groups  # type: ignore[attr-defined]
        elif args.explain:  # the plans the record gets inside the seed's transaction
            with connection.execute_wrapper(explain_wrapper):
                add_history(today)
        else:
            add_history(today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT pupil_id) FROM people_enrolment")
        enrolments, pupils = cursor.fetchone()
    print(f"{args.db_name}: {enrolments} enrolments of {pupils} pupils; {ErrorRateRecord.objects.count()} records")

    period = Period.objects.filter(school_year__name="2024/25", number=1).get()
    horizon = semester_horizon(period)
    groups = lambda: population_groups(start=period.starts_on, end=period.ends_on, horizon=horizon)  # noqa: E731

    if args.explain:
        with connection.execute_wrapper(explain_wrapper):
            groups()

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pupil_id, MAX(starts_on) FROM people_enrolment GROUP BY pupil_id")
            cursor.fetchall()

    floor = timed("floor: GROUP BY pupil_id over enrolments", args.repeat, bare)
    found = []
    timed(f"groups of {period} (horizon {horizon})", args.repeat, lambda: found.append(groups()), floor)
    print(f"    {len(found[-1])} groups, {sum(g.pupils for g in found[-1])} pupils")
    if args.against:
        old = module_at(args.against)
        before: list[Any] = []

        def then() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = '{int(args.timeout)}s'")
                before.append(old.population_groups(start=period.starts_on, end=period.ends_on, horizon=horizon))

        try:
            timed(f"the same as {args.against[:10]} wrote it", args.repeat, then, floor)
            print(f"    same groups: {sorted(map(repr, before[-1])) == sorted(map(repr, found[-1]))}")
        except OperationalError as error:
            print(f"    {args.against[:10]}'s statement stopped after {args.timeout} s: {error}".strip())
    if not args.no_record:
        with transaction.atomic():
            ErrorRateRecord.objects.all().delete()
            started = time.perf_counter()
            done = error_rates_record_in_transaction(today=today)
            spent = time.perf_counter() - started
            rows = ErrorRateRecord.objects.count()
            transaction.set_rollback(True)
        print(f"whole error-rate record: {done} semesters, {rows} rows in {spent:.1f} s (rolled back); {load()}")


if __name__ == "__main__":
    main()
