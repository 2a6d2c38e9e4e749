"""The effect estimator on synthetic data whose true effect we planted (decision 0031)."""

import numpy as np

from pumpurs.reporting.estimation import estimate_att


def confounded(effect: float, *, n: int = 3000, seed: int = 15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eight strata whose outcome rises with the stratum, and pupils of the higher strata are far
    more likely to receive the measure: a naive comparison is badly biased."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 8, n).astype(np.int64)
    treated = rng.random(n) < 0.1 + 0.08 * stratum
    outcome = 3.0 * stratum + effect * treated + rng.normal(0, 4, n)
    return outcome, treated, stratum


def test_the_interval_covers_a_planted_effect_that_a_naive_comparison_misses() -> None:
    outcome, treated, stratum = confounded(-2.0)
    estimate = estimate_att(outcome, treated, stratum, minimum=30)
    assert estimate.enough
    assert estimate.low is not None
    assert estimate.high is not None
    assert estimate.effect is not None
    assert estimate.low < -2.0 < estimate.high
    assert estimate.high - estimate.low < 1.5  # informative, not a shrug
    naive = outcome[treated].mean() - outcome[~treated].mean()
    assert not (estimate.low < naive < estimate.high)  # the strata matter
    assert estimate.treated == int(treated.sum())
    assert estimate.compared == int((~treated).sum())


def test_a_null_effect_has_an_interval_around_zero() -> None:
    outcome, treated, stratum = confounded(0.0, seed=16)
    estimate = estimate_att(outcome, treated, stratum, minimum=30)
    assert estimate.low is not None
    assert estimate.high is not None
    assert estimate.low < 0.0 < estimate.high


def test_the_interval_covers_the_truth_about_95_times_in_100() -> None:
    covered = 0
    for seed in range(200):
        outcome, treated, stratum = confounded(1.0, n=800, seed=100 + seed)
        estimate = estimate_att(outcome, treated, stratum, minimum=30)
        assert estimate.low is not None
        assert estimate.high is not None
        covered += estimate.low < 1.0 < estimate.high
    assert 180 <= covered <= 198  # 95 % ± sampling noise of 200 draws


def test_strata_without_a_comparison_are_left_out_and_counted_out() -> None:
    outcome, treated, stratum = confounded(-2.0)
    # Stratum 99: five treated pupils with nobody to compare them with, and an absurd outcome.
    outcome = np.concatenate([outcome, np.full(5, 1000.0)])
    treated = np.concatenate([treated, np.ones(5, dtype=bool)])
    stratum = np.concatenate([stratum, np.full(5, 99, dtype=np.int64)])
    estimate = estimate_att(outcome, treated, stratum, minimum=30)
    assert estimate.treated == int(treated.sum()) - 5
    assert estimate.low is not None
    assert estimate.high is not None
    assert estimate.low < -2.0 < estimate.high


def test_pupils_without_a_measurement_are_left_out() -> None:
    outcome, treated, stratum = confounded(-2.0)
    outcome[:100] = np.nan
    estimate = estimate_att(outcome, treated, stratum, minimum=30)
    assert estimate.treated + estimate.compared == len(outcome) - 100
    assert estimate.effect is not None
    assert not np.isnan(estimate.effect)


def test_nothing_is_estimated_below_the_minimum_in_either_group() -> None:
    outcome, treated, stratum = confounded(-2.0, n=400)
    few = treated & (np.cumsum(treated) <= 29)  # 29 receivers only
    keep = few | ~treated
    estimate = estimate_att(outcome[keep], few[keep], stratum[keep], minimum=30)
    assert estimate.effect is None
    assert estimate.low is None
    assert estimate.high is None
    assert not estimate.enough
    assert estimate.treated == 29
    # One more receiver and it is estimated.
    enough = treated & (np.cumsum(treated) <= 30)
    keep = enough | ~treated
    assert estimate_att(outcome[keep], enough[keep], stratum[keep], minimum=30).enough
