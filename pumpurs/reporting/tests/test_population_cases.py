"""The error-rate groups of one semester on a hand-made cohort of edge cases (decision 0057): the
school and grade of the latest enrolment in the window, flags by the window's end only, the
outcome on the horizon day itself. Every pupil has a grade of their own, so each is a group."""

from __future__ import annotations

import datetime as dt

import pytest

from pumpurs.people.models import Enrolment
from pumpurs.reporting.error_rates import semester_horizon
from pumpurs.reporting.rule_quality import population_groups
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import World

R = Enrolment.EndReason
UNJUSTIFIED, FAILING = "unjustified_semester", "failing_term_grade"


@pytest.fixture
def cases(world: World) -> dict[str, int]:
    s1, s2 = h.semester(), h.semester(number=2)
    horizon = semester_horizon(s1)
    # Moved from Lizuma (grade 1) to Tirzas (grade 2) in November, flagged at Lizuma: counted at
    # Tirzas in grade 2 (the latest enrolment of the window), flagged, still enrolled.
    mover = h.past_pupil(world.lizuma, 1, grade=1, ends_on=dt.date(2024, 11, 1), reason=R.TRANSFERRED)
    Enrolment.objects.create(
        pupil=mover,
        class_group=h.klass(world.tirzas, h.year(), 2),
        institution=world.tirzas,
        starts_on=dt.date(2024, 11, 4),
    )
    h.flag(mover, s1, UNJUSTIFIED, dt.date(2024, 10, 1))
    # Left on the horizon day itself: no longer in force that day, so left. A day later: enrolled.
    on_the_day = h.past_pupil(world.lizuma, 3, grade=3, ends_on=horizon, reason=R.LEFT)
    h.flag(on_the_day, s1, FAILING)
    h.past_pupil(world.lizuma, 4, grade=4, ends_on=horizon + dt.timedelta(days=1), reason=R.LEFT)
    # Flagged after the window's last day, and for the second semester: not flagged in the first.
    late = h.past_pupil(world.lizuma, 5, grade=5, continues=True)
    h.flag(late, s1, UNJUSTIFIED, s1.ends_on + dt.timedelta(days=1))
    h.flag(late, s2, FAILING)
    # Two rules, and left in spring.
    both = h.past_pupil(world.lizuma, 6, grade=6, ends_on=dt.date(2025, 3, 3), reason=R.LEFT)
    h.flag(both, s1, UNJUSTIFIED)
    h.flag(both, s1, FAILING)
    # Enrolled only from the next school year (flagged by mistake for this one): not in the window.
    later = h.past_pupil(world.lizuma, 7, grade=7, school_year=h.LATER)
    h.flag(later, s1, UNJUSTIFIED)
    # Changed class within Lizuma in December (grade 8 → 9) and completed: counted in grade 9.
    changer = h.past_pupil(world.lizuma, 8, grade=8, ends_on=dt.date(2024, 12, 1), reason=R.CLASS_CHANGED)
    Enrolment.objects.create(
        pupil=changer,
        class_group=h.klass(world.lizuma, h.year(), 9),
        institution=world.lizuma,
        starts_on=dt.date(2024, 12, 2),
        ends_on=dt.date(2025, 6, 19),
        end_reason=R.COMPLETED,
    )
    return {"municipality": world.lizuma.municipality_id, "tirzas": world.tirzas.municipality_id}


def test_each_case_in_its_group(world: World, cases: dict[str, int]) -> None:
    s1 = h.semester()
    groups = population_groups(start=s1.starts_on, end=s1.ends_on, horizon=semester_horizon(s1))
    found = {(g.grade, g.municipality_id, g.left, g.rules, g.pupils) for g in groups}
    lizuma, tirzas = cases["municipality"], cases["tirzas"]
    assert found == {
        (2, tirzas, False, frozenset({UNJUSTIFIED}), 1),
        (3, lizuma, True, frozenset({FAILING}), 1),
        (4, lizuma, False, frozenset(), 1),
        (5, lizuma, False, frozenset(), 1),
        (6, lizuma, True, frozenset({UNJUSTIFIED, FAILING}), 1),
        (9, lizuma, False, frozenset(), 1),
    }


def test_a_school_scope_counts_the_latest_school_only(world: World, cases: dict[str, int]) -> None:
    s1 = h.semester()
    horizon = semester_horizon(s1)
    at_lizuma = population_groups(
        start=s1.starts_on, end=s1.ends_on, horizon=horizon, institution_ids=[world.lizuma.pk]
    )
    assert sorted(g.grade for g in at_lizuma) == [3, 4, 5, 6, 9]
    at_tirzas = population_groups(
        start=s1.starts_on, end=s1.ends_on, horizon=horizon, institution_ids=[world.tirzas.pk]
    )
    assert [(g.grade, g.rules) for g in at_tirzas] == [(2, frozenset({UNJUSTIFIED}))]
