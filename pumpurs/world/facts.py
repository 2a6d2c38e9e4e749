"""Journal facts for ``pumpurs seed``: drawn by ``journal.seeding``, loaded through the import
services (``import_batch_create`` / ``import_batch_run``), so the synthetic facts take the same
validation and the same bulk path (``COPY`` + one merge on PostgreSQL) as a school's files — and
show on every seed that files of this shape import cleanly. This composes journal and imports,
so it lives here, above both.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from pumpurs.core.bulkload import foreign_keys_checked_once
from pumpurs.imports.services import import_batch_create, import_batch_run
from pumpurs.journal.models import AttendanceDay, AttendanceMark, Grade, Incident
from pumpurs.journal.seeding import CHUNK_PUPILS, write_fact_files
from pumpurs.journal.seeding.roster import semesters_for
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor

# The seed loads its facts as the server's operator would: explicitly over the whole country.
SEED_IMPORTER = SystemActor(name="system:seed", perms=frozenset({Perm.IMPORT_DATA}), scope=Scope.country())

# What the seed loads in bulk: their foreign keys are validated once after the load.
FACT_TABLES: list[type] = [AttendanceDay, AttendanceMark, Grade, Incident]


class FactsNotLoaded(RuntimeError):
    """The import rejected generated facts: a bug in the generator (or the calendar changed)."""


def facts_seed(*, preset: str, seed: int, today: dt.date, chunk_pupils: int = CHUNK_PUPILS) -> dict[str, int]:
    """Generate and import the preset's facts; return rows imported per kind.

    Invariants: facts only on school days up to ``today`` and from each pupil's enrolment; each
    kind is applied whole or the call raises ``FactsNotLoaded`` (the caller's transaction then
    undoes everything); the fact tables' foreign keys are checked once after the load, set-based
    (``core.bulkload``, decision 0032), not row by row at commit. Inverse: none — seed a fresh
    database.
    """
    counts = {"attendance": 0, "grades": 0, "incidents": 0}
    semesters = semesters_for(preset, today)
    if not semesters:
        return counts
    with tempfile.TemporaryDirectory(prefix="pumpurs-facts-") as tmp:
        files = write_fact_files(
            Path(tmp), preset=preset, seed=seed, today=today, semesters=semesters, chunk_pupils=chunk_pupils
        )
        with foreign_keys_checked_once(FACT_TABLES):
            for kind, (path, rows) in files.items():
                if rows:
                    with _row_limit_at_least(rows):
                        counts[kind] = _load(kind, path, today)
    return counts


@contextmanager
def _row_limit_at_least(rows: int) -> Iterator[None]:
    """Lift the import's row limit to this file's rows for the seed's own load.

    ``PUMPURS_IMPORT_MAX_ROWS`` (5 M by default) guards the service against a hostile or mistaken
    upload; the seed's files are the operator's own bulk load, generated a moment ago, and a
    national semester of daily attendance passes 5 M rows by late autumn (250 000 pupils × ~20
    school days a month). The limit is a process setting read by the import's reader thread, so
    it is overridden for the process, for the length of this one load; the seed runs alone."""
    from django.test.utils import override_settings  # a public context manager, not test-only

    if rows <= settings.PUMPURS_IMPORT_MAX_ROWS:
        yield
        return
    with override_settings(PUMPURS_IMPORT_MAX_ROWS=rows):
        yield


def _load(kind: str, path: Path, today: dt.date) -> int:
    batch = import_batch_create(
        actor=SEED_IMPORTER, kind=kind, path=path, filename=f"seed-{path.name}", institution=None, dry_run=False
    )
    result = import_batch_run(batch, actor=SEED_IMPORTER, today=today)
    if result.status != "applied":
        raise FactsNotLoaded(
            f"The {kind} import of the synthetic facts was {result.status}: {result.error_dicts(limit=5)}"
        )
    return result.created + result.updated + result.unchanged
