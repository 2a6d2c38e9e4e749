"""Time `pumpurs import pupils` (rosters) against a bare insert of the same rows.

    .venv/bin/python benchmarks/import_pupils.py                        # 20 000 pupils, PostgreSQL
    .venv/bin/python benchmarks/import_pupils.py --pupils 50000
    .venv/bin/python benchmarks/import_pupils.py --database sqlite
    .venv/bin/python benchmarks/import_pupils.py --pupils 250000 --dry-runs-only 3   # (e) only

Creates the database ``pumpurs_bench_roster`` through ``--admin-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``; SQLite: a temporary file), migrates it and seeds
the Gulbene demo without facts (8 schools, about 1 800 pupils). It then writes a roster of
``--pupils`` new pupils spread over the eight schools (with a guardian each; codes that the seed
did not use) and measures, each as a separate ``pumpurs import pupils FILE --json`` process (wall
time, start-up included):

(a) the first import: every pupil registered, enrolled, a guardian added;
(b) the same file again: every row unchanged;
(c) a corrected file: one pupil in ten moves to another class, one in ten has a new last name;
(d) the engine's floor: the rows of (a) — pupils with their ciphertext and hash already computed,
    enrolments, guardians — inserted with the driver's ``executemany`` in one transaction that is
    rolled back.

(e) with ``--dry-runs-only N``: only N dry runs of the roster (``--dry-run``: every row checked,
    nothing written), nothing else.

It prints the times, rows/s and the ratio (a) / (d). The database is dropped at the end (``--keep``
keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUMPURS = [sys.executable, "-m", "pumpurs.cli"]
DB_NAME = "pumpurs_bench_roster"
HEADER = [
    "personal_code",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "institution_code",
    "class",
    "grade",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardian_email",
]
FIRST = ("Anna", "Jānis", "Marta", "Roberts", "Elza", "Kārlis", "Sofija", "Markuss")
LAST = ("Kalniņa", "Bērziņš", "Ozola", "Liepiņš", "Zariņa", "Kļaviņš", "Eglīte", "Ābele")


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def timed_import(
    path: Path, today: str, env: dict[str, str], *, dry_run: bool = False
) -> tuple[float, dict[str, object]]:
    args = [*PUMPURS, "import", "pupils", str(path), "--json", "--today", today, *(["--dry-run"] if dry_run else [])]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"import failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if summary["status"] != ("dry-run" if dry_run else "applied"):
        sys.exit(f"import was {summary['status']}: {summary['errors'][:5]}")
    return seconds, summary


def print_dry_runs(seconds: list[float], pupils: int, engine: str) -> None:
    ordered = sorted(seconds)
    print(f"date:        {dt.date.today().isoformat()}, load average {os.getloadavg()[0]:.1f}")
    print(f"machine:     nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, {engine}")
    print(f"(e) dry run: {pupils:,} new pupils, runs {', '.join(f'{s:.1f}' for s in seconds)} s")
    print(f"             min {ordered[0]:.1f} s, median {ordered[len(ordered) // 2]:.1f} s (process start-up included)")


def generate(work: Path, pupils: int, today: dt.date) -> None:
    """Inside Django (``--generate``): write roster.csv and roster-corrected.csv of ``pupils`` new
    pupils, and bare.json with what the floor inserts."""
    import csv

    import django

    django.setup()
    from pumpurs.core import crypto
    from pumpurs.people.calendar import school_year_on
    from pumpurs.people.models import Institution, Pupil
    from pumpurs.people.personal_code import parse_personal_code, synthetic_code

    year = school_year_on(today)
    assert year is not None, "no school year: seed first"
    schools = list(Institution.objects.order_by("code"))
    taken = set(Pupil.objects.values_list("personal_code_hash", flat=True))
    rows: list[list[str]] = []
    serial = 0
    for i in range(pupils):
        school = schools[i % len(schools)]
        grade = school.grade_min + (i // len(schools)) % (school.grade_max - school.grade_min + 1)
        born = dt.date(year.starts_on.year - 6 - grade, 1 + i % 12, 1 + i % 28)
        while True:
            serial += 1
            code = synthetic_code(born, 500_000_000 + serial)
            digits = parse_personal_code(code).digits
            code_hash = crypto.lookup_hash(digits)
            if code_hash not in taken:
                taken.add(code_hash)
                break
        first, last = FIRST[i % len(FIRST)], LAST[(i // 3) % len(LAST)]
        rows.append(
            [
                f"{digits[:6]}-{digits[6:]}",
                first,
                last,
                born.isoformat(),
                "F" if first.endswith("a") else "M",
                school.code,
                f"{grade}.{'abc'[i % 3]}",
                str(grade),
                f"Inga {last}",
                "mother",
                f"+371 2{i:07d}",
                f"vecaks{i}@example.lv",
            ]
        )
    with (work / "roster.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    corrected = []
    for i, row in enumerate(rows):
        row = list(row)
        if i % 10 == 3:
            grade = row[7]
            row[6] = f"{grade}.{'abc'[(i + 1) % 3]}"  # another class of the same grade
        elif i % 10 == 7:
            row[2] = row[2] + "-Ozola"
        corrected.append(row)
    with (work / "roster-corrected.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *corrected])
    print(json.dumps({"rows": len(rows), "schools": len(schools)}))


def bare(pupils_file: Path) -> None:
    """Inside Django (``--bare``): the floor — the same pupils, enrolments and guardians inserted
    with ``executemany`` (ciphertext and hashes computed beforehand), then rolled back."""
    import csv
    import uuid

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from pumpurs.core import crypto
    from pumpurs.people.models import ClassGroup, Institution, Pupil

    with pupils_file.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    institutions = dict(Institution.objects.values_list("code", "pk"))
    any_class = dict(ClassGroup.objects.values_list("institution_id", "pk"))
    start_id = (Pupil.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    now = timezone.now()
    digits = [r["personal_code"].replace("-", "") for r in rows]
    pupils = [
        (
            start_id + i,
            uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()),
            now,
            now,
            crypto.encrypt(d),
            crypto.lookup_hash(d),
            r["first_name"],
            r["last_name"],
            r["birth_date"],
            r["gender"],
        )
        for i, (r, d) in enumerate(zip(rows, digits, strict=True))
    ]
    enrolments = []
    guardians = []
    for i, r in enumerate(rows):
        school = institutions[r["institution_code"]]
        enrolments.append((start_id + i, any_class[school], school, "2026-09-01", None, ""))
        guardians.append(
            (
                uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()),
                start_id + i,
                "Inga",
                r["last_name"],
                "mother",
                r["guardian_phone"],
                r["guardian_email"],
                False,
            )
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO people_pupil (id, public_id, created_at, updated_at, personal_code_encrypted, "
            "personal_code_hash, first_name, last_name, birth_date, gender) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s)",
            pupils,
        )
        cursor.executemany(
            "INSERT INTO people_enrolment (pupil_id, class_group_id, institution_id, starts_on, ends_on, "
            "end_reason) VALUES (%s, %s, %s, %s, %s, %s)",
            enrolments,
        )
        cursor.executemany(
            "INSERT INTO people_guardian (public_id, pupil_id, first_name, last_name, relation, phone, email, "
            "out_of_family_care) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            guardians,
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    print(json.dumps({"seconds": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--today", default="2026-11-16", help="the date the imports run on")
    parser.add_argument("--db-name", default=DB_NAME, help="the PostgreSQL database to create (and drop)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database and files")
    parser.add_argument(
        "--dry-runs-only",
        type=int,
        metavar="N",
        help="time only (e): N dry runs of the roster (issue 18 item 6), no imports that write",
    )
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.pupils, dt.date.fromisoformat(args.today))
        return
    if args.bare:
        bare(args.bare)
        return

    work = Path(tempfile.mkdtemp(prefix="pumpurs-bench-roster-"))
    env = {**os.environ, "PUMPURS_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "pumpurs.settings"}
    if args.database == "postgresql":
        import psycopg

        url = re.sub(r"/[^/?]*(\?|$)", f"/{args.db_name}\\1", args.admin_url, count=1)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            engine = "PostgreSQL " + admin.execute("SHOW server_version").fetchone()[0]
            admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
            admin.execute(f"CREATE DATABASE {args.db_name}")
        env["DATABASE_URL"] = url
    else:
        import sqlite3

        engine = f"SQLite {sqlite3.sqlite_version}"
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    try:
        run([*PUMPURS, "migrate", "-v0"], env)
        run([*PUMPURS, "seed", "--preset", "gulbene", "--no-facts", "--today", args.today], env)
        generate_args = ["--generate", str(work), "--pupils", str(args.pupils), "--today", args.today]
        shape = json.loads(run([sys.executable, __file__, *generate_args], env).strip().splitlines()[-1])
        if args.dry_runs_only:
            dry = [
                timed_import(work / "roster.csv", args.today, env, dry_run=True)[0] for _ in range(args.dry_runs_only)
            ]
            print_dry_runs(dry, args.pupils, engine)
            return
        floor = json.loads(run([sys.executable, __file__, "--bare", str(work / "roster.csv")], env).splitlines()[-1])
        first_s, first = timed_import(work / "roster.csv", args.today, env)
        assert first["created"] == args.pupils, first
        again_s, again = timed_import(work / "roster.csv", args.today, env)
        assert again["unchanged"] == args.pupils, again
        fixed_s, fixed = timed_import(work / "roster-corrected.csv", args.today, env)
    finally:
        if args.database == "postgresql" and not args.keep:
            import psycopg

            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
    n = args.pupils
    print(f"date:        {dt.date.today().isoformat()} (imports run as of {args.today})")
    print(f"machine:     nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, {engine}")
    print(f"roster:      {n:,} new pupils over {shape['schools']} schools, a guardian each")
    print(f"(a) import:  {first_s:.1f} s ({n / first_s:,.0f} rows/s) — {first['created']:,} created")
    print(f"(b) again:   {again_s:.1f} s ({n / again_s:,.0f} rows/s) — {again['unchanged']:,} unchanged")
    print(
        f"(c) fixed:   {fixed_s:.1f} s ({n / fixed_s:,.0f} rows/s) — {fixed['updated']:,} updated, "
        f"{fixed['unchanged']:,} unchanged"
    )
    print(f"(d) floor:   {floor['seconds']:.2f} s (executemany of pupils, enrolments, guardians)")
    print(f"ratio:       {first_s / floor['seconds']:.1f}  ((a) / (d); (a) includes process start-up)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")


if __name__ == "__main__":
    main()
