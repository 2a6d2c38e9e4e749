"""Support pages (issue 5): cases, plans, approvals, delivery and the review.

Views parse, fetch through ``support.scope`` (out of scope answers 404, exactly as an unknown
id) and call one service; they never write themselves. A refusal the user can fix is shown on
the form; a refusal of what the user may not do is the service's ``PermissionDenied`` (403).
"""

from pumpurs.support.views.cases import (
    case_close,
    case_detail,
    case_list,
    case_open,
    case_reopen,
    consent_add,
    consent_withdraw,
    contact_add,
    plan_start,
    team_add,
    team_remove,
)
from pumpurs.support.views.files import consent_document, delivery_evidence
from pumpurs.support.views.plans import approvals, plan_detail, plan_edit, plan_materials, plan_transition
from pumpurs.support.views.work import compensation_add, consultation_add, delivery_confirm, review

__all__ = [
    "approvals",
    "case_close",
    "case_detail",
    "case_list",
    "case_open",
    "case_reopen",
    "compensation_add",
    "consent_add",
    "consent_document",
    "consent_withdraw",
    "consultation_add",
    "contact_add",
    "delivery_confirm",
    "delivery_evidence",
    "plan_detail",
    "plan_edit",
    "plan_materials",
    "plan_start",
    "plan_transition",
    "review",
    "team_add",
    "team_remove",
]
