"""Behaviour incidents: one per pupil, date and category."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.specs.attendance import DATE, PERSONAL_CODE
from pumpurs.imports.specs.base import (
    Check,
    Column,
    ImportSpec,
    blank,
    date_checks,
    message,
    parse_date,
    pupil_checks,
    required_checks,
    split_clean,
    text,
    with_parsed,
)
from pumpurs.journal.models import Incident

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext

SEVERITIES = {
    "low": "low",
    "zema": "low",
    "1": "low",
    "medium": "medium",
    "vidēja": "medium",
    "videja": "medium",
    "2": "medium",
    "high": "high",
    "augsta": "high",
    "3": "high",
}
MAX_CATEGORY = 60


def _validate(df: pl.DataFrame, ctx: ImportContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = with_parsed(df, dates=("date",))
    df, checks = pupil_checks(df, ctx)
    checks += required_checks(["date", "category", "severity"]) + date_checks("date", ctx)
    severity = text("severity").str.to_lowercase().replace_strict(SEVERITIES, default=None, return_dtype=pl.String)
    checks.append(
        Check(
            ~blank("severity") & severity.is_null(),
            "severity",
            "severity_invalid",
            message(
                _("'{value}' is not a severity: use low, medium or high (zema, vidēja, augsta)."), text("severity")
            ),
        )
    )
    checks.append(
        Check(
            text("category").str.len_chars() > MAX_CATEGORY,
            "category",
            "too_long",
            message(_("The category is longer than %(n)s characters: shorten it.") % {"n": MAX_CATEGORY}),
        )
    )
    clean, errs = split_clean(df, checks)
    return clean.select(
        "_row",
        "pupil_id",
        parse_date("date").alias("date"),
        text("category").alias("category"),
        severity.alias("severity"),
        text("description").fill_null("").alias("description"),
    ), errs


INCIDENTS = ImportSpec(
    kind="incidents",
    shape="incidents",
    columns=(
        PERSONAL_CODE,
        DATE,
        Column("category", ("kategorija", "pārkāpums", "veids")),
        Column("severity", ("smagums", "nozīmīgums")),
        Column("description", ("apraksts", "komentārs"), required=False, max_chars=2000),
    ),
    target=Incident,
    key=("pupil_id", "date", "category"),
    values=("severity", "description"),
    validate=_validate,
)
