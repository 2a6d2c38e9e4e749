"""Pupil rosters: register new pupils, move pupils whose class changed, keep the history.

Columns: ``personal_code, first_name, last_name, birth_date, gender, institution_code, class,
grade`` plus optional ``enrolled_from`` and guardian columns (``guardian_name,
guardian_relation, guardian_phone, guardian_email``). A class missing in the current school
year is created (and said so in the notes); a pupil enrolled at a school outside the importer's
scope is an error, never a silent move. The rules are the people roster's (``people.roster``), the
same as registering or moving one pupil: this module only reads the cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.result import ERROR_SCHEMA
from pumpurs.imports.specs.attendance import PERSONAL_CODE
from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import folded, parse_date_text
from pumpurs.people import access
from pumpurs.people.models import Institution
from pumpurs.people.roster import GuardianEntry, PupilEntry, roster_apply

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext
    from pumpurs.imports.result import ImportResult

# A birth date further back is a typing error, not a pupil (adult learners included).
OLDEST_PUPIL_YEARS = 100
GENDERS = {
    "f": "F",
    "s": "F",
    "sieviete": "F",
    "female": "F",
    "m": "M",
    "v": "M",
    "virietis": "M",
    "male": "M",
    "": "U",
    "u": "U",
}
RELATIONS = {
    "mother": "mother",
    "mate": "mother",
    "father": "father",
    "tevs": "father",
    "guardian": "guardian",
    "aizbildnis": "guardian",
    "aizbilde": "guardian",
    "foster": "foster",
    "audzuvecaks": "foster",
    "audzuģimene": "foster",
    "audzugimene": "foster",
    "other": "other",
    "cits": "other",
    "cita": "other",
}


def _apply(
    *, rows: pl.DataFrame, ctx: ImportContext, result: ImportResult, dry_run: bool = False
) -> list[pl.DataFrame]:
    """Read every cell as what its column holds (what a cell cannot be read as is reported here),
    then let the people roster rules check — and, unless a dry run or a cell was refused, write —
    them all: the rules ``pupil_create`` and ``pupil_enrol`` use too.

    The cells are read column by column: each distinct value of a column once (a roster repeats a
    few hundred birth dates, schools and grades over all its rows), joined back in polars. Only
    the entries the roster rules take are built row by row, from the read columns.
    """
    institutions = {i.code: i for i in Institution.objects.all()}
    entries: list[PupilEntry] = []
    cell_errors = pl.DataFrame(schema=ERROR_SCHEMA)
    if rows.height:
        others = _other_schools_of_submitter(ctx)
        read, cell_errors = _read_cells(rows, institutions, ctx.today, ctx.institution, others)
        entries = _entries(read, institutions, cell_errors)
    refused = cell_errors.height > 0
    outcome = roster_apply(actor=ctx.actor, entries=entries, today=ctx.today, write=not refused and not dry_run)
    problems = pl.DataFrame(
        [(p.row, p.field, p.code, p.message) for p in outcome.problems], schema=ERROR_SCHEMA, orient="row"
    )
    if refused or problems.height:
        return [frame for frame in (cell_errors, problems) if frame.height]
    result.created, result.updated, result.unchanged = outcome.created, outcome.updated, outcome.unchanged
    result.touched_pupils.extend(p.pk for p in outcome.pupils)
    result.notes.extend(
        _("Class %(cls)s created at %(school)s.") % {"cls": c.name, "school": c.institution.name}
        for c in outcome.classes_created
    )
    return []


def _other_schools_of_submitter(ctx: ImportContext) -> frozenset[int]:
    """The schools besides the one chosen where the person who submitted the file may register
    pupils: a row for one of them was meant for an upload to all their schools. (A run of the
    server's operator has no person, so no other school: its scope is what it names.)"""
    person = getattr(ctx.actor, "on_behalf_of", None)
    if ctx.institution is None or person is None:
        return frozenset()
    schools = access.institutions_visible_to(person, access.Perm.MANAGE_PUPILS).exclude(pk=ctx.institution.pk)
    return frozenset(schools.values_list("pk", flat=True))


# A reading of one cell: (the value, or None) and, if it cannot be read, (error code, message).
Reading = tuple[Any, str | None, str | None]
# The columns read, in the order their errors are reported within a row.
READ_ORDER = ("birth_date", "gender", "institution_code", "grade", "enrolled_from", "guardian_relation")


def _read_cells(
    rows: pl.DataFrame,
    institutions: dict[str, Institution],
    today: dt.date,
    chosen: Institution | None,
    others: frozenset[int],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every row's cells as text (an empty cell as ""), plus ``<column>__v``, the value read from
    each of ``READ_ORDER``; and the errors of the cells that cannot be read (each row's in
    ``READ_ORDER``), whose columns the roster rules then skip."""
    names = [c.name for c in PUPILS.columns]
    text = rows.select(pl.col("_row").cast(pl.Int64), *(pl.col(n).fill_null("").str.strip_chars() for n in names))
    has_guardian = pl.col("guardian_name") != ""
    readers: dict[str, tuple[Callable[[str], Reading], pl.DataType, pl.Expr]] = {
        "birth_date": (partial(_birth_date, today=today), pl.Date(), pl.lit(True)),
        "gender": (_gender, pl.String(), pl.lit(True)),
        "institution_code": (
            partial(_institution, institutions=institutions, chosen=chosen, others=others),
            pl.Int64(),
            pl.lit(True),
        ),
        "grade": (_grade, pl.Int64(), pl.lit(True)),
        "enrolled_from": (_enrolled_from, pl.Date(), pl.col("enrolled_from") != ""),
        "guardian_relation": (_relation, pl.String(), has_guardian),
    }
    error_frames = []
    for order, (name, (reader, dtype, applies)) in enumerate(readers.items()):
        text, errors = _read_column(text, name, reader, dtype, applies, order)
        error_frames.append(errors)
    errors = pl.concat(error_frames, how="vertical").sort("_row", "_order", maintain_order=True).drop("_order")
    return text, errors


def _read_column(
    frame: pl.DataFrame,
    name: str,
    reader: Callable[[str], Reading],
    dtype: pl.DataType,
    applies: pl.Expr,
    order: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read each distinct value of ``name`` once and join the readings back onto every row:
    ``<name>__v`` is the value; where ``applies`` holds and the cell cannot be read, an error."""
    distinct = frame.get_column(name).unique().to_list()
    readings = [reader(value) for value in distinct]
    lookup = pl.DataFrame(
        {
            name: pl.Series(distinct, dtype=pl.String),
            f"{name}__v": pl.Series([r[0] for r in readings], dtype=dtype),
            "_code": pl.Series([r[1] for r in readings], dtype=pl.String),
            "_message": pl.Series([r[2] for r in readings], dtype=pl.String),
        }
    )
    joined = frame.join(lookup, on=name, how="left", maintain_order="left")
    errors = joined.filter(applies & pl.col("_code").is_not_null()).select(
        "_row", pl.lit(name).alias("column"), "_code", "_message", pl.lit(order).alias("_order")
    )
    errors = errors.rename({"_code": "code", "_message": "message"})
    return joined.drop("_code", "_message"), errors


def _birth_date(value: str, *, today: dt.date) -> Reading:
    birth = parse_date_text(value)
    if birth is None:
        message = _("'%(value)s' is not a date: write it as 2012-03-31 or 31.03.2012.") % {"value": value}
        return None, "date_format", message
    if not today - dt.timedelta(days=round(365.25 * OLDEST_PUPIL_YEARS)) <= birth <= today:
        message = _(
            "%(value)s cannot be a pupil's birth date: it is in the future or more than %(years)s years ago."
        ) % {"value": birth.isoformat(), "years": OLDEST_PUPIL_YEARS}
        return None, "birth_date_implausible", message
    return birth, None, None


def _gender(value: str) -> Reading:
    gender = GENDERS.get(folded(value))
    if gender is None:
        message = _("'%(value)s' is not a gender code: use F or M (S or V), or leave empty.") % {"value": value}
        return None, "gender_invalid", message
    return gender, None, None


def _institution(
    value: str, *, institutions: dict[str, Institution], chosen: Institution | None, others: frozenset[int]
) -> Reading:
    institution = institutions.get(value)
    if institution is None:
        message = _("'%(value)s' is not the registration number of a school you may import for.") % {"value": value}
        return None, "institution_unknown", message
    if chosen is not None and institution.pk in others:
        message = _(
            "This row is for %(school)s, but the file was uploaded for %(chosen)s: upload it for all your "
            "schools, or keep only the rows of %(chosen)s."
        ) % {"school": institution.name, "chosen": chosen.name}
        return institution.pk, "institution_other", message
    return institution.pk, None, None


def _grade(value: str) -> Reading:
    if not (value.isdigit() and value.isascii()):
        return None, "grade_out_of_range", _("'%(value)s' is not a grade this school teaches.") % {"value": value}
    return int(value), None, None


def _enrolled_from(value: str) -> Reading:
    starts_on = parse_date_text(value)
    if starts_on is None:
        message = _("'%(value)s' must be a date in the current school year, not in the future.") % {"value": value}
        return None, "date_invalid", message
    return starts_on, None, None


def _relation(value: str) -> Reading:
    relation = RELATIONS.get(folded(value) or "other")
    if relation is None:
        message = _("'%(value)s' is not a relation: use mother, father, guardian, foster or other.") % {"value": value}
        return None, "relation_invalid", message
    return relation, None, None


def _entries(read: pl.DataFrame, institutions: dict[str, Institution], errors: pl.DataFrame) -> list[PupilEntry]:
    """The rows as the roster rules take them, with the columns whose cells were refused named in
    ``refused`` (their rules are skipped)."""
    refused: dict[int, frozenset[str]] = {
        row: frozenset(columns) for row, columns in errors.group_by("_row").agg(pl.col("column")).iter_rows()
    }
    by_pk = {i.pk: i for i in institutions.values()}
    none: frozenset[str] = frozenset()
    columns = (
        "_row",
        "personal_code",
        "first_name",
        "last_name",
        "birth_date__v",
        "gender__v",
        "institution_code__v",
        "class",
        "grade__v",
        "enrolled_from__v",
        "guardian_name",
        "guardian_relation__v",
        "guardian_phone",
        "guardian_email",
    )
    entries = []
    for n, code, first, last, birth, gender, school, klass, grade, starts_on, g_name, g_rel, g_phone, g_email in zip(
        *(read.get_column(c).to_list() for c in columns), strict=True
    ):
        guardian = None
        if g_name:
            g_first, _sep, g_last = g_name.partition(" ")
            guardian = GuardianEntry(
                first_name=g_first, last_name=g_last, relation=g_rel or "other", phone=g_phone, email=g_email
            )
        entries.append(
            PupilEntry(
                row=n,
                personal_code=code,
                first_name=first,
                last_name=last,
                birth_date=birth,
                gender=gender or "",
                institution=None if school is None else by_pk[school],
                class_name=klass,
                grade=grade,
                starts_on=starts_on,
                guardian=guardian,
                refused=refused.get(n, none),
            )
        )
    return entries


PUPILS = ImportSpec(
    kind="pupils",
    shape="roster",
    columns=(
        PERSONAL_CODE,
        Column("first_name", ("vārds",)),
        Column("last_name", ("uzvārds",)),
        Column("birth_date", ("dzimšanas_datums",)),
        Column("gender", ("dzimums",), required=False),
        Column("institution_code", ("iestādes_kods", "iestāde", "reģistrācijas_numurs")),
        Column("class", ("klase",), max_chars=20),
        Column("grade", ("klašu_grupa", "klases_līmenis", "kurss")),
        Column("enrolled_from", ("uzņemts_no", "no"), required=False),
        Column("guardian_name", ("vecāka_vārds", "likumiskais_pārstāvis"), required=False, max_chars=201),
        Column("guardian_relation", ("radniecība", "pārstāvja_statuss"), required=False),
        Column("guardian_phone", ("tālrunis", "vecāka_tālrunis"), required=False),
        Column("guardian_email", ("e_pasts", "vecāka_e_pasts"), required=False, max_chars=254),
    ),
    apply_rows=_apply,
)
