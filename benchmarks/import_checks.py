"""The fact import's checks alone, on the one-day national file of ``import_day.py`` (issue 18, item 4).

    .venv/bin/python benchmarks/import_day.py --database-name DB --rekey        # once, as there
    .venv/bin/python benchmarks/import_day.py --database-name DB --day 2026-11-30 --runs 1  # writes the file
    .venv/bin/python benchmarks/import_checks.py --database-name DB --day 2026-11-30 --runs 3

Reads the file ``import_day.py`` wrote for ``--day`` (one row per pupil) into the engine's batches
(``iter_batches`` and ``_prepare``, as the checking thread does), loads the importer's pupils (the
operator's country scope) and checks every batch once to warm up: the personal codes are then
hashed and remembered by the context, as they are after a file's first look-up. Each run then times,
per batch and summed over the file, what the checking thread spends on a batch after reading it:
``length_errors``, then the spec's ``validate`` (codes by column, their join to the pupils, dates and
counts parsed, every check, the clean rows' columns). ``code look-up`` is the part of ``validate``
spent in ``ImportContext.code_lookup`` (hashes known: the by-column code check and the joins); the
``rest`` is what this benchmark is about. Wall time and process CPU time (all threads: polars runs
expressions on its own pool), with the load average before each run. Nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from import_day import database_url, day_file, load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-name", default="pumpurs_bench_bulk_day")
    parser.add_argument("--day", default="2026-12-07")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, help="default: the file import_day.py wrote for --day")
    args = parser.parse_args()
    url = database_url(args.database_url, args.database_name)
    path = args.file or day_file(args.database_name, args.day)
    if not path.exists():
        sys.exit(f"{path} does not exist: run import_day.py for this database and day first")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    import django

    django.setup()
    import polars as pl

    from pumpurs.imports.context import ImportContext, pupils_for_import
    from pumpurs.imports.engine import _prepare, choose_spec
    from pumpurs.imports.readers import iter_batches, open_source
    from pumpurs.imports.result import ImportResult
    from pumpurs.imports.services import import_operator

    actor = import_operator(institution=None)
    ctx = ImportContext.build(
        actor=actor, today=dt.date.fromisoformat(args.day), institution=None, pupils=pupils_for_import(actor, None)
    )
    ctx.preload()
    with tempfile.TemporaryDirectory() as tmp:
        source = open_source(path, tmpdir=Path(tmp))
        chosen = choose_spec("attendance", source.header)
        if isinstance(chosen, ImportResult):
            sys.exit(f"not an attendance file: {chosen.error_dicts()}")
        spec, names = chosen
        batches = [_prepare(raw, spec) for raw in iter_batches(source, names)]
    validate = spec.validate
    assert validate is not None
    lookup_seconds = [0.0, 0.0]  # wall, CPU
    code_lookup = ctx.code_lookup

    def timed_lookup(codes: list[str]) -> pl.DataFrame:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return code_lookup(codes)
        finally:
            lookup_seconds[0] += time.perf_counter() - started
            lookup_seconds[1] += time.process_time() - cpu

    ctx.code_lookup = timed_lookup  # type: ignore[method-assign]  # timed in place, this process only
    rows = sum(b.height for b in batches)
    print(
        f"pumpurs from {Path(sys.modules['pumpurs'].__file__ or '').parent}; polars {pl.__version__}, "
        f"{pl.thread_pool_size()} threads; file {path.name}: {rows:,} rows in {len(batches)} batches",
        flush=True,
    )

    def check_all() -> tuple[float, float, int]:
        errors = 0
        started, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            long = spec.length_errors(batch)
            _clean, found = validate(batch, ctx)
            errors += long.height + found.height
        return time.perf_counter() - started, time.process_time() - cpu, errors

    check_all()  # warm-up: hashes the codes once, as a file's first look-up does
    results = []
    for run in range(1, args.runs + 1):
        before = load()
        lookup_seconds[:] = [0.0, 0.0]
        wall, cpu, errors = check_all()
        lookup, lookup_cpu = lookup_seconds
        results.append((wall, cpu, lookup, lookup_cpu, wall - lookup, cpu - lookup_cpu))
        print(
            f"run {run}: checks {wall:.3f} s wall, {cpu:.3f} s CPU; code look-up {lookup:.3f} s wall, "
            f"{lookup_cpu:.3f} s CPU; rest {wall - lookup:.3f} s wall, {cpu - lookup_cpu:.3f} s CPU; "
            f"{errors} errors; load before {before}, after {load()}",
            flush=True,
        )
    labels = ("wall", "CPU", "code look-up wall", "code look-up CPU", "rest wall", "rest CPU")
    for index, label in enumerate(labels):
        values = [r[index] for r in results]
        print(f"{label}: min {min(values):.3f} s, median {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
