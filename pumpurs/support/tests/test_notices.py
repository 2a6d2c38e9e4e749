"""Guardians' notices about support are queued in the outbox and sent by one task per
transaction, however many a transaction queues."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from pumpurs.risk.models import Notice
from pumpurs.risk.tests.enqueued import sends_counted
from pumpurs.support.delivery import compensation_record, consultation_record
from pumpurs.support.testing import active_plan, measure
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def test_one_send_per_transaction_however_many_notices(world: World, django_capture_on_commit_callbacks) -> None:
    """The plan's approval and two measures starting, in one transaction: three notices, one
    ``send_notices`` enqueued when it commits."""
    today = timezone.localdate()
    with sends_counted() as sends, django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        plan = active_plan(
            world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
        )
        consultation_record(
            actor=world.specialist_lizuma,
            plan=plan,
            measure=measure("consult-psychologist"),
            held_on=today,
            minutes=45,
            specialist=world.specialist_lizuma,
            mode="in_person",
            topic="Motivācija",
        )
        compensation_record(
            actor=world.coordinator_lizuma,
            plan=plan,
            measure=measure("transport"),
            starts_on=today,
            ends_on=today,
            quantity=Decimal(2),
        )
    assert Notice.objects.filter(kind=Notice.Kind.PLAN_APPROVED).count() == 1  # one guardian
    assert Notice.objects.filter(kind=Notice.Kind.MEASURE_STARTED).count() == 2  # two measures
    assert len(sends) == 1
