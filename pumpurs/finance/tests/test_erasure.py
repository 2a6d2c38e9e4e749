"""Financial rows outlive a pupil's erasure, pseudonymised (decision 0033): Anna's approved plan
committed public money and Līga recorded a trip; deleting Anna's record is refused by the database
(an erasure must pseudonymise instead), and the audit trail's scrubber keeps the amounts while it
drops what links them to her. Runs on both engines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from pumpurs.audit.models import AuditEvent
from pumpurs.audit.registry import scrub
from pumpurs.finance.models import Commitment
from pumpurs.finance.rates import rate_set
from pumpurs.support.delivery import compensation_record
from pumpurs.support.testing import active_plan, measure
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def test_a_pupil_whose_plan_committed_money_is_never_deleted_with_it(world: World) -> None:
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on,
             unit_cents=2500)  # fmt: skip
    active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    assert Commitment.objects.count() == 2
    with pytest.raises(ProtectedError):
        world.pupil_lizuma.delete()
    assert Commitment.objects.count() == 2


def test_the_scrubber_keeps_the_money_and_drops_the_links(world: World) -> None:
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on,
             unit_cents=2500)  # fmt: skip
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    compensation_record(
        actor=world.coordinator_lizuma, plan=plan, measure=measure("transport"), starts_on=world.today,
        ends_on=None, quantity=Decimal(2), amount=Decimal("3.05"),
    )  # fmt: skip
    committed = AuditEvent.objects.get(action="finance.plan.committed")
    assert scrub(committed.action, committed.data) == {"total_cents": 31000, "before_cents": None}
    recorded = AuditEvent.objects.get(action="support.delivery.recorded")
    kept = scrub(recorded.action, recorded.data)
    assert (kept["amount"], kept["quantity"], kept["measure"]) == ("3.05", "2", "transport")
    assert "plan" not in kept
