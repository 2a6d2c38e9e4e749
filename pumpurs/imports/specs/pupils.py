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
from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.specs.attendance import PERSONAL_CODE
from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import RowErrors, cell, folded, parse_date_text
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


def _apply(*, rows: pl.DataFrame, ctx: ImportContext, result: ImportResult) -> list[pl.DataFrame]:
    """Read each row's cells into a ``PupilEntry`` (what a cell cannot be read as is reported here),
    then let the people roster rules check and write them all — the rules ``pupil_create`` and
    ``pupil_enrol`` use too."""
    errors = RowErrors()
    institutions = {i.code: i for i in Institution.objects.all()}
    others = _other_schools_of_submitter(ctx)
    entries = [
        _entry(row, institutions, errors, ctx.today, ctx.institution, others) for row in rows.iter_rows(named=True)
    ]
    outcome = roster_apply(actor=ctx.actor, entries=entries, today=ctx.today, write=not errors.items)
    for problem in outcome.problems:
        errors.add(problem.row, problem.field, problem.code, problem.message)
    if errors.items:
        return errors.frames()
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


def _entry(
    row: dict[str, Any],
    institutions: dict[str, Institution],
    errors: RowErrors,
    today: dt.date,
    chosen: Institution | None,
    others: frozenset[int],
) -> PupilEntry:
    """One row as the roster rules take it; cells that are not what their column holds are
    reported and named in ``refused`` (their rules are skipped)."""
    n = int(row["_row"])
    refused: set[str] = set()

    def refuse(column: str, code: str, message: str) -> None:
        errors.add(n, column, code, message)
        refused.add(column)

    birth = parse_date_text(cell(row, "birth_date"))
    if birth is None:
        refuse(
            "birth_date",
            "date_format",
            _("'%(value)s' is not a date: write it as 2012-03-31 or 31.03.2012.") % {"value": cell(row, "birth_date")},
        )
    elif not today - dt.timedelta(days=round(365.25 * OLDEST_PUPIL_YEARS)) <= birth <= today:
        refuse(
            "birth_date",
            "birth_date_implausible",
            _("%(value)s cannot be a pupil's birth date: it is in the future or more than %(years)s years ago.")
            % {"value": birth.isoformat(), "years": OLDEST_PUPIL_YEARS},
        )
        birth = None
    gender = GENDERS.get(folded(cell(row, "gender")))
    if gender is None:
        refuse(
            "gender",
            "gender_invalid",
            _("'%(value)s' is not a gender code: use F or M (S or V), or leave empty.")
            % {"value": cell(row, "gender")},
        )
    institution = institutions.get(cell(row, "institution_code"))
    if institution is None:
        refuse(
            "institution_code",
            "institution_unknown",
            _("'%(value)s' is not the registration number of a school you may import for.")
            % {"value": cell(row, "institution_code")},
        )
    elif chosen is not None and institution.pk in others:
        refuse(
            "institution_code",
            "institution_other",
            _(
                "This row is for %(school)s, but the file was uploaded for %(chosen)s: upload it for all your "
                "schools, or keep only the rows of %(chosen)s."
            )
            % {"school": institution.name, "chosen": chosen.name},
        )
    grade_text = cell(row, "grade")
    if not grade_text.isdigit():
        refuse(
            "grade", "grade_out_of_range", _("'%(value)s' is not a grade this school teaches.") % {"value": grade_text}
        )
    starts_on = None
    if cell(row, "enrolled_from"):
        starts_on = parse_date_text(cell(row, "enrolled_from"))
        if starts_on is None:
            refuse(
                "enrolled_from",
                "date_invalid",
                _("'%(value)s' must be a date in the current school year, not in the future.")
                % {"value": cell(row, "enrolled_from")},
            )
    return PupilEntry(
        row=n,
        personal_code=cell(row, "personal_code"),
        first_name=cell(row, "first_name"),
        last_name=cell(row, "last_name"),
        birth_date=birth,
        gender=gender or "",
        institution=institution,
        class_name=cell(row, "class"),
        grade=int(grade_text) if grade_text.isdigit() else None,
        starts_on=starts_on,
        guardian=_guardian(row, n, errors, refused),
        refused=frozenset(refused),
    )


def _guardian(row: dict[str, Any], n: int, errors: RowErrors, refused: set[str]) -> GuardianEntry | None:
    name = cell(row, "guardian_name")
    if not name:
        return None
    relation = RELATIONS.get(folded(cell(row, "guardian_relation")) or "other")
    if relation is None:
        errors.add(
            n,
            "guardian_relation",
            "relation_invalid",
            _("'%(value)s' is not a relation: use mother, father, guardian, foster or other.")
            % {"value": cell(row, "guardian_relation")},
        )
        refused.add("guardian_relation")
    first, _sep, last = name.partition(" ")
    return GuardianEntry(
        first_name=first,
        last_name=last,
        relation=relation or "other",
        phone=cell(row, "guardian_phone"),
        email=cell(row, "guardian_email"),
    )


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
