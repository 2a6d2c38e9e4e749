"""The semester review (issue 5, item 6): every goal judged, every measure's usefulness, a new
questionnaire, and the decision — continue (next semester's draft pre-filled), change (the same,
to be reworked), or close the case with a reason. The review closes the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.models import User
from pumpurs.risk.models import Assessment
from pumpurs.support.cases import close_locked_case
from pumpurs.support.models import Case, CloseReason, Outcome, Plan, PlanTransition, Review, Usefulness
from pumpurs.support.plans import (
    PlanAction,
    close_reviewed,
    lock_plan,
    next_period,
    open_amendment_of,
    plan_continue,
    require_permitted,
    require_status,
)


def _approved_at(plan: Plan) -> Any:
    last = plan.transitions.filter(action=PlanTransition.Action.APPROVED).order_by("-at").first()
    return last.at if last else plan.created_at


@transaction.atomic
def review_submit(
    *,
    actor: User,
    plan: Plan,
    goal_outcomes: Mapping[int, tuple[str, str]],
    measure_usefulness: Mapping[int, str],
    assessment: Assessment | None,
    decision: str,
    close_reason: str = "",
    summary: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """Record the review of an active (or in-review) plan and close it.

    ``goal_outcomes`` maps every goal id to (outcome, comment); ``measure_usefulness`` maps every
    plan measure id to a usefulness. ``assessment`` is the pupil's new questionnaire: submitted
    after the plan was approved. Continue / change create the next semester's draft pre-filled
    from this plan (``review.next_plan``); close closes the case with ``close_reason``.
    Inverse: none — a review is history (the next plan or a new case carries on)."""
    now = now or timezone.now()
    require_permitted(actor, plan, PlanAction.REVIEW)
    plan = lock_plan(plan, expected_version)
    errors: list[str] = []
    require_status(plan, PlanAction.REVIEW)
    goals = {g.pk: g for g in plan.goals.all()}
    lines = {m.pk: m for m in plan.measures.select_related("measure")}
    for goal_id, goal in goals.items():
        outcome = goal_outcomes.get(goal_id, ("", ""))[0]
        if outcome not in Outcome.values:
            errors.append(_("Say whether the goal “%(goal)s” was achieved.") % {"goal": goal.text})
    for line_id, line in lines.items():
        if measure_usefulness.get(line_id, "") not in Usefulness.values:
            errors.append(_("Say how useful “%(measure)s” was.") % {"measure": str(line.measure)})
    if assessment is None:
        errors.append(_("Fill in the new risk questionnaire before the review."))
    elif (
        assessment.pupil_id != plan.case.pupil_id
        or assessment.status != Assessment.Status.SUBMITTED
        or assessment.submitted_at is None
        or assessment.submitted_at < _approved_at(plan)
    ):
        errors.append(_("The review needs this pupil's questionnaire submitted after the plan was approved."))
    if decision not in Review.Decision.values:
        errors.append(_("Choose what happens next: continue, change or close."))
    if decision == Review.Decision.CLOSE and close_reason not in CloseReason.values:
        errors.append(_("Choose why the case is closed."))
    nxt = None
    if decision in (Review.Decision.CONTINUE, Review.Decision.CHANGE):
        nxt = next_period(plan.period)
        if nxt is None:
            errors.append(_("The next semester is not in the calendar yet; it cannot be planned."))
        elif Plan.objects.filter(case=plan.case, period=nxt, amends__isnull=True).exists():
            errors.append(_("The case already has a plan for the next semester."))
    if errors:
        raise ValidationError(errors, code="incomplete")

    for goal_id, goal in goals.items():
        goal.outcome, goal.outcome_note = goal_outcomes[goal_id][0], goal_outcomes[goal_id][1].strip()
        goal.save(update_fields=["outcome", "outcome_note"])
    for line_id, line in lines.items():
        line.usefulness = measure_usefulness[line_id]
        line.save(update_fields=["usefulness"])
    review = Review.objects.create(
        plan=plan,
        assessment=assessment,
        decision=decision,
        close_reason=close_reason if decision == Review.Decision.CLOSE else "",
        summary=summary.strip(),
        reviewed_by=actor,
        reviewed_at=now,
    )
    # A change still under way ends with the plan it would have changed.
    if (change := open_amendment_of(plan)) is not None:
        close_reviewed(actor=actor, plan=lock_plan(change, None), comment="", now=now)
    # The review row says why; a stored comment would freeze the reviewer's language.
    close_reviewed(actor=actor, plan=plan, comment="", now=now)
    if nxt is not None:
        review.next_plan = plan_continue(actor=actor, plan=plan, period=nxt, assessment=assessment, now=now)
        review.save(update_fields=["next_plan"])
    else:
        case = Case.objects.select_for_update().get(pk=plan.case_id)
        close_locked_case(actor=actor, case=case, reason=close_reason, now=now)
    audit_record(
        at=now,
        actor=actor,
        action="support.review.recorded",
        pupil_id=plan.case.pupil_id,
        target=review,
        data={
            "plan": plan.pk,
            "decision": decision,
            "close_reason": review.close_reason,
            "goals": {str(k): v[0] for k, v in goal_outcomes.items() if k in goals},
            "assessment": assessment.pk if assessment else None,
        },
    )
    return review
