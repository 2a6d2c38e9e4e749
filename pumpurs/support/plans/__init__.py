"""The semester support plan (IAP) and its state machine (issue 5, item 4).

    draft ──submit──► submitted ──director──► director_approved ──municipality──► municipality_approved
      ▲                   │                        │                                   │
      └──── return (any approver, with a comment) ─┴───────────────────────────────────┘
                                                                          national ──► approved ──► active
    active ──amend──► a new draft amending it (the amendment goes through the chain while the plan
                      stays active and takes deliveries; its last approval applies the change to
                      the plan, lines matched by measure, and closes the amendment — decision 0022)
    active ──review_start──► in_review (deliveries of the semester go on) ──review──► closed

The approval chain is fixed on the plan at submission from ``PUMPURS_APPROVAL_CHAINS`` for the
school's kind (state vocational schools skip the municipality). Nobody approves a plan they
prepared or submitted. Every edit presents the plan's ``version``; a stale version is a
``PlanConflict`` and nothing is written. Every transition is a ``PlanTransition`` row plus one
audit event, in the same transaction.
"""

from pumpurs.support.plans.actions import (
    STEPS,
    TRANSITIONS,
    PlanAction,
    PlanActions,
    open_amendment_of,
    plan_actions_for,
    require_approver,
    require_permitted,
    require_status,
    status_allows,
    void_action,
)
from pumpurs.support.plans.base import (
    AWAITING,
    GoalInput,
    MeasureInput,
    PlanConflict,
    RiskInput,
    chain_for,
    delivered_by_line,
    lock_plan,
    next_period,
    pending_step,
    plan_prices,
)
from pumpurs.support.plans.drafting import plan_continue, plan_create, plan_save
from pumpurs.support.plans.transitions import (
    PLAN_ACTIONS,
    close_reviewed,
    plan_amend,
    plan_amendment_withdraw,
    plan_approve,
    plan_close_unfinished,
    plan_return,
    plan_review_start,
    plan_submit,
    plan_transition,
    plans_activate_due,
    plans_reopen_with_case,
)

__all__ = [
    "AWAITING",
    "PLAN_ACTIONS",
    "STEPS",
    "TRANSITIONS",
    "GoalInput",
    "MeasureInput",
    "PlanAction",
    "PlanActions",
    "PlanConflict",
    "RiskInput",
    "chain_for",
    "close_reviewed",
    "delivered_by_line",
    "lock_plan",
    "next_period",
    "open_amendment_of",
    "pending_step",
    "plan_actions_for",
    "plan_amend",
    "plan_amendment_withdraw",
    "plan_approve",
    "plan_close_unfinished",
    "plan_continue",
    "plan_create",
    "plan_prices",
    "plan_return",
    "plan_review_start",
    "plan_save",
    "plan_submit",
    "plan_transition",
    "plans_activate_due",
    "plans_reopen_with_case",
    "require_approver",
    "require_permitted",
    "require_status",
    "status_allows",
    "void_action",
]
