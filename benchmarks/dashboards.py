"""The dashboards with national data (issue 15): the pre-aggregate's refresh, and the national and
municipality pages, on PostgreSQL. Target: national pages p95 < 300 ms.

    .venv/bin/python benchmarks/dashboards.py                  # 250 000 pupils, a semester of facts, 25 000 plans
    .venv/bin/python benchmarks/dashboards.py --reuse          # on the database of the last run
    .venv/bin/python benchmarks/dashboards.py --pupils 50000   # smaller

Steps: (re)create ``pumpurs_bench_dash`` through ``--admin-url`` (trust auth), migrate, seed the
national preset with its facts (``--pupils``; ``--today`` 30.11.2026, so a semester of attendance,
grades and incidents), ``pumpurs indicators refresh`` (snapshots and flags). Then, once, with a few
set-based statements (as ``benchmarks/finance.py``): every tenth pupil enrolled today gets an open
case and a plan for the current semester with its history — submitted, approved by the director,
the municipality and the national team on later days, activated — two lines, six consultations
and six transport compensations in November, and each school a budget. About 25 000 plans for
250 000 pupils.

Measured, in this process (Django set up on the benchmark database):

* ``dashboards_refresh`` as it runs (decision 0039): a full rebuild (``--refresh-runs`` times), again
  on the same day, on each of the three following days, and after a correction of one school's
  attendance three weeks back — with the bare ``GROUP BY`` it cannot beat (the deliveries summed
  per school, and the attendance days counted per week) timed beside it;
* the national dashboard, the dashboard of the municipality with the most schools and the outcomes
  page (decision 0056; alone with its refresh and its live count: ``--outcomes-only``), through
  Django's test client (whole request, template included) as the national team's user, ``--requests``
  times each after ``--warmup``: p50 and p95, three rounds (min and median of the p95s) — once as
  served (the rendered body kept since the refresh) and once with the cache cleared before every
  request (rendered from the pre-aggregate each time: the first reader after a refresh).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from page_timing import kept_and_cleared

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = "pumpurs_bench_dash"
TODAY = "2026-11-30"

PLANS_SQL = [
    # An open case for every tenth pupil enrolled today, at their school.
    """
    INSERT INTO support_case (public_id, pupil_id, institution_id, origin, reason, status, opened_by_id, opened_at,
                              close_reason)
    SELECT gen_random_uuid(), e.pupil_id, e.institution_id, 'manual', 'bench', 'open', %(user)s,
           TIMESTAMPTZ '2026-09-07 09:00+00', ''
    FROM people_enrolment e
    WHERE e.ends_on IS NULL AND e.pupil_id %% 10 = 0
    """,
    """
    INSERT INTO support_plan (public_id, case_id, period_id, status, chain, contact_person, prepared_by_id, version,
                              created_at, updated_at)
    SELECT gen_random_uuid(), cs.id, %(period)s, 'active', 'director,municipality,national', '', %(user)s, 1,
           cs.opened_at, cs.opened_at
    FROM support_case cs
    """,
    # The plan's history: submitted, three approvals a few days apart (varying by plan), activated.
    """
    INSERT INTO support_plantransition (plan_id, action, step, from_status, to_status, comment, actor_id, at)
    SELECT p.id, t.action, t.step, t.from_status, t.to_status, '', %(user)s,
           TIMESTAMPTZ '2026-09-10 09:00+00' + (t.n * (1 + p.id %% 4)) * INTERVAL '1 day'
    FROM support_plan p
    CROSS JOIN (VALUES
        (0, 'submitted', '', 'draft', 'submitted'),
        (1, 'approved', 'director', 'submitted', 'director_approved'),
        (2, 'approved', 'municipality', 'director_approved', 'municipality_approved'),
        (3, 'approved', 'national', 'municipality_approved', 'approved'),
        (4, 'activated', '', 'approved', 'active')
    ) AS t(n, action, step, from_status, to_status)
    """,
    """
    INSERT INTO support_planmeasure (public_id, plan_id, measure_id, provider_name, planned_quantity, planned_cost,
                                     note, usefulness)
    SELECT gen_random_uuid(), p.id, m.id, '', q.qty, q.cost, '', ''
    FROM support_plan p
    CROSS JOIN (VALUES (%(psych)s, 10.00, NULL::numeric), (%(transport)s, 40.00, 60.00)) AS q(measure, qty, cost)
    JOIN support_measure m ON m.id = q.measure
    """,
    """
    INSERT INTO support_delivery (public_id, line_id, delivered_on, quantity, amount, minutes, mode, topic,
                                  evidence, recorded_by_id, recorded_at, void_reason)
    SELECT gen_random_uuid(), pm.id, DATE '2026-11-02' + CAST(g * 3 + pm.id %% 3 AS integer),
           CASE WHEN pm.measure_id = %(psych)s THEN 0.75 ELSE 2 END,
           CASE WHEN pm.measure_id = %(psych)s THEN NULL ELSE 3.00 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 45 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 'in_person' ELSE '' END, '', '', %(user)s, now(), ''
    FROM support_planmeasure pm CROSS JOIN generate_series(0, 5) AS g
    """,
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

FLOORS = {
    "deliveries per school (GROUP BY)": """
        SELECT c.institution_id, count(*), sum(d.quantity) FROM support_delivery d
        JOIN support_planmeasure pm ON pm.id = d.line_id JOIN support_plan p ON p.id = pm.plan_id
        JOIN support_case c ON c.id = p.case_id GROUP BY c.institution_id
    """,
    "attendance days per week (GROUP BY)": """
        SELECT date_trunc('week', date), sum(lessons), sum(unjustified) FROM journal_attendanceday
        WHERE date >= DATE '2026-09-07' GROUP BY 1
    """,
}


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def prepare(args: argparse.Namespace, env: dict[str, str]) -> bool:
    """Create, seed and refresh the database; False when --reuse found it."""
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name]).fetchone()
        if exists and args.reuse:
            run([*PUMPURS, "migrate", "--verbosity", "0"], env)  # a reused database gets this tree's tables
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
        conn.execute(f"CREATE DATABASE {args.db_name}")
    started = time.perf_counter()
    run([*PUMPURS, "migrate", "--verbosity", "0"], env)
    seed = [*PUMPURS, "seed", "--preset", "national", "--pupils", str(args.pupils), "--seed", "1", "--today", TODAY]
    run(seed, env)
    print(f"migrated and seeded {args.pupils} pupils with their facts in {time.perf_counter() - started:.0f} s")
    return True


def plans_world() -> None:
    import datetime as dt

    from django.db import connection, transaction

    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import User
    from pumpurs.support.models import Measure

    period = semester_on(dt.date.fromisoformat(TODAY))
    assert period is not None
    user = User.objects.order_by("pk").first()
    psych = Measure.objects.filter(code="consult-psychologist").order_by("-valid_from").first()
    transport = Measure.objects.filter(code="transport").order_by("-valid_from").first()
    assert user is not None
    assert psych is not None
    assert transport is not None
    params = {
        "user": user.pk, "period": period.pk, "year": period.school_year_id, "psych": psych.pk,
        "transport": transport.pk,
    }  # fmt: skip
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in PLANS_SQL:
            cursor.execute(sql, params)
        cursor.execute("ANALYZE")
        cursor.execute("SELECT (SELECT count(*) FROM support_plan), (SELECT count(*) FROM support_delivery)")
        plans, deliveries = cursor.fetchone()
    print(f"plans written in {time.perf_counter() - started:.1f} s: {plans} plans, {deliveries} deliveries")


def history_years() -> None:
    """The two past school years with their outcomes (``reporting.seeding.history_seed``), after the
    current semester's plans so that those statements see only this year's cases."""
    import datetime as dt

    from django.db import connection, transaction

    from pumpurs.reporting.seeding import history_seed

    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        counts = history_seed(seed=1, today=dt.date.fromisoformat(TODAY))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"past school years in {time.perf_counter() - started:.0f} s (own CPU {time.process_time() - cpu:.0f} s, "
        f"load {os.getloadavg()[0]:.1f}): {counts}"
    )


def timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def summary(values: list[float]) -> str:
    return f"min {min(values):.2f} s, median {statistics.median(values):.2f} s"


def refresh_cases(today: object, runs: int) -> None:
    """The refresh as it runs (decision 0039): (a) a full rebuild, as the first refresh after an
    upgrade; (b) again on the same day, nothing changed; (c) on each following day (the current
    week and semester end a day later); (d) after a correction of one school's attendance on a day
    three weeks back (that week and its semester are recomputed)."""
    import datetime as dt

    from django.db import connection

    from pumpurs.people.models import Institution
    from pumpurs.reporting.refresh import Refreshed, dashboards_update

    assert isinstance(today, dt.date)
    shown: list[Refreshed] = []

    def run(day: dt.date, *, full: bool = False) -> None:
        shown.append(dashboards_update(today=day, full=full))

    def report(label: str, times: list[float]) -> None:
        last = shown[-1]
        print(
            f"dashboards_refresh, {label}: {summary(times)}; windows recomputed {last.recomputed} of "
            f"{last.windows}, cells written {last.written}"
        )

    report("(a) full rebuild", [timed(lambda: run(today, full=True)) for _ in range(runs)])
    report("(b) again, nothing changed", [timed(lambda: run(today)) for _ in range(3)])
    days = [today + dt.timedelta(days=n) for n in (1, 2, 3)]
    report("(c) the next day, each of three days", [timed(lambda day=day: run(day)) for day in days])
    school = Institution.objects.order_by("pk").values_list("pk", flat=True).first()
    corrected = today - dt.timedelta(weeks=3)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE journal_attendanceday a SET unjustified = LEAST(a.lessons - a.illness - a.other_justified,
                                                                  a.unjustified + 1)
            FROM people_enrolment e
            WHERE e.pupil_id = a.pupil_id AND e.institution_id = %s AND e.ends_on IS NULL AND a.date = %s
            """,
            [school, corrected],
        )
    report(f"(d) after a correction of {corrected}", [timed(lambda: run(days[-1]))])


def measure(args: argparse.Namespace) -> None:
    import datetime as dt

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from pumpurs.people.models import Municipality, User
    from pumpurs.reporting.models import DashboardCell

    today = dt.date.fromisoformat(TODAY)
    if args.pages_only:
        print("no refresh and no floors (--pages-only): the pages as the database's last refresh left them")
    elif args.refresh_runs:
        refresh_cases(today, args.refresh_runs)
    else:
        from pumpurs.reporting.refresh import dashboards_update

        print(f"dashboards_refresh once (not timed in cases): {dashboards_update(today=today, full=True)}")
    print(f"({DashboardCell.objects.count()} cells)")
    if not args.pages_only:
        with connection.cursor() as cursor:
            for name, sql in FLOORS.items():
                floors = [timed(lambda sql=sql: cursor.execute(sql)) for _ in range(3)]
                print(f"  floor, {name}: {summary(floors)}")

    national = User.objects.filter(role_grants__role="national_programme").order_by("pk").first()
    assert national is not None, "the national preset has a national programme user"
    biggest = Municipality.objects.annotate(n=Count("institutions")).order_by("-n").first()
    assert biggest is not None
    client = Client(SERVER_NAME="localhost")
    client.force_login(national)
    pages: tuple[tuple[str, str], ...] = (
        ("national dashboard", reverse("reporting:national")),
        (f"municipality dashboard ({biggest.name}, {biggest.n} schools)", reverse("reporting:municipality", args=[biggest.public_id])),  # type: ignore[attr-defined]
        ("outcomes page (from its cells, decision 0056)", reverse("reporting:outcomes")),
    )  # fmt: skip
    if args.monitoring_pages:
        # The national monitoring pages beside the dashboards (issue 15); the outcomes page is always in.
        pages += tuple(
            (f"/monitoring/{name}/", reverse(f"reporting:{name}")) for name in ("rules", "effects", "indicators")
        )
    for label, url in pages:
        kept_and_cleared(label, client, [url], rounds=3, requests=args.requests, warmup=args.warmup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--db-name", default=DB_NAME)
    parser.add_argument("--refresh-runs", type=int, default=3)
    parser.add_argument("--prepare-only", action="store_true", help="seed and refresh, measure nothing")
    parser.add_argument("--history", action="store_true", help="also the two past school years (history_seed)")
    parser.add_argument(
        "--outcomes-only",
        action="store_true",
        help="only /monitoring/outcomes/: its cells' refresh, the page from them and counted live (benchmarks/outcomes.py)",
    )
    parser.add_argument(
        "--outcomes-day",
        help="with --outcomes-only: refresh and read on this day (the clock moved there), e.g. 2027-12-01, when "
        "the semester's flags and plans have their one-year and year-end outcomes due",
    )
    parser.add_argument(
        "--monitoring-pages", action="store_true", help="also /monitoring/rules/, /effects/ and /indicators/"
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="with --reuse: no refresh and no floors first, only the pages"
    )
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{args.db_name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUMPURS_DATA_DIR": str(ROOT / "var" / "bench-dash"),
        # a semester of 250 000 pupils' attendance is more rows than one import file may hold
        "PUMPURS_IMPORT_MAX_ROWS": "100000000",
    }
    prepare(args, env)
    # In-process requests through Django's test client: plain HTTP, no second factor for the national user.
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
    from pumpurs.risk.models import Flag
    from pumpurs.support.models import Plan

    if not Flag.objects.exists():
        started = time.perf_counter()
        run([*PUMPURS, "indicators", "refresh", "--today", TODAY], env)
        print(f"indicators refresh took {time.perf_counter() - started:.0f} s")
    if not Plan.objects.exists():
        plans_world()
    if args.history and not Plan.objects.filter(period__ends_on__lt=TODAY).exists():
        history_years()
    if args.outcomes_only:
        import datetime as dt

        sys.path.insert(0, str(ROOT / "benchmarks"))
        from outcomes import outcomes_page

        if args.outcomes_day:
            import time_machine  # a test tool (requirements-dev.lock), as the benchmarks' other clocks

            day = dt.date.fromisoformat(args.outcomes_day)
            with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), tick=True):
                outcomes_page(3, args.requests, day)
        else:
            outcomes_page(3, args.requests, dt.date.fromisoformat(TODAY))
    elif not args.prepare_only:
        measure(args)


if __name__ == "__main__":
    main()
