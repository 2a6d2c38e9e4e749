"""Institutions: ``code, name, kind, municipality, founder, grades`` — upserted by registration number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import RowErrors, cell, folded, parse_grade_range
from pumpurs.people import access
from pumpurs.people.models import Institution, Municipality

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext
    from pumpurs.imports.result import ImportResult

KINDS = {
    "general": "general",
    "visparejas": "general",
    "visparejas_izglitibas": "general",
    "visparejas_izglitiba": "general",
    "vocational": "vocational",
    "profesionala": "vocational",
    "profesionalas": "vocational",
    "profesionalas_izglitibas": "vocational",
    "other": "other",
    "cita": "other",
    "cits": "other",
}
FIELDS = ("name", "kind", "municipality_id", "founder", "grade_min", "grade_max")


def _apply(
    *, rows: pl.DataFrame, ctx: ImportContext, result: ImportResult, dry_run: bool = False
) -> list[pl.DataFrame]:
    """Check every row and upsert it by registration number; a dry run counts without writing."""
    errors = RowErrors()
    if not access.is_national(ctx.actor, access.Perm.MANAGE_INSTITUTIONS):
        # Institutions are national reference data: only the server operator's command line holds this.
        errors.add(
            1, "", "not_allowed", _("Only the national programme team may import institutions, from the command line.")
        )
        return errors.frames()
    municipalities: dict[str, int] = {}
    for pk, code, name, name_en in Municipality.objects.values_list("pk", "code", "name", "name_en"):
        for label in (code, name, name_en):
            municipalities[folded(label)] = pk
    existing = {i.code: i for i in Institution.objects.all()}
    seen: dict[str, int] = {}
    for row in rows.iter_rows(named=True):
        n = int(row["_row"])
        code = cell(row, "code")
        values: dict[str, Any] = {}
        if not code:
            errors.add(n, "code", "required", _("The cell is empty: fill in the registration number."))
        elif code in seen:
            errors.add(
                n,
                "code",
                "duplicate_row",
                _("Registration number %(code)s is already on row %(first)s.") % {"code": code, "first": seen[code]},
            )
        else:
            seen[code] = n
        values["name"] = cell(row, "name")
        if not values["name"]:
            errors.add(n, "name", "required", _("The cell is empty: fill in the institution's name."))
        kind = KINDS.get(folded(cell(row, "kind")))
        if kind is None:
            errors.add(
                n,
                "kind",
                "kind_invalid",
                _("'%(value)s' is not a kind: use general, vocational or other.") % {"value": cell(row, "kind")},
            )
        values["kind"] = kind
        municipality = municipalities.get(folded(cell(row, "municipality")))
        if municipality is None:
            errors.add(
                n,
                "municipality",
                "municipality_unknown",
                _("'%(value)s' is not one of Latvia's 43 municipalities: use the official name, e.g. Gulbenes novads.")
                % {"value": cell(row, "municipality")},
            )
        values["municipality_id"] = municipality
        values["founder"] = cell(row, "founder")
        grades = parse_grade_range(cell(row, "grades"))
        if grades is None or (kind == "vocational" and grades[1] > 4):
            errors.add(
                n,
                "grades",
                "grades_invalid",
                _("'%(value)s' is not a range of grades: write 1-9 or 1-12 (courses 1-4 for vocational schools).")
                % {"value": cell(row, "grades")},
            )
        else:
            values["grade_min"], values["grade_max"] = grades
        if n in errors.rows_with_errors():
            continue
        current = existing.get(code)
        if current is None:
            if not dry_run:
                existing[code] = Institution.objects.create(code=code, **values)
            result.created += 1
        elif all(getattr(current, f) == values[f] for f in FIELDS):
            result.unchanged += 1
        else:
            if not dry_run:
                for f in FIELDS:
                    setattr(current, f, values[f])
                current.save()
            result.updated += 1
    return errors.frames()


INSTITUTIONS = ImportSpec(
    kind="institutions",
    shape="institutions",
    columns=(
        Column("code", ("reģistrācijas_numurs", "reg_nr", "kods"), max_chars=20),
        Column("name", ("nosaukums",), max_chars=200),
        Column("kind", ("veids",)),
        Column("municipality", ("pašvaldība", "novads")),
        Column("founder", ("dibinātājs",), required=False, max_chars=200),
        Column("grades", ("klases", "klašu_grupas", "kursi")),
    ),
    apply_rows=_apply,
)
