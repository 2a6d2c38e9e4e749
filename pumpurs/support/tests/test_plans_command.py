"""``pumpurs plans activate``: an approved plan waits for its semester, then becomes active."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.testing import active_plan
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def test_activate_moves_only_approved_plans_whose_semester_began(world: World) -> None:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    # Pretend the final approval came before the semester: approved, not yet active.
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    out = StringIO()
    call_command("plans", "activate", f"--today={plan.period.starts_on.isoformat()}", stdout=out)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert "1" in out.getvalue()
    assert plan.transitions.filter(action="activated").count() == 2
    # Idempotent: nothing left to activate.
    out = StringIO()
    call_command("plans", "activate", stdout=out)
    assert out.getvalue().strip().endswith("0")


def test_activate_waits_for_the_semester(world: World) -> None:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    call_command("plans", "activate", "--today=2000-01-01", stdout=StringIO())
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_bad_date_is_a_usage_error(db: None) -> None:
    with pytest.raises(CommandError, match=r"28\.11\.2026"):
        call_command("plans", "activate", "--today=28.11.2026")
