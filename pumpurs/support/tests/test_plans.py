"""The plan's state machine, every transition and every refusal: Ilze prepares Anna's plan, the
Lizuma director, Gulbene and the national team approve it in that order; a vocational school
skips the municipality; nobody approves their own plan or another school's; a return needs a
comment; edits carry the version they were made on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django.fixtures import Settings

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Period, Role, RoleGrant
from pumpurs.risk.questionnaire import assessment_start, assessment_submit
from pumpurs.support.catalogue import measure_change
from pumpurs.support.delivery import consultation_record
from pumpurs.support.models import Plan, PlanStatus, PlanTransition
from pumpurs.support.plans import (
    GoalInput,
    MeasureInput,
    PlanConflict,
    RiskInput,
    open_amendment_of,
    pending_step,
    plan_amend,
    plan_amendment_withdraw,
    plan_approve,
    plan_create,
    plan_return,
    plan_review_start,
    plan_save,
    plan_submit,
    plans_activate_due,
)
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import semester_after, semester_now, today, vocational_school
from pumpurs.world.personas import World, make_user

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def submitted(world: World) -> Plan:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    return plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))


def plan_events(plan: Plan) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.data.get("from", ""), e.data["to"])
        for e in AuditEvent.objects.filter(object_id=str(plan.public_id), action__startswith="support.plan.")
        .exclude(action__in=["support.plan.created", "support.plan.saved"])
        .order_by("pk")
    ]


def test_submitting_lists_everything_that_is_missing(world: World) -> None:
    period = semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    plan = plan_create(actor=world.teacher_lizuma, case=case, period=period)
    assert plan.contact_person == "Ilze Ozola"  # the preparer unless named
    with pytest.raises(ValidationError) as refused:
        plan_submit(actor=world.teacher_lizuma, plan=plan)
    text = " ".join(refused.value.messages)
    assert "consent" in text
    assert "at least one goal" in text
    assert "at least one measure" in text
    plan.refresh_from_db()
    assert (plan.status, plan.chain, plan.version) == (PlanStatus.DRAFT, "", 1)
    with pytest.raises(PermissionDenied):
        plan_submit(actor=world.teacher_tirzas, plan=plan)


def test_a_general_school_plan_goes_director_municipality_national(world: World) -> None:
    plan = submitted(world)
    assert (plan.chain_steps, plan.submitted_by, pending_step(plan)) == (
        ["director", "municipality", "national"],
        world.teacher_lizuma,
        "director",
    )
    plan = plan_approve(actor=world.director_lizuma, plan=plan, comment=" Labi ")
    assert (plan.status, pending_step(plan)) == (PlanStatus.DIRECTOR_APPROVED, "municipality")
    plan = plan_approve(actor=world.coordinator_gulbene, plan=plan)
    assert (plan.status, pending_step(plan)) == (PlanStatus.MUNICIPALITY_APPROVED, "national")
    plan = plan_approve(actor=world.national, plan=plan)
    assert (plan.status, pending_step(plan)) == (PlanStatus.ACTIVE, None)  # the semester is under way

    transitions = list(plan.transitions.values_list("action", "step", "from_status", "to_status", "comment"))
    assert transitions == [
        ("created", "", "", "draft", ""),
        ("submitted", "", "draft", "submitted", ""),
        ("approved", "director", "submitted", "director_approved", "Labi"),
        ("approved", "municipality", "director_approved", "municipality_approved", ""),
        ("approved", "national", "municipality_approved", "approved", ""),
        ("activated", "", "approved", "active", ""),
    ]
    assert plan_events(plan) == [
        ("support.plan.submitted", "draft", "submitted"),
        ("support.plan.approved", "submitted", "director_approved"),
        ("support.plan.approved", "director_approved", "municipality_approved"),
        ("support.plan.approved", "municipality_approved", "approved"),
        ("support.plan.activated", "approved", "active"),
    ]
    with pytest.raises(ValidationError, match="not waiting for approval"):
        plan_approve(actor=world.national, plan=plan)


def test_a_vocational_school_plan_skips_the_municipality(world: World) -> None:
    semester_now()
    school = vocational_school(world)
    case = open_case(school.teacher, school.pupil)
    plan = plan_submit(actor=school.teacher, plan=draft_plan(school.teacher, case))
    assert plan.chain_steps == ["director", "national"]
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.director_lizuma, plan=plan)  # another school's director
    plan = plan_approve(actor=school.director, plan=plan)
    assert (plan.status, pending_step(plan)) == (PlanStatus.DIRECTOR_APPROVED, "national")
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.coordinator_gulbene, plan=plan)
    plan = plan_approve(actor=world.national, plan=plan)
    assert plan.status == PlanStatus.ACTIVE
    assert [step for step in plan.transitions.values_list("step", flat=True) if step] == ["director", "national"]


def test_the_chain_is_a_setting_fixed_at_submission(world: World, settings: Settings) -> None:
    settings.PUMPURS_APPROVAL_CHAINS = {"general": ["director", "national"], "vocational": ["national"]}
    plan = submitted(world)
    settings.PUMPURS_APPROVAL_CHAINS = {"general": ["national"]}  # changed while the plan is under way
    assert plan.chain_steps == ["director", "national"]
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.national, plan=plan)  # the director comes first
    plan = approve_all(plan, world.director_lizuma, world.national)
    assert plan.status == PlanStatus.ACTIVE


@pytest.mark.parametrize(
    "persona", ["teacher_lizuma_8a", "specialist_lizuma", "coordinator_lizuma", "coordinator_gulbene", "national"]
)
def test_only_the_pending_steps_approver_may_approve(world: World, persona: str) -> None:
    plan = submitted(world)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=getattr(world, persona), plan=plan)
    with pytest.raises(PermissionDenied):
        plan_return(actor=getattr(world, persona), plan=plan, comment="Nē")
    plan.refresh_from_db()
    assert (plan.status, plan.transitions.count()) == (PlanStatus.SUBMITTED, 2)


def test_the_teacher_who_prepared_it_cannot_approve(world: World) -> None:
    plan = submitted(world)
    with pytest.raises(PermissionDenied, match="waits for approval by: director"):
        plan_approve(actor=world.teacher_lizuma, plan=plan)


def test_a_preparer_who_is_also_director_cannot_approve_their_own_plan(world: World) -> None:
    RoleGrant.objects.create(user=world.teacher_lizuma, role=Role.DIRECTOR, institution=world.lizuma)
    plan = submitted(world)
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        plan_approve(actor=world.teacher_lizuma, plan=plan)
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        plan_return(actor=world.teacher_lizuma, plan=plan, comment="Pats sev")
    assert plan_approve(actor=world.director_lizuma, plan=plan).status == PlanStatus.DIRECTOR_APPROVED


def test_a_submitter_who_is_also_director_cannot_approve_it_either(world: World) -> None:
    semester_now()
    both = make_user(
        "vita.abas",
        "Vita",
        "Abas",
        {"role": Role.SCHOOL_COORDINATOR, "institution": world.lizuma},
        {"role": Role.DIRECTOR, "institution": world.lizuma},
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=both, plan=draft_plan(world.teacher_lizuma, case))
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        plan_approve(actor=both, plan=plan)


def test_approvals_out_of_order_or_out_of_scope_are_refused(world: World) -> None:
    director_tirzas = make_user("gatis.tirza", "Gatis", "Tirza", {"role": Role.DIRECTOR, "institution": world.tirzas})
    plan = submitted(world)
    with pytest.raises(PermissionDenied, match="waits for approval by: director"):
        plan_approve(actor=world.coordinator_gulbene, plan=plan)  # municipality before director
    with pytest.raises(PermissionDenied):
        plan_approve(actor=director_tirzas, plan=plan)
    plan = plan_approve(actor=world.director_lizuma, plan=plan)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.coordinator_madona, plan=plan)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.director_lizuma, plan=plan)  # the director's step is done
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world.national, plan=plan)  # national before municipality
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DIRECTOR_APPROVED
    with pytest.raises(PlanConflict):
        plan_approve(actor=world.coordinator_gulbene, plan=plan, expected_version=plan.version - 1)


def test_a_return_needs_a_comment_goes_back_to_draft_and_can_be_resubmitted(world: World) -> None:
    plan = approve_all(submitted(world), world.director_lizuma)
    with pytest.raises(ValidationError) as refused:
        plan_return(actor=world.coordinator_gulbene, plan=plan, comment="  ")
    assert "comment" in refused.value.message_dict
    plan = plan_return(actor=world.coordinator_gulbene, plan=plan, comment=" Par daudz stundu ")
    assert (plan.status, pending_step(plan)) == (PlanStatus.DRAFT, None)
    last = plan.transitions.last()
    assert last is not None
    assert (last.action, last.step, last.comment, last.actor) == (
        "returned",
        "municipality",
        "Par daudz stundu",
        world.coordinator_gulbene,
    )
    with pytest.raises(ValidationError, match="not waiting for approval"):
        plan_return(actor=world.director_lizuma, plan=plan, comment="Vēlreiz")

    plan = draft_plan_again(world, plan)
    plan = plan_submit(actor=world.teacher_lizuma, plan=plan)
    assert pending_step(plan) == "director"  # the whole chain again
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert plan.status == PlanStatus.ACTIVE
    assert ("support.plan.returned", "director_approved", "draft") in plan_events(plan)


def draft_plan_again(world: World, plan: Plan) -> Plan:
    """Ilze lowers the psychologist's hours, as the municipality asked."""
    return plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola",
        risks=[RiskInput(group="learning", description="Neattaisnoti kavējumi")],
        goals=[GoalInput(text="Apmeklēt skolu", target="≤ 5 stundas mēnesī")],
        measures=[MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(6))],
    )


def test_a_plan_for_the_next_semester_is_activated_on_its_first_day(world: World) -> None:
    following = semester_after(semester_now())
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_create(actor=world.teacher_lizuma, case=case, period=following)
    plan = plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="",
        risks=[],
        goals=[GoalInput(text="Apmeklēt skolu", target="Katru dienu")],
        measures=[MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(4))],
    )
    plan = plan_submit(actor=world.teacher_lizuma, plan=plan)
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert plan.status == PlanStatus.APPROVED

    assert plans_activate_due(today=today()) == 0
    assert plans_activate_due(today=following.starts_on) == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    activated = plan.transitions.get(action="activated")
    assert activated.actor is None
    assert plans_activate_due(today=following.starts_on) == 0  # idempotent
    assert plan_events(plan)[-1] == ("support.plan.activated", "approved", "active")


def test_a_stale_save_is_a_conflict_and_writes_nothing(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    opened_by_ilze = plan.version
    liga_copy = Plan.objects.get(pk=plan.pk)
    liga_copy = draft_plan_again_by(world, liga_copy)  # Līga saves first
    with pytest.raises(PlanConflict) as refused:
        plan_save(
            actor=world.teacher_lizuma,
            plan=plan,
            expected_version=opened_by_ilze,
            contact_person="Ilze",
            risks=[],
            goals=[GoalInput(text="Cits mērķis", target="Cits")],
            measures=[MeasureInput(measure=measure("meals"), planned_quantity=Decimal(20))],
        )
    assert "reload the plan" in refused.value.messages[0]
    stored = Plan.objects.get(pk=plan.pk)
    assert stored.version == liga_copy.version == opened_by_ilze + 1
    assert list(stored.goals.values_list("text", flat=True)) == ["Lasīt katru dienu"]
    assert list(stored.measures.values_list("measure__code", flat=True)) == ["consult-psychologist"]
    assert AuditEvent.objects.filter(action="support.plan.saved", object_id=str(plan.public_id)).count() == 2
    with pytest.raises(PlanConflict):
        plan_submit(actor=world.teacher_lizuma, plan=plan, expected_version=opened_by_ilze)


def draft_plan_again_by(world: World, plan: Plan) -> Plan:
    return plan_save(
        actor=world.coordinator_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Līga Bērza",
        risks=[],
        goals=[GoalInput(text="Lasīt katru dienu", target="20 minūtes")],
        measures=[MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(8))],
    )


def test_only_a_draft_is_edited(world: World) -> None:
    plan = submitted(world)
    with pytest.raises(ValidationError, match="Only a draft can be edited") as refused:
        draft_plan_again(world, plan)
    assert refused.value.code == "not_draft"


def test_plan_lines_are_checked_when_saved(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    psychologist = measure("consult-psychologist")
    with pytest.raises(ValidationError) as refused:
        plan_save(
            actor=world.teacher_lizuma,
            plan=plan,
            expected_version=plan.version,
            contact_person="Ilze",
            risks=[RiskInput(group="astrology", description="x")],
            goals=[GoalInput(text="Mērķis", target=" ")],
            measures=[
                MeasureInput(measure=psychologist, planned_quantity=Decimal(2)),
                MeasureInput(measure=psychologist, planned_quantity=Decimal(3)),
                MeasureInput(measure=measure("meals"), planned_quantity=Decimal(0)),
                MeasureInput(measure=measure("transport"), planned_quantity=Decimal(1), planned_cost=Decimal(-1)),
            ],
        )
    text = " ".join(refused.value.messages)
    for expected in ("in the plan twice", "more than 0", "cannot be negative", "measurable target", "risk group"):
        assert expected in text
    with pytest.raises(PermissionDenied):
        plan_save(
            actor=world.teacher_tirzas,
            plan=plan,
            expected_version=plan.version,
            contact_person="x",
            risks=[],
            goals=[],
            measures=[],
        )


def test_a_plan_per_case_and_semester(world: World) -> None:
    period = semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan_create(actor=world.teacher_lizuma, case=case, period=period)
    with pytest.raises(ValidationError, match="already has a plan"):
        plan_create(actor=world.teacher_lizuma, case=case, period=period)


# --- Amending an active plan -----------------------------------------------------------------------


def test_an_amendment_is_a_draft_beside_the_plan_in_force_which_keeps_taking_deliveries(world: World) -> None:
    """Issue 13, trap 2 (decision 0022): a change of an active plan is a new draft that goes
    through the chain while the approved plan stays active; deliveries go on against it; on the
    last approval the change replaces its content, lines matched by measure keep their deliveries."""
    plan = approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    psychologist, transport = measure("consult-psychologist"), measure("transport")

    def consult(minutes: int) -> None:
        consultation_record(
            actor=world.specialist_lizuma,
            plan=plan,
            measure=psychologist,
            held_on=today(),
            minutes=minutes,
            specialist=world.specialist_lizuma,
            mode="in_person",
            topic="Motivācija",
        )

    consult(120)
    with pytest.raises(ValidationError, match="Say what the change is for"):
        plan_amend(actor=world.teacher_lizuma, plan=plan, comment=" ")
    with pytest.raises(PermissionDenied):
        plan_amend(actor=world.director_lizuma, plan=plan, comment="Vairāk")

    change = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vajag vairāk stundu")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE  # still in force
    assert (change.status, change.amends, change.period, change.submitted_by) == (
        PlanStatus.DRAFT,
        plan,
        plan.period,
        None,
    )
    line = plan.measures.get(measure=psychologist)
    assert change.measures.get(measure=psychologist).planned_quantity == line.planned_quantity
    assert plan_events(plan)[-1] == ("support.plan.amended", "active", "active")
    assert open_amendment_of(plan) == change
    with pytest.raises(ValidationError, match="already under way"):
        plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vēlreiz")
    with pytest.raises(ValidationError, match="only against an active plan"):
        consultation_record(
            actor=world.specialist_lizuma,
            plan=change,
            measure=psychologist,
            held_on=today(),
            minutes=60,
            specialist=world.specialist_lizuma,
            mode="in_person",
            topic="Motivācija",
        )
    consult(60)  # the meals and consultations go on against the plan in force

    def save(hours: str, with_transport: bool) -> Plan:
        lines = [MeasureInput(measure=psychologist, planned_quantity=Decimal(hours))]
        if with_transport:
            lines.append(MeasureInput(measure=transport, planned_quantity=Decimal(40), planned_cost=Decimal(60)))
        return plan_save(
            actor=world.teacher_lizuma,
            plan=change,
            expected_version=change.version,
            contact_person="Ilze Ozola",
            risks=[],
            goals=[GoalInput(text="Apmeklēt skolu", target="Katru dienu")],
            measures=lines,
        )

    with pytest.raises(ValidationError, match="3 already delivered"):  # counted on the plan in force
        save("2.5", with_transport=True)
    change = save("20", with_transport=True)
    change = plan_submit(actor=world.teacher_lizuma, plan=change)
    change = approve_all(change, world.director_lizuma, world.coordinator_gulbene)
    plan.refresh_from_db()
    assert plan.measures.get(measure=psychologist).planned_quantity == line.planned_quantity  # not yet
    change = approve_all(change, world.national)

    assert change.status == PlanStatus.CLOSED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    same = plan.measures.get(measure=psychologist)
    assert (same.pk, same.public_id, same.planned_quantity) == (line.pk, line.public_id, Decimal(20))
    assert same.deliveries.count() == 2
    assert plan.measures.get(measure=transport).planned_cost == Decimal(60)
    assert list(plan.goals.values_list("text", flat=True)) == ["Apmeklēt skolu"]
    assert plan_events(plan)[-1] == ("support.plan.changed", "active", "active")
    changed = AuditEvent.objects.filter(action="support.plan.changed", object_id=str(plan.public_id)).get()
    assert changed.data["amendment"] == change.pk
    assert line.pk in [row[0] for row in changed.data["before"]["lines"]]  # what it was, kept
    assert open_amendment_of(plan) is None
    assert Plan.objects.filter(case=plan.case, amends__isnull=True).get() == plan  # the one in force


def test_a_change_can_be_dropped_and_ends_with_the_review(world: World) -> None:
    plan = approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    change = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vairāk")
    with pytest.raises(ValidationError, match="Say why"):
        plan_amendment_withdraw(actor=world.teacher_lizuma, plan=change, comment="")
    with pytest.raises(ValidationError, match="Only a change still in draft"):
        plan_amendment_withdraw(actor=world.teacher_lizuma, plan=plan, comment="Nē")
    change = plan_amendment_withdraw(actor=world.teacher_lizuma, plan=change, comment="Nevajag")
    assert change.status == PlanStatus.CLOSED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    # A change is approved only while the plan it amends is in force.
    change = plan_submit(
        actor=world.teacher_lizuma, plan=plan_amend(actor=world.teacher_lizuma, plan=plan, comment="X")
    )
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.CLOSED)
    change = approve_all(change, world.director_lizuma, world.coordinator_gulbene)
    with pytest.raises(ValidationError, match="no longer in force"):
        approve_all(change, world.national)


def test_the_review_starts_from_an_active_plan(world: World) -> None:
    plan = submitted(world)
    with pytest.raises(ValidationError, match="Only an active plan"):
        plan_review_start(actor=world.teacher_lizuma, plan=plan)
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    with pytest.raises(PermissionDenied):
        plan_review_start(actor=world.director_lizuma, plan=plan)
    plan = plan_review_start(actor=world.teacher_lizuma, plan=plan)
    assert plan.status == PlanStatus.IN_REVIEW
    assert plan_events(plan)[-1] == ("support.plan.review_started", "active", "in_review")


def test_every_transition_is_one_audit_event(world: World) -> None:
    plan = approve_all(submitted(world), world.director_lizuma)
    plan = plan_return(actor=world.coordinator_gulbene, plan=plan, comment="Precizēt")
    transitions = PlanTransition.objects.filter(plan=plan).exclude(action="created").count()
    assert len(plan_events(plan)) == transitions == 3


def test_an_amendment_after_a_catalogue_change_keeps_the_delivered_line(world: World) -> None:
    plan = approve_all(submitted(world), world.director_lizuma, world.coordinator_gulbene, world.national)
    old = measure("consult-psychologist")
    consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=old,
        held_on=today(),
        minutes=60,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    new = measure_change(actor=world.national, measure=old, effective_from=today(), cap_per_plan=Decimal(600))
    assert new is not None
    change = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vairāk stundu")
    change = plan_save(
        actor=world.teacher_lizuma,
        plan=change,
        expected_version=change.version,
        contact_person="Ilze Ozola",
        risks=[],
        goals=[GoalInput(text="Apmeklēt skolu", target="Katru dienu")],
        measures=[
            MeasureInput(measure=new, planned_quantity=Decimal(12)),  # the catalogue as it stands now
            MeasureInput(measure=measure("transport"), planned_quantity=Decimal(40), planned_cost=Decimal(60)),
        ],
    )
    change = approve_all(
        plan_submit(actor=world.teacher_lizuma, plan=change),
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    line = plan.measures.get(measure__code="consult-psychologist")
    assert (line.measure, line.planned_quantity, line.planned_cost) == (new, Decimal(12), None)  # no rate: not set
    assert line.deliveries.count() == 1  # the delivered hour stays on the line


def test_a_new_plan_takes_its_risks_from_a_recent_questionnaire_only(world: World) -> None:
    """Anna's questionnaire from two semesters ago says nothing about this semester; this
    semester's one does."""
    period = semester_now()
    older = list(Period.objects.filter(starts_on__lt=period.starts_on).order_by("-starts_on"))
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    if len(older) >= 2:
        old = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma, period=older[1])
        assessment_submit(unanswered_confirmed=True, actor=world.teacher_lizuma, assessment=old, answers={})
        plan = draft_plan(world.teacher_lizuma, case)
        assert plan.assessment is None
        Plan.objects.filter(pk=plan.pk).delete()
    recent = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma, period=period)
    item = recent.instrument.items.order_by("order").first()
    assert item is not None
    assessment_submit(
        unanswered_confirmed=True, actor=world.teacher_lizuma, assessment=recent, answers={item.code: ("yes", "")}
    )
    plan = draft_plan(world.teacher_lizuma, case)
    assert plan.assessment == recent
