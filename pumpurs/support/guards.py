"""What an app above support may add to a plan: a guard on its approval (issue 14: the budget
check) and panels on its page (the costs and the school's remaining budget).

Support sits below finance and cannot know budgets, so finance registers, in its
``AppConfig.ready()``, a guard that ``plan_approve`` calls inside its transaction, after the
approver is known and before the plan moves. A guard refuses with ``ValidationError`` (nothing is
written); on the chain's last step (``final``) it may also record what the approval commits.
Nothing registered means nothing more is checked (support alone has no budgets).

A plan panel is a template included on the plan page with its context (``plan``, ``lines``,
``request``), like the pupil-page panels of ``people.registry``; it fetches its data through its own
app's template tag and renders nothing for a reader who may not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

    from pumpurs.people.models import User
    from pumpurs.support.models import Plan

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


@dataclass(frozen=True)
class PlanPanel:
    template: str
    order: int


_plan_panels: dict[str, PlanPanel] = {}


def plan_panel_register(*, template: str, order: int) -> None:
    """Add a panel to the plan page; registering the same template again replaces it."""
    _plan_panels[template] = PlanPanel(template=template, order=order)


def plan_panels() -> list[PlanPanel]:
    return sorted(_plan_panels.values(), key=lambda p: (p.order, p.template))
