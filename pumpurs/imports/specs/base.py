"""Declarative column specs and the vectorised checks they share.

A spec names its columns (canonical English snake_case plus Latvian aliases), validates a batch
of rows as whole columns (polars expressions — no per-row Python on the hot path) and says how
its clean rows map onto the target table and its natural key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.headers import normalise_header
from pumpurs.imports.result import ERROR_SCHEMA

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    # The longest cell this column takes (the database column's length, or what is plausible).
    max_chars: int = 120

    def accepts(self, normalised: str) -> bool:
        return normalised == self.name or normalised in {normalise_header(a) for a in self.aliases}


@dataclass(frozen=True)
class ImportSpec:
    """How one kind (or one shape of a kind) is read, checked and stored."""

    kind: str
    shape: str
    columns: tuple[Column, ...]
    # Fact kinds: target table, its natural key and value columns (db column names).
    target: Any = None
    key: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    validate: Callable[[pl.DataFrame, ImportContext], tuple[pl.DataFrame, pl.DataFrame]] | None = None
    # Register kinds (institutions, pupils, staff, budgets) are checked and written through the services'
    # rules instead: called with ``rows, ctx, result, dry_run``; a dry run writes nothing where it can.
    apply_rows: Callable[..., Any] | None = None
    # Columns whose presence tells this shape apart from another shape of the same kind.
    signature: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def match_header(self, header: list[str]) -> tuple[list[str], list[str], list[str]]:
        """Map header cells to canonical names. Returns (names per cell, missing, duplicated)."""
        names: list[str] = []
        seen: dict[str, int] = {}
        duplicated: list[str] = []
        for index, cell in enumerate(header):
            normalised = normalise_header(cell)
            column = next((c for c in self.columns if c.accepts(normalised)), None)
            if column is None:
                names.append(f"_ignored_{index}")
                continue
            if column.name in seen:
                duplicated.append(column.name)
                names.append(f"_ignored_{index}")
                continue
            seen[column.name] = index
            names.append(column.name)
        missing = [name for name in self.required if name not in seen]
        return names, missing, duplicated

    def length_errors(self, df: pl.DataFrame) -> pl.DataFrame:
        """``too_long`` for every cell longer than its column takes (rows read, before any check)."""
        return errors_of(
            df,
            [
                Check(
                    pl.col(c.name).str.len_chars() > c.max_chars,
                    c.name,
                    "too_long",
                    message(_("The cell is longer than %(max)s characters: shorten it.") % {"max": c.max_chars}),
                )
                for c in self.columns
                if c.name in df.columns
            ],
        )


# ---- building blocks shared by the specs -------------------------------------------------------


def text(name: str) -> pl.Expr:
    """A cell as text. The engine strips every cell once and turns empty cells into nulls."""
    return pl.col(name)


def blank(name: str) -> pl.Expr:
    return pl.col(name).is_null()


def tidy(df: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Strip surrounding spaces once per batch; an empty cell becomes null."""
    return df.with_columns(
        pl.when(pl.col(n).str.strip_chars() == "").then(None).otherwise(pl.col(n).str.strip_chars()).alias(n)
        for n in names
    )


def with_parsed(df: pl.DataFrame, *, dates: tuple[str, ...] = (), ints: tuple[str, ...] = ()) -> pl.DataFrame:
    """Parse typed columns once per batch; ``parse_date``/``parse_int`` then refer to the results."""
    return df.with_columns(
        *(_date_expr(n).alias(f"{n}__v") for n in dates),
        *(pl.col(n).cast(pl.Int64, strict=False).alias(f"{n}__v") for n in ints),
    )


def message(template: str, value: pl.Expr | None = None) -> pl.Expr:
    """A translated message; ``{value}`` in the template is replaced by the cell's value."""
    if value is None or "{value}" not in template:
        return pl.lit(template)
    before, _sep, after = template.partition("{value}")
    return pl.concat_str([pl.lit(before), value.fill_null(""), pl.lit(after)])


@dataclass(frozen=True)
class Check:
    """One rule of a batch: each row where ``condition`` holds gets ``code`` on ``column``.

    Deferred: a spec lists its checks and ``split_clean`` (or ``errors_of``) runs them all on the
    batch at once — so the columns a condition or message reads must still be in the frame given to
    ``split_clean`` (``pupil_checks`` keeps ``_problem`` for that)."""

    condition: pl.Expr
    column: str
    code: str
    message: pl.Expr


def errors_of(df: pl.DataFrame, checks: Sequence[Check]) -> pl.DataFrame:
    """The error rows of ``checks`` on ``df``: check by check in the order given, each check's rows
    in the frame's order — what one filter per check gave.

    One pass over the batch tells which checks hold on some row (polars evaluates the conditions
    side by side); only those are filtered for their rows and messages. A clean batch, the usual
    case, costs that one pass instead of a filter per check (issue 18 item 4, decision 0060)."""
    if not checks:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    hits = df.select(c.condition.any().alias(f"_check_{i}") for i, c in enumerate(checks)).row(0)
    frames = [
        df.filter(c.condition).select(
            pl.col("_row").cast(pl.Int64),
            pl.lit(c.column).alias("column"),
            pl.lit(c.code).alias("code"),
            c.message.alias("message"),
        )
        for c, hit in zip(checks, hits, strict=True)
        if hit
    ]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=ERROR_SCHEMA)


def _date_expr(name: str) -> pl.Expr:
    """ISO dates (2025-01-31) and Latvian ones (31.01.2025, 31.1.2025)."""
    value = pl.col(name)
    return pl.coalesce(value.str.to_date("%Y-%m-%d", strict=False), value.str.to_date("%d.%m.%Y", strict=False))


def parse_date(name: str) -> pl.Expr:
    """The parsed date column (``with_parsed`` must have run on the batch)."""
    return pl.col(f"{name}__v")


def parse_int(name: str) -> pl.Expr:
    """The parsed whole-number column (``with_parsed`` must have run on the batch)."""
    return pl.col(f"{name}__v")


def required_checks(names: list[str]) -> list[Check]:
    return [
        Check(
            blank(name),
            name,
            "required",
            message(_("The cell is empty: fill in %(column)s.") % {"column": name}),
        )
        for name in names
    ]


def date_checks(name: str, ctx: ImportContext) -> list[Check]:
    parsed = parse_date(name)
    present = ~blank(name)
    first, last = ctx.school_days
    return [
        Check(
            present & parsed.is_null(),
            name,
            "date_format",
            message(_("'{value}' is not a date: write it as 2025-01-31 or 31.01.2025."), text(name)),
        ),
        Check(
            present & (parsed > pl.lit(ctx.today)),
            name,
            "date_future",
            message(_("{value} is in the future: facts can be imported up to today."), text(name)),
        ),
        Check(
            present & (parsed <= pl.lit(ctx.today)) & ((parsed < pl.lit(first)) | (parsed > pl.lit(last))),
            name,
            "date_outside_school_year",
            message(
                _("{value} is outside the school years in the calendar (%(first)s – %(last)s).")
                % {"first": first.isoformat(), "last": last.isoformat()},
                text(name),
            ),
        ),
    ]


def int_checks(name: str, low: int, high: int, *, required: bool = True) -> list[Check]:
    parsed = parse_int(name)
    present = ~blank(name)
    out = [
        Check(
            present & parsed.is_null(),
            name,
            "not_a_number",
            message(_("'{value}' is not a whole number."), text(name)),
        ),
        Check(
            present & (parsed < low),
            name,
            "negative" if low == 0 else "too_small",
            message(_("{value} is below %(low)s: counts cannot be negative.") % {"low": low}, text(name))
            if low == 0
            else message(_("{value} is below %(low)s.") % {"low": low}, text(name)),
        ),
        Check(
            present & (parsed > high),
            name,
            "too_large",
            message(_("{value} is above %(high)s: check the column.") % {"high": high}, text(name)),
        ),
    ]
    if required:
        out += required_checks([name])
    return out


def pupil_checks(df: pl.DataFrame, ctx: ImportContext) -> tuple[pl.DataFrame, list[Check]]:
    """Match personal codes to pupil ids in the importer's scope; adds ``pupil_id``, and
    ``_problem`` (a code's complaint, which its checks read: keep it until ``split_clean``).

    Codes are checked and hashed once per distinct value (a class file repeats each code on every
    date), then joined back: the per-row work stays in polars.
    """
    normalised = text("personal_code").str.replace_all(r"[\s-]", "")
    df = df.with_columns(normalised.alias("_code"))
    lookup = ctx.code_lookup(df.get_column("_code").drop_nulls().unique().to_list())
    mapped = df.join(lookup, on="_code", how="left")
    present = ~blank("personal_code")
    # One message for every code not found, whether or not it is a pupil elsewhere (issue 17, M7);
    # with a school chosen, it names the likelier cause: the pupil is at another of the user's schools.
    unknown = (
        _(
            "No pupil with this personal code at %(school)s, the school chosen for this file. For a file with "
            "pupils of several schools choose all your schools; a pupil not yet registered needs a roster "
            "(pupils) import first."
        )
        % {"school": ctx.institution.name}
        if ctx.institution is not None
        else _(
            "No pupil with this personal code in the schools you may import for: "
            "register the pupil with a roster (pupils) import first."
        )
    )
    checks = [
        *required_checks(["personal_code"]),
        Check(
            present & pl.col("_problem").is_not_null(),
            "personal_code",
            "personal_code_invalid",
            pl.col("_problem"),
        ),
        Check(
            present & pl.col("_problem").is_null() & pl.col("pupil_id").is_null(),
            "personal_code",
            "pupil_unknown",
            message(unknown),
        ),
    ]
    return mapped.drop("_code"), checks


def split_clean(df: pl.DataFrame, checks: Sequence[Check]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run a batch's checks on it (``errors_of``): (the rows without any error, the errors)."""
    errors = errors_of(df, checks)
    if errors.height == 0:
        return df, errors
    clean = df.join(errors.select("_row").unique(), on="_row", how="anti")
    return clean, errors
