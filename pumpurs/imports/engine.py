"""Running one import: read → validate every row → (dry run | apply in one transaction).

A file with any invalid row is rejected whole and changes nothing. Fact kinds go through a
staging table and one set-based merge; register kinds (institutions, pupil rosters) are applied
row by row through the people services' rules, still in one transaction.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from pumpurs.imports.context import ImportContext
from pumpurs.imports.readers import BATCH_ROWS, Source, SourceError, iter_batches
from pumpurs.imports.result import ERROR_SCHEMA, ImportResult
from pumpurs.imports.specs import SPECS
from pumpurs.imports.specs.base import ImportSpec, tidy
from pumpurs.imports.staging import Stage
from pumpurs.journal.rollups import (
    keep_rollups,
    rollup_kind,
    rollups_on,
    semesters,
    touched_columns,
    touched_summary,
)

Progress = Callable[[int], None]
# One batch as read and checked: (clean rows, errors, rows read).
Checked = tuple[pl.DataFrame, pl.DataFrame, int]
# Rosters and registers are held whole and applied row by row: a national roster is about
# 250 000 pupils, so twice that is the most one file may hold, whatever PUMPURS_IMPORT_MAX_ROWS says.
REGISTER_ROWS = 500_000


class _Rejected(Exception):
    """Raised inside the transaction to roll everything back."""


def whole_file_error(kind: str, code: str, message: str, *, column: str = "", row: int = 1) -> ImportResult:
    errors = pl.DataFrame([(row, column, code, message)], schema=ERROR_SCHEMA, orient="row")
    return ImportResult(status="rejected", kind=kind, errors=errors)


def choose_spec(kind: str, header: list[str]) -> tuple[ImportSpec, list[str]] | ImportResult:
    """Pick the shape whose columns the header has; else report what is missing or repeated
    against the shape the header most resembles."""
    candidates = []
    for spec in SPECS[kind]:
        names, missing, duplicated = spec.match_header(header)
        if not missing and not duplicated:
            return spec, names
        resemblance = sum(s in names for s in spec.signature)
        candidates.append((-resemblance, len(missing), spec, missing, duplicated))
    spec, missing, duplicated = min(candidates, key=lambda c: (c[0], c[1]))[2:]
    if duplicated:
        return whole_file_error(
            kind,
            "column_repeated",
            _("The column %(column)s appears more than once in the header: keep one.")
            % {"column": ", ".join(duplicated)},
            column=duplicated[0],
        )
    return whole_file_error(
        kind,
        "columns_missing",
        _(
            "Required column(s) missing: %(missing)s. The header must name: %(required)s (Latvian names are accepted too)."
        )
        % {"missing": ", ".join(missing), "required": ", ".join(spec.required)},
        column=missing[0],
    )


def _with_optional(batch: pl.DataFrame, spec: ImportSpec) -> pl.DataFrame:
    absent = [c.name for c in spec.columns if c.name not in batch.columns]
    if not absent:
        return batch
    return batch.with_columns(pl.lit(None, dtype=pl.String).alias(name) for name in absent)


def _prepare(raw: pl.DataFrame, spec: ImportSpec) -> pl.DataFrame:
    """Add absent optional columns, strip every cell once, and drop wholly empty lines."""
    names = [c.name for c in spec.columns]
    batch = tidy(_with_optional(raw, spec), names)
    return batch.filter(~pl.all_horizontal(pl.col(n).is_null() for n in names))


def run_import(
    *,
    kind: str,
    source: Source,
    ctx: ImportContext,
    dry_run: bool,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportResult:
    chosen = choose_spec(kind, source.header)
    if isinstance(chosen, ImportResult):
        return chosen
    spec, names = chosen
    headings = {
        name: cell.replace("\ufeff", "").strip()
        for name, cell in zip(names, source.header, strict=False)
        if not name.startswith("_")
    }
    result = _run_chosen(
        spec, names, kind=kind, source=source, ctx=ctx, dry_run=dry_run, progress=progress, batch_rows=batch_rows
    )
    result.headings = headings
    return result


def _run_chosen(
    spec: ImportSpec,
    names: list[str],
    *,
    kind: str,
    source: Source,
    ctx: ImportContext,
    dry_run: bool,
    progress: Progress | None,
    batch_rows: int,
) -> ImportResult:
    try:
        with transaction.atomic():
            _statement_limits()
            if spec.apply_rows is not None:
                result = _run_register(spec, source, names, ctx, dry_run, progress, batch_rows)
            else:
                result = _run_facts(spec, source, names, ctx, dry_run, progress, batch_rows)
            if result.status != "applied":
                raise _Rejected
    except _Rejected:
        pass
    except SourceError as exc:
        return whole_file_error(kind, exc.code, exc.message, row=exc.row, column=exc.column)
    return result


def _statement_limits() -> None:
    """PostgreSQL: bound each statement of the import, and have the server check every few seconds
    that the importing process is still there — a killed worker's merge then stops within seconds
    instead of running on for a minute (issue 17, M6). ``SET LOCAL``: only this transaction."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [f"{settings.PUMPURS_IMPORT_STATEMENT_SECONDS}s"]
        )
        if connection.pg_version >= 140000:  # type: ignore[attr-defined]  # the client check came in 14
            cursor.execute("SELECT set_config('client_connection_check_interval', '5s', true)")


def _run_facts(
    spec: ImportSpec,
    source: Source,
    names: list[str],
    ctx: ImportContext,
    dry_run: bool,
    progress: Progress | None,
    batch_rows: int,
) -> ImportResult:
    ctx.preload(pupils=False)
    # The pupils' query runs while the checking thread reads, checks and hashes the first batch.
    batches = _validated(spec, source, names, ctx, batch_rows, before=ctx.load_pupils)
    stream: Iterator[Checked] = batches
    if connection.vendor == "postgresql" and not dry_run:
        first = next(batches, None)
        ahead = [] if first is None else [first]
        stream = itertools.chain(ahead, batches)
        if first is not None and not first[1].height and not _any_stored(spec, first[0]):
            direct = _run_direct(spec, stream, progress)
            if direct is not None:
                return direct
            batches.close()  # stop the reading thread of the abandoned attempt
            stream = _validated(spec, source, names, ctx, batch_rows)  # read again, from the start
    return _run_staged(spec, stream, dry_run, progress)


# Keys of the first batch probed in the target before choosing the direct path.
PROBE_KEYS = 200


def _any_stored(spec: ImportSpec, clean: pl.DataFrame) -> bool:
    """Whether some of the first batch's first keys are already stored: then the file corrects or
    repeats known facts, the direct ``COPY`` would stop at the first of them, and the staging path
    (which compares and merges) is taken at once, without reading the file twice. A probe of a few
    hundred keys by the primary key's index, in one statement."""
    sample = clean.head(PROBE_KEYS).select(spec.key)
    if not sample.height:
        return False
    qn = connection.ops.quote_name
    key = ", ".join(qn(c) for c in spec.key)
    rows = ", ".join(["(" + ", ".join(["%s"] * len(spec.key)) + ")"] * sample.height)
    params = [value for row in sample.iter_rows() for value in row]
    table = qn(spec.target._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE ({key}) IN (VALUES {rows}))", params)  # noqa: S608 -- names are the model's, values are parameters
        return bool(cursor.fetchone()[0])


def _validated(
    spec: ImportSpec,
    source: Source,
    names: list[str],
    ctx: ImportContext,
    batch_rows: int,
    *,
    before: Callable[[], None] | None = None,
) -> Generator[Checked]:
    """(clean rows, errors, rows read) per batch, prepared one batch ahead in a second thread.

    Reading and validating (polars, which releases the GIL) overlaps with the database taking
    the previous batch. The queue holds one batch, so memory stays bounded. The caller must
    have run ``ctx.preload()``: the thread never touches the connection (which may be busy
    with a COPY by then). ``before`` runs on the caller's thread once the checking thread has
    started — the database work the checks wait for (``ctx.load_pupils``).
    """
    assert spec.validate is not None
    validate = spec.validate
    language = translation.get_language()
    handoff: queue.Queue[tuple[pl.DataFrame, pl.DataFrame, int] | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            with translation.override(language):
                for raw in iter_batches(source, names, batch_rows=batch_rows):
                    if stop.is_set():
                        return
                    batch = _prepare(raw, spec)
                    long = spec.length_errors(batch)
                    checked = batch.join(long.select("_row").unique(), on="_row", how="anti") if long.height else batch
                    clean, errors = validate(checked, ctx)
                    if long.height:
                        errors = pl.concat([errors, long], how="vertical")
                    handoff.put((clean, errors, batch.height))
            handoff.put(None)
        except BaseException as exc:  # handed to the consumer thread, which re-raises it
            handoff.put(exc)

    worker = threading.Thread(target=produce, name="pumpurs-import-validate", daemon=True)
    worker.start()
    try:
        if before is not None:
            before()
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                handoff.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


class _Fallback(Exception):
    """The direct path cannot finish: redo the import through the staging table."""


def _run_direct(spec: ImportSpec, batches: Iterator[Checked], progress: Progress | None) -> ImportResult | None:
    """PostgreSQL fast path for facts that are all new: ``COPY`` straight into the target.

    The target's primary key refuses a key that already exists or repeats in the file; then
    (or at the first invalid row) everything written here is rolled back to a savepoint and the
    caller takes the staging path, which reports, counts and merges exactly. For a file of new
    days this skips the stage, its index and the merge. This is the one place where a batch of
    new facts is written.
    """
    import psycopg

    table = connection.ops.quote_name(spec.target._meta.db_table)
    columns = [*spec.key, *spec.values]
    result = ImportResult(status="applied", kind=spec.kind, shape=spec.shape)
    rolled = rollup_kind(spec.target)
    touched: list[pl.DataFrame] = []  # per batch: each pupil's earliest date (the rollups' upkeep)
    periods = semesters() if rolled is not None else []  # read before the COPY holds the connection
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint inside the import's transaction
            raw = cursor.cursor
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                for clean, errors, read in batches:
                    if errors.height:
                        raise _Fallback
                    result.rows += read
                    # In the key's order: the primary key's index is then filled leaf after leaf.
                    rows = clean.select(columns).sort(list(spec.key))
                    copy.write(rows.write_csv(include_header=False, date_format="%Y-%m-%d"))
                    if rolled is not None:
                        touched.append(touched_summary(rolled, clean, periods))
                    if progress is not None:
                        progress(result.rows)
            if result.rows == 0:
                raise _Fallback  # the staging path reports the empty file
            if rolled is not None:
                keep_rollups(rolled, pl.concat(touched))  # decision 0050: in the same transaction
    except (_Fallback, psycopg.errors.UniqueViolation):
        return None
    result.created = result.rows
    return result


def _run_staged(
    spec: ImportSpec,
    batches: Iterator[Checked],
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    result = ImportResult(status="applied", kind=spec.kind, shape=spec.shape)
    stage = Stage(spec)
    error_frames: list[pl.DataFrame] = []
    for clean, errors, read in batches:
        result.rows += read
        if errors.height:
            error_frames.append(errors)
        stage.load(clean)  # kept even after an error: repeated keys are reported too
        if progress is not None:
            progress(result.rows)
    stage_duplicates = stage.duplicates() if stage.has_duplicates() else []
    stage.analyse()
    if stage_duplicates:
        error_frames.append(
            pl.DataFrame(
                [
                    (row, ",".join(spec.key).replace("_id", ""), "duplicate_row", _duplicate_message(first))
                    for row, first in stage_duplicates
                ],
                schema=ERROR_SCHEMA,
                orient="row",
            )
        )
    return _finish(result, error_frames, dry_run, stage)


def _duplicate_message(first: int) -> str:
    return _("This row repeats the key of row %(first)s (the same pupil and the same fact): keep one of them.") % {
        "first": first
    }


def _finish(result: ImportResult, error_frames: list[pl.DataFrame], dry_run: bool, stage: Stage | None) -> ImportResult:
    if error_frames:
        result.errors = pl.concat(error_frames, how="vertical").unique(maintain_order=True)
        result.rejected = result.errors.get_column("_row").n_unique()
        result.status = "rejected"
        return result
    if result.rows == 0:
        result.errors = pl.DataFrame(
            [(1, "", "no_rows", _("The file has a header but no data rows: nothing to import."))],
            schema=ERROR_SCHEMA,
            orient="row",
        )
        result.status = "rejected"
        return result
    if stage is not None:
        if dry_run:
            result.created, result.updated, result.unchanged = stage.counts()
        else:
            rolled = rollup_kind(stage.model)
            # While the rollups are off the upkeep only drops the built marks: no need to list the changes.
            changed = (
                stage.changed_facts(touched_columns(rolled, stage.columns))
                if rolled is not None and rollups_on()
                else ""
            )
            result.created, result.updated = stage.merge()
            if rolled is not None:
                keep_rollups(rolled, changed)  # decision 0050: in the same transaction as the merge
            result.unchanged = result.rows - result.created - result.updated
        stage.drop()
    result.status = "dry-run" if dry_run else "applied"
    return result


def _run_register(
    spec: ImportSpec,
    source: Source,
    names: list[str],
    ctx: ImportContext,
    dry_run: bool,
    progress: Progress | None,
    batch_rows: int,
) -> ImportResult:
    """Institutions and rosters: validate every row first, then write through the row rules."""
    assert spec.apply_rows is not None
    result = ImportResult(status="applied", kind=spec.kind, shape=spec.shape)
    frames = []
    for raw in iter_batches(source, names, batch_rows=batch_rows):
        batch = _prepare(raw, spec)
        result.rows += batch.height
        if result.rows > REGISTER_ROWS:
            # Register rows are checked and written one by one, all held at once: a cap of their own.
            raise SourceError(
                "too_many_rows",
                _("The file has more than %(max)s rows: split it (for example by month).") % {"max": REGISTER_ROWS},
                row=REGISTER_ROWS + 2,
            )
        frames.append(batch)
        if progress is not None:
            progress(result.rows)
    rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame()
    long = spec.length_errors(rows)
    if long.height:
        # Cells longer than their column takes: refused before any rule reads them.
        return _finish(result, [long], dry_run, None)
    error_frames = spec.apply_rows(rows=rows, ctx=ctx, result=result, dry_run=dry_run)
    if error_frames:
        return _finish(result, error_frames, dry_run, None)
    if result.rows == 0:
        return _finish(result, [], dry_run, None)
    result.status = "dry-run" if dry_run else "applied"
    return result


def write_report(result: ImportResult, path: Path) -> None:
    """The error report as CSV; cells that a spreadsheet would run as a formula are neutralised."""
    frame = result.errors.sort("_row", "column").rename({"_row": "row"})
    frame = frame.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in ("column", "code", "message")
    )
    frame.write_csv(path)
