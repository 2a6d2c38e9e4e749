"""Building blocks for stories about support (tests, demo seeding, browser tests): a case for a
persona pupil, a plan with two measures, and the whole approval chain — all through the real
services, so what they build is what a user could have built."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pumpurs.people.calendar import planning_semester_on
from pumpurs.people.models import Guardian, Period, Pupil
from pumpurs.support.cases import case_open, consent_record
from pumpurs.support.catalogue import measures_in_force
from pumpurs.support.models import Case, Measure, Plan
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_approve, plan_create, plan_save, plan_submit


def period_on(day: dt.date) -> Period:
    """The semester a plan started on ``day`` is for: the one under way, or in a holiday the next."""
    period = planning_semester_on(day)
    assert period is not None, f"the calendar holds no semester to plan for on {day}"
    return period


def guardian_for(pupil: Pupil, *, email: str = "vecaks@example.lv") -> Guardian:
    return Guardian.objects.create(
        pupil=pupil, first_name="Inga", last_name=pupil.last_name, relation=Guardian.Relation.MOTHER, email=email
    )


def measure(code: str) -> Measure:
    """The catalogue version of ``code`` in force today."""
    return measures_in_force(timezone.localdate()).get(code=code)


def open_case(actor: Any, pupil: Pupil, *, consent: bool = True) -> Case:
    case = case_open(actor=actor, pupil=pupil, reason="Daudz neattaisnotu kavējumu")
    if consent:
        guardian = pupil.guardians.first() or guardian_for(pupil)
        consent_record(actor=actor, case=case, guardian=guardian, given_on=timezone.localdate(), method="paper")
    return case


def draft_plan(actor: Any, case: Case, *, hours: Decimal = Decimal(10), trips: Decimal = Decimal(40)) -> Plan:
    """A draft for the current semester with one goal, a psychologist (``hours``) and public
    transport compensation (``trips``, at the example cost of 1.50 EUR a trip)."""
    plan = plan_create(actor=actor, case=case, period=period_on(timezone.localdate()))
    return plan_save(
        actor=actor,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola, klases audzinātāja",
        risks=[RiskInput(group="learning", description="Neattaisnoti kavējumi")],
        goals=[GoalInput(text="Apmeklēt skolu regulāri", target="Ne vairāk kā 5 neattaisnotas stundas mēnesī")],
        measures=[
            MeasureInput(measure=measure("consult-psychologist"), planned_quantity=hours),
            MeasureInput(measure=measure("transport"), planned_quantity=trips, planned_cost=Decimal("1.50") * trips),
        ],
    )


def approve_all(plan: Plan, *approvers: Any) -> Plan:
    """Approve ``plan`` step by step with ``approvers`` in chain order."""
    for approver in approvers:
        plan = plan_approve(actor=approver, plan=plan)
    return plan


def active_plan(preparer: Any, pupil: Pupil, *approvers: Any) -> Plan:
    case = open_case(preparer, pupil)
    plan = draft_plan(preparer, case)
    plan = plan_submit(actor=preparer, plan=plan)
    return approve_all(plan, *approvers)
