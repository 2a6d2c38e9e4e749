"""The semester support plan (IAP) and its state machine (issue 5, item 4).

    draft ──submit──► submitted ──director──► director_approved ──municipality──► municipality_approved
      ▲                   │                        │                                   │
      └──── return (any approver, with a comment) ─┴───────────────────────────────────┘
                                                                          national ──► approved ──► active
    active ──amend──► draft (re-approval; deliveries made stay)          (the semester has started)
    active ──review_start──► in_review ──review (reviews.py)──► closed

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
)
from pumpurs.support.plans.drafting import plan_continue, plan_create, plan_save
from pumpurs.support.plans.transitions import (
    PLAN_ACTIONS,
    close_reviewed,
    plan_amend,
    plan_approve,
    plan_close_unfinished,
    plan_return,
    plan_review_start,
    plan_submit,
    plan_transition,
    plans_activate_due,
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
    "pending_step",
    "plan_actions_for",
    "plan_amend",
    "plan_approve",
    "plan_close_unfinished",
    "plan_continue",
    "plan_create",
    "plan_return",
    "plan_review_start",
    "plan_save",
    "plan_submit",
    "plan_transition",
    "plans_activate_due",
    "require_approver",
    "require_permitted",
    "require_status",
    "status_allows",
    "void_action",
]
