"""The programme indicator report (issue 15) on a national money world, on PostgreSQL.

    .venv/bin/python benchmarks/indicator_report.py            # 25 000 pupils, one active plan each
    .venv/bin/python benchmarks/indicator_report.py --reuse    # keep the data of the last run

Builds the world of ``benchmarks/finance.py`` in its own database (``pumpurs_bench_programme_indicators``):
the national preset's people (``--pupils``, no facts), one open case and one active plan per pupil
with two lines, 12 deliveries per plan in November (6 consultations, 6 transport compensations);
then adds what the indicators read and the money world leaves out: each plan's final approval
(a ``PlanTransition`` on 1.11.2026), one risk per plan (a learning risk; every third also a family
risk) and an accepted flag for every fifth pupil. Then, in this process:

* ``indicator_report`` for the national reader (every municipality and Latvia, the whole school
  year), ``--runs`` times;
* the page ``/monitoring/indicators/`` as the coordinator of the municipality with the most
  schools (the whole request through Django's test client), ``--requests`` times after ``--warmup``.

Bare operation for scale: a ``SELECT count(*), sum(minutes)`` over all deliveries, timed the same way.
No target is set by the issue for this report; the numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import finance as money  # noqa: E402  # the money world of benchmarks/finance.py, reused

DB_NAME = os.environ.get("PUMPURS_BENCH_DB", "pumpurs_bench_programme_indicators")  # another name: PUMPURS_BENCH_DB

INDICATOR_SQL = [
    # The final approval of every plan (the money world writes plans as active without a history).
    """
    INSERT INTO support_plantransition (plan_id, action, step, from_status, to_status, comment, actor_id, at)
    SELECT p.id, 'approved', 'national', 'municipality_approved', 'approved', '', %(user)s,
           TIMESTAMPTZ '2026-11-01 10:00:00+02'
    FROM support_plan p
    """,
    """
    INSERT INTO support_planrisk (plan_id, "group", description)
    SELECT p.id, 'learning', 'bench' FROM support_plan p
    UNION ALL
    SELECT p.id, 'family', 'bench' FROM support_plan p WHERE p.id %% 3 = 0
    """,
    """
    INSERT INTO risk_flag (public_id, pupil_id, period_id, rule, rule_version, status, value, threshold, evidence,
                           raised_at, last_seen_at, condition_holds)
    SELECT gen_random_uuid(), p.id, %(period)s, 'unjustified_semester', 'bench', 'accepted', 23, 20, '{}',
           TIMESTAMPTZ '2026-10-15 05:30:00+03', TIMESTAMPTZ '2026-10-15 05:30:00+03', true
    FROM people_pupil p WHERE p.id %% 5 = 0
    """,
]


def indicator_world() -> None:
    import datetime as dt

    from django.db import connection, transaction

    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import User

    period = semester_on(dt.date.fromisoformat(money.TODAY))
    user = User.objects.order_by("pk").first()
    assert period is not None
    assert user is not None
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in INDICATOR_SQL:
            cursor.execute(sql, {"user": user.pk, "period": period.pk})
        cursor.execute("ANALYZE")
    print(f"approvals, risks and flags written in {time.perf_counter() - started:.1f} s")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(args: argparse.Namespace) -> None:
    import datetime as dt

    import time_machine
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from pumpurs.people.access import Perm
    from pumpurs.people.actors import Scope, SystemActor
    from pumpurs.people.models import Municipality, Pupil, Role, RoleGrant, SchoolYear, User
    from pumpurs.reporting.indicators.refresh import indicator_cells_refresh, stored_raw
    from pumpurs.reporting.indicators.report import indicator_report, window_of
    from pumpurs.reporting.models import IndicatorCell

    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), tick=True):
        year = SchoolYear.objects.get(starts_on__lte=dt.date(2026, 11, 30), ends_on__gte=dt.date(2026, 11, 30))
        reader = SystemActor(name="system:bench", perms=frozenset({Perm.VIEW_INDICATORS}), scope=Scope.country())
        IndicatorCell.objects.all().delete()  # the live report first
        times = []
        for _i in range(args.runs):
            started = time.perf_counter()
            report = indicator_report(reader, year=year)
            times.append(time.perf_counter() - started)
        national = report.scopes[0].values
        print(
            f"national report ({Pupil.objects.count()} pupils, {len(report.scopes)} scopes): "
            f"median {statistics.median(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)} s; "
            f"IAP_MADE {national['IAP_MADE']}, PUPILS_SUPPORTED {national['PUPILS_SUPPORTED']}, "
            f"PUPILS_AT_RISK {national['PUPILS_AT_RISK']}, COMP_CENTS {national['COMP_CENTS']}"
        )
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SELECT count(*), sum(minutes) FROM support_delivery")
            cursor.fetchone()
            bare = time.perf_counter() - started
        print(
            f"bare SELECT count, sum over the deliveries: {bare:.3f} s (report / bare = {statistics.median(times) / bare:.0f}×)"
        )

        started = time.perf_counter()
        cells = indicator_cells_refresh(today=dt.date(2026, 11, 30))
        print(
            f"indicator_cells_refresh (every window of this and last year): {time.perf_counter() - started:.2f} s, {cells} rows"
        )
        stored = indicator_report(reader, year=year, raw=stored_raw(*window_of(year, None)))
        assert stored.scopes[0].values == national, "the cells give the live report"

        municipality = Municipality.objects.annotate(n=Count("institutions")).order_by("-n").first()
        assert municipality is not None
        grant = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality).first()
        coordinator = grant.user if grant else User.objects.create(username="bench.indicators")
        if grant is None:
            RoleGrant.objects.create(user=coordinator, role=Role.MUNICIPALITY_COORDINATOR, municipality=municipality)
        national_grant = RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).first()
        national_reader = national_grant.user if national_grant else User.objects.create(username="bench.national")
        if national_grant is None:
            RoleGrant.objects.create(user=national_reader, role=Role.NATIONAL_PROGRAMME)
        for label, user in ((municipality.name, coordinator), ("the national programme", national_reader)):
            client = Client(SERVER_NAME="localhost")
            client.force_login(user)
            for _i in range(args.warmup):
                response = client.get("/monitoring/indicators/")
                assert response.status_code == 200, (response.status_code, response.get("Location"))
            samples = []
            for _i in range(args.requests):
                started = time.perf_counter()
                response = client.get("/monitoring/indicators/")
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(
                f"indicator page from the cells, {label}: p50 {statistics.median(samples):.0f} ms, "
                f"p95 {p95(samples):.0f} ms over {len(samples)} requests"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pupils", type=int, default=25_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    money.DB_NAME = DB_NAME
    url = args.admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    env = {**os.environ, "DATABASE_URL": url, "PUMPURS_DATA_DIR": str(ROOT / "var" / "bench-indicator-report")}
    fresh = money.prepare(args, env)
    # The page is requested in-process as a signed-in coordinator: plain HTTP, no second-factor step.
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

    if not fresh:  # a reused database gets this tree's tables
        money.run([*money.PUMPURS, "migrate", "--verbosity", "0"], env)
    if fresh or not Plan.objects.exists():
        money.money_world()
        indicator_world()
    measure(args)


if __name__ == "__main__":
    main()
