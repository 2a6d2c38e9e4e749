"""Five years of a country (issue 18 item 7, decision 0055): the refresh and the watch list with one
school year of facts loaded, then with four more past years beside it — the fact tables partitioned by
school year (the default) and, with ``--plain-too``, again with the tables made plain.

    .venv/bin/python benchmarks/five_years.py --pupils 20000
    .venv/bin/python benchmarks/five_years.py --pupils 20000 --reuse --keep --plain-too

Steps: (re)create ``pumpurs_bench_five`` through ``--database-url`` (an admin connection, trust
auth), migrate, seed the national preset with a semester of facts (as ``benchmarks/indicators.py``),
``VACUUM ANALYZE``, and measure (below). Then add ``--years - 1`` past school years set-based: each
gets its calendar row and semesters (so its partitions exist, as in production), and a copy of the
seeded semester's attendance days, lesson marks and grades moved back a whole number of weeks (so
weekdays stay weekdays) into its first semester, and once more 20 weeks later into its second —
about two semesters' facts a year. ``VACUUM ANALYZE``, measure again. With ``--plain-too``, migrate
the journal back to plain tables (``journal 0003``, before 0004), measure a third time, and migrate forward.

Each measurement, in this process on the benchmark database: (a) the floor, the bare attendance
``GROUP BY`` of ``benchmarks/indicators.py`` (after a warm-up run); (c) ``indicators_refresh`` over
the same facts, after a first one (the steady state); its ratio to (a); and the watch list of the
school nearest 1 000 pupils through Django's test client as its coordinator, ``--requests`` times
after ``--warmup``: p50 and p95. "Keeps its ratio" means (c)/(a) and the watch list's p95 with five
years loaded as with one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indicators import FLOOR_SQL, admin, exists, pumpurs, seed_national, semester_end
from page_timing import percentile
from watch_list import pick_school

DB_NAME = "pumpurs_bench_five"
WEEK = dt.timedelta(weeks=1)


def add_past_years(years: int, today: dt.date) -> list[str]:
    """Copy the seeded semester's facts into ``years`` earlier school years; returns their names."""
    from django.db import connection, transaction

    from pumpurs.journal.partitions import ensure_year_partitions
    from pumpurs.people.calendar import semester_on, year_dates, year_name
    from pumpurs.people.models import Period, SchoolYear

    current = semester_on(today)
    assert current is not None
    made = []
    for back in range(1, years + 1):
        start_year = current.school_year.starts_on.year - back
        d = year_dates(start_year)
        with transaction.atomic():
            year, _ = SchoolYear.objects.get_or_create(
                name=year_name(start_year),
                defaults={"starts_on": d.starts_on, "ends_on": d.ends_on, "is_estimated": True},
            )
            first, _ = Period.objects.get_or_create(
                school_year=year, number=1, defaults={"starts_on": d.starts_on, "ends_on": d.semester1_ends_on}
            )
            second, _ = Period.objects.get_or_create(
                school_year=year, number=2, defaults={"starts_on": d.semester2_starts_on, "ends_on": d.ends_on}
            )
            ensure_year_partitions([start_year])  # (the seed's own calendar rows were saved before)
            for period, weeks in ((first, 52 * back), (second, 52 * back - 20)):
                shift = weeks * 7
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO journal_attendanceday (pupil_id, date, lessons, unjustified, illness, other_justified, late) "
                        "SELECT pupil_id, date - %(shift)s, lessons, unjustified, illness, other_justified, late "
                        "FROM journal_attendanceday WHERE date BETWEEN %(from)s AND %(to)s",
                        {"shift": shift, "from": current.starts_on, "to": current.ends_on},
                    )
                    cursor.execute(
                        "INSERT INTO journal_attendancemark (pupil_id, date, lesson, subject_id, mark, category) "
                        "SELECT pupil_id, date - %(shift)s, lesson, subject_id, mark, category "
                        "FROM journal_attendancemark WHERE date BETWEEN %(from)s AND %(to)s",
                        {"shift": shift, "from": current.starts_on, "to": current.ends_on},
                    )
                    cursor.execute(
                        "INSERT INTO journal_grade (pupil_id, subject_id, period_id, date, kind, value_kind, score, level) "
                        "SELECT pupil_id, subject_id, %(period)s, date - %(shift)s, kind, value_kind, score, level "
                        "FROM journal_grade WHERE period_id = %(current)s",
                        {"shift": shift, "period": period.pk, "current": current.pk},
                    )
        made.append(year.name)
    return made


def drop_past_years(today: dt.date) -> None:
    """A reused database: the past years an earlier run added go, whole partitions at a time."""
    from django.db import transaction

    from pumpurs.journal.partitions import PARTITIONED, drop_year_partitions_through
    from pumpurs.people.calendar import semester_on

    current = semester_on(today)
    assert current is not None
    with transaction.atomic():
        for table in PARTITIONED:
            drop_year_partitions_through(table, current.school_year.starts_on - dt.timedelta(days=1))


def measure(label: str, today: dt.date, requests: int, warmup: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client

    from pumpurs.people.calendar import semester_on
    from pumpurs.people.models import User
    from pumpurs.risk.indicators import indicators_refresh

    period = semester_on(today)
    assert period is not None
    upto = min(today, period.ends_on)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM journal_attendanceday")
        rows = cursor.fetchone()[0]
        cursor.execute(FLOOR_SQL, [period.starts_on, upto])
        cursor.fetchall()
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, [period.starts_on, upto])
        cursor.fetchall()
        floor = time.perf_counter() - started
    indicators_refresh(today=today, period=period)
    again = indicators_refresh(today=today, period=period)

    institution, username, pupils = pick_school(os.environ["DATABASE_URL"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    target = f"/risk/watch/?institution={institution}"
    for _ in range(warmup):
        assert client.get(target).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(target)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    p50, p95 = statistics.median(times), percentile(times, 95)
    load = os.getloadavg()[0]
    print(
        f"{label:<34} {rows:>12,} attendance rows | floor {floor:6.2f} s | refresh again {again.seconds:6.2f} s "
        f"(ratio {again.seconds / floor:4.2f}) | watch list ({pupils} pupils) p50 {p50:6.1f} ms p95 {p95:6.1f} ms "
        f"| load {load:.1f}",
        flush=True,
    )
    return {"floor": floor, "refresh": again.seconds, "p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument(
        "--years", type=int, default=5, help="school years of facts in the end (the seeded one included)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--plain-too", action="store_true", help="measure again with the tables made plain")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="use the seeded one-year database if it exists")
    args = parser.parse_args()

    base = args.database_url.rsplit("/", 1)[0]
    url = f"{base}/{DB_NAME}"
    settings = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "pumpurs.settings",
        "PUMPURS_HTTPS": "0",
        "PUMPURS_ALLOWED_HOSTS": "127.0.0.1",
        "PUMPURS_SECOND_FACTOR": "0",
        "PUMPURS_LOG_LEVEL": "WARNING",
    }
    os.environ.update(settings)
    env = dict(os.environ)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    today = args.today or semester_end(timezone.localdate())
    fresh = not (args.reuse and exists(args.database_url, DB_NAME))
    if fresh:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}")
        pumpurs(["migrate", "-v", "0"], env)
        started = time.perf_counter()
        seed_national(args.pupils, args.seed, today, env)
        print(f"seeded {args.pupils:,} pupils in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        drop_past_years(today)
    admin(url, "VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"{dt.date.today()}: nproc {os.cpu_count()}, {platform.machine()}, PostgreSQL {server}; as of {today}")
    one = measure("one school year, partitioned", today, args.requests, args.warmup)
    started = time.perf_counter()
    names = add_past_years(args.years - 1, today)
    connection.close()
    admin(url, "VACUUM ANALYZE")
    print(f"added {', '.join(names)} in {time.perf_counter() - started:.0f} s", flush=True)
    five = measure(f"{args.years} school years, partitioned", today, args.requests, args.warmup)
    print(
        f"with {args.years} years against one: floor ×{five['floor'] / one['floor']:.2f}, "
        f"refresh ×{five['refresh'] / one['refresh']:.2f}, watch list p95 ×{five['p95'] / one['p95']:.2f}"
    )
    if args.plain_too:
        connection.close()
        pumpurs(["migrate", "journal", "0003", "-v", "0"], env)
        admin(url, "VACUUM ANALYZE")
        plain = measure(f"{args.years} school years, plain tables", today, args.requests, args.warmup)
        print(
            f"plain against partitioned, {args.years} years: floor ×{plain['floor'] / five['floor']:.2f}, "
            f"refresh ×{plain['refresh'] / five['refresh']:.2f}, watch list p95 ×{plain['p95'] / five['p95']:.2f}"
        )
        connection.close()
        pumpurs(["migrate", "-v", "0"], env)
    connection.close()
    if not args.keep:
        admin(args.database_url, f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
