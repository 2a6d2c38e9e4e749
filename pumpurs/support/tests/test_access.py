"""Who sees which plans: three plans — Anna (Lizuma 7.a), Roberts (Lizuma 8.a), Jānis (Tirzas) —
and every persona's view of them through ``plans_visible_to`` and ``cases_visible_to``."""

from __future__ import annotations

import pytest

from pumpurs.support.scope import cases_visible_to, may_approve_step, plans_visible_to
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.support.tests.stories import semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

ALL = {"pupil_lizuma", "pupil_lizuma_8a", "pupil_tirzas", "pupil_madona"}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("teacher_lizuma", {"pupil_lizuma"}),  # own class only
        ("teacher_lizuma_8a", {"pupil_lizuma_8a"}),
        ("teacher_tirzas", {"pupil_tirzas"}),  # none of Lizuma
        ("specialist_lizuma", {"pupil_lizuma", "pupil_lizuma_8a"}),
        ("coordinator_lizuma", {"pupil_lizuma", "pupil_lizuma_8a"}),
        ("director_lizuma", {"pupil_lizuma", "pupil_lizuma_8a"}),
        ("coordinator_tirzas", {"pupil_tirzas"}),
        ("coordinator_gulbene", {"pupil_lizuma", "pupil_lizuma_8a", "pupil_tirzas"}),
        ("coordinator_madona", {"pupil_madona"}),  # none of Gulbene
        # The national team and the DPO: only through break-the-glass (decision 0041; privacy/tests/test_glass_only.py).
        ("national", set()),
        ("dpo", set()),
        ("admin", set()),
        ("nobody", set()),
    ],
)
def test_plans_visible_to_each_persona(world: World, persona: str, sees: set[str]) -> None:
    semester_now()
    makers = {
        "pupil_lizuma": world.teacher_lizuma,
        "pupil_lizuma_8a": world.teacher_lizuma_8a,
        "pupil_tirzas": world.teacher_tirzas,
        "pupil_madona": world.coordinator_madona_school,
    }
    plans = {}
    for pupil, maker in makers.items():
        plans[pupil] = draft_plan(maker, open_case(maker, getattr(world, pupil)))
    user = getattr(world, persona)

    assert set(plans_visible_to(user)) == {plans[p] for p in sees}
    assert set(cases_visible_to(user)) == {plans[p].case for p in sees}


def test_approval_rights_follow_the_school(world: World) -> None:
    semester_now()
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    assert may_approve_step(world.director_lizuma, plan, "director")
    assert not may_approve_step(world.director_lizuma, plan, "municipality")
    assert may_approve_step(world.coordinator_gulbene, plan, "municipality")
    assert not may_approve_step(world.coordinator_madona, plan, "municipality")
    assert may_approve_step(world.national, plan, "national")
    assert not may_approve_step(world.national, plan, "director")
    assert not may_approve_step(world.teacher_lizuma, plan, "director")
    assert not may_approve_step(world.director_lizuma, plan, "janitor")
