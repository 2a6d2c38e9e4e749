"""What an import run knows about its world: today, the calendar, subjects, and whose pupils."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from pumpurs.core import crypto
from pumpurs.imports.headers import normalise_header
from pumpurs.journal.models import Subject
from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.models import Enrolment, Institution, Period, SchoolYear
from pumpurs.people.personal_code import parse_personal_code

LOOKUP_SCHEMA = {"_code": pl.String, "_problem": pl.String, "pupil_id": pl.Int64}


@dataclass
class ImportContext:
    actor: Actor
    today: dt.date
    institution: Institution | None
    pupils: Any  # QuerySet[Pupil]: the pupils this run may write facts for
    school_days: tuple[dt.date, dt.date]
    _pupil_by_hash: dict[str, int] | None = None
    _code_cache: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    _subjects: dict[str, int] | None = None
    _periods: list[tuple[dt.date, dt.date, int, int]] | None = None

    @classmethod
    def build(cls, *, actor: Actor, today: dt.date, institution: Institution | None, pupils: Any) -> ImportContext:
        years = SchoolYear.objects.order_by("starts_on")
        first = years.first()
        last = years.last()
        bounds = (today, today) if first is None or last is None else (first.starts_on, last.ends_on)
        return cls(actor=actor, today=today, institution=institution, pupils=pupils, school_days=bounds)

    def preload(self) -> None:
        """Load everything the checks read from the database, so they can run off-thread."""
        self.pupil_by_hash()
        self.subjects()
        self.periods()

    # ---- pupils ---------------------------------------------------------------------------------

    def pupil_by_hash(self) -> dict[str, int]:
        if self._pupil_by_hash is None:
            self._pupil_by_hash = dict(self.pupils.values_list("personal_code_hash", "pk"))
        return self._pupil_by_hash

    def code_lookup(self, codes: list[str]) -> pl.DataFrame:
        """For each distinct normalised code: the validator's complaint (or None) and the pupil id."""
        by_hash = self.pupil_by_hash()
        rows: list[tuple[str, str | None, int | None]] = []
        for code in codes:
            cached = self._code_cache.get(code)
            if cached is None:
                try:
                    parsed = parse_personal_code(code)
                except ValidationError as exc:
                    cached = (exc.messages[0], None)
                else:
                    cached = (None, by_hash.get(crypto.lookup_hash(parsed.digits)))
                self._code_cache[code] = cached
            rows.append((code, cached[0], cached[1]))
        return pl.DataFrame(rows, schema=LOOKUP_SCHEMA, orient="row")

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
