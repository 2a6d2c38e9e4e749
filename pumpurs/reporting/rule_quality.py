"""How good each flag rule is, against what became of the pupils (issue 15, decision 0030).

For a window (a school year, or a semester for the error-rate history) and a horizon day:

* the **pupils** are those enrolled at some moment of the window, counted at the school of their
  latest enrolment in it (``definitions.enrolled_at``), whose outcome on the horizon is known —
  still enrolled, completed or left without completing. Pupils who moved to another school or
  abroad, or whose last enrolment ended for another reason, are left out: whether they left
  school is not known here;
* a pupil is **positive** when the outcome on the horizon is "left without completing";
* a rule **flags** a pupil when it raised a flag for a semester overlapping the window, by the
  window's end, whatever people decided about it (``definitions``: rule quality is measured
  against what the rules raised). ``ANY`` is a flag of any rule.

Precision = flagged and left ÷ flagged; sensitivity = flagged and left ÷ left; specificity = not
flagged and stayed ÷ stayed; false-positive rate = 1 − specificity; false-negative rate =
1 − sensitivity. One grouped statement over all pupils gives every rule's four counts for every
combination of municipality, gender, grade and municipality kind; the rest is adding up those few
groups.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from pumpurs.people.models import Institution, SchoolYear
from pumpurs.reporting.models import RuleGroupCell
from pumpurs.reporting.outcomes import OutcomeKind, outcome_case_sql, year_end_horizon
from pumpurs.reporting.suppression import SMALL_CELL, rate, suppress_table, total_shown
from pumpurs.risk.rules import RULES

ANY = "any"  # a flag of any rule
KNOWN = (OutcomeKind.ENROLLED, OutcomeKind.COMPLETED, OutcomeKind.LEFT)
GRADE_BANDS = ((1, 3), (4, 6), (7, 9), (10, 12))  # as the flag-rate fairness page (risk.selectors.fairness)

# Which published group of flags (data/bowers_2013_ranges.csv) each of our rules resembles.
BOWERS_GROUP = {
    "unjustified_semester": "attendance",
    "attendance_4w": "attendance",
    "illness_4w": "attendance",
    "failing_term_grade": "grades",
    "nv_period": "grades",
    "average_drop": "grades",
    "incidents_4w": "behaviour",
    "over_age": "over_age",
    ANY: "all",
}


def rule_codes() -> list[str]:
    return [*RULES, ANY]


def grade_band(grade: int | None) -> str:
    for low, high in GRADE_BANDS:
        if grade is not None and low <= grade <= high:
            return f"{low}–{high}"
    return "?"


@dataclass(frozen=True)
class Confusion:
    """A rule's four counts over a set of pupils (true counts, never suppressed here)."""

    tp: int = 0  # flagged, left
    fp: int = 0  # flagged, stayed
    fn: int = 0  # not flagged, left
    tn: int = 0  # not flagged, stayed

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def pupils(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def flagged(self) -> int:
        return self.tp + self.fp

    @property
    def left(self) -> int:
        return self.tp + self.fn

    @property
    def stayed(self) -> int:
        return self.fp + self.tn


@dataclass(frozen=True)
class Group:
    """One combination of the grouping columns, with the outcome and which rules flagged."""

    municipality_id: int
    municipality_kind: str
    gender: str
    grade: int | None
    left: bool
    rules: frozenset[str]
    pupils: int


def population_groups(
    *, start: dt.date, end: dt.date, horizon: dt.date, institution_ids: Iterable[int] | None = None
) -> list[Group]:
    """The pupils of the window with a known outcome on ``horizon``, grouped — one statement.

    Each pupil's latest enrolment overlapping the window (``definitions.enrolled_at``: the school
    where they count, and its class) and which rules flagged them are read in one pass: the
    enrolments (one window-function pass) and the flags as one stream grouped by pupil, so that no
    join pairs two derived row sets — the planner's guess of their sizes (no better than a few
    rows inside a seed's transaction, decision 0057) can then never turn into a nested loop that
    rescans one for every row of the other. The outcome comes from ``outcome_case_sql`` (index
    lookups per pupil); the database then groups them."""
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    codes = list(RULES)
    flag_bits = ", ".join("CASE WHEN f.rule = %s THEN 1 ELSE 0 END" for _ in codes)
    no_bits = ", ".join("0" for _ in codes)
    maxima = ", ".join(f"MAX(s.r{i}) AS r{i}" for i in range(len(codes)))
    names = ", ".join(f"r{i}" for i in range(len(codes)))
    grouped = ", ".join(f"t.r{i}" for i in range(len(codes)))
    where, where_params = "", []
    if institution_ids is not None:
        ids = sorted(set(institution_ids))
        if not ids:
            return []
        where = f"AND l.institution_id IN ({', '.join(['%s'] * len(ids))})"
        where_params = ids
    known = ", ".join(f"'{k.value}'" for k in KNOWN)
    # The horizon is a date from the calendar (code), written as an ISO literal both engines compare.
    outcome = outcome_case_sql("l.pupil_id", f"'{horizon.isoformat()}'")
    sql = f"""
WITH stream ({names}, pupil_id, institution_id, grade) AS (
  SELECT {no_bits}, x.pupil_id, x.institution_id, x.grade FROM (
    SELECT e.pupil_id, e.institution_id, c.grade,
           ROW_NUMBER() OVER (PARTITION BY e.pupil_id ORDER BY e.starts_on DESC, e.id DESC) AS n
    FROM people_enrolment e JOIN people_classgroup c ON c.id = e.class_group_id
    WHERE e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on >= %s)
  ) x WHERE x.n = 1
  UNION ALL
  SELECT {flag_bits}, f.pupil_id, NULL, NULL
  FROM risk_flag f JOIN people_period pe ON pe.id = f.period_id
  WHERE pe.starts_on <= %s AND pe.ends_on >= %s AND f.raised_at < %s
),
latest AS (
  SELECT s.pupil_id, MAX(s.institution_id) AS institution_id, MAX(s.grade) AS grade, {maxima}
  FROM stream s GROUP BY s.pupil_id
),
judged AS MATERIALIZED (
  SELECT l.*, {outcome} AS outcome FROM latest l WHERE l.institution_id IS NOT NULL {where}
)
SELECT i.municipality_id, m.kind, p.gender, t.grade, t.outcome, {grouped}, COUNT(*)
FROM judged t
JOIN people_pupil p ON p.id = t.pupil_id
JOIN people_institution i ON i.id = t.institution_id
JOIN people_municipality m ON m.id = i.municipality_id
WHERE t.outcome IN ({known})
GROUP BY i.municipality_id, m.kind, p.gender, t.grade, t.outcome, {grouped}
"""  # noqa: S608 — names, rule codes and a calendar date from code; every other value a parameter
    params: list[Any] = [end, start, *codes, end, start, until, *where_params]
    ops = connection.ops
    adapted = [
        ops.adapt_datetimefield_value(v)
        if isinstance(v, dt.datetime)
        else ops.adapt_datefield_value(v)
        if isinstance(v, dt.date)
        else v
        for v in params
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this one-off statement (JIT) costs more than running it, as the refresh's.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, adapted)
        found = cursor.fetchall()
    n = len(codes)
    return [
        Group(
            municipality_id=row[0],
            municipality_kind=row[1],
            gender=row[2],
            grade=row[3],
            left=row[4] == OutcomeKind.LEFT,
            rules=frozenset(code for i, code in enumerate(codes) if row[5 + i]),
            pupils=int(row[5 + n]),
        )
        for row in found
    ]


def confusion(groups: Iterable[Group], *, by: str | None = None) -> dict[tuple[str, str], Confusion]:
    """Each rule's (and ``ANY``'s) counts, per value of ``by`` (``gender``, ``grade_band``,
    ``municipality_kind``, ``municipality``) or over everything (``by=None``: the key's second part
    is "")."""
    found: dict[tuple[str, str], Confusion] = defaultdict(Confusion)
    for g in groups:
        if by is None:
            key = ""
        elif by == "grade_band":
            key = grade_band(g.grade)
        elif by == "municipality":
            key = str(g.municipality_id)
        else:
            key = str(getattr(g, by))
        for code in rule_codes():
            hit = bool(g.rules) if code == ANY else code in g.rules
            cell = (
                Confusion(tp=g.pupils)
                if hit and g.left
                else Confusion(fp=g.pupils)
                if hit
                else Confusion(fn=g.pupils)
                if g.left
                else Confusion(tn=g.pupils)
            )
            found[(code, key)] = found[(code, key)] + cell
    return dict(found)


# --- What a page may show -----------------------------------------------------------------------


def min_sample() -> int:
    return int(settings.PUMPURS_RULE_QUALITY_MIN_PUPILS)


@dataclass(frozen=True)
class Shown:
    """A rule's counts and rates as a page or export may show them: counts of 1–4 hidden above
    school level (with secondary suppression across the 2 × 2 table and its margins), a rate
    withheld when a count behind it is hidden or its denominator is under the minimum sample."""

    code: str
    counts: Confusion
    tp: int | None
    fp: int | None
    fn: int | None
    tn: int | None
    pupils: int | None
    flagged: int | None
    left: int | None
    stayed: int | None
    precision: Decimal | None
    sensitivity: Decimal | None
    specificity: Decimal | None
    share_flagged: Decimal | None
    false_positive_rate: Decimal | None
    false_negative_rate: Decimal | None


def shown(code: str, c: Confusion, *, suppress: bool) -> Shown:
    threshold = SMALL_CELL if suppress else 1
    table = [[c.tp, c.fp], [c.fn, c.tn]]
    cells = suppress_table(table, threshold=threshold)
    (tp, fp), (fn, tn) = cells
    flagged = total_shown([c.tp, c.fp], [tp, fp], threshold=threshold)
    not_flagged_shown = total_shown([c.fn, c.tn], [fn, tn], threshold=threshold)
    left = total_shown([c.tp, c.fn], [tp, fn], threshold=threshold)
    stayed = total_shown([c.fp, c.tn], [fp, tn], threshold=threshold)
    pupils = c.pupils if not (0 < c.pupils < threshold) else None
    floor = min_sample()

    def ratio(numerator: int | None, denominator: int | None, true_denominator: int) -> Decimal | None:
        return rate(numerator, denominator) if true_denominator >= floor else None

    del not_flagged_shown
    return Shown(
        code=code,
        counts=c,
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        pupils=pupils,
        flagged=flagged,
        left=left,
        stayed=stayed,
        precision=ratio(tp, flagged, c.flagged),
        sensitivity=ratio(tp, left, c.left),
        specificity=ratio(tn, stayed, c.stayed),
        share_flagged=ratio(flagged, pupils, c.pupils),
        false_positive_rate=ratio(fp, stayed, c.stayed),
        false_negative_rate=ratio(fn, left, c.left),
    )


# --- The published yardstick ----------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    group: str
    flags: int
    precision: tuple[Decimal, Decimal, Decimal]  # min, median, max — as percentages
    sensitivity: tuple[Decimal, Decimal, Decimal]
    specificity: tuple[Decimal, Decimal, Decimal]


@cache
def published_ranges() -> dict[str, Published]:
    """Bowers, Sprott & Taff (2013), summarised per group of flags (data/README.md)."""
    path = Path(__file__).parent / "data" / "bowers_2013_ranges.csv"
    found = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):

            def triple(name: str, row: dict[str, str] = row) -> tuple[Decimal, Decimal, Decimal]:
                return tuple(  # type: ignore[return-value]  # three by construction
                    (Decimal(row[f"{name}_{part}"]) * 100).quantize(Decimal("0.1")) for part in ("min", "median", "max")
                )

            found[row["category"]] = Published(
                group=row["category"],
                flags=int(row["flags"]),
                precision=triple("precision"),
                sensitivity=triple("sensitivity"),
                specificity=triple("specificity"),
            )
    return found


def published_for(code: str) -> Published | None:
    return published_ranges().get(BOWERS_GROUP.get(code, "all"))


def ordered(codes: Sequence[str]) -> list[str]:
    order = {code: i for i, code in enumerate(rule_codes())}
    return sorted(codes, key=lambda c: order.get(c, len(order)))


# --- The pre-aggregate (decision 0038) ------------------------------------------------------------


def rule_groups_refresh(*, today: dt.date) -> int:
    """Rewrite the groups of every school year whose end-of-year outcomes are known by ``today``
    (one statement per year over all pupils); returns the rows written. Called by
    ``reporting.preaggregates.monitoring_refresh`` in its transaction."""
    cells = []
    for year in SchoolYear.objects.order_by("starts_on"):
        horizon = year_end_horizon(year)
        if horizon >= today:
            continue
        for g in population_groups(start=year.starts_on, end=year.ends_on, horizon=horizon):
            cells.append(
                RuleGroupCell(
                    school_year=year,
                    municipality_id=g.municipality_id,
                    municipality_kind=g.municipality_kind,
                    gender=g.gender,
                    grade=g.grade,
                    left=g.left,
                    rules=",".join(sorted(g.rules)),
                    pupils=g.pupils,
                )
            )
    RuleGroupCell.objects.all().delete()
    RuleGroupCell.objects.bulk_create(cells, batch_size=5000)
    return len(cells)


def stored_groups(year: SchoolYear, institution_ids: Iterable[int]) -> list[Group] | None:
    """The year's groups for the schools ``institution_ids`` from the pre-aggregate, summed in the
    database over municipality, gender and grade — what the year's counts per rule
    (``confusion(groups)`` with ``by=None``) need, a few dozen rows instead of thousands; the summed
    groups carry no municipality, gender or grade. ``None`` unless those schools are whole
    municipalities and the year was refreshed (the caller counts live then). A pupil is counted at
    the school of their latest enrolment, in its municipality, so the schools of whole
    municipalities are those municipalities' groups."""
    ids = set(institution_ids)
    municipalities = set(Institution.objects.filter(pk__in=ids).values_list("municipality_id", flat=True))
    if Institution.objects.filter(municipality_id__in=municipalities).count() != len(ids):
        return None  # some schools of a municipality only: counted live
    stored = RuleGroupCell.objects.filter(school_year=year)
    if not stored.exists():
        return None
    summed = (
        stored.filter(municipality_id__in=municipalities)
        .values("left", "rules")
        .annotate(n=Sum("pupils"))
        .values_list("left", "rules", "n")
    )
    return [
        Group(
            municipality_id=0,
            municipality_kind="",
            gender="",
            grade=None,
            left=left,
            rules=frozenset(code for code in rules.split(",") if code),
            pupils=int(n),
        )
        for left, rules, n in summed
    ]
