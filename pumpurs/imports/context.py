"""What an import run knows about its world: today, the calendar, subjects, and whose pupils."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Exists, OuterRef

from pumpurs.core import crypto
from pumpurs.imports.codes import personal_code_problems
from pumpurs.imports.headers import normalise_header
from pumpurs.journal.models import Subject
from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.models import Enrolment, Institution, Period, SchoolYear

LOOKUP_SCHEMA = {"_code": pl.String, "_problem": pl.String, "pupil_id": pl.Int64}


@dataclass
class ImportContext:
    actor: Actor
    today: dt.date
    institution: Institution | None
    pupils: Any  # QuerySet[Pupil]: the pupils this run may write facts for
    school_days: tuple[dt.date, dt.date]
    _pupil_by_hash: pl.DataFrame | None = None
    _pupils_deferred: bool = False
    _pupils_ready: threading.Event = field(default_factory=threading.Event)
    _pupil_by_digits: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"_digits": pl.String, "pupil_id": pl.Int64})
    )
    _subjects: dict[str, int] | None = None
    _periods: list[tuple[dt.date, dt.date, int, int]] | None = None

    @classmethod
    def build(cls, *, actor: Actor, today: dt.date, institution: Institution | None, pupils: Any) -> ImportContext:
        years = SchoolYear.objects.order_by("starts_on")
        first = years.first()
        last = years.last()
        bounds = (today, today) if first is None or last is None else (first.starts_on, last.ends_on)
        return cls(actor=actor, today=today, institution=institution, pupils=pupils, school_days=bounds)

    def preload(self, *, pupils: bool = True) -> None:
        """Load what the checks read from the database, so they can run off-thread.

        ``pupils=False`` leaves the importer's pupils to ``load_pupils``, called later on this
        thread: a check that needs them waits at its first look-up. The engine reads them while
        its checking thread reads, checks and hashes the first batch (which needs no database)."""
        self.subjects()
        self.periods()
        if pupils:
            self.load_pupils()
        else:
            self._pupils_deferred = True

    # ---- pupils ---------------------------------------------------------------------------------

    def load_pupils(self) -> None:
        """Read the importer's pupils (on the thread that owns the connection). Whatever happens,
        a check waiting for them is released: after a failure it raises instead of waiting."""
        try:
            if self._pupil_by_hash is None:
                self._pupil_by_hash = self._read_pupils()
        finally:
            self._pupils_ready.set()

    def pupil_by_hash(self) -> pl.DataFrame:
        """(look-up hash, pupil id) of every pupil this run may write facts for, as one frame;
        read now, or — after ``preload(pupils=False)`` — waited for."""
        if self._pupils_deferred:
            self._pupils_ready.wait()
            if self._pupil_by_hash is None:
                raise RuntimeError("The importer's pupils could not be read.")
        elif self._pupil_by_hash is None:
            self.load_pupils()
        assert self._pupil_by_hash is not None
        return self._pupil_by_hash

    def _read_pupils(self) -> pl.DataFrame:
        """Read with one plain cursor query (a national scope is 250 000 rows: as Django tuples
        into a dict it took 0.5–1.2 s) and joined to the file's codes in polars. Unordered: the
        pupils' default order (by name) made the server sort the whole scope, on disk at the
        default ``work_mem`` — 0.7 of a national query's 0.8 s on a quiet machine (decision 0059)."""
        schema = {"_hash": pl.String, "pupil_id": pl.Int64}
        rows = self.pupils.order_by().values_list("personal_code_hash", "pk")
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The rows as one text value, parsed by polars: no Python object per pupil, and
                # one message from the server (a COPY sends one per row: 250 000 reads in Python
                # took 2.5 s of a national import's preload; decision 0059).
                cursor.execute(
                    f"SELECT string_agg(p.h || ',' || p.i, E'\\n') FROM ({sql}) AS p (h, i)",  # noqa: S608 — the queryset's own SQL
                    params,
                )
                (body,) = cursor.fetchone()
                if body is None:  # nobody in scope
                    return pl.DataFrame(schema=schema)
                return pl.read_csv(body.encode(), has_header=False, new_columns=list(schema), schema=schema)
            cursor.execute(sql, params)
            return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")

    def code_lookup(self, codes: list[str]) -> pl.DataFrame:
        """For each distinct normalised code: the validator's complaint (or None) and the pupil id.

        Checked by column (``imports.codes``); each valid code is hashed once per run (the keyed
        hash is the one per-code step left in Python) and matched to the pupils by a join. The
        codes seen so far stay in a frame (code → pupil id or null), so a file that names each
        pupil on many days hashes each code once and looks it up by a join, not a Python loop."""
        checked = personal_code_problems(pl.Series("_code", codes, dtype=pl.String))
        seen = self._pupil_by_digits
        digits = checked.select(pl.col("_digits").drop_nulls().unique())
        fresh = digits.join(seen, on="_digits", how="anti").get_column("_digits").to_list()
        if fresh:
            hashes = pl.DataFrame(
                {"_digits": fresh, "_hash": crypto.lookup_hashes(fresh)},
                schema={"_digits": pl.String, "_hash": pl.String},
            )
            found = hashes.join(self.pupil_by_hash(), on="_hash", how="left").select("_digits", "pupil_id")
            seen = self._pupil_by_digits = pl.concat([seen, found], how="vertical", rechunk=False)
        mapped = checked.join(seen, on="_digits", how="left")
        return mapped.select(pl.col(name).cast(dtype) for name, dtype in LOOKUP_SCHEMA.items())

    # ---- subjects and periods -------------------------------------------------------------------

    def subjects(self) -> dict[str, int]:
        """Normalised name or code → subject id (active subjects only)."""
        if self._subjects is None:
            self._subjects = {}
            for pk, code, name in Subject.objects.filter(is_active=True).values_list("pk", "code", "name"):
                self._subjects[normalise_header(code)] = pk
                self._subjects[normalise_header(name)] = pk
        return self._subjects

    def periods(self) -> list[tuple[dt.date, dt.date, int, int]]:
        """(school year start, school year end, semester number, period id) for every period."""
        if self._periods is None:
            self._periods = [
                (p.school_year.starts_on, p.school_year.ends_on, p.number, p.pk)
                for p in Period.objects.select_related("school_year")
            ]
        return self._periods


def pupils_for_import(actor: Actor, institution: Institution | None) -> Any:
    """The pupils whose facts ``actor`` may import, optionally narrowed to one institution. There
    is no "everyone": the operator's command line is a system actor with an explicit scope."""
    pupils = access.pupils_visible_to(actor, access.Perm.IMPORT_DATA)
    if institution is not None:
        pupils = pupils.filter(Exists(Enrolment.objects.filter(pupil_id=OuterRef("pk"), institution=institution)))
    return pupils
