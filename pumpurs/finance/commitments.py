"""What plans cost, what they commit and what is left (issue 14).

A plan line costs its planned quantity × the unit price of the rate in force on the first day of
the plan's semester, rounded once to the cent and held to the rate's cap per pupil per semester.
Where the rate has no unit price (the actual cost counts) or no rate is set, the line's entered
planned cost counts; a line with neither is "not set" and counts nothing (shown, never guessed).

The final approval writes a ``Commitment`` per line. The institution's money for the school year
(activity 1) then reads:

    budget (amount ± movements) − spent (deliveries) − still committed (commitments of approved,
    active or in-review plans not yet delivered) = remaining.

A closed plan commits nothing any more: what it did not use is released. Every approval step
checks that the plan fits in what remains, under a row lock on the budget, so two approvals at once
can never both spend the last euro (the second waits, then sees the first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext as _

from pumpurs.audit.services import Entry, audit_record, audit_record_many
from pumpurs.core.display import money_text
from pumpurs.finance.budgets import effective_cents
from pumpurs.finance.committed import COMMITTING, committed_refresh
from pumpurs.finance.delivered import delivered_refresh
from pumpurs.finance.models import Activity, Budget, Commitment, DeliveredMonth, Rate
from pumpurs.finance.money import cents_of, euros, line_cost
from pumpurs.finance.rates import rates_in_force
from pumpurs.people.actors import Actor
from pumpurs.people.models import Institution, SchoolYear, User
from pumpurs.support.models import Plan, PlanMeasure


@dataclass(frozen=True)
class LineCost:
    line: PlanMeasure
    rate: Rate | None
    unit_cents: int | None
    cost_cents: int | None  # None: not set (no rate and no entered cost)

    @property
    def is_example(self) -> bool:
        return bool(self.rate and self.rate.is_example)


def cost_of(quantity: Decimal, planned_cost: Decimal | None, rate: Rate | None) -> tuple[int | None, int | None]:
    """(cost in cents or ``None`` when not set, unit price used) of one planned line."""
    cap = rate.cap_semester_cents if rate else None
    if rate is not None and rate.unit_cents is not None:
        return line_cost(quantity, rate.unit_cents, cap_cents=cap), rate.unit_cents
    entered = cents_of(planned_cost) if planned_cost is not None else None
    return (entered if entered is None or cap is None else min(entered, cap)), None


def plan_line_costs(plan: Plan) -> list[LineCost]:
    """Each line of ``plan`` costed at the rates in force on its semester's first day."""
    rates = rates_in_force(plan.case.institution.municipality_id, plan.period.starts_on)
    costs: list[LineCost] = []
    for line in plan.measures.select_related("measure").order_by("id"):
        rate = rates.get(line.measure.code)
        cost, unit = cost_of(line.planned_quantity, line.planned_cost, rate)
        costs.append(LineCost(line=line, rate=rate, unit_cents=unit, cost_cents=cost))
    return costs


def plan_cost_cents(plan: Plan) -> int:
    return sum(c.cost_cents or 0 for c in plan_line_costs(plan))


def delivered_cents_expr(prefix: str = "") -> Round:
    """A delivery's actual cost in whole cents, rounded per delivery (each is one payment): its
    amount, else its quantity × the unit price its line was committed at, else nothing. The ORM
    twin of ``reports.COST_SQL`` (the rollup's SQL), for reads that group deliveries their own way
    (the monitoring app's dashboards and costs)."""
    money = DecimalField(max_digits=20, decimal_places=4)
    return Round(
        Coalesce(
            F(f"{prefix}amount") * Value(100, output_field=money),
            Case(
                When(
                    **{f"{prefix}line__commitment__unit_cents__isnull": False},
                    then=F(f"{prefix}quantity") * F(f"{prefix}line__commitment__unit_cents"),
                ),
                default=Value(0),
                output_field=money,
            ),
            output_field=money,
        ),
        output_field=money,
    )


def delivered_cents_by_line(lines: Q) -> dict[int, int]:
    """{plan line id: cents delivered} over the plan lines matching ``lines`` (a ``Q`` on a model
    with a ``line`` foreign key, e.g. ``Q(line__plan=plan)``), read from the delivered-cents rollup
    (decision 0033): voided deliveries never count."""
    rows = (
        DeliveredMonth.objects.filter(lines)
        .values("line_id")
        .annotate(total=Sum("cents"))
        .values_list("line_id", "total")
    )
    return {line: int(total or 0) for line, total in rows}


@dataclass(frozen=True)
class Headroom:
    """An institution's money for a school year (activity 1), in cents."""

    budget: int | None  # None: no budget set
    spent: int
    committed: int  # still committed, not yet delivered

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.spent - self.committed


def institution_budget(institution_id: int, school_year_id: int, *, lock: bool = False) -> Budget | None:
    budgets = Budget.objects.filter(
        institution_id=institution_id, school_year_id=school_year_id, activity=Activity.SUPPORT
    )
    return (budgets.select_for_update() if lock else budgets).first()


def headroom(
    institution: Institution | int,
    school_year: SchoolYear | int,
    *,
    excluding: Plan | None = None,
    budget: Budget | None = None,
) -> Headroom:
    """Budget, spending and open commitments of ``institution`` for ``school_year`` (a fixed number
    of queries), leaving out the commitments of ``excluding`` (the plan being approved)."""
    inst_id = institution if isinstance(institution, int) else institution.pk
    year_id = school_year if isinstance(school_year, int) else school_year.pk
    budget = budget or institution_budget(inst_id, year_id)
    # Both from the delivered-cents rollup and the commitments' own delivered cents (decision 0033).
    spent = DeliveredMonth.objects.filter(institution_id=inst_id, school_year_id=year_id).aggregate(t=Sum("cents"))["t"]
    open_commitments = Commitment.objects.filter(
        institution_id=inst_id, school_year_id=year_id, plan__status__in=COMMITTING
    )
    if excluding is not None:
        open_commitments = open_commitments.exclude(plan=excluding)
    committed = open_commitments.aggregate(
        t=Sum(
            Case(
                When(amount_cents__gt=F("delivered_cents"), then=F("amount_cents") - F("delivered_cents")),
                default=Value(0),
            )
        )
    )["t"]
    return Headroom(
        budget=effective_cents(budget) if budget is not None else None,
        spent=int(spent or 0),
        committed=int(committed or 0),
    )


def plan_need_cents(plan: Plan, costs: list[LineCost] | None = None) -> int:
    """What approving ``plan`` adds to the commitments: each line's cost less what it has
    already delivered (an amended plan's deliveries are spent already). For an amendment, the lines
    it proposes less what the plan in force delivered on the same measure (decision 0022: a line
    carried over keeps its deliveries)."""
    costs = plan_line_costs(plan) if costs is None else costs
    if plan.amends_id:
        delivered = delivered_cents_by_line(Q(line__plan_id=plan.amends_id))
        by_code: dict[str, int] = {}
        for line_id, code in PlanMeasure.objects.filter(plan_id=plan.amends_id).values_list("pk", "measure__code"):
            by_code[code] = by_code.get(code, 0) + delivered.get(line_id, 0)
        return sum(max((c.cost_cents or 0) - by_code.get(c.line.measure.code, 0), 0) for c in costs)
    delivered = delivered_cents_by_line(Q(line__plan=plan))
    return sum(max((c.cost_cents or 0) - delivered.get(c.line.pk, 0), 0) for c in costs)


def budget_guard(actor: User, plan: Plan, final: bool, now: dt.datetime) -> None:
    """The approval guard registered with support: refuse an approval that would take the
    school's budget below zero, with the numbers; on the last step, commit the plan's lines.
    Runs inside ``plan_approve``'s transaction; the budget row's lock serialises approvals."""
    institution_id = plan.case.institution_id
    year_id = plan.period.school_year_id
    budget = institution_budget(institution_id, year_id, lock=True)
    costs = plan_line_costs(plan)
    if budget is not None:
        # An amendment replaces the plan in force: leave out that plan's commitments, not its own.
        replaced = plan.amends if plan.amends_id else plan
        money = headroom(institution_id, year_id, excluding=replaced, budget=budget)
        need = plan_need_cents(plan, costs)
        assert money.budget is not None
        assert money.remaining is not None
        if need > money.remaining:
            raise ValidationError(
                _(
                    "The plan does not fit in the school's budget: budget %(budget)s, already spent or "
                    "committed %(committed)s, this plan %(plan)s — short by %(short)s. Ask the municipality "
                    "to move money to the school, or change the plan."
                )
                % {
                    "budget": money_text(euros(money.budget)),
                    "committed": money_text(euros(money.spent + money.committed)),
                    "plan": money_text(euros(need)),
                    "short": money_text(euros(need - money.remaining)),
                },
                code="over_budget",
            )
    if final and not plan.amends_id:
        _commit(actor, plan, costs, now)


def plan_changed_commit(actor: User, plan: Plan, now: dt.datetime) -> None:
    """Registered with support: an approved amendment was applied to ``plan`` (the plan in force):
    its lines now are what the amendment proposed, so they are committed again (a line the change
    left out took its commitment with it)."""
    _commit(actor, plan, plan_line_costs(plan), now)


def plans_commit_late(*, actor: Actor, plans: Sequence[tuple[Plan, dt.datetime]]) -> int:
    """Commit approved plans whose commitments were never written — the demo's history, written
    with the ORM past the services (decision 0033) — at the rates in force on each plan's semester
    start, as their final approval would have (decision 0052): the same commitments, rollups and
    ``finance.plan.committed`` events as ``_commit`` per plan, in a number of statements that does
    not grow with the plans — the rates read once per municipality and semester start, the lines,
    the plans' schools and semesters read in chunks, the commitments inserted in bulk, the rollups
    refreshed once and the events written in one batch (in the plans' order). Plans already
    committed are left as they are. Returns how many plans were committed."""
    wanted = {plan.pk: (plan, now) for plan, now in plans}
    ids = sorted(wanted)
    facts: dict[int, tuple[int, int | None, int, dt.date, int]] = {}
    lines: dict[int, list[PlanMeasure]] = {}
    done: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        done.update(Commitment.objects.filter(plan_id__in=chunk).values_list("plan_id", flat=True))
        for pk, *rest in Plan.objects.filter(pk__in=chunk).values_list(
            "pk", "case__institution_id", "case__institution__municipality_id", "case__pupil_id",
            "period__starts_on", "period__school_year_id",
        ):  # fmt: skip
            facts[pk] = tuple(rest)  # type: ignore[assignment]  # the five values listed
        for line in PlanMeasure.objects.filter(plan_id__in=chunk).select_related("measure").order_by("id"):
            lines.setdefault(line.plan_id, []).append(line)
    rates: dict[tuple[int | None, dt.date], dict[str, Rate]] = {}
    rows: list[Commitment] = []
    entries: list[Entry] = []
    pairs: set[tuple[int, int]] = set()
    for plan, now in plans:
        if plan.pk in done:
            continue
        done.add(plan.pk)
        institution_id, municipality_id, pupil_id, starts_on, year_id = facts[plan.pk]
        in_force = rates.get((municipality_id, starts_on))
        if in_force is None:
            in_force = rates[municipality_id, starts_on] = rates_in_force(municipality_id, starts_on)
        costs = []
        for line in lines.get(plan.pk, []):
            rate = in_force.get(line.measure.code)
            cost, unit = cost_of(line.planned_quantity, line.planned_cost, rate)
            costs.append(LineCost(line=line, rate=rate, unit_cents=unit, cost_cents=cost))
            rows.append(
                Commitment(
                    line=line, plan_id=plan.pk, institution_id=institution_id, school_year_id=year_id, rate=rate,
                    unit_cents=unit, amount_cents=cost or 0, committed_at=now, measure_code=line.measure.code,
                )
            )  # fmt: skip
        pairs.add((institution_id, year_id))
        # What ``_commit`` records for a plan committed the first time.
        data = {
            "lines": {str(c.line.public_id): c.cost_cents for c in costs},
            "total_cents": sum(c.cost_cents or 0 for c in costs),
            "before_cents": None,
        }
        entries.append(Entry("finance.plan.committed", pupil_id, plan, data))
    Commitment.objects.bulk_create(rows, batch_size=2000)
    delivered_refresh(row.line_id for row in rows)
    committed_refresh(pairs)
    audit_record_many(actor=actor, entries=entries)
    return len(entries)


# Plans per read in ``plans_commit_late`` (far below SQLite's limit on an IN list).
_CHUNK = 2000


def _commit(actor: Actor, plan: Plan, costs: list[LineCost], now: dt.datetime) -> None:
    institution_id = plan.case.institution_id
    year_id = plan.period.school_year_id
    existing = {c.line_id: c for c in Commitment.objects.filter(plan=plan)}
    for cost in costs:
        values = {
            "plan": plan,
            "institution_id": institution_id,
            "school_year_id": year_id,
            "rate": cost.rate,
            "unit_cents": cost.unit_cents,
            "amount_cents": cost.cost_cents or 0,
            "committed_at": now,
            "measure_code": cost.line.measure.code,
        }
        Commitment.objects.update_or_create(line=cost.line, defaults=values)
    # A delivery without an amount is costed at its line's committed unit price: recount the lines.
    delivered_refresh(c.line.pk for c in costs)
    # The school's still committed and supported pupils (decision 0043), and those of the school the
    # commitments leave (a recommitment after a hand-over) or of a line the amendment dropped.
    committed_refresh({(institution_id, year_id), *((c.institution_id, c.school_year_id) for c in existing.values())})
    audit_record(
        actor=actor,
        action="finance.plan.recommitted" if existing else "finance.plan.committed",
        target=plan,
        pupil_id=plan.case.pupil_id,
        data={
            "lines": {str(c.line.public_id): c.cost_cents for c in costs},
            "total_cents": sum(c.cost_cents or 0 for c in costs),
            "before_cents": sum(c.amount_cents for c in existing.values()) if existing else None,
        },
    )
