"""The rollups' upkeep of a one-day file, the recompute-from-Monday upkeep (before decision 0050's
"proportional upkeep") against today's, alternating in the same run on the same database.

    git show ce1aa40:pumpurs/journal/rollups.py > /tmp/old_rollups.py
    .venv/bin/python benchmarks/rollups_upkeep_ab.py --database-name pumpurs_bench_upk_50000 --old /tmp/old_rollups.py

Uses a database made by ``benchmarks/rollups.py --keep`` (the rollups built). Each run, in a
transaction rolled back: the last day's attendance rows taken out (their upkeep untimed), written
back by ``COPY`` (timed: the file without the setting), then the upkeep (timed: what the setting
adds); the rollup and fact tables vacuumed after. Prints each run with the load average.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from indicators import admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-name", required=True)
    parser.add_argument("--old", required=True, help="the old journal/rollups.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url = f"{args.database_url.rsplit('/', 1)[0]}/{args.database_name}"
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="pumpurs.settings", PUMPURS_FACT_ROLLUPS="1")
    import django

    django.setup()
    import polars as pl
    from django.db import connection, transaction

    from pumpurs.journal import rollups as new

    spec = importlib.util.spec_from_file_location("old_rollups", args.old)
    assert spec is not None
    assert spec.loader is not None
    old = importlib.util.module_from_spec(spec)
    sys.modules["old_rollups"] = old  # dataclasses look their module up
    spec.loader.exec_module(old)

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(date) FROM journal_attendanceday")
        last = cursor.fetchone()[0]
    cols = ["pupil_id", "date", "lessons", "unjustified", "illness", "other_justified", "late"]
    times: dict[str, list[float]] = {"copy": [], "old": [], "new": []}
    for run in range(args.runs):
        for label, module in (("old", old), ("new", new)):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {', '.join(cols)} FROM journal_attendanceday WHERE date = %s", [last])
                day = pl.DataFrame(cursor.fetchall(), schema=cols, orient="row")
                cursor.execute("DELETE FROM journal_attendanceday WHERE date = %s", [last])
                new.keep_rollups("attendance", day.select("pupil_id", "date"))
                started = time.perf_counter()
                with cursor.cursor.copy(
                    f"COPY journal_attendanceday ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)"
                ) as copy:
                    copy.write(day.write_csv(include_header=False, date_format="%Y-%m-%d"))
                copied = time.perf_counter() - started
                load = os.getloadavg()[0]
                started = time.perf_counter()
                module.keep_rollups("attendance", day.select("pupil_id", "date"))
                took = time.perf_counter() - started
                transaction.set_rollback(True)
            times["copy"].append(copied)
            times[label].append(took)
            print(
                f"run {run + 1} {label}: COPY {copied:.2f} s, upkeep {took:.2f} s ({len(day)} rows, {last}), load {load:.1f}",
                flush=True,
            )
            admin(url, "VACUUM ANALYZE journal_attendanceweek", "VACUUM ANALYZE journal_attendanceday")
    for label, values in times.items():
        print(f"{label:5s} min {min(values):6.2f}  median {statistics.median(values):6.2f}  (n={len(values)})")
    ratios = [n / o for n, o in zip(times["new"], times["old"], strict=True)]
    print(f"new / old per run: {', '.join(f'{r:.2f}' for r in ratios)}")
    connection.close()


if __name__ == "__main__":
    main()
