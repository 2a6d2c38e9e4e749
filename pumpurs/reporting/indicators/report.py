"""The indicator report: the scopes a reader may see, their figures, and small cells protected.

Scopes: the national line and every municipality for a national reader (or one municipality when
asked); a municipality coordinator's municipality; a school role's own schools. Above school level
``reporting.suppression`` hides people counts of 1–4, with secondary suppression down each column
whose national total is shown; hours and money follow the count of the people behind them; and a
family's total is withheld where exactly one of its parts is (docs/indicators.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from pumpurs.people.access import ROLE_PERMISSIONS, is_national
from pumpurs.people.actors import SystemActor, Viewer
from pumpurs.people.models import Institution, Municipality, Period, RoleGrant, SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.reporting.indicators.catalogue import BY_CODE, INDICATORS, Kind
from pumpurs.reporting.indicators.compute import Figures, delivery_family, support_family, youth_and_prevention
from pumpurs.reporting.suppression import suppress_table, total_shown

NATIONAL, MUNICIPALITY, INSTITUTION = "national", "municipality", "institution"
NATIONAL_CODE = "LV"

Shown = int | Decimal | None  # None: hidden (a small cell)


@dataclass
class ScopeFigures:
    scope: str  # NATIONAL | MUNICIPALITY | INSTITUTION
    code: str  # "LV", a municipality's code, an institution's registration number
    name: str
    values: dict[str, Shown] = field(default_factory=dict)

    def value(self, code: str) -> Shown:
        return self.values.get(code)

    @property
    def protected(self) -> bool:
        return self.scope != INSTITUTION


@dataclass
class Report:
    year: SchoolYear
    period: Period | None
    start: dt.date
    end: dt.date
    scopes: list[ScopeFigures]

    @property
    def hidden(self) -> int:
        """How many figures small cells hide."""
        return sum(1 for s in self.scopes for v in s.values.values() if v is None)


class UnknownScope(LookupError):
    """A municipality the reader may not see, or that does not exist (the same answer)."""


@dataclass(frozen=True)
class Reach:
    national: bool
    municipality_ids: frozenset[int]
    institution_ids: frozenset[int]  # schools seen one by one (school roles), outside those municipalities


def reach_of(viewer: Viewer) -> Reach:
    """Where ``viewer`` reads the indicators: nationally, whole municipalities, or single schools."""
    perm = Perm.VIEW_INDICATORS
    if isinstance(viewer, AnonymousUser):
        return Reach(False, frozenset(), frozenset())
    if is_national(viewer, perm):
        return Reach(True, frozenset(), frozenset())
    if isinstance(viewer, SystemActor):
        scope = viewer.scope if perm in viewer.perms else None
        if scope is None:
            return Reach(False, frozenset(), frozenset())
        return Reach(False, scope.municipality_ids, scope.institution_ids)
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    grants = RoleGrant.objects.filter(user=viewer, role__in=roles).values_list("municipality_id", "institution_id")
    municipalities = frozenset(m for m, i in grants if m is not None and i is None)
    schools = frozenset(
        Institution.objects.filter(pk__in=[i for m, i in grants if i is not None])
        .exclude(municipality_id__in=municipalities)
        .values_list("pk", flat=True)
    )
    return Reach(False, municipalities, schools)


def window_of(year: SchoolYear, period: Period | None) -> tuple[dt.date, dt.date]:
    """The days a year's (or a semester's) report counts: from the day after the previous school
    year (semester) ended to its own last day, so that no day falls between two reports — a plan
    approved in the summer for the autumn counts in the year it is for (decision 0013: every day
    of the year has a defined behaviour). Without a previous one, from its own first day."""
    previous_end: dt.date | None
    if period is None:
        ended_years = SchoolYear.objects.filter(ends_on__lt=year.starts_on).order_by("-ends_on")
        previous_end = ended_years.values_list("ends_on", flat=True).first()
        first, last = year.starts_on, year.ends_on
    else:
        ended_periods = Period.objects.filter(ends_on__lt=period.starts_on).order_by("-ends_on")
        previous_end = ended_periods.values_list("ends_on", flat=True).first()
        first, last = period.starts_on, period.ends_on
    return (previous_end + dt.timedelta(days=1) if previous_end else first), last


def _add(into: Figures, other: Figures) -> None:
    for code, value in other.items():
        into[code] = into.get(code, 0) + value


def _complete(figures: Figures) -> dict[str, Shown]:
    """Every code, zero where nothing was counted; hours as Decimal with one place."""
    out: dict[str, Shown] = {}
    for indicator in INDICATORS:
        value = figures.get(indicator.code, 0)
        out[indicator.code] = Decimal(value).quantize(Decimal("0.1")) if indicator.unit == "hours" else int(value)
    return out


@dataclass(frozen=True)
class Raw:
    """The true figures of a window before they are added up: per school, and each municipality's
    own (youth calls, trainings; ``None``: the national programme's)."""

    per_school: dict[int, Figures]
    own: dict[int | None, Figures]


def raw_figures(start: dt.date, end: dt.date) -> Raw:
    """The families' grouped statements over the whole country for the window (counted live)."""
    everywhere = Institution.objects.all()
    per_school: dict[int, Figures] = defaultdict(dict)
    for family in (support_family(everywhere, start, end), delivery_family(everywhere, start, end)):
        for school_id, figures in family.items():
            _add(per_school[school_id], figures)
    municipality_ids = list(Municipality.objects.values_list("pk", flat=True))
    return Raw(dict(per_school), dict(youth_and_prevention(municipality_ids, start, end, national=True)))


def indicator_report(
    viewer: Viewer,
    *,
    year: SchoolYear,
    period: Period | None = None,
    municipality: Municipality | None = None,
    raw: Raw | None = None,
) -> Report:
    """The report for ``viewer`` (``Perm.VIEW_INDICATORS``); with ``municipality``, that one only —
    ``UnknownScope`` when it is outside the reader's scope. Nothing in scope: no scopes.

    Municipal and national figures are always computed and protected together, for the whole
    country, then the reader's lines are picked: a municipality's figures are the same on every
    page and in every export, and no two views of it can be subtracted to reveal a hidden cell.

    ``raw``: the window's true figures when the caller has them (the page reads them from the
    pre-aggregate, ``indicators.refresh``); counted live otherwise."""
    start, end = window_of(year, period)
    reach = reach_of(viewer)
    if municipality is not None and not (reach.national or municipality.pk in reach.municipality_ids):
        raise UnknownScope(municipality.code)
    raw = raw if raw is not None else raw_figures(start, end)
    per_school: dict[int, Figures] = defaultdict(dict)
    for school_id, figures in raw.per_school.items():
        per_school[school_id] = dict(figures)  # a copy: the counts below must not change ``raw``
    municipalities = list(Municipality.objects.order_by("name"))
    own = raw.own
    school_of = dict(Institution.objects.values_list("pk", "municipality_id"))

    per_municipality: dict[int, Figures] = defaultdict(dict)
    for school_id, figures in per_school.items():
        if figures.get("SCHOOLS_TAKING_PART"):
            figures["MUNICIPALITIES_TAKING_PART"] = 1
        _add(per_municipality[school_of[school_id]], figures)
    national: Figures = {}
    for m in municipalities:
        _add(per_municipality[m.pk], own.get(m.pk, {}))
        per_municipality[m.pk]["MUNICIPALITIES_TAKING_PART"] = (
            1 if per_municipality[m.pk].get("SCHOOLS_TAKING_PART") else 0
        )
        _add(national, per_municipality[m.pk])
    _add(national, own.get(None, {}))

    protected = [ScopeFigures(NATIONAL, NATIONAL_CODE, _("Latvia"), _complete(national))]
    protected += [ScopeFigures(MUNICIPALITY, m.code, m.name, _complete(per_municipality[m.pk])) for m in municipalities]
    protect(protected, national_own=_complete(own.get(None, {})))

    def wanted(row: ScopeFigures) -> bool:
        if municipality is not None:
            return row.scope == MUNICIPALITY and row.code == municipality.code
        if reach.national:
            return True
        return row.scope == MUNICIPALITY and any(
            m.code == row.code and m.pk in reach.municipality_ids for m in municipalities
        )

    scopes = [row for row in protected if wanted(row)]
    if not reach.national and municipality is None and reach.institution_ids:
        schools = Institution.objects.filter(pk__in=reach.institution_ids).order_by("name")
        scopes += [ScopeFigures(INSTITUTION, s.code, s.name, _complete(per_school.get(s.pk, {}))) for s in schools]
    return Report(year=year, period=period, start=start, end=end, scopes=scopes)


# --- Small cells ----------------------------------------------------------------------------------

PEOPLE = [i.code for i in INDICATORS if i.kind == Kind.PEOPLE]
FOLLOWS = [i for i in INDICATORS if i.kind == Kind.FOLLOWS]
FAMILY_TOTALS: dict[str, list[str]] = defaultdict(list)
for _indicator in INDICATORS:
    if _indicator.total:
        FAMILY_TOTALS[_indicator.total].append(_indicator.code)


def _follow(row: ScopeFigures) -> None:
    """Hours and money follow the people behind them; a family total with exactly one hidden
    part is hidden too (it would give the part away)."""
    for indicator in FOLLOWS:
        if row.values[indicator.behind] is None:
            row.values[indicator.code] = None
    for total, parts in FAMILY_TOTALS.items():
        if row.values[total] is not None and sum(1 for p in parts if row.values[p] is None) == 1:
            row.values[total] = None


def protect(scopes: list[ScopeFigures], *, national_own: dict[str, Shown] | None) -> None:
    """Hide small cells in place in every scope above school level (see the module's text).

    ``national_own`` — the national programme's own figures (its calls and trainings), when a
    national line is shown: the national total is the municipalities' lines plus these."""
    national = next((s for s in scopes if s.scope == NATIONAL), None)
    municipalities = [s for s in scopes if s.scope == MUNICIPALITY]
    lines = [*municipalities]
    raw = [[int(s.values[c] or 0) for c in PEOPLE] for s in lines]
    if national_own is not None:
        raw.append([int(national_own[c] or 0) for c in PEOPLE])
    if raw:
        hidden = suppress_table(raw, row_totals=False, column_totals=national is not None)
        for row, cells in zip(lines, hidden, strict=False):
            for code, cell in zip(PEOPLE, cells, strict=True):
                if cell is None:
                    row.values[code] = None
        if national is not None:
            for j, code in enumerate(PEOPLE):
                column = [r[j] for r in raw]
                shown = total_shown(column, [cells[j] for cells in hidden])
                if shown is None:
                    national.values[code] = None
    for row in municipalities:
        _follow(row)
    if national is not None:
        _follow(national)
        # Down a column of hours or money: a lone hidden municipality would follow from the total.
        for indicator in [*FOLLOWS, *(BY_CODE[t] for t in FAMILY_TOTALS)]:
            if sum(1 for row in municipalities if row.values[indicator.code] is None) == 1:
                national.values[indicator.code] = None
        _follow(national)
