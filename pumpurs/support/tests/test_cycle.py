"""The whole cycle on the persona world: Ilze (Lizuma 7.a teacher) opens a case for Anna, plans
two measures, the family consents, the director, Gulbene and the national team approve, Māris
(psychologist) holds consultations, and the review closes the plan with a continuation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from pumpurs.audit.models import AuditEvent
from pumpurs.risk.models import Notice
from pumpurs.support.delivery import compensation_record, consultation_record
from pumpurs.support.models import PlanStatus, PlanTransition
from pumpurs.support.plans import pending_step, plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def test_plan_goes_through_the_chain_and_takes_deliveries(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    plan = plan_submit(actor=world.teacher_lizuma, plan=plan)
    assert plan.chain_steps == ["director", "municipality", "national"]
    assert pending_step(plan) == "director"
    plan = approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)
    assert plan.status == PlanStatus.ACTIVE
    actions = list(plan.transitions.values_list("action", flat=True))
    assert actions == ["created", "submitted", "approved", "approved", "approved", "activated"]
    assert Notice.objects.filter(kind=Notice.Kind.PLAN_APPROVED, pupil=world.pupil_lizuma).count() == 1

    today = timezone.localdate()
    held_on = today  # consent was given today: nothing before it is accepted
    consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=held_on,
        minutes=45,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=held_on,
        ends_on=held_on,
        quantity=Decimal(10),
        amount=Decimal("15.00"),
    )
    assert Notice.objects.filter(kind=Notice.Kind.MEASURE_STARTED, pupil=world.pupil_lizuma).count() == 2
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("transport"),
            starts_on=held_on,
            ends_on=held_on,
            quantity=Decimal(31),
            amount=Decimal("1.00"),
        )
    assert "10 of 40" in str(refused.value)
    assert "41" in str(refused.value)
    assert AuditEvent.objects.filter(action="support.plan.approved", pupil_id=world.pupil_lizuma.pk).count() == 3
    assert PlanTransition.objects.filter(plan=plan, action="activated", actor__isnull=True).exists()
