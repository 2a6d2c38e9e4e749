"""Reads for the money pages (issue 14): planned vs committed vs spent vs budget per school, per
measure and per month, and cost per supported pupil — a fixed number of grouped queries over every
school in the reader's scope, never a query per school or per pupil.

*Planned* is what plans not yet finally approved would cost at the rates in force; *committed* is
what approved plans still hold (their commitments less what was delivered); *spent* is what was
delivered; *remaining* is budget − committed − spent. A supported pupil is one with a finally
approved plan in the school year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from pumpurs.finance.commitments import cost_of
from pumpurs.finance.models import (
    Activity,
    Budget,
    BudgetMovement,
    DeliveredMonth,
    ExpenseReport,
    Rate,
    ReportStatus,
    StillCommitted,
    SupportedPupils,
)
from pumpurs.finance.money import round_cents
from pumpurs.finance.rates import rates_in_force
from pumpurs.people.access import Perm, institutions_visible_to, is_national, municipalities_visible_to
from pumpurs.people.actors import Actor, actor_user
from pumpurs.people.models import Institution, SchoolYear
from pumpurs.prevention.models import Training
from pumpurs.support.models import Measure, PlanMeasure, PlanStatus

# Plans that are costed but commit nothing yet.
PLANNING = (
    PlanStatus.DRAFT,
    PlanStatus.SUBMITTED,
    PlanStatus.DIRECTOR_APPROVED,
    PlanStatus.MUNICIPALITY_APPROVED,
)


@dataclass
class MoneyRow:
    """One row of the money tables, in cents."""

    label: str
    key: str = ""
    budget: int | None = None
    planned: int = 0
    committed: int = 0
    spent: int = 0
    pupils: int = 0
    unset_lines: int = 0  # planned lines whose cost is not set

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.committed - self.spent

    @property
    def per_pupil(self) -> int | None:
        """Spent ÷ supported pupils, to the cent (``None`` without supported pupils)."""
        return round_cents(Decimal(self.spent) / self.pupils) if self.pupils else None

    def add(self, other: MoneyRow) -> None:
        if other.budget is not None:
            self.budget = (self.budget or 0) + other.budget
        self.planned += other.planned
        self.committed += other.committed
        self.spent += other.spent
        self.pupils += other.pupils
        self.unset_lines += other.unset_lines


@dataclass
class MonthRow:
    month: dt.date
    spent: int
    cumulative: int


@dataclass
class Overview:
    year: SchoolYear
    schools: list[MoneyRow]
    measures: list[MoneyRow]
    months: list[MonthRow]
    total: MoneyRow
    examples: bool = False  # some rate used is an example figure
    notes: list[str] = field(default_factory=list)


def finance_institutions(user: Actor) -> QuerySet[Institution]:
    return institutions_visible_to(user, Perm.VIEW_FINANCE)


def _movement_sum(column: str) -> Coalesce:
    moved = (
        BudgetMovement.objects.filter(**{column: OuterRef("pk")})
        .values(column)
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return Coalesce(Subquery(moved, output_field=IntegerField()), Value(0))


def _months(year: SchoolYear) -> list[dt.date]:
    months, day = [], year.starts_on.replace(day=1)
    while day <= year.ends_on:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def budget_overview(institutions: QuerySet[Institution], year: SchoolYear) -> Overview:
    """The money of ``institutions`` (already scoped by the caller) for ``year``, activity 1."""
    schools = {
        pk: MoneyRow(label=name, key=str(public_id))
        for pk, public_id, name in institutions.order_by("name").values_list("pk", "public_id", "name")
    }
    ids = list(schools)
    for inst, amount, moved_in, moved_out in (
        Budget.objects.filter(institution_id__in=ids, school_year=year, activity=Activity.SUPPORT)
        .annotate(moved_in=_movement_sum("target"), moved_out=_movement_sum("source"))
        .values_list("institution_id", "amount_cents", "moved_in", "moved_out")
    ):
        schools[inst].budget = amount + moved_in - moved_out

    measures: dict[str, MoneyRow] = {}

    def measure_row(code: str) -> MoneyRow:
        return measures.setdefault(code, MoneyRow(label=code, key=code))

    # Spent per school, measure and month: one grouped query over the delivered-cents rollup
    # (decision 0033), a row per plan line and month rather than per delivery.
    by_month: dict[dt.date, int] = defaultdict(int)
    for inst, code, month, total in (
        DeliveredMonth.objects.filter(institution_id__in=ids, school_year=year)
        .values("institution_id", "measure_code", "month")
        .annotate(total=Sum("cents"))
        .values_list("institution_id", "measure_code", "month", "total")
    ):
        cents = int(total or 0)
        schools[inst].spent += cents
        measure_row(code).spent += cents
        by_month[month if isinstance(month, dt.date) else month.date()] += cents

    # Still committed (each commitment of an approved, not yet closed plan less what its line
    # delivered, never below zero) per school and measure, and supported pupils per school with
    # whether any commitment is at an example rate: read from their sums (decision 0043).
    for inst, code, cents in StillCommitted.objects.filter(institution_id__in=ids, school_year=year).values_list(
        "institution_id", "measure_code", "cents"
    ):
        schools[inst].committed += cents
        measure_row(code).committed += cents
    examples = False
    for inst, pupils, example in SupportedPupils.objects.filter(institution_id__in=ids, school_year=year).values_list(
        "institution_id", "pupils", "example_commitments"
    ):
        schools[inst].pupils = pupils
        examples = examples or bool(example)

    # Planned: lines of plans not yet finally approved, at the rates in force on their semester's start.
    rates: dict[tuple[int, dt.date], dict[str, Rate]] = {}
    for inst, municipality, starts_on, code, quantity, planned_cost in PlanMeasure.objects.filter(
        plan__status__in=PLANNING, plan__case__institution_id__in=ids, plan__period__school_year=year
    ).values_list(
        "plan__case__institution_id",
        "plan__case__institution__municipality_id",
        "plan__period__starts_on",
        "measure__code",
        "planned_quantity",
        "planned_cost",
    ):
        in_force = rates.get((municipality, starts_on))
        if in_force is None:
            in_force = rates[(municipality, starts_on)] = rates_in_force(municipality, starts_on)
        rate = in_force.get(code)
        examples = examples or bool(rate and rate.is_example)
        cost, _unit = cost_of(quantity, planned_cost, rate)
        row = measure_row(code)
        if cost is None:
            schools[inst].unset_lines += 1
            row.unset_lines += 1
        else:
            schools[inst].planned += cost
            row.planned += cost

    names = dict(
        Measure.objects.filter(code__in=list(measures)).order_by("code", "valid_from").values_list("code", "name")
    )  # the latest version's name wins
    for code, row in measures.items():
        row.label = names.get(code, code)

    total = MoneyRow(label="")
    for row in schools.values():
        total.add(row)
    cumulative, months = 0, []
    for month in sorted(set(_months(year)) | set(by_month)):
        cumulative += by_month.get(month, 0)
        months.append(MonthRow(month=month, spent=by_month.get(month, 0), cumulative=cumulative))
    return Overview(
        year=year,
        schools=list(schools.values()),
        measures=sorted(measures.values(), key=lambda r: r.label),
        months=months,
        total=total,
        examples=examples,
    )


@dataclass
class TrainingMoney:
    """Activity 2 (issue 16): the trainings' costs against its budgets, in cents. ``rows``: the
    national team's trainings (for a national reader) and each municipality's in the reader's
    scope; ``programme``: the programme's budget against every training (national readers only)."""

    rows: list[MoneyRow]
    programme: MoneyRow | None


def training_money(user: Actor, year: SchoolYear) -> TrainingMoney:
    """Spent on activity 2 is what the trainings starting in ``year`` cost (``Training.cost_cents``),
    by organiser: two grouped queries and one for the names, whatever the number of trainings."""
    national = is_national(user, Perm.VIEW_FINANCE)
    municipalities = list(municipalities_visible_to(user, Perm.VIEW_FINANCE).order_by("name").values_list("pk", "name"))
    spent: dict[int | None, int | None] = dict(
        Training.objects.filter(starts_on__gte=year.starts_on, starts_on__lte=year.ends_on)
        .values("municipality_id")
        .annotate(total=Sum("cost_cents"))
        .values_list("municipality_id", "total")
    )
    budgets: dict[int | None, int] = dict(
        Budget.objects.filter(school_year=year, activity=Activity.PREVENTION, institution__isnull=True).values_list(
            "municipality_id", "amount_cents"
        )
    )
    rows = [MoneyRow(label=name, budget=budgets.get(pk), spent=int(spent.get(pk) or 0)) for pk, name in municipalities]
    programme = None
    if national:
        rows.insert(0, MoneyRow(label=_("The national team's trainings"), spent=int(spent.get(None) or 0)))
        programme = MoneyRow(
            label=_("The programme"), budget=budgets.get(None), spent=sum(int(t or 0) for t in spent.values())
        )
    return TrainingMoney(rows=rows, programme=programme)


def reports_waiting_for(user: Actor) -> QuerySet[ExpenseReport]:
    """The monthly reports ``user`` must act on, oldest month first: drafts of the schools whose
    reports they prepare, and reports waiting for their approval step (never one they prepared or
    already approved) — for the "my work" page."""
    uid = getattr(actor_user(user), "pk", None)
    prepare = Q(status=ReportStatus.DRAFT, institution__in=institutions_visible_to(user, Perm.PREPARE_EXPENSES))
    director = Q(
        status=ReportStatus.PREPARED, institution__in=institutions_visible_to(user, Perm.APPROVE_AS_DIRECTOR)
    ) & ~Q(prepared_by_id=uid)
    municipality = (
        Q(
            status=ReportStatus.DIRECTOR_APPROVED,
            institution__in=institutions_visible_to(user, Perm.APPROVE_AS_MUNICIPALITY),
        )
        & ~Q(prepared_by_id=uid)
        & ~Q(director_by_id=uid)
    )
    return (
        ExpenseReport.objects.filter(prepare | director | municipality)
        .select_related("institution")
        .order_by("month", "institution__name")
    )
