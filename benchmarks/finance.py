"""The national month of money (issue 14): assemble every school's monthly expense report, and
serve a municipality's budget page, on PostgreSQL.

    .venv/bin/python benchmarks/finance.py              # 600+ schools, 25 000 active plans, 300 000 deliveries
    .venv/bin/python benchmarks/finance.py --reuse      # keep the data of the last run
    .venv/bin/python benchmarks/finance.py --db pumpurs_bench_mine   # another database (or $PUMPURS_BENCH_DB)

Steps: (re)create ``pumpurs_bench_finance`` (or ``$PUMPURS_BENCH_DB``, or ``--db``) through ``--admin-url`` (trust auth), migrate, seed the
national preset's people (``--pupils``, default 25 000, no facts), then write the money world with a
handful of set-based SQL statements: one open case and one active plan per pupil in the school's
current semester, two lines per plan (psychologist hours at an example national rate; transport at
an entered cost), a commitment per line, 12 deliveries per plan in November (300 000), one budget per
school, and the delivered-cents rollup rebuilt from them (decision 0033). Then, in this process:

* ``reports_assemble_all`` for November as the national operator (a ``SystemActor``), three times
  (the drafts are refilled each time) — target ≤ 10 s;
* the budget page (``/finance/``, the whole request through Django's test client, template included)
  as the coordinator of the municipality with the most schools, ``--requests`` times after
  ``--warmup`` — target p95 < 150 ms.

Bare operation for scale: a ``SELECT sum(amount)`` over all deliveries, timed the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = os.environ.get("PUMPURS_BENCH_DB", "pumpurs_bench_finance")
TODAY = "2026-11-30"

WORLD_SQL = [
    # One open case per pupil enrolled today, at their school.
    """
    INSERT INTO support_case (public_id, pupil_id, institution_id, origin, reason, status, opened_by_id, opened_at,
                              close_reason)
    SELECT gen_random_uuid(), e.pupil_id, c.institution_id, 'manual', 'bench', 'open', %(user)s, now(), ''
    FROM people_enrolment e JOIN people_classgroup c ON c.id = e.class_group_id
    WHERE e.ends_on IS NULL
    """,
    # One active plan per case for the current semester.
    """
    INSERT INTO support_plan (public_id, case_id, period_id, status, chain, contact_person, prepared_by_id, version,
                              created_at, updated_at)
    SELECT gen_random_uuid(), cs.id, %(period)s, 'active', 'director,municipality,national', '', %(user)s, 1, now(),
           now()
    FROM support_case cs
    """,
    # Two lines: psychologist hours (priced by the rate) and transport (an entered cost).
    """
    INSERT INTO support_planmeasure (public_id, plan_id, measure_id, provider_name, planned_quantity, planned_cost,
                                     note, usefulness)
    SELECT gen_random_uuid(), p.id, m.id, '', q.qty, q.cost, '', ''
    FROM support_plan p
    CROSS JOIN (VALUES (%(psych)s, 10.00, NULL::numeric), (%(transport)s, 40.00, 60.00)) AS q(measure, qty, cost)
    JOIN support_measure m ON m.id = q.measure
    """,
    # What the final approval would have committed.
    """
    INSERT INTO finance_commitment (line_id, plan_id, institution_id, school_year_id, rate_id, unit_cents,
                                    amount_cents, committed_at, measure_code, delivered_cents)
    SELECT pm.id, p.id, cs.institution_id, %(year)s,
           CASE WHEN pm.measure_id = %(psych)s THEN %(rate)s END,
           CASE WHEN pm.measure_id = %(psych)s THEN 2500 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 25000 ELSE 6000 END, now(),
           CASE WHEN pm.measure_id = %(psych)s THEN 'consult-psychologist' ELSE 'transport' END, 0
    FROM support_planmeasure pm JOIN support_plan p ON p.id = pm.plan_id JOIN support_case cs ON cs.id = p.case_id
    """,
    # 12 deliveries per plan in November: 6 consultations of 45 minutes, 6 transport compensations
    # (every third one without its ticket).
    """
    INSERT INTO support_delivery (public_id, line_id, delivered_on, quantity, amount, minutes, mode, topic,
                                  evidence, recorded_by_id, recorded_at, void_reason)
    SELECT gen_random_uuid(), pm.id, DATE '2026-11-02' + CAST(g * 3 + pm.id %% 3 AS integer),
           CASE WHEN pm.measure_id = %(psych)s THEN 0.75 ELSE 2 END,
           CASE WHEN pm.measure_id = %(psych)s THEN NULL ELSE 3.00 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 45 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 'in_person' ELSE '' END, '',
           CASE WHEN pm.measure_id <> %(psych)s AND g %% 3 <> 0 THEN 'deliveries/2026/11/ticket.pdf' ELSE '' END,
           %(user)s, now(), ''
    FROM support_planmeasure pm CROSS JOIN generate_series(0, 5) AS g
    """,
    # One budget per school: enough for its plans, ESF 85 %.
    """
    INSERT INTO finance_budget (public_id, school_year_id, activity, municipality_id, institution_id, amount_cents,
                                esf_cents, state_cents, set_at)
    SELECT gen_random_uuid(), %(year)s, 1, i.municipality_id, i.id, n.plans * 40000, n.plans * 34000,
           n.plans * 6000, now()
    FROM people_institution i
    JOIN (SELECT institution_id, count(*) AS plans FROM support_case GROUP BY institution_id) n
      ON n.institution_id = i.id
    """,
]


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def prepare(args: argparse.Namespace, env: dict[str, str]) -> bool:
    """Create and seed the database; False when --reuse found it."""
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if exists and args.reuse:
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {args.db}")
        conn.execute(f"CREATE DATABASE {args.db}")
    started = time.perf_counter()
    run([*PUMPURS, "migrate", "--verbosity", "0"], env)
    run(
        [*PUMPURS, "seed", "--preset", "national", "--pupils", str(args.pupils), "--seed", "1", "--today", TODAY,
         "--no-facts"],
        env,
    )  # fmt: skip
    print(f"migrated and seeded {args.pupils} pupils in {time.perf_counter() - started:.0f} s")
    return True


def money_world() -> dict[str, int]:
    import datetime as dt

    from django.db import connection, transaction

    from pumpurs.finance.delivered import delivered_rebuild
    from pumpurs.finance.models import Rate
    from pumpurs.people.actors import SystemActor
    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import User
    from pumpurs.support.models import Measure

    today = dt.date.fromisoformat(TODAY)
    period = semester_on(today)
    assert period is not None
    user = User.objects.order_by("pk").first()
    assert user is not None
    psych = Measure.objects.filter(code="consult-psychologist").order_by("-valid_from").first()
    transport = Measure.objects.filter(code="transport").order_by("-valid_from").first()
    assert psych is not None
    assert transport is not None
    started = time.perf_counter()
    with transaction.atomic():
        rate = Rate.objects.create(
            measure_code="consult-psychologist", unit_cents=2500, valid_from=period.school_year.starts_on,
            is_example=True, set_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        params = {
            "user": user.pk, "period": period.pk, "year": period.school_year_id, "psych": psych.pk,
            "transport": transport.pk, "rate": rate.pk,
        }  # fmt: skip
        with connection.cursor() as cursor:
            for sql in WORLD_SQL:
                cursor.execute(sql, params)
        # The rows above were written past the services: build the delivered-cents rollup the way an
        # operator would after such a load (decision 0033), and time it.
        rolled = time.perf_counter()
        rows = delivered_rebuild(actor=SystemActor(name="system:bench"))
        print(f"delivered-cents rollup rebuilt: {rows} rows in {time.perf_counter() - rolled:.2f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            counts = {}
            for table in ("people_institution", "support_plan", "support_delivery", "finance_budget"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
    print(f"money world written in {time.perf_counter() - started:.1f} s: {counts}")
    return counts


def measure(args: argparse.Namespace) -> None:
    import datetime as dt

    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pumpurs.finance.models import ExpenseLine, ExpenseReport
    from pumpurs.finance.reports import reports_assemble_all
    from pumpurs.people.access import Perm
    from pumpurs.people.actors import Scope, SystemActor
    from pumpurs.people.models import Institution, Municipality, Role, RoleGrant, User

    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), tick=True):
        with connection.cursor() as cursor:  # start from no report at all: run 1 assembles from scratch
            cursor.execute("TRUNCATE finance_expenseline, finance_expensereport")
        operator = SystemActor(name="system:bench", perms=frozenset({Perm.PREPARE_EXPENSES}), scope=Scope.country())
        times = []
        for _i in range(3):
            started = time.perf_counter()
            reports = reports_assemble_all(actor=operator, month=dt.date(2026, 11, 1))
            times.append(time.perf_counter() - started)
        lines = ExpenseLine.objects.count()
        print(
            f"assembled {reports} reports, {lines} lines: from scratch {times[0]:.2f} s (target ≤ 10 s), "
            f"assembled again {', '.join(f'{t:.2f}' for t in times[1:])} s"
        )
        assert ExpenseReport.objects.filter(month=dt.date(2026, 11, 1)).count() == reports
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SELECT sum(amount), count(*) FROM support_delivery")
            cursor.fetchone()
            bare = time.perf_counter() - started
        print(f"bare SELECT sum over the deliveries: {bare:.3f} s (assembly / bare = {times[0] / bare:.0f}×)")

        municipality = (
            Municipality.objects.annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("institutions"))
            .order_by("-n")
            .first()
        )
        assert municipality is not None
        grant = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality).first()
        coordinator = grant.user if grant else User.objects.create(username="bench.municipality")
        if grant is None:
            RoleGrant.objects.create(user=coordinator, role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality)
        schools = Institution.objects.filter(municipality=municipality).count()
        client = Client(SERVER_NAME="localhost")
        client.force_login(coordinator)
        for _i in range(args.warmup):
            assert client.get("/finance/").status_code == 200
        samples, cpu = [], []
        for _i in range(args.requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/finance/")
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        # Then the statements apart (decision 0043): Django's query log around a few more requests, so the
        # page's own CPU and its SQL can be judged separately from the waiting a loaded machine adds.
        sql, queries = [], 0
        for _i in range(10):
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/finance/").status_code == 200
            sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries = len(captured.captured_queries)
        samples.sort()
        p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
        print(
            f"budget page of {municipality.name} ({schools} schools): p50 {statistics.median(samples):.0f} ms, "
            f"p95 {p95:.0f} ms over {len(samples)} requests (target p95 < 150 ms); this process's own CPU per "
            f"request p50 {statistics.median(cpu):.0f} ms (the rest is the database and waiting for a core); "
            f"{queries} queries, their time p50 {statistics.median(sql):.0f} ms (min {min(sql):.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pupils", type=int, default=25_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--db", default=DB_NAME, help="the benchmark database (default: $PUMPURS_BENCH_DB or %(default)s)"
    )
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{args.db}"
    env = {**os.environ, "DATABASE_URL": url, "PUMPURS_DATA_DIR": str(ROOT / "var" / f"bench-{args.db}")}
    fresh = prepare(args, env)
    # The page is requested in-process through Django's test client: plain HTTP to "localhost".
    # The page is measured, not the sign-in: the test client's login has no second factor (decision 0026).
    os.environ.update(
        {
            "DATABASE_URL": url,
            "PUMPURS_DATA_DIR": env["PUMPURS_DATA_DIR"],
            "PUMPURS_HTTPS": "0",
            "PUMPURS_SECOND_FACTOR": "0",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from pumpurs.support.models import Plan

    if fresh or not Plan.objects.exists():
        money_world()
    measure(args)


if __name__ == "__main__":
    main()
