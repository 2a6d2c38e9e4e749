"""A small hand-made cohort whose every count is known (the definitions' and indicators' tests).

On the persona world's school day, semester 1:

* Anna (Lizuma 7.a): an accepted flag, a case and a plan approved through the whole chain today,
  one 90-minute psychologist consultation and a transport compensation of 12 trips (18.00 EUR);
* Roberts (Lizuma 8.a): an open flag of another rule and a questionnaire at the high level with
  family risks only;
* Jānis (Tirzas): a questionnaire at the low level with a learning-risk share;
* Laura (Madona): an accepted flag, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from pumpurs.people.models import Period
from pumpurs.risk.models import Assessment, Flag, FlagStatus, Level
from pumpurs.risk.questionnaire import default_instrument
from pumpurs.support.delivery import compensation_record, consultation_record
from pumpurs.support.models import Delivery, Plan
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.support.tests.stories import accepted_flag, semester_now
from pumpurs.world.personas import World


@dataclass
class Cohort:
    period: Period
    plan: Plan
    consultation: Delivery
    transport: Delivery


def flag(world: World, pupil: object, period: Period, *, rule: str, status: str) -> Flag:
    made = accepted_flag(pupil, period, status=status)  # type: ignore[arg-type]  # a persona pupil
    made.rule = rule
    made.save(update_fields=["rule"])
    return made


def assessment(world: World, pupil: object, period: Period, *, level: str, groups: dict[str, str]) -> Assessment:
    return Assessment.objects.create(
        pupil=pupil,
        period=period,
        instrument=default_instrument(),
        status=Assessment.Status.SUBMITTED,
        created_by=world.teacher_lizuma,
        submitted_at=timezone.now(),
        level=level,
        score_share=Decimal(50),
        group_scores=groups,
    )


def build_cohort(world: World) -> Cohort:
    period = semester_now()
    flag(world, world.pupil_lizuma, period, rule="unjustified_semester", status=FlagStatus.ACCEPTED)
    flag(world, world.pupil_lizuma_8a, period, rule="failing_grades", status=FlagStatus.OPEN)
    flag(world, world.pupil_madona, period, rule="unjustified_semester", status=FlagStatus.ACCEPTED)
    assessment(
        world,
        world.pupil_lizuma_8a,
        period,
        level=Level.HIGH,
        groups={"learning": "0.00", "economic": "0.00", "family": "80.00", "social_health": "0.00"},
    )
    assessment(
        world,
        world.pupil_tirzas,
        period,
        level=Level.LOW,
        groups={"learning": "25.00", "economic": "0.00", "family": "0.00", "social_health": "0.00"},
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    today = timezone.localdate()
    consultation = consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=today,
        minutes=90,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    transport = compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=today,
        ends_on=None,
        quantity=Decimal(12),
        amount=Decimal("18.00"),
    )
    return Cohort(period=period, plan=plan, consultation=consultation, transport=transport)
