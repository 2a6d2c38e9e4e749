"""Budgets: ``school_year, activity, municipality, institution, amount, esf, state`` — one budget
per row (issue 14), set through ``finance.budgets.budget_set``.

A row with an institution is that school's budget (its municipality is taken from the register; a
municipality given must match); a row with only a municipality is the municipality's; a row with
neither is the programme's. ``esf`` and ``state`` are both empty (``PUMPURS_ESF_SHARE`` splits the
amount) or both given and adding up to it exactly. Amounts in EUR with "," or "." and at most two
decimals. Every row is checked before anything is written; one bad row rejects the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.models import Activity, Budget
from pumpurs.finance.money import cents_of
from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import RowErrors, cell, folded
from pumpurs.people import access
from pumpurs.people.models import Institution, Municipality, SchoolYear

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext
    from pumpurs.imports.result import ImportResult


def _amount(errors: RowErrors, n: int, row: dict[str, Any], name: str) -> int | None:
    raw = cell(row, name)
    if not raw:
        return None
    try:
        cents = cents_of(raw)
    except ValueError:
        errors.add(
            n,
            name,
            "not_an_amount",
            _("'%(value)s' is not an amount in euros with at most two decimals (e.g. 1250,50).") % {"value": raw},
        )
        return None
    if cents < 0:
        errors.add(n, name, "negative", _("%(value)s is negative: a budget cannot be.") % {"value": raw})
        return None
    return cents


def _apply(
    *, rows: pl.DataFrame, ctx: ImportContext, result: ImportResult, dry_run: bool = False
) -> list[pl.DataFrame]:
    # A dry run writes too: its counts come from the writes, which the engine then rolls back.
    errors = RowErrors()
    national = access.is_national(ctx.actor, access.Perm.MANAGE_BUDGETS)
    manageable = set(access.institutions_visible_to(ctx.actor, access.Perm.MANAGE_BUDGETS).values_list("pk", flat=True))
    years = {y.name: y for y in SchoolYear.objects.all()}
    municipalities: dict[str, Municipality] = {}
    for m in Municipality.objects.all():
        for label in (m.code, m.name, m.name_en):
            municipalities[folded(label)] = m
    institutions = {i.code: i for i in Institution.objects.select_related("municipality")}
    seen: dict[tuple[Any, ...], int] = {}
    ready: list[dict[str, Any]] = []
    for row in rows.iter_rows(named=True):
        n = int(row["_row"])
        before = len(errors.items)
        year = years.get(cell(row, "school_year").replace("-", "/"))
        if year is None:
            errors.add(
                n,
                "school_year",
                "school_year_unknown",
                _("'%(value)s' is not a school year in the calendar: write it as 2026/27.")
                % {"value": cell(row, "school_year")},
            )
        activity = cell(row, "activity")
        if activity not in {str(v) for v in Activity.values}:
            errors.add(
                n,
                "activity",
                "activity_invalid",
                _("'%(value)s' is not an activity: use 1, 2 or 3.") % {"value": activity},
            )
        municipality = None
        if cell(row, "municipality"):
            municipality = municipalities.get(folded(cell(row, "municipality")))
            if municipality is None:
                errors.add(
                    n,
                    "municipality",
                    "municipality_unknown",
                    _(
                        "'%(value)s' is not one of Latvia's 43 municipalities: use the official name, e.g. Gulbenes novads."
                    )
                    % {"value": cell(row, "municipality")},
                )
        institution = None
        if cell(row, "institution"):
            institution = institutions.get(cell(row, "institution"))
            if institution is None:
                errors.add(
                    n,
                    "institution",
                    "institution_unknown",
                    _("No institution with registration number %(value)s in the register.")
                    % {"value": cell(row, "institution")},
                )
            elif municipality is not None and institution.municipality_id != municipality.pk:
                errors.add(
                    n,
                    "municipality",
                    "municipality_mismatch",
                    _("%(school)s belongs to %(municipality)s.")
                    % {"school": institution.name, "municipality": institution.municipality.name},
                )
            else:
                municipality = institution.municipality
        allowed = national or (institution is not None and institution.pk in manageable)
        if len(errors.items) == before and not allowed:
            errors.add(
                n,
                "institution" if institution else "municipality",
                "not_allowed",
                _(
                    "You may not set this budget: a municipality sets its schools' budgets, the national programme the rest."
                ),
            )
        amount = _amount(errors, n, row, "amount")
        if amount is None and not cell(row, "amount"):
            errors.add(n, "amount", "required", _("The cell is empty: fill in the amount."))
        esf, state = _amount(errors, n, row, "esf"), _amount(errors, n, row, "state")
        if (cell(row, "esf") == "") != (cell(row, "state") == ""):
            missing = "state" if cell(row, "esf") else "esf"
            errors.add(n, missing, "split_incomplete", _("Give both the ESF and the state budget share, or neither."))
        elif amount is not None and esf is not None and state is not None and esf + state != amount:
            errors.add(
                n,
                "amount",
                "split_mismatch",
                _("ESF %(esf)s + state budget %(state)s is not the amount %(amount)s.")
                % {"esf": cell(row, "esf"), "state": cell(row, "state"), "amount": cell(row, "amount")},
            )
        key = (cell(row, "school_year"), activity, municipality and municipality.pk, institution and institution.pk)
        if key in seen:
            errors.add(
                n,
                "institution",
                "duplicate_row",
                _("The same budget is already on row %(first)s.") % {"first": seen[key]},
            )
        else:
            seen[key] = n
        if len(errors.items) == before:
            ready.append(
                {
                    "school_year": year,
                    "activity": int(activity),
                    "municipality": municipality,
                    "institution": institution,
                    "amount_cents": amount,
                    "esf_cents": esf,
                    "state_cents": state,
                }
            )
    if errors.items:
        return errors.frames()
    for values in ready:
        current = Budget.objects.filter(
            school_year=values["school_year"],
            activity=values["activity"],
            municipality=values["municipality"],
            institution=values["institution"],
        ).first()
        budget = budget_set(actor=ctx.actor, **values)
        if current is None:
            result.created += 1
        elif (current.amount_cents, current.esf_cents, current.state_cents) == (
            budget.amount_cents,
            budget.esf_cents,
            budget.state_cents,
        ):
            result.unchanged += 1
        else:
            result.updated += 1
    return []


BUDGETS = ImportSpec(
    kind="budgets",
    shape="budgets",
    columns=(
        Column("school_year", ("mācību_gads", "gads")),
        Column("activity", ("darbība", "aktivitāte")),
        Column("municipality", ("pašvaldība", "novads"), required=False),
        Column("institution", ("iestāde", "reģistrācijas_numurs", "reg_nr"), required=False),
        Column("amount", ("summa", "budžets", "kopā")),
        Column("esf", ("esf", "esf_daļa", "esf_finansējums"), required=False),
        Column("state", ("valsts_budžets", "valsts_budžeta_daļa", "valsts"), required=False),
    ),
    apply_rows=_apply,
)
