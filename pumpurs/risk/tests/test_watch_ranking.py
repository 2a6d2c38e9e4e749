"""The watch list's order (issue 13): with the same flags, a pupil whose questionnaire says "high"
never ranks below one whose questionnaire says "low" — nor below "medium", nor below one with no
questionnaire — whatever the rule and whatever their names."""

from __future__ import annotations

import pytest

from pumpurs.risk.models import Level
from pumpurs.risk.selectors import rule_codes, watch_list
from pumpurs.risk.tests.watch_factories import add_pupil, assessment_for, flag_for, period_now
from pumpurs.world.personas import World


@pytest.mark.parametrize("rule", rule_codes())
@pytest.mark.parametrize("lower", [Level.LOW, Level.MEDIUM, None])
def test_high_never_ranks_below_a_lower_level_with_the_same_flags(world: World, rule: str, lower: str | None) -> None:
    period = period_now(world)
    # "Ābele" sorts before "Zariņa": a tie broken by name would put the lower level first.
    first_by_name = add_pupil(world, world.lizuma_7a, "Aija", "Ābele")
    high = add_pupil(world, world.lizuma_7a, "Zelma", "Zariņa")
    for pupil in (first_by_name, high):
        flag_for(pupil, rule, period=period)
    assessment_for(high, Level.HIGH, period=period, by=world.teacher_lizuma)
    if lower is not None:
        assessment_for(first_by_name, lower, period=period, by=world.teacher_lizuma)
    rows = watch_list(world.coordinator_lizuma, institution=world.lizuma).rows
    ranks = {row.pupil.pk: row.rank for row in rows}
    assert ranks[high.pk] < ranks[first_by_name.pk]
    severities = {row.pupil.pk: row.severity for row in rows}
    assert severities[high.pk] > severities[first_by_name.pk]
