"""Money blocks for other apps' pages: ``{% plan_money plan as money %}`` on the plan page (the
panel registered with ``support.guards``) — each line's cost at the rate in force and, for readers
who see the school's money, its budget, what is spent and committed, and what this plan leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import get_format

from pumpurs.core.display import money_text
from pumpurs.finance.commitments import LineCost, headroom, plan_line_costs, plan_need_cents
from pumpurs.finance.money import euros
from pumpurs.people.access import Perm, institutions_visible_to
from pumpurs.support.models import Plan, PlanStatus

register = template.Library()


@dataclass(frozen=True)
class PlanMoney:
    lines: list[LineCost]
    total: int
    unset: int
    examples: bool
    budget: int | None
    spent: int
    committed: int
    remaining: int | None
    need: int
    after: int | None  # remaining once this plan is approved (None when it commits already)
    shows_budget: bool


@register.simple_tag(takes_context=True)
def plan_money(context: dict[str, Any], plan: Plan) -> PlanMoney | None:
    request = context.get("request")
    if request is None:
        return None
    costs = plan_line_costs(plan)
    shows_budget = institutions_visible_to(request.user, Perm.VIEW_FINANCE).filter(pk=plan.case.institution_id).exists()
    committing = plan.status in (PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.IN_REVIEW)
    money = headroom(plan.case.institution_id, plan.period.school_year_id, excluding=None if committing else plan)
    need = 0 if committing or plan.status == PlanStatus.CLOSED else plan_need_cents(plan, costs)
    return PlanMoney(
        lines=costs,
        total=sum(c.cost_cents or 0 for c in costs),
        unset=sum(1 for c in costs if c.cost_cents is None),
        examples=any(c.is_example for c in costs),
        budget=money.budget,
        spent=money.spent,
        committed=money.committed,
        remaining=money.remaining,
        need=need,
        after=None if money.remaining is None or committing else money.remaining - need,
        shows_budget=shows_budget,
    )


@register.filter
def eur(cents: int | None) -> str:
    """Cents → EUR for display in the reader's language ("1234,50" in Latvian); "—" for none."""
    if cents is None:
        return "—"
    if type(cents) is not int or settings.USE_THOUSAND_SEPARATOR:
        return money_text(euros(cents))
    # Whole cents written directly: the same text as ``money_text`` without grouping (a test compares
    # them), at a fraction of ``number_format``'s cost — the budget page writes some 900 amounts.
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}{get_format('DECIMAL_SEPARATOR')}{part:02d}"
