"""The measure-effect page on national data (issue 15, decision 0031), on PostgreSQL.

    .venv/bin/python benchmarks/effects.py              # 250 000 pupils, 25 000 supported
    .venv/bin/python benchmarks/effects.py --pupils 50000 --reuse

Steps: (re)create ``pumpurs_bench_effects`` through ``--admin-url`` (trust auth), migrate, seed the
national preset's people (``--pupils``, no facts), then write with a handful of set-based SQL
statements: attendance days for every pupil in the semester's first and last four weeks (four
days in each, 2 000 000 rows for 250 000 pupils), a flag in the first weeks for one pupil in ten,
and for one pupil in ten an open case, an active plan finally approved (its transition row), two
lines (psychologist hours at an example rate, transport at an entered cost), their commitments and
six deliveries of each line in the semester. Then, in this process, as the national programme
(the whole country) and as the coordinator of the municipality with the most schools:

* the page ``/monitoring/effects/`` (the whole request through Django's test client, template
  included), ``--requests`` times after ``--warmup``: p50 and p95;
* its parts once each: the cohort statement, the (pupil, measure) pairs, the estimation of every
  measure on the arrays, and the costs.

Bare operation for scale: ``SELECT count(*)`` of the semester's attendance days joined to the
enrolments, timed the same way.
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
DB_NAME = os.environ.get("PUMPURS_BENCH_DB", "pumpurs_bench_effects")  # another name: PUMPURS_BENCH_DB
TODAY = "2026-11-30"

WORLD_SQL = [
    # Attendance: four days in the first four weeks, four in the last four, ten lessons each; the
    # unjustified ones vary with the pupil (and fall by one lesson a day for the supported).
    """
    INSERT INTO journal_attendanceday (pupil_id, date, lessons, unjustified, illness, other_justified, late)
    SELECT e.pupil_id, d.day, 10,
           CASE WHEN d.late AND e.pupil_id %% 10 = 0 THEN GREATEST((e.pupil_id / 10) %% 4 - 1, 0)
                ELSE (e.pupil_id / 10) %% 4 END,
           0, 0, 0
    FROM people_enrolment e
    CROSS JOIN (VALUES (DATE '2026-09-02', false), (DATE '2026-09-09', false), (DATE '2026-09-16', false),
                       (DATE '2026-09-23', false), (DATE '2026-11-05', true), (DATE '2026-11-12', true),
                       (DATE '2026-11-19', true), (DATE '2026-11-26', true)) AS d(day, late)
    WHERE e.ends_on IS NULL
    """,
    # A flag in the first weeks for one pupil in ten (half of them supported).
    """
    INSERT INTO risk_flag (public_id, pupil_id, period_id, rule, rule_version, status, value, threshold, evidence,
                           raised_at, last_seen_at, condition_holds)
    SELECT gen_random_uuid(), e.pupil_id, %(period)s, 'unjustified_absences', 'bench', 'open', 25, 20, '{}',
           TIMESTAMP '2026-09-20 05:30', TIMESTAMP '2026-09-20 05:30', true
    FROM people_enrolment e WHERE e.ends_on IS NULL AND e.pupil_id %% 10 IN (0, 5)
    """,
    # One pupil in ten supported: an open case at their school, an active plan finally approved.
    """
    INSERT INTO support_case (public_id, pupil_id, institution_id, origin, reason, status, opened_by_id, opened_at,
                              close_reason)
    SELECT gen_random_uuid(), e.pupil_id, e.institution_id, 'manual', 'bench', 'open', %(user)s, now(), ''
    FROM people_enrolment e WHERE e.ends_on IS NULL AND e.pupil_id %% 10 = 0
    """,
    """
    INSERT INTO support_plan (public_id, case_id, period_id, status, chain, contact_person, prepared_by_id, version,
                              created_at, updated_at)
    SELECT gen_random_uuid(), cs.id, %(period)s, 'active', 'director,municipality,national', '', %(user)s, 1, now(),
           now()
    FROM support_case cs
    """,
    """
    INSERT INTO support_plantransition (plan_id, action, step, from_status, to_status, comment, actor_id, at)
    SELECT p.id, 'approved', 'national', 'municipality_approved', 'approved', '', %(user)s, TIMESTAMP '2026-09-10 10:00'
    FROM support_plan p
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
    INSERT INTO finance_commitment (line_id, plan_id, institution_id, school_year_id, rate_id, unit_cents,
                                    amount_cents, committed_at, measure_code, delivered_cents)
    SELECT pm.id, p.id, cs.institution_id, %(year)s,
           CASE WHEN pm.measure_id = %(psych)s THEN %(rate)s END,
           CASE WHEN pm.measure_id = %(psych)s THEN 2500 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 25000 ELSE 6000 END, now(),
           CASE WHEN pm.measure_id = %(psych)s THEN 'consult-psychologist' ELSE 'transport' END, 0
    FROM support_planmeasure pm JOIN support_plan p ON p.id = pm.plan_id JOIN support_case cs ON cs.id = p.case_id
    """,
    """
    INSERT INTO support_delivery (public_id, line_id, delivered_on, quantity, amount, minutes, mode, topic,
                                  evidence, recorded_by_id, recorded_at, void_reason)
    SELECT gen_random_uuid(), pm.id, DATE '2026-09-28' + CAST(g * 7 + pm.id %% 3 AS integer),
           CASE WHEN pm.measure_id = %(psych)s THEN 0.75 ELSE 2 END,
           CASE WHEN pm.measure_id = %(psych)s THEN NULL ELSE 3.00 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 45 END,
           CASE WHEN pm.measure_id = %(psych)s THEN 'in_person' ELSE '' END, '', '', %(user)s, now(), ''
    FROM support_planmeasure pm CROSS JOIN generate_series(0, 5) AS g
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
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and args.reuse:
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    started = time.perf_counter()
    run([*PUMPURS, "migrate", "--verbosity", "0"], env)
    run(
        [*PUMPURS, "seed", "--preset", "national", "--pupils", str(args.pupils), "--seed", "1", "--today", TODAY,
         "--no-facts"],
        env,
    )  # fmt: skip
    print(f"migrated and seeded {args.pupils} pupils in {time.perf_counter() - started:.0f} s")
    return True


def world() -> None:
    import datetime as dt

    from django.db import connection, transaction

    from pumpurs.finance.models import Rate
    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import User
    from pumpurs.support.models import Measure

    period = semester_on(dt.date.fromisoformat(TODAY))
    assert period is not None
    user = User.objects.order_by("pk").first()
    assert user is not None
    psych = Measure.objects.filter(code="consult-psychologist").order_by("-valid_from").first()
    transport = Measure.objects.filter(code="transport").order_by("-valid_from").first()
    assert psych is not None
    assert transport is not None
    started = time.perf_counter()
    with transaction.atomic():
        rate = Rate.objects.filter(measure_code="consult-psychologist", municipality__isnull=True).first()
        if rate is None:
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
            counts = {}
            for table in ("people_pupil", "journal_attendanceday", "risk_flag", "support_plan", "support_delivery"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"world written in {time.perf_counter() - started:.1f} s: {counts}")


def timed(label: str, call: object) -> object:
    started = time.perf_counter()
    result = call()  # type: ignore[operator]
    print(f"  {label}: {time.perf_counter() - started:.2f} s")
    return result


def page(client: object, url: str, args: argparse.Namespace) -> tuple[float, float]:
    for _i in range(args.warmup):
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    samples = []
    for _i in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def readers() -> list[tuple[str, object]]:
    """The national programme, and the coordinator of the municipality with the most schools."""
    from django.db.models import Count

    from pumpurs.people.models import Municipality, Role, RoleGrant, User

    national = RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).first()
    reader = national.user if national else User.objects.create(username="bench.national")
    if national is None:
        RoleGrant.objects.create(user=reader, role=Role.NATIONAL_PROGRAMME)
    municipality = Municipality.objects.annotate(n=Count("institutions")).order_by("-n").first()
    assert municipality is not None
    grant = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality).first()
    coordinator = grant.user if grant else User.objects.create(username="bench.municipality")
    if grant is None:
        RoleGrant.objects.create(user=coordinator, role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality)
    return [("the whole country", reader), (f"{municipality.name} ({municipality.n} schools)", coordinator)]  # type: ignore[attr-defined]


def pages(label: str, args: argparse.Namespace, requests: int, warmup: int) -> None:
    from django.test import Client

    for scope, user in readers():
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)  # type: ignore[arg-type]
        p50, p95 = page(client, "/monitoring/effects/", argparse.Namespace(requests=requests, warmup=warmup))
        print(f"effect page {label}, {scope}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {requests} requests")


def measure(args: argparse.Namespace) -> None:
    import datetime as dt

    import time_machine
    from django.db import connection

    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import Institution
    from pumpurs.reporting import definitions
    from pumpurs.reporting.costs import measure_costs
    from pumpurs.reporting.effects import cohort, measure_effects, minimum_pupils
    from pumpurs.reporting.effects_refresh import aggregated_effects, effects_refresh
    from pumpurs.reporting.models import CostCell, EffectCell

    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), tick=True):
        today = dt.date.fromisoformat(TODAY)
        period = semester_on(today)
        assert period is not None
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "SELECT count(*) FROM journal_attendanceday d JOIN people_enrolment e ON e.pupil_id = d.pupil_id "
                "WHERE d.date BETWEEN %s AND %s AND e.ends_on IS NULL",
                [period.starts_on, today],
            )
            cursor.fetchone()
            bare = time.perf_counter() - started
        print(f"bare count of the semester's attendance days joined to the enrolments: {bare:.2f} s")
        EffectCell.objects.all().delete()  # the live path first: nothing pre-aggregated
        CostCell.objects.all().delete()

        print("the parts, national, once each:")
        found = timed("cohort (strata, attendance change, outcome) and pairs received", lambda: cohort(
            period, municipality_ids=None, today=today))  # fmt: skip
        print(f"    {len(found.pupil_ids)} pupils, {sum(len(v) for v in found.received.values())} pairs")  # type: ignore[attr-defined]
        live = timed("cohort + estimation of every measure", lambda: measure_effects(
            period, municipality_ids=None, today=today))  # fmt: skip
        for m in live.measures:  # type: ignore[attr-defined]
            a = m.attendance
            print(f"    {m.code}: {a.effect:+.2f} pp [{a.low:+.2f}, {a.high:+.2f}], n {a.treated} / {a.compared}")
        timed("costs", lambda: measure_costs(period.starts_on, period.ends_on, municipality_ids=None, total_label=""))
        deliveries = definitions.deliveries_in(Institution.objects.all(), period.starts_on, period.ends_on)
        timed("definitions.deliveries_in, counted per school", lambda: definitions.count_by_institution(deliveries))
        if args.live_requests:
            pages("counted live", args, args.live_requests, 0)

        timed("effects_refresh (every semester of this and last year, costs per window)", lambda: effects_refresh(
            today=today))  # fmt: skip
        print(f"    {EffectCell.objects.count()} effect cells, {CostCell.objects.count()} cost cells")
        aggregated = aggregated_effects(period, municipality_ids=None, minimum=minimum_pupils())
        assert aggregated is not None
        worst = 0.0
        for a, b in zip(live.measures, aggregated.measures, strict=True):  # type: ignore[attr-defined]
            for x, y in ((a.attendance, b.attendance), (a.left, b.left)):
                if x is not None and x.enough:
                    assert y is not None
                    assert (x.treated, x.compared) == (y.treated, y.compared)
                    worst = max(worst, abs(x.effect - y.effect), abs(x.low - y.low), abs(x.high - y.high))  # type: ignore[operator]
        print(f"    largest difference, live vs pre-aggregated estimate: {worst:.2e}")
        pages("from the pre-aggregate", args, args.requests, args.warmup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--live-requests", type=int, default=3, help="requests of the page counted live (0: skip)")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    env = {**os.environ, "DATABASE_URL": url, "PUMPURS_DATA_DIR": str(ROOT / "var" / "bench-effects")}
    fresh = prepare(args, env)
    # Through the test client as a signed-in reader: plain HTTP, no second factor (force_login).
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

    if not fresh:
        run([*PUMPURS, "migrate", "--verbosity", "0"], env)  # a reused database gets this tree's tables
    if fresh or not Plan.objects.exists():
        world()
    measure(args)


if __name__ == "__main__":
    main()
