"""Case ownership, hand-overs and children without a school at national size; print p50/p95.

    .venv/bin/python benchmarks/transfers.py                      # 250 000 pupils, PostgreSQL
    .venv/bin/python benchmarks/transfers.py --pupils 50000
    .venv/bin/python benchmarks/transfers.py --reuse              # keep the seeded database

Steps: (re)create ``pumpurs_bench_transfer`` through ``--admin-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth), migrate, ``pumpurs seed --preset
national --pupils N``. The national preset has nobody leaving, so three statements make the
movement of a winter: 2 % of the pupils enrolled today left school 1–60 days ago (half of them
with a closed case), 1 % moved to another school yesterday with an open case at the old one
(waiting to be handed over), then ``ANALYZE``.

Measured in this process, on the selectors the pages call (the page's own rendering aside), each
``--runs`` times after two unmeasured runs:

* "Children without a school" of the municipality coordinator with the most of them: the count and
  the first page of 100 (``support.out_of_school``);
* every case waiting for a hand-over in the country, counted (``handovers_waiting``), and one
  receiving school coordinator's list (``handovers_waiting_for``);
* a school coordinator's and a municipality coordinator's visible cases, counted
  (``support.scope.cases_visible_to``, the ownership filter of decision 0020).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = "pumpurs_bench_transfer"

MOVEMENT_SQL = [
    # Leavers: 2 % of the open enrolments end "left" 1–60 days ago (never before they began).
    """
    UPDATE people_enrolment e
    SET ends_on = GREATEST(e.starts_on, current_date - 1 - (e.pupil_id % 60)::int), end_reason = 'left'
    WHERE e.ends_on IS NULL AND e.pupil_id % 50 = 0
    """,
    # Half of them had a case at their school, closed when they left.
    """
    INSERT INTO support_case (public_id, pupil_id, institution_id, origin, reason, status, opened_by_id,
                              opened_at, closed_at, close_reason)
    SELECT gen_random_uuid(), e.pupil_id, e.institution_id, 'manual', 'bench', 'closed',
           (SELECT min(id) FROM people_user), e.ends_on - 30, e.ends_on, 'left_school'
    FROM people_enrolment e WHERE e.end_reason = 'left' AND e.pupil_id % 100 = 0
    """,
    # Movers: 1 % with an open case at their school move yesterday to the nearest other school's
    # class of the same grade and year.
    """
    CREATE TEMP TABLE movers AS
    SELECT e.id, e.pupil_id, e.institution_id, c.grade, c.school_year_id
    FROM people_enrolment e JOIN people_classgroup c ON c.id = e.class_group_id
    WHERE e.ends_on IS NULL AND e.pupil_id % 100 = 1 AND e.starts_on < current_date
    """,
    """
    INSERT INTO support_case (public_id, pupil_id, institution_id, origin, reason, status, opened_by_id,
                              opened_at, close_reason)
    SELECT gen_random_uuid(), m.pupil_id, m.institution_id, 'manual', 'bench', 'open',
           (SELECT min(id) FROM people_user), now() - interval '30 days', ''
    FROM movers m
    """,
    """
    UPDATE people_enrolment SET ends_on = current_date - 1, end_reason = 'transferred'
    WHERE id IN (SELECT id FROM movers)
    """,
    """
    INSERT INTO people_enrolment (pupil_id, class_group_id, institution_id, starts_on, ends_on, end_reason)
    SELECT m.pupil_id, t.id, t.institution_id, current_date, NULL, ''
    FROM movers m CROSS JOIN LATERAL (
        SELECT c2.id, c2.institution_id FROM people_classgroup c2
        WHERE c2.grade = m.grade AND c2.school_year_id = m.school_year_id AND c2.institution_id <> m.institution_id
        ORDER BY abs(c2.institution_id - m.institution_id), c2.id LIMIT 1
    ) t
    """,
    "DROP TABLE movers",
]


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def prepare(args: argparse.Namespace, env: dict[str, str], url: str) -> None:
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and args.reuse:
            print("reusing", DB_NAME)
        else:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
            started = time.perf_counter()
            run([*PUMPURS, "migrate", "--verbosity", "0"], env)
            run([*PUMPURS, "seed", "--preset", "national", "--pupils", str(args.pupils), "--seed", str(args.seed)], env)
            print(f"seeded {args.pupils} pupils in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url) as conn, conn.transaction():
        if conn.execute("SELECT count(*) FROM support_case WHERE reason = 'bench'").fetchone()[0]:
            return  # the movement is there already (--reuse)
        for statement in MOVEMENT_SQL:
            conn.execute(statement)
        left = conn.execute("SELECT count(*) FROM people_enrolment WHERE end_reason = 'left'").fetchone()[0]
        moved = conn.execute("SELECT count(*) FROM people_enrolment WHERE end_reason = 'transferred'").fetchone()[0]
    print(f"movement: {left} left school, {moved} moved with an open case")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def timed(label: str, call: Callable[[], object], runs: int) -> None:
    for _ in range(2):
        result = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{label:<62} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   ({result})")


def measure(runs: int) -> None:
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from pumpurs.people.models import Enrolment, Role, RoleGrant
    from pumpurs.support.handover import handovers_waiting, handovers_waiting_for
    from pumpurs.support.out_of_school import out_of_school, out_of_school_rows
    from pumpurs.support.scope import cases_visible_to

    today = timezone.localdate()
    waiting = handovers_waiting(today=today)
    busiest = waiting.values("receiving_id").annotate(n=Count("pk")).order_by("-n").first()
    assert busiest is not None, "no case waits for a hand-over: the movement did not happen"
    receiving = RoleGrant.objects.get(role=Role.SCHOOL_COORDINATOR, institution_id=busiest["receiving_id"]).user
    most = (
        Enrolment.objects.filter(end_reason=Enrolment.EndReason.LEFT)
        .values("institution__municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert most is not None, "nobody left school: the movement did not happen"
    municipality = RoleGrant.objects.select_related("user", "municipality").get(
        role=Role.MUNICIPALITY_COORDINATOR, municipality_id=most["institution__municipality_id"]
    )
    assert municipality.municipality is not None

    def out_page() -> str:
        pupils = out_of_school(municipality.user, today=today)
        count = pupils.count()
        rows = out_of_school_rows(list(pupils[:100]), today=today)
        return f"{count} children, {len(rows)} on the first page"

    timed(f"children without a school, {municipality.municipality.name}", out_page, runs)
    timed("cases waiting for a hand-over, the whole country", lambda: f"{waiting.count()} cases", runs)
    timed(
        "cases handed over to the busiest receiving school",
        lambda: f"{len(list(handovers_waiting_for(receiving, today=today)))} cases",
        runs,
    )
    timed("visible cases, that school's coordinator", lambda: f"{cases_visible_to(receiving).count()} cases", runs)
    timed(
        f"visible cases, {municipality.municipality.name} coordinator",
        lambda: f"{cases_visible_to(municipality.user).count()} cases",
        runs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="use the seeded database if it exists")
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + "/" + DB_NAME
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUMPURS_DATA_DIR": tempfile.mkdtemp(prefix="pumpurs-bench-transfer-"),
        "PUMPURS_LOG_LEVEL": "WARNING",
    }
    prepare(args, env, url)
    os.environ.update({"DATABASE_URL": url, "PUMPURS_DATA_DIR": env["PUMPURS_DATA_DIR"]})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    measure(args.runs)


if __name__ == "__main__":
    main()
