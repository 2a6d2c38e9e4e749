"""The semester review of Anna's plan: Ilze judges every goal and measure after a new
questionnaire, and decides — continue (next semester's draft pre-filled), or close the case."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pumpurs.people.models import Period
from pumpurs.risk.models import Assessment
from pumpurs.risk.questionnaire import assessment_reopen, assessment_start, assessment_submit
from pumpurs.support.models import Case, Plan, PlanStatus
from pumpurs.support.plans import (
    GoalInput,
    MeasureInput,
    RiskInput,
    plan_create,
    plan_review_start,
    plan_save,
    plan_submit,
)
from pumpurs.support.reviews import review_submit
from pumpurs.support.testing import approve_all, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import semester_after, semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def active(world: World) -> Plan:
    """Anna's plan with three goals and three measures, approved and active."""
    period = semester_now()
    ilze = world.teacher_lizuma
    case = open_case(ilze, world.pupil_lizuma)
    plan = plan_create(actor=ilze, case=case, period=period)
    plan = plan_save(
        actor=ilze,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola",
        risks=[RiskInput(group="learning", description="Neattaisnoti kavējumi")],
        goals=[
            GoalInput(text="Apmeklēt skolu", target="≤ 5 stundas mēnesī"),
            GoalInput(text="Nokārtot matemātiku", target="Vismaz 4"),
            GoalInput(text="Atrast pulciņu", target="Viens pulciņš"),
        ],
        measures=[
            MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(10)),
            MeasureInput(measure=measure("transport"), planned_quantity=Decimal(40), planned_cost=Decimal(60)),
            MeasureInput(measure=measure("meals"), planned_quantity=Decimal(60)),
        ],
    )
    plan = plan_submit(actor=ilze, plan=plan)
    return approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)


def questionnaire(world: World, answers: dict[str, tuple[str, str]] | None = None) -> Assessment:
    draft = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    if draft.status == Assessment.Status.SUBMITTED:
        draft = assessment_reopen(actor=world.teacher_lizuma, assessment=draft)
    return assessment_submit(
        unanswered_confirmed=True,
        actor=world.teacher_lizuma,
        assessment=draft,
        answers=answers or {"motivation": ("yes", ""), "school-load": ("partly", "")},
    )


def judged(plan: Plan) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    """Goals: achieved, partly, not; measures: useful, not useful, partly."""
    goals = list(plan.goals.order_by("order"))
    lines = {line.measure.code: line.pk for line in plan.measures.select_related("measure")}
    outcomes = {goals[0].pk: ("achieved", " Labi "), goals[1].pk: ("partly", ""), goals[2].pk: ("not", "")}
    usefulness = {lines["consult-psychologist"]: "useful", lines["transport"]: "not", lines["meals"]: "partly"}
    return outcomes, usefulness


def test_a_review_needs_every_judgement_a_questionnaire_and_a_decision(world: World) -> None:
    plan = active(world)
    with pytest.raises(ValidationError) as refused:
        review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes={},
            measure_usefulness={},
            assessment=None,
            decision="",
        )
    text = " ".join(refused.value.messages)
    for expected in (
        "“Apmeklēt skolu” was achieved",
        "“Nokārtot matemātiku” was achieved",
        "“Atrast pulciņu” was achieved",
        "How useful “Psychologist consultations” was",  # an English message names the measure in English
        "How useful “Meals” was",
        "new risk questionnaire",
        "continue, change or close",
    ):
        assert expected.lower() in text.lower()
    outcomes, usefulness = judged(plan)
    with pytest.raises(ValidationError, match="why the case is closed"):
        review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=questionnaire(world),
            decision="close",
        )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert not plan.goals.exclude(outcome="").exists()  # nothing written


def test_the_questionnaire_must_be_submitted_after_the_approval(world: World) -> None:
    period = semester_now()
    early = questionnaire(world)  # filled in before the plan was even prepared
    plan = active(world)
    assert plan.period == period
    outcomes, usefulness = judged(plan)

    def review(assessment: Assessment) -> object:
        return review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=assessment,
            decision="close",
            close_reason="risk_reduced",
        )

    with pytest.raises(ValidationError, match="submitted after the plan was approved"):
        review(early)
    with pytest.raises(PermissionDenied):
        review_submit(
            actor=world.director_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=early,
            decision="close",
            close_reason="risk_reduced",
        )
    review(questionnaire(world))  # reopened and submitted again, now after the approval
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def test_closing_closes_the_plan_and_the_case(world: World) -> None:
    plan = active(world)
    outcomes, usefulness = judged(plan)
    review = review_submit(
        actor=world.teacher_lizuma,
        plan=plan,
        goal_outcomes=outcomes,
        measure_usefulness=usefulness,
        assessment=questionnaire(world),
        decision="close",
        close_reason="risk_reduced",
        summary=" Kavējumi mazinājās ",
    )
    plan.refresh_from_db()
    case = Case.objects.get(pk=plan.case_id)
    assert (review.decision, review.close_reason, review.summary, review.next_plan) == (
        "close",
        "risk_reduced",
        "Kavējumi mazinājās",
        None,
    )
    assert (plan.status, case.status, case.close_reason) == (PlanStatus.CLOSED, "closed", "risk_reduced")
    assert list(plan.goals.values_list("outcome", "outcome_note")) == [
        ("achieved", "Labi"),
        ("partly", ""),
        ("not", ""),
    ]
    with pytest.raises(ValidationError, match="Only an active plan is reviewed"):
        review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=review.assessment,
            decision="close",
            close_reason="risk_reduced",
        )


def test_continuing_drafts_the_next_semester_pre_filled(world: World) -> None:
    plan = active(world)
    following = semester_after(plan.period)
    plan = plan_review_start(actor=world.teacher_lizuma, plan=plan)  # a review may be started first
    outcomes, usefulness = judged(plan)
    assessment = questionnaire(world, {"motivation": ("yes", ""), "school-conflicts": ("partly", "")})

    review = review_submit(
        actor=world.teacher_lizuma,
        plan=plan,
        goal_outcomes=outcomes,
        measure_usefulness=usefulness,
        assessment=assessment,
        decision="continue",
        close_reason="risk_reduced",  # ignored unless closing
    )

    plan.refresh_from_db()
    nxt = review.next_plan
    assert nxt is not None
    assert (plan.status, review.close_reason) == (PlanStatus.CLOSED, "")
    assert (nxt.status, nxt.period, nxt.previous, nxt.case, nxt.assessment) == (
        PlanStatus.DRAFT,
        following,
        plan,
        plan.case,
        assessment,
    )
    assert list(nxt.goals.values_list("text", flat=True)) == ["Nokārtot matemātiku", "Atrast pulciņu"]
    assert sorted(nxt.measures.values_list("measure__code", flat=True)) == ["consult-psychologist", "meals"]
    risks = list(nxt.risks.values_list("item__code", flat=True))
    assert sorted(risks) == ["motivation", "school-conflicts"]
    assert Case.objects.get(pk=plan.case_id).status == "open"

    with pytest.raises(ValidationError, match="Only an active plan is reviewed"):
        review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=assessment,
            decision="continue",
        )
    # The pre-filled draft goes through the whole chain like any plan.
    nxt = plan_submit(actor=world.teacher_lizuma, plan=nxt)
    assert nxt.status == PlanStatus.SUBMITTED


def test_without_a_next_semester_in_the_calendar_continuing_is_refused(world: World) -> None:
    plan = active(world)
    Period.objects.filter(starts_on__gt=plan.period.ends_on).delete()
    outcomes, usefulness = judged(plan)
    with pytest.raises(ValidationError, match="next semester is not in the calendar"):
        review_submit(
            actor=world.teacher_lizuma,
            plan=plan,
            goal_outcomes=outcomes,
            measure_usefulness=usefulness,
            assessment=questionnaire(world),
            decision="change",
        )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
