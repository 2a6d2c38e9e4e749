"""Realistic synthetic journal facts for the seeded pupils: attendance, grades and incidents.

``facts_seed`` runs after ``pumpurs seed`` has created the pupils (``--no-facts`` skips it):

* Gulbene demo: daily attendance, grades and incidents for the previous and the current school
  year, up to ``today`` (pupils who joined during this year, and this year's first-graders, have
  no facts for the year before);
* national preset: daily attendance, grades and incidents for one semester — the current one up
  to ``today``, or the last one in full when it has ended (summer, Christmas). At 250 000 pupils
  that is the scale issue 4's refresh benchmark asks for (a semester of attendance and grades).

Most pupils are ordinary: a spell or two of illness a semester, rare lateness, now and then a
skipped lesson, grades around 6–7 with spread. About 6 % drift away from school: from a personal
onset their unjustified absences and lateness rise, their grades fall and incidents become more
frequent (see ``model``). School days are the weekdays inside the semesters of
``people.Period``; public holidays and school holidays inside a semester are ignored.

The facts are written as the CSV files a school would export and loaded through the import
services (``import_batch_create`` / ``import_batch_run``) — the same validation and the same bulk
path (``COPY`` + one merge on PostgreSQL) as any other import. Files are generated vectorised in
chunks of pupils, so memory stays bounded for a country's semester. Same seed and same date →
the same facts.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl

from pumpurs.imports.services import import_batch_create, import_batch_run
from pumpurs.journal.seeding import grades as grade_model
from pumpurs.journal.seeding import model
from pumpurs.journal.seeding.roster import Semester, roster, school_days, semesters_for
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor

CHUNK_PUPILS = 10_000
# The seed loads its facts as the server's operator would: explicitly over the whole country.
SEED_IMPORTER = SystemActor(name="system:seed", perms=frozenset({Perm.IMPORT_DATA}), scope=Scope.country())
ATTENDANCE_COLUMNS = ("personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late")


class FactsNotLoaded(RuntimeError):
    """The import rejected generated facts: a bug in the generator (or the calendar changed)."""


def facts_seed(*, preset: str, seed: int, today: dt.date, chunk_pupils: int = CHUNK_PUPILS) -> dict[str, int]:
    """Generate and import the preset's facts; return rows imported per kind.

    Invariants: facts only on school days up to ``today`` and from each pupil's enrolment; each
    kind is applied whole or the call raises ``FactsNotLoaded`` (the caller's transaction then
    undoes everything). Inverse: none — seed a fresh database.
    """
    counts = {"attendance": 0, "grades": 0, "incidents": 0}
    semesters = semesters_for(preset, today)
    if not semesters:
        return counts
    with tempfile.TemporaryDirectory(prefix="pumpurs-facts-") as tmp:
        files = write_fact_files(
            Path(tmp), preset=preset, seed=seed, today=today, semesters=semesters, chunk_pupils=chunk_pupils
        )
        for kind, (path, rows) in files.items():
            if rows:
                counts[kind] = _load(kind, path, today)
    return counts


def write_fact_files(
    directory: Path,
    *,
    preset: str,
    seed: int,
    today: dt.date,
    semesters: list[Semester] | None = None,
    chunk_pupils: int = CHUNK_PUPILS,
) -> dict[str, tuple[Path, int]]:
    """Write ``attendance.csv``, ``grades.csv`` and ``incidents.csv`` into ``directory``; return
    each file's path and number of data rows."""
    semesters = semesters_for(preset, today) if semesters is None else semesters
    days = school_days(semesters, today)
    current_start = max(s.year_starts_on for s in semesters)
    pupils = model.pupil_traits(roster(current_start, today), seed)
    subjects = grade_model.subjects_frame()
    paths = {
        "attendance": directory / "attendance.csv",
        "grades": directory / "grades.csv",
        "incidents": directory / "incidents.csv",
    }
    rows = dict.fromkeys(paths, 0)
    handles = {kind: path.open("wb") for kind, path in paths.items()}
    try:
        for start in range(0, max(pupils.height, 1), chunk_pupils):
            chunk = pupils.slice(start, chunk_pupils)
            if chunk.height == 0:
                break
            frame = model.pupil_days(chunk, days, seed).filter(_attended_here(current_start))
            parts = {
                "attendance": frame.select(ATTENDANCE_COLUMNS),
                "grades": grade_model.grades(frame, subjects, semesters, today, seed),
                "incidents": model.incidents(frame, seed),
            }
            for kind, part in parts.items():
                part.write_csv(handles[kind], include_header=start == 0, date_format="%Y-%m-%d")
                rows[kind] += part.height
    finally:
        for handle in handles.values():
            handle.close()
    return {kind: (path, rows[kind]) for kind, path in paths.items()}


def _attended_here(current_start: dt.date) -> pl.Expr:
    """This year: from the pupil's enrolment. The year before: only pupils who were here from this
    year's first day (a proxy for "were at this school then") and were already at school."""
    this_year = pl.col("year_starts_on") == pl.lit(current_start)
    return (
        pl.when(this_year)
        .then(pl.col("date") >= pl.col("enrolled_from"))
        .otherwise(pl.col("from_year_start") & (pl.col("effective_grade") >= 1))
    )


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


__all__ = ["FactsNotLoaded", "facts_seed", "write_fact_files"]
