"""This semester: cases, plans and deliveries through the real services, at the story's moments."""

from __future__ import annotations

import datetime as dt

from pumpurs.people.models import Enrolment, Period, User
from pumpurs.risk.models import Flag, FlagStatus
from pumpurs.support.cases import case_open, consent_record, consent_withdraw, team_member_add
from pumpurs.support.models import CloseReason, Consent, Outcome, Plan, PlanStatus, Review, TeamMember, Usefulness
from pumpurs.support.plans import (
    GoalInput,
    RiskInput,
    plan_create,
    plan_return,
    plan_review_start,
    plan_save,
    plan_submit,
)
from pumpurs.support.reviews import review_submit
from pumpurs.support.seeding.clock import at
from pumpurs.support.seeding.deliveries import _deliver
from pumpurs.support.seeding.profiles import CONTACTS, PROFILES, REASONS, Profile, Slot
from pumpurs.support.seeding.story import Story


def _current(story: Story, slot: Slot, enrolment: Enrolment, following: Period | None) -> None:
    rng, period, profile = story.rng, story.period, PROFILES[slot.profile]
    staff, teacher, pupil = story.staff[enrolment.institution_id], story.teacher(enrolment), enrolment.pupil
    if slot.start == "early":
        opened = story.day(period.starts_on, rng.randint(3, 12))
    elif slot.start == "mid":
        opened = story.day(max(period.starts_on, story.end - dt.timedelta(days=32)), rng.randint(0, 6))
    else:
        opened = story.end
    story.cursor = at(opened, 8)
    lead = teacher if rng.random() < 0.7 else staff.coordinator
    assessment = flag = None
    if slot.origin == "assessment":
        assessment = story.questionnaire(enrolment, period, profile, story.step(opened, 9))
    elif slot.origin == "flag":
        flag = Flag.objects.filter(pupil=pupil, period=period, status=FlagStatus.ACCEPTED).order_by("pk").first()
    story.step(opened, 11)
    reason = rng.choice(REASONS) if flag is None and assessment is None else ""
    case = case_open(now=story.now, actor=lead, pupil=pupil, flag=flag, assessment=assessment, reason=reason)
    story.step(opened, 11)
    for user, role in _team(story, profile, enrolment, lead):
        team_member_add(now=story.now, actor=lead, case=case, user=user, role=role)
    story.contact(case, lead, story.step(opened, 15), rng.randrange(len(CONTACTS)))
    if profile.low_income:
        story.low_income(pupil, opened, (following or period).ends_on)
    if slot.target == "none":
        return
    day = story.day(opened, 2)
    if slot.extra != "no_consent":
        guardian = pupil.guardians.order_by("pk").first()
        story.step(day, 14)
        method = rng.choice(list(Consent.Method))
        consent_record(now=story.now, actor=lead, case=case, guardian=guardian, given_on=day, method=method)
    day = story.day(day, 1)
    story.step(day, 10)
    plan_period = following if slot.target == "next" and following is not None else period
    plan = plan_create(now=story.now, actor=lead, case=case, period=plan_period)
    plan = _save(story, plan, lead, profile, enrolment, day)
    if slot.target == PlanStatus.DRAFT:
        return
    day = story.day(day, 1)
    story.step(day, 9)
    plan = plan_submit(now=story.now, actor=lead, plan=plan)
    if slot.target == "returned":
        story.step(story.day(day, 2), 10)
        comment = "Lūdzu precizēt mērķu izmērāmos rādītājus un norādīt ēdināšanas dienu skaitu."
        plan_return(now=story.now, actor=staff.director, plan=plan, comment=comment)
        return
    until = PlanStatus.APPROVED if slot.target == "next" else slot.target
    plan, day = story.approve(plan, enrolment, day, PlanStatus.ACTIVE if until == PlanStatus.CLOSED else until)
    if plan.status == PlanStatus.ACTIVE:
        _after_activation(story, slot, enrolment, plan, day)


def _team(story: Story, profile: Profile, enrolment: Enrolment, lead: User) -> list[tuple[User, str]]:
    """The lead (added by ``case_open``), the specialists who deliver, the class teacher."""
    members: list[tuple[User, str]] = []
    for line in profile.lines:
        user = story.provider(line, enrolment)
        if user is not None and user != lead and line.provider != "teacher" and (user, "specialist") not in members:
            members.append((user, TeamMember.Role.SPECIALIST))
    teacher = story.teacher(enrolment)
    if teacher != lead:
        members.append((teacher, TeamMember.Role.CLASS_TEACHER))
    return members


def _save(story: Story, plan: Plan, lead: User, profile: Profile, enrolment: Enrolment, day: dt.date) -> Plan:
    story.step(day, 10)
    risks = [RiskInput(r.group, r.description, r.item_id) for r in plan.risks.order_by("pk")]
    return plan_save(
        now=story.now,
        actor=lead,
        plan=plan,
        expected_version=plan.version,
        contact_person=f"{lead.get_full_name()}, {enrolment.institution.name}",
        risks=risks or [RiskInput(group, text) for group, text in profile.risks],
        goals=[GoalInput(text, target) for text, target in profile.goals],
        measures=story.inputs(profile, enrolment),
    )


def _after_activation(story: Story, slot: Slot, enrolment: Enrolment, plan: Plan, activated: dt.date) -> None:
    """Deliveries from the day after activation; then, by the slot, a withdrawal of consent, the
    start of the review, or the whole review closing the case."""
    start, until = activated + dt.timedelta(days=1), story.end
    lead = plan.prepared_by
    if slot.extra == "withdrawn":
        withdrawn = story.day(activated, max(1, (story.end - activated).days // 2))
        _deliver(story, plan, enrolment, start, withdrawn - dt.timedelta(days=1), slot.extra)
        story.clock.set(at(withdrawn, 12))
        consent = plan.case.consents.order_by("pk").first()
        if consent is not None:
            note = "Vecāki iesniedza atteikumu; atbalsts tiek pārtraukts. Plāns jāpārskata."
            consent_withdraw(now=story.now, actor=lead, consent=consent, withdrawn_on=withdrawn, note=note)
        return
    if slot.target == PlanStatus.CLOSED:
        review_day = story.day(max(activated, story.end - dt.timedelta(days=8)), 1)
        _deliver(story, plan, enrolment, start, review_day - dt.timedelta(days=2), slot.extra)
        story.cursor = max(story.cursor, at(review_day, 8))
        profile = PROFILES[slot.profile]
        assessment = story.questionnaire(enrolment, story.period, profile, story.step(review_day, 9), lean=0.2)
        story.step(review_day, 10)
        plan = plan_review_start(now=story.now, actor=lead, plan=plan)
        story.step(review_day, 11)
        review_submit(
            now=story.now,
            actor=lead,
            plan=plan,
            goal_outcomes={g.pk: (Outcome.ACHIEVED, "") for g in plan.goals.all()},
            measure_usefulness={m.pk: Usefulness.USEFUL for m in plan.measures.all()},
            assessment=assessment,
            decision=Review.Decision.CLOSE,
            close_reason=CloseReason.RISK_REDUCED,
            summary="Kavējumu vairs nav, sekmes uzlabojušās; atbalsts vairs nav vajadzīgs.",
        )
        return
    _deliver(story, plan, enrolment, start, until - dt.timedelta(days=1), slot.extra)
    if slot.target == PlanStatus.IN_REVIEW:
        story.cursor = max(story.cursor, at(until, 8))
        story.step(until, 15)
        plan_review_start(now=story.now, actor=lead, plan=plan)
