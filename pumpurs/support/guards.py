"""What an app above support may add to a plan: a guard on its approval (issue 14: the budget
check) and panels on its page (the costs and the school's remaining budget).

Support sits below finance and cannot know budgets, so finance registers, in its
``AppConfig.ready()``, a guard that ``plan_approve`` calls inside its transaction, after the
approver is known and before the plan moves. A guard refuses with ``ValidationError`` (nothing is
written); on the chain's last step (``final``) it may also record what the approval commits.
Nothing registered means nothing more is checked (support alone has no budgets).

A plan's change of status is announced too (finance: a closed plan releases its commitments).

Deliveries have two more hooks: a guard a new delivery must pass (finance: the rate's cap per pupil
per month) and a notice, inside the writing transaction, that the deliveries of some plan lines
changed (finance: its delivered-cents rollup, decision 0033).

A plan panel is a template included on the plan page with its context (``plan``, ``lines``,
``request``), like the pupil-page panels; it fetches its data through its own app's template tag
and renders nothing for a reader who may not see it. Its registry is ``people.registry``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pumpurs.people.registry import PlanPanel, plan_panel_register, plan_panels

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal

    from pumpurs.people.models import User
    from pumpurs.support.models import Plan, PlanMeasure

ApprovalGuard = Callable[["User", "Plan", bool, "dt.datetime"], None]  # (approver, plan, final, now)

_guards: list[ApprovalGuard] = []


def approval_guard_register(guard: ApprovalGuard) -> None:
    """Register the approval guard; registering again replaces the earlier one."""
    _guards[:] = [guard]


def approval_guards_run(actor: User, plan: Plan, *, final: bool, now: dt.datetime) -> None:
    """Run the registered guard (if any) for ``actor``'s approval of ``plan``."""
    for guard in _guards:
        guard(actor, plan, final, now)


PlanChanged = Callable[["User", "Plan", "dt.datetime"], None]  # (approver, the plan in force, now)

_changed: list[PlanChanged] = []


def plan_changed_register(hook: PlanChanged) -> None:
    """Register what to do when an approved amendment has been applied to the plan in force
    (finance: commit the plan's new lines); registering again replaces the earlier one. The guard
    sees the amendment (its lines are proposals); this hook sees the plan the lines now belong to."""
    _changed[:] = [hook]


def plan_changed_run(actor: User, plan: Plan, *, now: dt.datetime) -> None:
    for hook in _changed:
        hook(actor, plan, now)


DeliveryGuard = Callable[["PlanMeasure", "dt.date", "Decimal", "Decimal | None"], None]  # (line, day, quantity, amount)

_delivery_guards: list[DeliveryGuard] = []


def delivery_guard_register(guard: DeliveryGuard) -> None:
    """Register the check a new delivery must pass (finance: a rate's cap per pupil per month);
    registering again replaces the earlier one. It raises ``ValidationError`` to refuse."""
    _delivery_guards[:] = [guard]


def delivery_guards_run(line: PlanMeasure, day: dt.date, quantity: Decimal, amount: Decimal | None) -> None:
    for guard in _delivery_guards:
        guard(line, day, quantity, amount)


DeliveriesChanged = Callable[[list[int]], None]  # (ids of the plan lines whose deliveries changed)

_deliveries_changed: list[DeliveriesChanged] = []


def deliveries_changed_register(hook: DeliveriesChanged) -> None:
    """Register what to do, inside the writing transaction, once deliveries of some plan lines were
    recorded or voided (finance: refresh its delivered-cents rollup); registering again replaces the
    earlier one. Every write of a delivery calls it — services and seeds alike."""
    _deliveries_changed[:] = [hook]


def deliveries_changed_run(line_ids: list[int]) -> None:
    for hook in _deliveries_changed:
        hook(line_ids)


PlanMoved = Callable[["Plan", str], None]  # (the plan, already in its new status; the status it left)

_moved: list[PlanMoved] = []


def plan_moved_register(hook: PlanMoved) -> None:
    """Register what to do, inside the transaction, once a plan changed status (finance: a plan
    leaving the approved states releases what it committed, decision 0043); registering again
    replaces the earlier one. ``support.plans.base._move``, the one place a plan's status changes,
    calls it."""
    _moved[:] = [hook]


def plan_moved_run(plan: Plan, from_status: str) -> None:
    for hook in _moved:
        hook(plan, from_status)


# The plan-page panels live in ``people.registry`` (below support), so that an app beside support
# can add one too; re-exported here for the apps above.
__all__ = [
    "ApprovalGuard",
    "DeliveriesChanged",
    "DeliveryGuard",
    "PlanChanged",
    "PlanMoved",
    "PlanPanel",
    "approval_guard_register",
    "approval_guards_run",
    "deliveries_changed_register",
    "deliveries_changed_run",
    "delivery_guard_register",
    "delivery_guards_run",
    "plan_changed_register",
    "plan_changed_run",
    "plan_moved_register",
    "plan_moved_run",
    "plan_panel_register",
    "plan_panels",
]
