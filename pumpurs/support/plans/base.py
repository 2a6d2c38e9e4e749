"""What the plan services share: the inputs, the reading helpers, the row lock with its version
check and ``_move``, the one function that changes a plan's state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import CENT
from pumpurs.people.actors import Actor
from pumpurs.people.models import Period, User
from pumpurs.support.guards import plan_moved_run
from pumpurs.support.models import (
    ApprovalStep,
    Case,
    Delivery,
    Measure,
    Plan,
    PlanStatus,
    PlanTransition,
)
from pumpurs.support.prices import Price, priced, prices_in_force

AWAITING = (PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED)
# Whose approval each status is waiting for is decided by the plan's chain (``pending_step``).
_STEP_OF_STATUS = {
    PlanStatus.DIRECTOR_APPROVED: ApprovalStep.DIRECTOR,
    PlanStatus.MUNICIPALITY_APPROVED: ApprovalStep.MUNICIPALITY,
}


class PlanConflict(ValidationError):
    """The plan changed after the caller loaded it; nothing was written."""


@dataclass(frozen=True)
class RiskInput:
    group: str
    description: str
    item_id: int | None = None


@dataclass(frozen=True)
class GoalInput:
    text: str
    target: str


@dataclass(frozen=True)
class MeasureInput:
    measure: Measure
    planned_quantity: Decimal
    planned_cost: Decimal | None = None
    provider: Any = None
    provider_name: str = ""
    note: str = ""


# --- Reading ---------------------------------------------------------------------------------------


def chain_for(case: Case) -> list[str]:
    return list(settings.PUMPURS_APPROVAL_CHAINS.get(case.institution.kind, ["director", "municipality", "national"]))


def pending_step(plan: Plan) -> str | None:
    """The approval step the plan waits for, or ``None`` when it is not awaiting approval."""
    steps = plan.chain_steps
    if plan.status == PlanStatus.SUBMITTED:
        return steps[0] if steps else None
    done = _STEP_OF_STATUS.get(PlanStatus(plan.status)) if plan.status in _STEP_OF_STATUS else None
    if done is None or done not in steps:
        return None
    index = steps.index(done) + 1
    return steps[index] if index < len(steps) else None


def delivered_by_line(plan: Plan) -> dict[int, tuple[Decimal, Decimal]]:
    """{plan measure id: (delivered quantity, delivered amount)} in one query. Voided deliveries
    do not count; a line whose deliveries are all voided is still listed (with 0, 0): its records
    stay, so the line cannot be removed from the plan."""
    counted = Q(voided_at__isnull=True)
    rows = (
        Delivery.objects.filter(line__plan=plan)
        .values("line_id")
        .annotate(quantity=Sum("quantity", filter=counted), amount=Sum("amount", filter=counted))
        .values_list("line_id", "quantity", "amount")
    )
    return {line: (quantity or Decimal(0), amount or Decimal(0)) for line, quantity, amount in rows}


def next_period(period: Period) -> Period | None:
    return Period.objects.filter(starts_on__gt=period.ends_on).order_by("starts_on").first()


# --- Internals -------------------------------------------------------------------------------------


def lock_plan(plan: Plan, expected_version: int | None) -> Plan:
    """Lock the plan row, refresh ``plan`` from it and check the caller's version."""
    Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk").get()
    plan.refresh_from_db()
    if expected_version is not None and plan.version != expected_version:
        raise PlanConflict(
            _(
                "Someone else changed this plan after you opened it (your version %(mine)s, now %(now)s). "
                "Nothing was saved: reload the plan and make your change again."
            )
            % {"mine": expected_version, "now": plan.version},
            code="conflict",
        )
    return plan


def _move(
    *,
    actor: Actor,
    plan: Plan,
    action: str,
    to: str,
    step: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> PlanTransition:
    """Change the plan's status, append the transition, bump the version, audit — one place."""
    now = now or timezone.now()
    transition = PlanTransition.objects.create(
        plan=plan,
        action=action,
        step=step,
        from_status=plan.status,
        to_status=to,
        comment=comment,
        actor=actor if isinstance(actor, User) else None,  # the system's own moves name no one
        at=now,
    )
    plan.status = to
    plan.version += 1
    plan.save(update_fields=["status", "version", "chain", "submitted_by", "updated_at"])
    plan_moved_run(plan, transition.from_status)  # finance: what the plan commits follows its status
    audit_record(
        at=now,
        actor=actor,
        action=f"support.plan.{action}",
        pupil_id=plan.case.pupil_id,
        target=plan,
        data={"from": transition.from_status, "to": to, "step": step, "version": plan.version, **(data or {})},
    )
    return transition


def plan_prices(plan: Plan, codes: Iterable[str]) -> dict[str, Price]:
    """The unit prices in force for ``plan``'s lines: on its semester's first day, for its school's
    municipality (finance commits at the same rates). One look-up for all the lines."""
    return prices_in_force(codes, plan.case.institution.municipality_id, plan.period.starts_on)


def _cost_of(line: MeasureInput, prices: dict[str, Price]) -> Decimal | None:
    """Quantity × the unit price in force (``plan_prices``) where there is one; otherwise the
    entered cost (an actual cost, e.g. tickets), or ``None``: not set — held to the rate's cap
    per semester where it sets one, as finance commits it (``finance.commitments.cost_of``)."""
    price = prices.get(line.measure.code)
    if price is not None and price.unit is not None:
        cost: Decimal | None = priced(price.unit, line.planned_quantity)
    else:
        cost = line.planned_cost.quantize(CENT) if line.planned_cost is not None else None
    if cost is not None and price is not None and price.cap is not None:
        return min(cost, price.cap)
    return cost
