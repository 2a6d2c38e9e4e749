"""What the plan page and the API offer is exactly what the services accept.

Anna's plan is taken through its life — draft, submitted, approved by Juris Priede (director),
by Inese Gulbe (Gulbene), by the national team, active with Māris's remote consultation and
Līga's transport, in review, closed. At each stage every persona asks ``plan_actions_for`` and
then tries every action through its service (each try rolled back): an offered action is
accepted, and one not offered is refused — ``PermissionDenied`` when it is not theirs,
``ValidationError`` when it is not its time. The page shows the same buttons, the API lists the
same actions, the approvals inbox holds the plan exactly when "approve" is offered, and whoever
may not see the plan (Dace Kalna of Tirzas, the other class's teacher, Madona) gets 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.api.serializers import API_ACTIONS
from pumpurs.api.testing import api_client
from pumpurs.people.models import Role, User
from pumpurs.risk.models import Assessment
from pumpurs.risk.questionnaire import assessment_reopen, assessment_start, assessment_submit
from pumpurs.support.delivery import compensation_record, consultation_confirm, consultation_record, delivery_void
from pumpurs.support.models import Delivery, Plan, PlanStatus
from pumpurs.support.plans import (
    TRANSITIONS,
    GoalInput,
    MeasureInput,
    PlanAction,
    PlanActions,
    RiskInput,
    pending_step,
    plan_actions_for,
    plan_amend,
    plan_approve,
    plan_return,
    plan_review_start,
    plan_save,
    plan_submit,
    void_action,
)
from pumpurs.support.reviews import review_submit
from pumpurs.support.scope import plans_visible_to
from pumpurs.support.selectors import approvals_for
from pumpurs.support.testing import draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.world.personas import World, make_user

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)

STAGES = [
    PlanStatus.DRAFT,
    PlanStatus.SUBMITTED,
    PlanStatus.DIRECTOR_APPROVED,
    PlanStatus.MUNICIPALITY_APPROVED,
    PlanStatus.ACTIVE,
    PlanStatus.IN_REVIEW,
    PlanStatus.CLOSED,
]
PERSONAS = [
    "teacher_lizuma",  # prepared and submitted the plan
    "teacher_lizuma_8a",  # another class of Lizuma: Anna is not hers
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "teacher_tirzas",
    "coordinator_tirzas",
    "coordinator_gulbene",
    "coordinator_madona",
    "national",
    "dpo",
    "nobody",
]


@dataclass
class Stage:
    plan: Plan
    assessment: Assessment | None = None  # the questionnaire a review needs (after approval)
    remote: Delivery | None = None  # Māris's remote consultation, not yet confirmed


def questionnaire(world: World) -> Assessment:
    draft = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    if draft.status == Assessment.Status.SUBMITTED:
        draft = assessment_reopen(actor=world.teacher_lizuma, assessment=draft)
    return assessment_submit(
        unanswered_confirmed=True, actor=world.teacher_lizuma, assessment=draft, answers={"motivation": ("yes", "")}
    )


def review(actor: User, plan: Plan, assessment: Assessment | None) -> object:
    return review_submit(
        actor=actor,
        plan=plan,
        goal_outcomes={goal.pk: ("achieved", "") for goal in plan.goals.all()},
        measure_usefulness={line.pk: "useful" for line in plan.measures.all()},
        assessment=assessment,
        decision="close",
        close_reason="risk_reduced",
    )


def stage(world: World, status: PlanStatus) -> Stage:
    """Anna's plan brought to ``status`` through the services, as its people would."""
    stories.semester_now()
    ilze = world.teacher_lizuma
    plan = draft_plan(ilze, open_case(ilze, world.pupil_lizuma))
    if status == PlanStatus.DRAFT:
        return Stage(plan)
    plan = plan_submit(actor=ilze, plan=plan)
    for approver in (world.director_lizuma, world.coordinator_gulbene, world.national):
        if plan.status == status:
            return Stage(plan)
        plan = plan_approve(actor=approver, plan=plan)
    assert plan.status == PlanStatus.ACTIVE
    remote = consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=45,
        specialist=world.specialist_lizuma,
        mode="remote",
        topic="Motivācija",
    )
    compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=timezone.localdate(),
        ends_on=None,
        quantity=Decimal(2),
    )
    found = Stage(Plan.objects.get(pk=plan.pk), questionnaire(world), remote)
    if status == PlanStatus.ACTIVE:
        return found
    found.plan = plan_review_start(actor=ilze, plan=found.plan)
    if status == PlanStatus.CLOSED:
        review(ilze, found.plan, found.assessment)
        found.plan.refresh_from_db()
    assert found.plan.status == status
    return found


class Rollback(Exception):
    pass


def outcome(attempt: Callable[[], object]) -> type[Exception] | None:
    """``None`` when the service accepts (the change is rolled back), else the refusal's kind."""
    try:
        with transaction.atomic():
            attempt()
            raise Rollback
    except Rollback:
        return None
    except PermissionDenied:
        return PermissionDenied
    except ValidationError:
        return ValidationError


def attempts(found: Stage, user: User) -> dict[PlanAction, Callable[[], object]]:
    """Every plan action through its service, with input that is fine but for who and when.
    (Voiding is tried delivery by delivery: ``test_...`` below.)"""

    def fresh() -> Plan:
        return Plan.objects.get(pk=found.plan.pk)

    def edit() -> object:
        plan = fresh()
        return plan_save(
            actor=user,
            plan=plan,
            expected_version=plan.version,
            contact_person=plan.contact_person,
            risks=[RiskInput(group=r.group, description=r.description) for r in plan.risks.all()],
            goals=[GoalInput(text=g.text, target=g.target) for g in plan.goals.all()],
            measures=[
                MeasureInput(
                    measure=line.measure, planned_quantity=line.planned_quantity, planned_cost=line.planned_cost
                )
                for line in plan.measures.select_related("measure")
            ],
        )

    tries: dict[PlanAction, Callable[[], object]] = {
        PlanAction.EDIT: edit,
        PlanAction.SUBMIT: lambda: plan_submit(actor=user, plan=fresh()),
        PlanAction.APPROVE: lambda: plan_approve(actor=user, plan=fresh()),
        PlanAction.RETURN: lambda: plan_return(actor=user, plan=fresh(), comment="Precizējiet mērķi"),
        PlanAction.AMEND: lambda: plan_amend(actor=user, plan=fresh(), comment="Vairāk stundu"),
        PlanAction.START_REVIEW: lambda: plan_review_start(actor=user, plan=fresh()),
        PlanAction.REVIEW: lambda: review(user, fresh(), found.assessment),
        PlanAction.DELIVER: lambda: compensation_record(
            actor=user,
            plan=fresh(),
            measure=measure("transport"),
            starts_on=timezone.localdate(),
            ends_on=None,
            quantity=Decimal(1),
        ),
    }
    if found.remote is not None:  # before the plan is active there is nothing to confirm
        remote = found.remote
        tries[PlanAction.CONFIRM] = lambda: consultation_confirm(actor=user, delivery=remote)
    return tries


def refusal(answer: PlanActions, plan: Plan, action: PlanAction) -> type[Exception] | None:
    """What the service must answer, given what ``plan_actions_for`` said."""
    if action in answer:
        return None
    if action in (PlanAction.APPROVE, PlanAction.RETURN) and pending_step(plan) is None:
        return ValidationError  # not waiting for anyone
    return PermissionDenied if action not in answer.permitted else ValidationError


def shown(user: User, plan: Plan) -> tuple[int, set[str], bool, int]:
    """The plan page as ``user`` sees it: status code, the transition buttons, whether "Edit the
    draft" is linked, and how many deliveries offer "Void"."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    response = client.get(reverse("support_plan", args=[plan.public_id]))
    if response.status_code != 200:
        return response.status_code, set(), False, 0
    html = response.content.decode()
    buttons = set(re.findall(r'name="action" value="(\w+)"', html))
    edit = reverse("support_plan_edit", args=[plan.public_id]) in html
    return 200, buttons, edit, len(re.findall(r"/deliveries/[0-9a-f-]{36}/void/", html))


@pytest.mark.parametrize("status", STAGES)
def test_offered_is_exactly_what_the_services_accept(world: World, status: PlanStatus) -> None:
    found = stage(world, status)
    plan = found.plan
    for persona in PERSONAS:
        user: User = getattr(world, persona)
        answer = plan_actions_for(user, plan)
        for action, attempt in attempts(found, user).items():
            assert outcome(attempt) is refusal(answer, plan, action), (status, persona, action)
        for delivery in Delivery.objects.filter(line__plan=plan, voided_at__isnull=True):
            action = void_action(user, delivery.recorded_by_id)
            expected = refusal(answer, plan, action)
            assert (delivery.pk in answer.voidable) is (expected is None), (status, persona, delivery.pk)
            assert outcome(lambda u=user, d=delivery: delivery_void(actor=u, delivery=d, reason="Kļūda")) is expected, (
                status,
                persona,
                "void",
                delivery.pk,
            )
        assert (plan in approvals_for(user)) is (PlanAction.APPROVE in answer), (status, persona)


@pytest.mark.parametrize("status", STAGES)
def test_the_page_and_the_api_show_the_same_answer_and_404_out_of_scope(world: World, status: PlanStatus) -> None:
    found = stage(world, status)
    plan = found.plan
    for persona in PERSONAS:
        user: User = getattr(world, persona)
        answer = plan_actions_for(user, plan)
        code, buttons, edit, voids = shown(user, plan)
        detail = api_client(user).get(f"/api/v1/plans/{plan.public_id}/")
        if not plans_visible_to(user).filter(pk=plan.pk).exists():
            assert (code, detail.status_code) == (404, 404), (status, persona)
            assert not answer.allowed, (status, persona)
            transition = Client()
            transition.force_login(user)
            posted = transition.post(reverse("support_plan_transition", args=[plan.public_id]), {"action": "approve"})
            assert posted.status_code == 404, (status, persona)
            continue
        assert code == 200, (status, persona)
        assert buttons == {a.value for a in TRANSITIONS if a in answer}, (status, persona)
        assert edit is (PlanAction.EDIT in answer), (status, persona)
        assert voids == len(answer.voidable), (status, persona)
        assert detail.status_code == 200, (status, persona)
        assert detail.json()["actions"] == [a.value for a in API_ACTIONS if a in answer], (status, persona)


def test_the_director_does_not_approve_the_municipality_step(world: World) -> None:
    """Juris approved as director; the plan now waits for Gulbene, and he is offered nothing."""
    plan = stage(world, PlanStatus.DIRECTOR_APPROVED).plan
    answer = plan_actions_for(world.director_lizuma, plan)
    assert PlanAction.APPROVE not in answer
    assert PlanAction.RETURN not in answer
    with pytest.raises(PermissionDenied, match="municipality coordinator"):
        plan_approve(actor=world.director_lizuma, plan=plan)
    assert {PlanAction.APPROVE, PlanAction.RETURN} <= plan_actions_for(world.coordinator_gulbene, plan).allowed
    assert not plan_actions_for(world.coordinator_madona, plan).allowed


def test_who_submitted_a_plan_is_not_offered_its_approval(world: World) -> None:
    """Vita is Lizuma's coordinator and its director too; she submits Anna's plan, so someone
    else must approve it: she is not offered approve or return, and the service agrees."""
    stories.semester_now()
    vita = make_user(
        "vita.abas",
        "Vita",
        "Abas",
        {"role": Role.SCHOOL_COORDINATOR, "institution": world.lizuma},
        {"role": Role.DIRECTOR, "institution": world.lizuma},
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=vita, plan=draft_plan(world.teacher_lizuma, case))
    assert not {PlanAction.APPROVE, PlanAction.RETURN} & plan_actions_for(vita, plan).allowed
    assert outcome(lambda: plan_approve(actor=vita, plan=plan)) is PermissionDenied
    assert PlanAction.APPROVE in plan_actions_for(world.director_lizuma, plan)


def test_tirzas_teacher_gets_404_for_a_lizuma_plan_everywhere(world: World) -> None:
    plan = stage(world, PlanStatus.ACTIVE).plan
    dace = Client()
    dace.force_login(world.teacher_tirzas)
    for name in ("support_plan", "support_plan_edit", "support_review"):
        assert dace.get(reverse(name, args=[plan.public_id])).status_code == 404, name
    for name in ("support_plan_transition", "support_consultation_add", "support_compensation_add"):
        assert dace.post(reverse(name, args=[plan.public_id]), {"action": "amend"}).status_code == 404, name
    api = api_client(world.teacher_tirzas)
    assert api.get(f"/api/v1/plans/{plan.public_id}/").status_code == 404
    posted = api.post(f"/api/v1/plans/{plan.public_id}/transitions/", {"action": "amend"}, format="json")
    assert posted.status_code == 404
    assert not plan_actions_for(world.teacher_tirzas, plan).permitted


def test_the_page_says_when_there_is_nothing_to_do(world: World) -> None:
    """The director reads an active plan: no step of his, and the page says so."""
    plan = stage(world, PlanStatus.ACTIVE).plan
    assert not plan_actions_for(world.director_lizuma, plan).steps
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.director_lizuma)
    html = client.get(reverse("support_plan", args=[plan.public_id])).content.decode()
    assert "Nothing for you to do on this plan at the moment." in html


def test_amending_through_the_api_answers_with_the_amendment(world: World) -> None:
    """Issue 13, trap 2: the plan in force stays active; the answer is the change to work on."""
    plan = stage(world, PlanStatus.ACTIVE).plan
    api = api_client(world.teacher_lizuma)
    posted = api.post(
        f"/api/v1/plans/{plan.public_id}/transitions/",
        {"action": "amend", "version": plan.version, "comment": "Vairāk stundu"},
        format="json",
    )
    assert posted.status_code == 200, posted.json()
    body = posted.json()
    assert body["amends"] == str(plan.public_id)
    assert body["status"] == "draft"
    assert body["id"] != str(plan.public_id)
    again = api.get(f"/api/v1/plans/{plan.public_id}/").json()
    assert (again["status"], again["amends"]) == ("active", None)
