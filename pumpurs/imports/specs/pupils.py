"""Pupil rosters: register new pupils, move pupils whose class changed, keep the history.

Columns: ``personal_code, first_name, last_name, birth_date, gender, institution_code, class,
grade`` plus optional ``enrolled_from`` and guardian columns (``guardian_name,
guardian_relation, guardian_phone, guardian_email``). A class missing in the current school
year is created (and said so in the notes); a pupil of another school's scope is an error, never
a silent create or move.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from pumpurs.core import crypto
from pumpurs.imports.specs.attendance import PERSONAL_CODE
from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import RowErrors, cell, folded, parse_date_text
from pumpurs.people import access
from pumpurs.people.calendar import current_school_year
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Pupil
from pumpurs.people.personal_code import parse_personal_code

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext
    from pumpurs.imports.engine import ImportResult

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
    errors = RowErrors()
    year = current_school_year(ctx.today)
    if year is None:
        errors.add(
            1, "", "no_school_year", _("The calendar has no current school year: a coordinator must add it first.")
        )
        return errors.frames()
    allowed = access.institutions_visible_to(ctx.actor, access.Perm.IMPORT_DATA)
    if ctx.institution is not None:
        allowed = allowed.filter(pk=ctx.institution.pk)
    institutions = {i.code: i for i in allowed}
    classes = {
        (c.institution_id, c.name): c
        for c in ClassGroup.objects.filter(school_year=year, institution__in=institutions.values())
    }
    visible = ctx.pupil_by_hash()
    registered = _registered_elsewhere(rows, visible)
    seen: dict[str, int] = {}
    for row in rows.iter_rows(named=True):
        n = int(row["_row"])
        bad = len(errors.items)
        code_raw = cell(row, "personal_code")
        digits = None
        code_birth: dt.date | None = None
        try:
            parsed = parse_personal_code(code_raw)
            digits, code_birth = parsed.digits, parsed.birth_date
        except ValidationError as exc:
            errors.add(n, "personal_code", "personal_code_invalid", exc.messages[0])
        if digits is not None:
            if digits in seen:
                errors.add(
                    n,
                    "personal_code",
                    "duplicate_row",
                    _("This pupil is already on row %(first)s.") % {"first": seen[digits]},
                )
            else:
                seen[digits] = n
        first, last = cell(row, "first_name"), cell(row, "last_name")
        for column, value in (("first_name", first), ("last_name", last)):
            if not value:
                errors.add(n, column, "required", _("The cell is empty: fill in %(column)s.") % {"column": column})
        birth = parse_date_text(cell(row, "birth_date"))
        if birth is None:
            errors.add(
                n,
                "birth_date",
                "date_format",
                _("'%(value)s' is not a date: write it as 2012-03-31 or 31.03.2012.")
                % {"value": cell(row, "birth_date")},
            )
        elif code_birth is not None and birth != code_birth:
            errors.add(
                n,
                "birth_date",
                "birth_date_mismatch",
                _("The birth date does not match the one in the personal code (%(date)s).")
                % {"date": code_birth.isoformat()},
            )
        gender = GENDERS.get(folded(cell(row, "gender")))
        if gender is None:
            errors.add(
                n,
                "gender",
                "gender_invalid",
                _("'%(value)s' is not a gender code: use F or M (S or V), or leave empty.")
                % {"value": cell(row, "gender")},
            )
        institution = institutions.get(cell(row, "institution_code"))
        if institution is None:
            errors.add(
                n,
                "institution_code",
                "institution_unknown",
                _("'%(value)s' is not the registration number of a school you may import for.")
                % {"value": cell(row, "institution_code")},
            )
        grade_text = cell(row, "grade")
        grade = int(grade_text) if grade_text.isdigit() else None
        if grade is None or (institution is not None and not institution.grade_min <= grade <= institution.grade_max):
            errors.add(
                n,
                "grade",
                "grade_out_of_range",
                _("'%(value)s' is not a grade this school teaches.") % {"value": grade_text},
            )
        class_name = cell(row, "class")
        if not class_name:
            errors.add(n, "class", "required", _("The cell is empty: fill in the class, e.g. 7.a."))
        enrolled_from: dt.date | None = None
        if cell(row, "enrolled_from"):
            parsed_from = parse_date_text(cell(row, "enrolled_from"))
            if parsed_from is None or not year.starts_on <= parsed_from <= ctx.today:
                errors.add(
                    n,
                    "enrolled_from",
                    "date_invalid",
                    _("'%(value)s' must be a date in the current school year, not in the future.")
                    % {"value": cell(row, "enrolled_from")},
                )
            else:
                enrolled_from = parsed_from
        guardian = _guardian_values(row, n, errors)
        code_hash = crypto.lookup_hash(digits) if digits else ""
        existing_id = visible.get(code_hash) if code_hash else None
        if code_hash and existing_id is None and code_hash in registered:
            errors.add(
                n,
                "personal_code",
                "pupil_out_of_scope",
                _(
                    "This pupil is registered at a school outside your scope: that school or the municipality must transfer them."
                ),
            )
        if len(errors.items) > bad or digits is None or institution is None or birth is None:
            continue
        if grade is None or gender is None:
            continue
        klass = classes.get((institution.pk, class_name))
        if klass is None:
            klass = ClassGroup.objects.create(institution=institution, school_year=year, grade=grade, name=class_name)
            classes[(institution.pk, class_name)] = klass
            result.notes.append(
                _("Class %(cls)s created at %(school)s.") % {"cls": class_name, "school": institution.name}
            )
        elif klass.grade != grade:
            errors.add(
                n,
                "grade",
                "grade_mismatch",
                _("Class %(cls)s is grade %(grade)s, not %(value)s.")
                % {"cls": class_name, "grade": klass.grade, "value": grade},
            )
            continue
        changed, pupil = _upsert_pupil(
            existing_id, digits, code_hash, first, last, birth, gender, klass, enrolled_from, ctx
        )
        visible[code_hash] = pupil.pk  # a later row repeating this pupil is a duplicate, not a stranger
        if guardian is not None:
            changed = _upsert_guardian(pupil, guardian) or changed
        result.touched_pupils.append(pupil.pk)
        if existing_id is None:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    return errors.frames()


def _registered_elsewhere(rows: pl.DataFrame, visible: dict[str, int]) -> set[str]:
    """Hashes of the file's personal codes that belong to pupils outside the importer's scope:
    one query per 5 000 codes, not one per row."""
    hashes = set()
    for raw in rows.get_column("personal_code").drop_nulls().unique().to_list() if rows.height else []:
        try:
            code_hash = crypto.lookup_hash(parse_personal_code(raw).digits)
        except ValidationError:
            continue
        if code_hash not in visible:
            hashes.add(code_hash)
    found: set[str] = set()
    ordered = sorted(hashes)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        found.update(Pupil.objects.filter(personal_code_hash__in=chunk).values_list("personal_code_hash", flat=True))
    return found


def _guardian_values(row: dict[str, Any], n: int, errors: RowErrors) -> dict[str, str] | None:
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
    email = cell(row, "guardian_email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(
                n, "guardian_email", "email_invalid", _("'%(value)s' is not an e-mail address.") % {"value": email}
            )
    first, _sep, last = name.partition(" ")
    return {
        "first_name": first,
        "last_name": last,
        "relation": relation or "other",
        "phone": cell(row, "guardian_phone"),
        "email": email,
    }


def _upsert_pupil(
    existing_id: int | None,
    digits: str,
    code_hash: str,
    first: str,
    last: str,
    birth: dt.date,
    gender: str,
    klass: ClassGroup,
    moved_on: dt.date | None,
    ctx: ImportContext,
) -> tuple[bool, Pupil]:
    """Create the pupil enrolled from the school year's first day (or ``moved_on``), or update
    them and move them to ``klass`` when their class changed."""
    if existing_id is None:
        pupil = Pupil.objects.create(
            personal_code_encrypted=crypto.encrypt(digits),
            personal_code_hash=code_hash,
            first_name=first,
            last_name=last,
            birth_date=birth,
            gender=gender,
        )
        starts = moved_on or klass.school_year.starts_on
        Enrolment.objects.create(pupil=pupil, class_group=klass, institution=klass.institution, starts_on=starts)
        return True, pupil
    pupil = Pupil.objects.get(pk=existing_id)
    changed = False
    if (pupil.first_name, pupil.last_name, pupil.birth_date, pupil.gender) != (first, last, birth, gender):
        pupil.first_name, pupil.last_name, pupil.birth_date, pupil.gender = first, last, birth, gender
        pupil.save(update_fields=["first_name", "last_name", "birth_date", "gender", "updated_at"])
        changed = True
    current = Enrolment.objects.filter(pupil=pupil, ends_on__isnull=True).first()
    if current is None or current.class_group_id != klass.pk:
        # A move takes effect on the date given in the file, else today; never before the
        # current enrolment began (its history is closed, not rewritten).
        starts = moved_on or ctx.today
        if current is not None:
            starts = max(starts, current.starts_on + dt.timedelta(days=1))
            same_school = current.institution_id == klass.institution_id
            current.ends_on = starts - dt.timedelta(days=1)
            current.end_reason = Enrolment.EndReason.CLASS_CHANGED if same_school else Enrolment.EndReason.TRANSFERRED
            current.save(update_fields=["ends_on", "end_reason"])
        Enrolment.objects.create(pupil=pupil, class_group=klass, institution=klass.institution, starts_on=starts)
        changed = True
    return changed, pupil


def _upsert_guardian(pupil: Pupil, values: dict[str, str]) -> bool:
    guardian = Guardian.objects.filter(
        pupil=pupil, first_name=values["first_name"], last_name=values["last_name"]
    ).first()
    if guardian is None:
        Guardian.objects.create(pupil=pupil, **values)
        return True
    if all(getattr(guardian, k) == v for k, v in values.items()):
        return False
    for k, v in values.items():
        setattr(guardian, k, v)
    guardian.save()
    return True


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
        Column("class", ("klase",)),
        Column("grade", ("klašu_grupa", "klases_līmenis", "kurss")),
        Column("enrolled_from", ("uzņemts_no", "no"), required=False),
        Column("guardian_name", ("vecāka_vārds", "likumiskais_pārstāvis"), required=False),
        Column("guardian_relation", ("radniecība", "pārstāvja_statuss"), required=False),
        Column("guardian_phone", ("tālrunis", "vecāka_tālrunis"), required=False),
        Column("guardian_email", ("e_pasts", "vecāka_e_pasts"), required=False),
    ),
    apply_rows=_apply,
)
