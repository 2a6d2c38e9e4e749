"""The previous semester: finished plans written with the ORM as the services would have left
them, and this semester's plans carrying them on."""

from __future__ import annotations

import datetime as dt

from pumpurs.people.calendar import weekday_on_or_before
from pumpurs.people.models import Enrolment, Period, User
from pumpurs.support.guards import deliveries_changed_run
from pumpurs.support.models import (
    Case,
    CloseReason,
    Consent,
    ContactEntry,
    Delivery,
    Goal,
    Outcome,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanStatus,
    PlanTransition,
    Review,
    TeamMember,
    Usefulness,
)
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_continue, plan_save, plan_submit
from pumpurs.support.seeding.clock import at
from pumpurs.support.seeding.current import _after_activation
from pumpurs.support.seeding.deliveries import Visit, _schedule
from pumpurs.support.seeding.profiles import CONTACTS, PROFILES, REASONS, TOPICS, Slot
from pumpurs.support.seeding.story import Story

CHAIN = "director,municipality,national"
OUTCOMES = {
    Review.Decision.CONTINUE: (Outcome.PARTLY, Outcome.ACHIEVED),
    Review.Decision.CHANGE: (Outcome.NOT, Outcome.PARTLY),
    Review.Decision.CLOSE: (Outcome.ACHIEVED, Outcome.ACHIEVED),
}
SUMMARIES: dict[str, str] = {
    Review.Decision.CONTINUE: "Progress ir, bet mērķis vēl nav sasniegts; atbalstu turpina nākamajā semestrī.",
    Review.Decision.CHANGE: "Pasākumi palīdzēja daļēji; nākamajā semestrī plānu maina.",
    CloseReason.RISK_REDUCED: "Risks mazinājies: kavējumu nav, sekmes stabilas. Lietu slēdz.",
    CloseReason.MOVED: "Skolēns pārgāja uz citu skolu; informācija nodota jaunajai skolai.",
}


def _history(story: Story, slot: Slot, enrolment: Enrolment, semester: Period) -> None:
    """A finished plan of ``semester``, written as the services would have left it (see the
    module docstring), and for "continue" / "change" this semester's plan carrying it on."""
    rng, profile, pupil = story.rng, PROFILES[slot.profile], enrolment.pupil
    school_id, lead = enrolment.institution_id, story.teacher(enrolment)
    if slot.close_reason == CloseReason.MOVED:  # the case stayed with the school the pupil left
        school_id = rng.choice(sorted(i for i in story.staff if i != school_id))
        lead = story.staff[school_id].coordinator
    staff = story.staff[school_id]

    def day(offset: int, hour: int, *, from_end: bool = False) -> dt.datetime:
        base = (
            semester.ends_on - dt.timedelta(days=offset) if from_end else semester.starts_on + dt.timedelta(days=offset)
        )
        return at(weekday_on_or_before(base, semester.starts_on), hour)

    opened = day(rng.randint(3, 7), 10)
    steps = [
        (PlanTransition.Action.CREATED, "", "", PlanStatus.DRAFT, lead, opened + dt.timedelta(days=2)),
        (PlanTransition.Action.SUBMITTED, "", PlanStatus.DRAFT, PlanStatus.SUBMITTED, lead, opened + dt.timedelta(days=4)),
        ("approved", "director", PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, staff.director, opened + dt.timedelta(days=6, hours=1)),
        ("approved", "municipality", PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED, story.municipality, opened + dt.timedelta(days=8, hours=2)),
        ("approved", "national", PlanStatus.MUNICIPALITY_APPROVED, PlanStatus.APPROVED, story.national, opened + dt.timedelta(days=10, hours=3)),
        ("activated", "", PlanStatus.APPROVED, PlanStatus.ACTIVE, None, opened + dt.timedelta(days=10, hours=3)),
        ("review_started", "", PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, lead, day(5, 10, from_end=True)),
        ("closed", "", PlanStatus.IN_REVIEW, PlanStatus.CLOSED, lead, day(4, 13, from_end=True)),
    ]  # fmt: skip
    reviewed = steps[-1][-1]
    if slot.close_reason == CloseReason.MOVED:
        steps[-1] = (*steps[-1][:-2], lead, reviewed)

    story.clock.set(opened)
    case = Case.objects.create(
        pupil=pupil, institution_id=school_id, origin=Case.Origin.MANUAL, reason=rng.choice(REASONS),
        opened_by=lead, opened_at=opened,
    )  # fmt: skip
    specialist = staff.psychologist if slot.profile in ("wellbeing", "learning") else staff.social_pedagogue
    TeamMember.objects.bulk_create(
        [
            TeamMember(case=case, user=lead, role=TeamMember.Role.LEAD, added_by=lead, added_at=opened),
            TeamMember(case=case, user=specialist, role=TeamMember.Role.SPECIALIST, added_by=lead, added_at=opened),
        ]
    )
    guardian = pupil.guardians.order_by("pk").first()
    Consent.objects.create(
        case=case, guardian=guardian, given_on=opened.date() + dt.timedelta(days=1), method=Consent.Method.PAPER,
        recorded_by=lead,
    )  # fmt: skip
    channel, summary, sensitive = CONTACTS[rng.randrange(len(CONTACTS))]
    ContactEntry.objects.create(
        case=case, guardian=guardian, happened_at=opened, channel=channel, summary=summary, sensitive=sensitive,
        recorded_by=lead,
    )  # fmt: skip
    if profile.low_income:
        story.low_income(pupil, semester.starts_on, story.period.ends_on)

    story.clock.set(steps[0][-1])
    plan = Plan.objects.create(
        case=case, period=semester, status=PlanStatus.CLOSED, chain=CHAIN, prepared_by=lead, submitted_by=lead,
        contact_person=f"{lead.get_full_name()}, {case.institution.name}", version=1 + len(steps),
    )  # fmt: skip
    PlanRisk.objects.bulk_create(PlanRisk(plan=plan, group=g, description=d) for g, d in profile.risks)
    outcomes = OUTCOMES[Review.Decision(slot.decision)]
    Goal.objects.bulk_create(
        Goal(plan=plan, text=text, target=target, order=n, outcome=outcomes[n], outcome_note="")
        for n, (text, target) in enumerate(profile.goals)
    )
    for line_input in story.inputs(profile, story.enrolments[pupil.pk]):
        PlanMeasure.objects.create(
            plan=plan,
            measure=line_input.measure,
            provider=line_input.provider if school_id == enrolment.institution_id else None,
            provider_name=line_input.provider_name,
            planned_quantity=line_input.planned_quantity,
            planned_cost=line_input.planned_cost,
            usefulness=Usefulness.USEFUL if rng.random() < 0.8 else Usefulness.PARTLY,
        )
    PlanTransition.objects.bulk_create(
        PlanTransition(plan=plan, action=a, step=s, from_status=f, to_status=t, actor=u, at=moment)
        for a, s, f, t, u, moment in steps
    )
    activated, review_started = steps[5][-1].date(), steps[6][-1].date()
    lines = list(plan.measures.select_related("measure", "provider").order_by("pk"))
    visits = _schedule(rng, lines, activated + dt.timedelta(days=1), review_started - dt.timedelta(days=1))
    Delivery.objects.bulk_create(_past_delivery(story, v, lead, staff.coordinator) for v in visits)
    deliveries_changed_run([line.pk for line in lines])
    story.counts["history_deliveries"] += len(visits)

    lean = 0.3 if slot.decision == Review.Decision.CLOSE else 0.7  # the risk has come down, or not yet
    assessment = story.questionnaire(enrolment, semester, profile, day(6, 14, from_end=True), lean=lean)
    story.clock.set(reviewed)
    close_reason = slot.close_reason if slot.decision == Review.Decision.CLOSE else ""
    review = Review.objects.create(
        plan=plan, assessment=assessment, decision=slot.decision, close_reason=close_reason,
        summary=SUMMARIES[close_reason or slot.decision], reviewed_by=lead, reviewed_at=reviewed,
    )  # fmt: skip
    if close_reason:
        case.status, case.closed_at, case.close_reason = Case.Status.CLOSED, reviewed, close_reason
        case.save(update_fields=["status", "closed_at", "close_reason"])
        return
    story.clock.set(reviewed + dt.timedelta(minutes=1))
    review.next_plan = plan_continue(now=story.now, actor=lead, plan=plan, period=story.period, assessment=assessment)
    review.save(update_fields=["next_plan"])
    _continued(story, slot, enrolment, review.next_plan)


def _past_delivery(story: Story, visit: Visit, lead: User, coordinator: User) -> Delivery:
    recorded = at(visit.until or visit.day, 16)
    if visit.minutes is None:
        return Delivery(
            line=visit.line, delivered_on=visit.day, period_end=visit.until, quantity=visit.quantity,
            amount=visit.amount, recorded_by=coordinator, recorded_at=recorded,
        )  # fmt: skip
    specialist = visit.line.provider or lead
    return Delivery(
        line=visit.line, delivered_on=visit.day, quantity=visit.quantity, minutes=visit.minutes,
        specialist=specialist, mode=Delivery.Mode.REMOTE if visit.remote else Delivery.Mode.IN_PERSON,
        topic=story.rng.choice(TOPICS), recorded_by=specialist, recorded_at=recorded,
        confirmed_at=at(visit.day + dt.timedelta(days=1), 8, 30) if visit.remote else None,
    )  # fmt: skip


def _continued(story: Story, slot: Slot, enrolment: Enrolment, plan: Plan) -> None:
    """This semester's part of a continued case: the pre-filled draft is (for "change" reworked
    and) submitted in the first days, approved, active since."""
    start = story.period.starts_on
    lead = plan.prepared_by
    story.cursor = at(start, 8)
    case = plan.case
    story.contact(case, lead, story.step(story.day(start, 1), 15), story.rng.randrange(len(CONTACTS)))
    day = story.day(start, 2)
    if slot.decision == Review.Decision.CHANGE:
        story.step(day, 10)
        lines = list(plan.measures.select_related("measure").order_by("pk"))
        plan = plan_save(
            now=story.now,
            actor=lead,
            plan=plan,
            expected_version=plan.version,
            contact_person=plan.contact_person,
            risks=[RiskInput(r.group, r.description, r.item_id) for r in plan.risks.order_by("pk")],
            goals=[GoalInput(g.text, g.target) for g in plan.goals.order_by("order", "pk")]
            + [GoalInput("Apmeklēt ārpusstundu nodarbības", "Vismaz 2 nodarbības mēnesī")],
            measures=[
                MeasureInput(
                    measure=line.measure,
                    # More hours of the first consultation: the change the review asked for.
                    planned_quantity=line.planned_quantity + (4 if n == 0 and line.measure.is_consultation else 0),
                    planned_cost=line.planned_cost,
                    provider=line.provider,
                    provider_name=line.provider_name,
                )
                for n, line in enumerate(lines)
            ],
        )
    day = story.day(day, 1)
    story.step(day, 9)
    plan = plan_submit(now=story.now, actor=lead, plan=plan)
    plan, day = story.approve(plan, enrolment, day, PlanStatus.ACTIVE)
    if plan.status == PlanStatus.ACTIVE:
        _after_activation(story, slot, enrolment, plan, day)
