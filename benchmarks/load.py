"""Load: the roles' daily paths by many users at once, on the national data, through the real server.

    .venv/bin/pip install --require-hashes -r requirements-bench.lock   # locust (never in CI)
    .venv/bin/python benchmarks/load.py                      # 50 users × 5 min, seeds on first run
    .venv/bin/python benchmarks/load.py --users 20 --time 2m # a shorter run on a busy machine
    .venv/bin/python benchmarks/load.py --spawn-rate 1       # users start one a second (0 errors, decision 0047)

Steps:

1. The database ``pumpurs_bench_load`` (``--database``, or ``PUMPURS_BENCH_LOAD_DB``) through
   ``--admin-url`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth). If it
   exists it is reused (``--fresh`` drops it first); otherwise it is created, migrated and seeded
   with ``pumpurs seed --preset national --pupils N``. The facts end on ``--seed-today`` (default
   the 25th of September of the current school year): one import file of the semester to date
   would pass the attendance import's limit of 5 000 000 rows (250 000 pupils × ~6 lessons a day
   reach it in about four weeks).
2. The load accounts, once (their marker is the account ``slodze.dati.00``): for each of the
   first ``--users`` schools by code, a case for one pupil of a class teacher (opened by her,
   with the guardian's consent) and an active plan for a pupil of another class (prepared by its
   class teacher, approved by the director, the municipality coordinator and the national
   programme) — all through the real services; open flags for ~6 % of the pupils (the seed raises
   none, and ``pumpurs indicators refresh`` takes too long here) by the watch-list benchmark's SQL; the extra national-programme and data-protection
   accounts ``slodze.ikvd.NN`` and ``slodze.dati.NN``. Written to ``accounts.json`` in the data
   directory, which the locustfile reads. Every password is the seed's ``demo``.
3. ``pumpurs serve`` (waitress, the production server; ``--threads``, ``--processes``: two by
   default, one per core of the 2-core machine, decision 0047) on a free port of 127.0.0.1
   with production settings: DEBUG off, PUMPURS_HTTPS off (plain HTTP on loopback), the second
   factor off (the pages are measured, not sign-in: decision 0026).
4. Locust, headless and bounded: ``-u USERS -r RATE -t TIME`` against 127.0.0.1 only (no web UI),
   the users and their paths in ``benchmarks/locustfile.py``. The load average is sampled every
   5 s while it runs.
5. Per page: requests, errors, p50/p95/max (ms, locust's rounded percentiles), then requests per
   second, the load average and the CPU count. Exit 1 on any error. The page statistics are the
   steady state: they start afresh once every user has signed in (a row "all users signed in"
   marks it); the sign-ins (a burst of password hashes, ~0.6 s of CPU each) are reported apart.

The client runs on the same machine as the server and the database: its CPU is part of the load
(locust's FastHttpUser, a few % of one core at 50 users).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch_list import FALLBACK_FLAGS_SQL, PUMPURS, ROOT, free_port, run, wait_for

DB_NAME = os.environ.get("PUMPURS_BENCH_LOAD_DB", "pumpurs_bench_load")
MARKER = "slodze.dati.00"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"

# Runs in a child process with Django set up on the benchmark's database (see seed_accounts).
ACCOUNTS_CODE = r"""
import json, sys
from decimal import Decimal
import django
django.setup()
from django.db import transaction
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Role, RoleGrant, User
from pumpurs.support.testing import approve_all, draft_plan, open_case
from pumpurs.support.plans import plan_submit

users, path = int(sys.argv[1]), sys.argv[2]
demo = User.objects.get(username="ikvd.programma")
national = demo


def grant(username, role):
    user, _ = User.objects.get_or_create(
        username=username, defaults={"password": demo.password, "first_name": "Slodze", "last_name": username[-2:]}
    )
    RoleGrant.objects.get_or_create(user=user, role=role)
    return user


def holder(role, **scope):
    return RoleGrant.objects.filter(role=role, **scope).select_related("user").order_by("user__username").first().user


def pupils_of(class_group, count):
    enrolments = Enrolment.objects.filter(class_group=class_group, ends_on__isnull=True).select_related("pupil")
    return [e.pupil for e in enrolments.order_by("pupil_id")[:count]]


accounts = {r: [] for r in ("class_teacher", "school_coordinator", "municipality_coordinator",
                             "national_programme", "data_protection_officer")}
with transaction.atomic():
    schools = Institution.objects.filter(kind="general", grade_max__gte=9).order_by("code")[:users]
    for school in schools:
        classes = list(ClassGroup.objects.filter(institution=school, class_teacher__isnull=False).order_by("grade", "name")[:2])
        municipality = holder(Role.MUNICIPALITY_COORDINATOR, municipality_id=school.municipality_id)
        teacher, preparer = classes[0].class_teacher, classes[1].class_teacher
        pupil, planned = pupils_of(classes[0], 1)[0], pupils_of(classes[1], 1)[0]
        case = open_case(teacher, pupil)
        plan = draft_plan(preparer, open_case(preparer, planned), hours=Decimal(10), trips=Decimal(40))
        plan = approve_all(plan_submit(actor=preparer, plan=plan),
                           holder(Role.DIRECTOR, institution=school), municipality, national)
        line = plan.measures.get(measure__code="transport")
        accounts["class_teacher"].append({"username": teacher.username, "institution": str(school.public_id),
                                          "pupil": str(pupil.public_id), "case": str(case.public_id)})
        accounts["school_coordinator"].append({"username": holder(Role.SCHOOL_COORDINATOR, institution=school).username,
                                               "plan": str(plan.public_id), "line": str(line.public_id)})
    seen = set()
    for school in Institution.objects.order_by("code"):
        if school.municipality_id not in seen:
            seen.add(school.municipality_id)
            user = holder(Role.MUNICIPALITY_COORDINATOR, municipality_id=school.municipality_id)
            accounts["municipality_coordinator"].append(
                {"username": user.username, "municipality": str(school.municipality.public_id)})
    for n in range(users):
        accounts["national_programme"].append({"username": grant(f"slodze.ikvd.{n:02d}", Role.NATIONAL_PROGRAMME).username})
        accounts["data_protection_officer"].append(
            {"username": grant(f"slodze.dati.{n:02d}", Role.DATA_PROTECTION_OFFICER).username})
with open(path, "w") as handle:
    json.dump(accounts, handle, indent=1)
print({role: len(found) for role, found in accounts.items()})
"""


def school_year_day(today: dt.date) -> dt.date:
    """The 25th of September of the school year under way (today, if earlier)."""
    start = today.year if today.month >= 9 else today.year - 1
    return min(today, dt.date(start, 9, 25))


def prepare(args: argparse.Namespace, env: dict[str, str], url: str) -> None:
    """Create, migrate and seed the database unless it is there (then reuse it)."""
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if exists and not args.fresh:
            print(f"reusing {args.database}")
            return
        conn.execute(f"DROP DATABASE IF EXISTS {args.database}")
        conn.execute(f"CREATE DATABASE {args.database}")
    started = time.perf_counter()
    run([*PUMPURS, "migrate", "--verbosity", "0"], env)
    seed = [*PUMPURS, "seed", "--preset", "national", "--pupils", str(args.pupils), "--seed", "1"]
    run([*seed, "--today", args.seed_today], env)
    print(f"seeded {args.pupils} pupils (facts to {args.seed_today}) in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def ensure_flags(url: str) -> None:
    """The watch lists need open flags: the seed raises none (``pumpurs indicators refresh`` over
    the national data takes longer than a benchmark should), so ~6 % of the current pupils get one
    by the watch-list benchmark's statement, once."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM risk_flag WHERE status = 'open' LIMIT 1").fetchone():
            return
        period = conn.execute(
            "SELECT id FROM people_period WHERE starts_on <= current_date ORDER BY starts_on DESC LIMIT 1"
        ).fetchone()
        conn.execute(FALLBACK_FLAGS_SQL, {"period": period[0]})
        conn.execute("ANALYZE risk_flag")
        print("open flags for ~6 % of the current pupils (the watch-list benchmark's SQL)")


def ensure_refreshed(url: str, env: dict[str, str]) -> None:
    """The monitoring pre-aggregates, as the scheduled ``pumpurs dashboards refresh`` keeps them
    (decisions 0038, 0039), once: without them the indicators page counts live on every request —
    6–7 s of SQL each at 250 000 pupils (decision 0052), which was its p95 of 4.9 s here before."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM reporting_monitoringrefresh LIMIT 1").fetchone():
            return
    started = time.perf_counter()
    print(run([*PUMPURS, "dashboards", "refresh"], env).strip())
    print(f"monitoring pre-aggregates refreshed in {time.perf_counter() - started:.0f} s")


def seed_accounts(args: argparse.Namespace, env: dict[str, str], url: str, path: Path) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        seeded = conn.execute("SELECT 1 FROM people_user WHERE username = %s", [MARKER]).fetchone()
    saved = Path(env["PUMPURS_DATA_DIR"]) / "accounts.json"
    if seeded and saved.exists() and len(json.loads(saved.read_text())["class_teacher"]) >= args.users:
        path.write_text(saved.read_text())
        return
    if seeded:
        sys.exit(f"{args.database} holds load accounts for fewer users or lost accounts.json: run with --fresh")
    started = time.perf_counter()
    child = {**env, "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    print(run([sys.executable, "-c", ACCOUNTS_CODE, str(args.users), str(saved)], child).strip())
    path.write_text(saved.read_text())
    print(f"load accounts, cases and plans seeded in {time.perf_counter() - started:.0f} s")


class LoadSampler(threading.Thread):
    """The 1-minute load average every 5 s while the run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(5):
            self.samples.append(os.getloadavg()[0])


def report(prefix: Path) -> int:
    """Print the per-page table from locust's CSV; returns the number of errors."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    width = max(len(row["Name"]) for row in rows)
    print(f"{'page':<{width}}  {'requests':>8}  {'errors':>6}  {'p50 ms':>6}  {'p95 ms':>6}  {'max ms':>7}")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        print(
            f"{row['Name']:<{width}}  {row['Request Count']:>8}  {row['Failure Count']:>6}  {row['50%']:>6}  "
            f"{row['95%']:>6}  {float(row['Max Response Time']):>7.0f}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(f"requests per second: {float(total['Requests/s']):.1f}")
    with open(f"{prefix}_failures.csv", newline="") as handle:
        for failure in csv.DictReader(handle):
            print(f"ERROR {failure['Occurrences']}× {failure['Method']} {failure['Name']}: {failure['Error'][:300]}")
    return int(total["Failure Count"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--time", default="5m", help="locust's run time: 5m, 120s, …")
    parser.add_argument("--threads", type=int, default=None, help="pumpurs serve --threads (its default if unset)")
    parser.add_argument("--processes", type=int, default=2, help="pumpurs serve --processes (decision 0047)")
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--seed-today", default=school_year_day(dt.date.today()).isoformat())
    parser.add_argument("--database", default=DB_NAME)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--fresh", action="store_true", help="drop and seed the database again")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "pumpurs-bench-load"))
    args = parser.parse_args()

    url = args.admin_url.rsplit("/", 1)[0] + "/" + args.database
    Path(args.data_dir).mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUMPURS_DATA_DIR": args.data_dir,
        "PUMPURS_DEBUG": "0",
        "PUMPURS_HTTPS": "0",
        "PUMPURS_ALLOWED_HOSTS": "127.0.0.1",
        "PUMPURS_LOG_LEVEL": "WARNING",
        # The pages are measured, not the sign-in: the wide roles' second factor is off here (decision 0026).
        "PUMPURS_SECOND_FACTOR": "0",
    }
    prepare(args, env, url)
    ensure_flags(url)
    ensure_refreshed(url, env)
    work = Path(tempfile.mkdtemp(prefix="pumpurs-load-"))
    accounts = work / "accounts.json"
    seed_accounts(args, env, url, accounts)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [*PUMPURS, "serve", "--addr", f"127.0.0.1:{port}"]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    serve += ["--processes", str(args.processes)]
    server = subprocess.Popen(serve, env=env, cwd=ROOT)
    sampler = LoadSampler()
    prefix = work / "load"
    try:
        wait_for(base, server)
        print(
            f"{args.users} users, {args.spawn_rate}/s, {args.time}, {args.processes} server processes; "
            f"load average before {os.getloadavg()[0]:.2f}"
        )
        sampler.start()
        locust = [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"),
            *("-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time, "--host", base),
            *("--csv", str(prefix), "--stop-timeout", "10", "--loglevel", "WARNING"),
        ]
        done = subprocess.run(
            locust,
            env={
                **env,
                "PUMPURS_LOAD_ACCOUNTS": str(accounts),
                "PUMPURS_LOAD_USERS": str(args.users),
                "PUMPURS_LOAD_SIGN_INS": str(work / "sign_ins.json"),
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        sampler.done.set()
        server.terminate()
        server.wait(timeout=20)
    errors = report(prefix)
    sign_ins = json.loads((work / "sign_ins.json").read_text()) if (work / "sign_ins.json").exists() else []
    if sign_ins:
        p50, p95 = statistics.median(sign_ins), sorted(sign_ins)[round(0.95 * (len(sign_ins) - 1))]
        print(
            f"sign-ins (before the statistics start): {len(sign_ins)}, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"max {max(sign_ins):.0f} ms"
        )
    loads = sampler.samples or [os.getloadavg()[0]]
    print(
        f"load average (1 min) during the run: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
        f"max {max(loads):.2f}; CPUs: {os.cpu_count()}"
    )
    if done.returncode != 0 and not errors:
        print(done.stderr[-3000:])
    if errors or done.returncode != 0:
        print(f"FAILED: {errors} errors (locust exit code {done.returncode})")
        sys.exit(1)
    print("0 errors")


if __name__ == "__main__":
    main()
