"""Outcomes of flagged and supported pupils, one per end reason (decision 0030)."""

from __future__ import annotations

import datetime as dt

import pytest

from pumpurs.people.models import Enrolment
from pumpurs.reporting.outcomes import Horizon, OutcomeKind, pupil_outcomes, year_end_horizon
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import World

R = Enrolment.EndReason


@pytest.fixture
def past(world: World) -> dict[str, object]:
    """Seven Lizuma pupils of 2024/25, each flagged on 10.10.2024, each leaving a different way;
    one more never flagged; Tirzas' Katrīna supported (not flagged) and left."""
    s1 = h.semester()
    pupils = {
        "stays": h.past_pupil(world.lizuma, 1, continues=True),
        "completes": h.past_pupil(world.lizuma, 2, grade=9, ends_on=dt.date(2025, 6, 19), reason=R.COMPLETED),
        "transfers": h.past_pupil(world.lizuma, 3, ends_on=dt.date(2025, 2, 14), reason=R.TRANSFERRED),
        "abroad": h.past_pupil(world.lizuma, 4, ends_on=dt.date(2025, 3, 1), reason=R.MOVED_ABROAD),
        "leaves": h.past_pupil(world.lizuma, 5, ends_on=dt.date(2025, 4, 1), reason=R.LEFT),
        "other": h.past_pupil(world.lizuma, 6, ends_on=dt.date(2025, 4, 1), reason=R.OTHER),
        "quiet": h.past_pupil(world.lizuma, 7, ends_on=dt.date(2025, 4, 1), reason=R.LEFT),
        "supported": h.past_pupil(world.tirzas, 8, ends_on=dt.date(2025, 5, 2), reason=R.LEFT),
    }
    for name, pupil in pupils.items():
        if name not in ("quiet", "supported"):
            h.flag(pupil, s1, "unjustified_semester", dt.date(2024, 10, 10))
    h.support(pupils["supported"], world.tirzas, s1, world.coordinator_tirzas, dt.date(2024, 11, 5))
    return pupils


def by_pupil(horizon: str, **kwargs: object) -> dict[int, object]:
    return {o.pupil_id: o for o in pupil_outcomes(today=dt.date(2026, 11, 12), horizon=horizon, **kwargs)}  # type: ignore[arg-type]


def test_one_year_outcome_for_each_end_reason(world: World, past: dict[str, object]) -> None:
    found = by_pupil(Horizon.ONE_YEAR)
    expected = {
        "stays": OutcomeKind.ENROLLED,
        "completes": OutcomeKind.COMPLETED,
        "transfers": OutcomeKind.MOVED_SCHOOL,
        "abroad": OutcomeKind.MOVED_ABROAD,
        "leaves": OutcomeKind.LEFT,
        "other": OutcomeKind.OTHER,
        "supported": OutcomeKind.LEFT,
    }
    assert {name: found[p.pk].outcome for name, p in past.items() if p.pk in found} == expected  # type: ignore[attr-defined]
    # Never flagged nor supported: not in the population.
    assert past["quiet"].pk not in found  # type: ignore[attr-defined]
    stays = found[past["stays"].pk]  # type: ignore[attr-defined]
    assert stays.first_on == dt.date(2024, 10, 10)
    assert stays.horizon_on == dt.date(2025, 10, 10)
    assert stays.cohort_id == h.year().pk
    assert stays.flagged
    assert not stays.supported
    katrina = found[past["supported"].pk]  # type: ignore[attr-defined]
    assert katrina.supported
    assert not katrina.flagged
    assert katrina.first_on == dt.date(2024, 11, 5)


def test_end_of_year_outcomes_read_on_the_eve_of_the_next_year(world: World, past: dict[str, object]) -> None:
    assert year_end_horizon(h.year()) == h.year(h.LATER).starts_on - dt.timedelta(days=1)
    rows = [o for o in pupil_outcomes(today=dt.date(2026, 11, 12), horizon=Horizon.YEAR_END)]
    stays = sorted((o.horizon_year_id, o.outcome) for o in rows if o.pupil_id == past["stays"].pk)  # type: ignore[attr-defined]
    # 2024/25 and 2025/26 have ended; 2026/27 has not, so no outcome yet.
    assert stays == [(h.year().pk, OutcomeKind.ENROLLED), (h.year(h.LATER).pk, OutcomeKind.ENROLLED)]
    completes = {o.horizon_year_id: o.outcome for o in rows if o.pupil_id == past["completes"].pk}  # type: ignore[attr-defined]
    assert completes[h.year().pk] == OutcomeKind.COMPLETED


def test_an_outcome_not_due_yet_is_not_shown(world: World, past: dict[str, object]) -> None:
    assert by_pupil(
        Horizon.ONE_YEAR,
    )
    assert not pupil_outcomes(today=dt.date(2025, 10, 1), horizon=Horizon.ONE_YEAR)


def test_scope_by_the_school_of_the_first_day(world: World, past: dict[str, object]) -> None:
    tirzas = by_pupil(Horizon.ONE_YEAR, institution_ids=[world.tirzas.pk])
    assert set(tirzas) == {past["supported"].pk}  # type: ignore[attr-defined]
    assert by_pupil(Horizon.ONE_YEAR, institution_ids=[world.madona_school.pk]) == {}
    assert by_pupil(Horizon.ONE_YEAR, institution_ids=[]) == {}
