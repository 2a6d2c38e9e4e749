"""Outcomes, rule quality and error rates over the national data set with two past school years.

    .venv/bin/python benchmarks/outcomes.py                     # 50 000 pupils, PostgreSQL
    .venv/bin/python benchmarks/outcomes.py --pupils 250000
    .venv/bin/python benchmarks/outcomes.py --reuse             # keep the seeded database

Steps: (re)create ``pumpurs_bench_outcomes`` through ``--admin-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth), migrate, seed the national people
(``seed_apply``) and their two past school years (``reporting.seeding.history_seed``: former
pupils, flags, finished plans). Then, each ``--repeat`` times, the statements behind the pages over
the whole country: ``outcome_counts`` (one year after), the rule-quality figures of 2024/25
(``rule_rows``), and one semester's error-rate groups (``population_groups``) — against the bare
``GROUP BY pupil_id`` over all enrolments, the floor any per-pupil outcome has to read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from page_timing import kept_and_cleared, page_rounds

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("PUMPURS_BENCH_DB", "pumpurs_bench_outcomes")  # another name: PUMPURS_BENCH_DB
TODAY = dt.date(2026, 11, 12)


def timed(label: str, repeat: int, fn: object, floor: float | None = None) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    ratio = f"  ({median / floor:.1f}× the bare GROUP BY)" if floor else ""
    print(f"{label:<48} median {median * 1000:8.0f} ms  max {max(runs) * 1000:8.0f} ms{ratio}")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--pages-only", action="store_true", help="skip the live statements: the rules page and supported pupils only"
    )
    parser.add_argument("--prepare-only", action="store_true", help="seed (unless --reuse finds it) and stop")
    parser.add_argument(
        "--outcomes-page", action="store_true", help="only /monitoring/outcomes/ (and the refresh of its cells)"
    )
    args = parser.parse_args()
    import psycopg

    base = args.admin_url.rsplit("/", 1)[0]
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        fresh = not (exists and args.reuse)
        if fresh:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    os.environ.setdefault("PUMPURS_DATA_DIR", str(ROOT / "var" / "bench-outcomes"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    # The rules page is requested in-process as a signed-in reader: plain HTTP, no second factor.
    os.environ.update({"PUMPURS_HTTPS": "0", "PUMPURS_SECOND_FACTOR": "0"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from pumpurs.people.models import Institution, Period, SchoolYear
    from pumpurs.people.seeding import seed_apply
    from pumpurs.reporting.error_rates import semester_horizon
    from pumpurs.reporting.models import RuleGroupCell
    from pumpurs.reporting.outcomes import Horizon, outcome_counts
    from pumpurs.reporting.pages import rule_rows
    from pumpurs.reporting.rule_quality import population_groups, rule_groups_refresh
    from pumpurs.reporting.seeding import history_seed

    call_command("migrate", verbosity=0)  # a reused database gets this tree's tables too
    if fresh:
        started = time.perf_counter()
        seed_apply(preset="national", seed=1, today=TODAY, pupils=args.pupils)
        print(f"seeded {args.pupils} pupils in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with transaction.atomic():
            counts = history_seed(seed=1, today=TODAY)
        print(f"past school years in {time.perf_counter() - started:.1f} s: {counts}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COUNT(*) FROM people_enrolment")
        print(f"enrolments: {cursor.fetchone()[0]}")

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pupil_id, MAX(starts_on) FROM people_enrolment GROUP BY pupil_id")
            cursor.fetchall()

    if args.prepare_only:
        return
    if args.outcomes_page:
        outcomes_page(args.repeat)
        return
    ids = list(Institution.objects.values_list("pk", flat=True))
    year = SchoolYear.objects.get(name="2024/25")
    period = Period.objects.get(school_year=year, number=1)
    if args.pages_only:
        if not RuleGroupCell.objects.exists():
            rule_groups_refresh(today=TODAY)
        supported(args.repeat)
        rules_page(args.repeat * 2 + 4)
        return
    RuleGroupCell.objects.all().delete()  # the live statements first
    floor = timed("bare GROUP BY over all enrolments", args.repeat, bare)
    timed("outcomes, one year after (national)", args.repeat,
          lambda: outcome_counts(today=TODAY, institution_ids=ids, horizon=Horizon.ONE_YEAR), floor)  # fmt: skip
    timed("rule quality 2024/25 (national)", args.repeat, lambda: rule_rows(year=year, institution_ids=ids), floor)
    timed("error-rate groups, semester 1 of 2024/25", args.repeat,
          lambda: population_groups(start=period.starts_on, end=period.ends_on, horizon=semester_horizon(period)),
          floor)  # fmt: skip
    timed("rule_groups_refresh (every year with outcomes)", 1, lambda: rule_groups_refresh(today=TODAY))
    print(f"    {RuleGroupCell.objects.count()} group rows")
    live = rule_rows(year=year, institution_ids=ids)
    RuleGroupCell.objects.all().delete()
    rule_groups_refresh(today=TODAY)
    assert rule_rows(year=year, institution_ids=ids) == live, "the cells give the live figures"
    timed("rule quality 2024/25 (national) from the cells", args.repeat,
          lambda: rule_rows(year=year, institution_ids=ids), floor)  # fmt: skip
    rules_page(args.repeat * 2 + 4)


def supported(repeat: int) -> None:
    """``definitions.supported_pupils`` per school for each semester of the past years, as the
    dashboards' refresh counts it: the join (decision 0045) against the per-pupil look-up it replaced."""
    from django.db.models import OuterRef, Subquery

    from pumpurs.people.models import Institution, Period, Pupil
    from pumpurs.reporting import definitions as d

    def per_pupil_look_up(start: dt.date, end: dt.date) -> dict[int, int]:
        latest = d.latest_supporting_plans(Institution.objects.all(), start, end)
        place = Subquery(latest.filter(case__pupil_id=OuterRef("pk")).values("case__institution_id")[:1])
        pupils = Pupil.objects.filter(pk__in=latest.values("case__pupil_id")).annotate(**{d.COUNTED_AT: place})
        return d.count_by_institution(pupils)

    semesters = list(Period.objects.filter(ends_on__lt=TODAY).order_by("starts_on"))
    schools = Institution.objects.all()
    for p in semesters:
        joined = d.count_by_institution(d.supported_pupils(schools, p.starts_on, p.ends_on))
        assert joined == per_pupil_look_up(p.starts_on, p.ends_on), p
        print(f"    {p}: {sum(joined.values())} pupils supported")
    timed("supported pupils, past semesters, per-pupil look-up", repeat,
          lambda: [per_pupil_look_up(p.starts_on, p.ends_on) for p in semesters])  # fmt: skip
    timed("supported pupils, past semesters, one join", repeat,
          lambda: [d.count_by_institution(d.supported_pupils(schools, p.starts_on, p.ends_on)) for p in semesters])  # fmt: skip


def rules_page(requests: int) -> None:
    """``/monitoring/rules/`` as the national programme, from the cells: p50 and p95."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(national_reader())  # type: ignore[arg-type]
    found = page_rounds(client, ["/monitoring/rules/"], rounds=1, requests=requests, warmup=1)
    print(found.line("rules page, national, from the cells"))


def outcomes_page(rounds: int, requests: int = 10, today: dt.date = TODAY) -> None:
    """``/monitoring/outcomes/`` as the national programme and as the coordinator of the municipality
    with the most schools (both horizons), ``rounds`` rounds of
    ``requests``: as served, and with the cache cleared before every request (the first reader
    after a refresh); wall, own CPU and SQL time per request. The refresh of the outcome cells
    (``reporting.outcome_cells``) timed first (twice: from none, then with nothing changed), then
    the page from the cells, then the page counted live (the cells deleted in a transaction rolled
    back afterwards)."""
    from django.db import transaction
    from django.utils import timezone

    from pumpurs.reporting.models import MonitoringRefresh, OutcomeCell
    from pumpurs.reporting.outcome_cells import outcome_cells_refresh

    readers = [("national", national_reader()), coordinator_reader()]
    OutcomeCell.objects.all().delete()  # the first run writes every cell, as after the upgrade
    for run in ("first", "second"):
        started, load = time.perf_counter(), os.getloadavg()[0]
        with transaction.atomic():
            written = outcome_cells_refresh(today=today)
            # the mark monitoring_refresh leaves (its other cells are not this benchmark's)
            MonitoringRefresh.objects.create(
                computed_at=timezone.now(), for_day=today, effect_cells=0, cost_cells=0, indicator_cells=0,
                rule_groups=0, outcome_cells=OutcomeCell.objects.count(), seconds=0,
            )  # fmt: skip
        print(
            f"outcome_cells_refresh, {run} run: {time.perf_counter() - started:.2f} s, {written} cells written, "
            f"{OutcomeCell.objects.count()} held; load {load:.1f}"
        )
    for label, user in readers:
        outcomes_rounds(f"outcomes page, {label}, from the cells", user, rounds, requests)
    with transaction.atomic():  # the page as it was before decision 0056: no cells, counted live
        OutcomeCell.objects.all().delete()
        MonitoringRefresh.objects.update(outcome_cells=None)
        for label, user in readers:
            outcomes_rounds(f"outcomes page, {label}, counted live (no cells)", user, rounds, requests)
        transaction.set_rollback(True)


def national_reader() -> object:
    from pumpurs.people.models import Role, RoleGrant, User

    grant = RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).first()
    reader = grant.user if grant else User.objects.create(username="bench.national")
    if grant is None:
        RoleGrant.objects.create(user=reader, role=Role.NATIONAL_PROGRAMME)
    return reader


def coordinator_reader() -> tuple[str, object]:
    """The coordinator of the municipality with the most schools (one made if the seed has none)."""
    from django.db.models import Count

    from pumpurs.people.models import Municipality, Role, RoleGrant, User

    biggest = Municipality.objects.annotate(n=Count("institutions")).order_by("-n").first()
    assert biggest is not None
    grant = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=biggest).first()
    if grant is None:
        user, _created = User.objects.get_or_create(username="bench.coordinator")
        grant = RoleGrant.objects.create(user=user, role=Role.MUNICIPALITY_COORDINATOR, municipality=biggest)
    return f"{biggest.name}'s coordinator ({biggest.n} schools)", grant.user


def outcomes_rounds(label: str, reader: object, rounds: int, requests: int) -> None:
    """Both horizons in turn, as served and with the cache cleared before every request."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)  # type: ignore[arg-type]
    urls = ["/monitoring/outcomes/", "/monitoring/outcomes/?horizon=year_end"]
    kept_and_cleared(label, client, urls, rounds=rounds, requests=requests, warmup=len(urls))


if __name__ == "__main__":
    main()
