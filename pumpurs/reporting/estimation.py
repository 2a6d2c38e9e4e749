"""The estimator behind "effect of each measure" (decision 0031): pure arithmetic on arrays, no
database. Observational: it compares pupils who received a measure with similar pupils who did not,
and can say nothing about what it does not see (decision 0031, "What it cannot say").

Method — exact stratification with weights for the effect on the treated (ATT), then weighted
least squares with the strata as fixed effects and heteroskedasticity-robust (HC1) errors:

1. every pupil falls in one stratum (school type × grade band × risk level × flagged, built by
   the caller); strata holding only one arm are dropped (no comparison exists for them);
2. a pupil who received the measure weighs 1; a comparison pupil in stratum *s* weighs
   ``treated_s / compared_s``, so the comparison group has the treated group's mix of strata;
3. ``outcome ~ treated + stratum`` is fitted by statsmodels' WLS with those weights (the strata
   are absorbed by subtracting each stratum's weighted means, which leaves the coefficient and its
   robust error unchanged and needs no column per stratum); the coefficient of ``treated`` is the
   estimate, with its 95 % confidence interval.

Nothing is estimated when either arm (within the shared strata) has fewer than ``minimum`` pupils.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Estimate:
    """An effect with its 95 % interval and the pupils behind it. ``effect`` is ``None`` when an
    arm is below the minimum sample (then the bounds are ``None`` too)."""

    effect: float | None
    low: float | None
    high: float | None
    treated: int  # pupils who received the measure, in strata that also hold comparison pupils
    compared: int  # comparison pupils in those strata
    minimum: int

    @property
    def enough(self) -> bool:
        return self.effect is not None


def estimate_att(outcome: FloatArray, treated: BoolArray, stratum: IntArray, *, minimum: int) -> Estimate:
    """The average effect on the treated of ``treated`` on ``outcome``, comparing like with like
    within ``stratum``. Rows whose outcome is NaN are left out (no measurement, no comparison)."""
    keep = ~np.isnan(outcome)
    y, t, s = outcome[keep], treated[keep].astype(bool), stratum[keep]
    # Strata with both arms: the only ones where a comparison exists.
    codes, index = np.unique(s, return_inverse=True)
    n_treated = np.bincount(index, weights=t.astype(np.float64), minlength=len(codes))
    n_compared = np.bincount(index, weights=(~t).astype(np.float64), minlength=len(codes))
    shared = (n_treated > 0) & (n_compared > 0)
    rows = shared[index]
    treated_n = int(n_treated[shared].sum())
    compared_n = int(n_compared[shared].sum())
    if treated_n < minimum or compared_n < minimum:
        return Estimate(None, None, None, treated_n, compared_n, minimum)

    y, t, index = y[rows], t[rows], index[rows]
    ratio = np.zeros(len(codes))
    ratio[shared] = n_treated[shared] / n_compared[shared]
    weights = np.where(t, 1.0, ratio[index])

    # Absorb the strata: subtract each stratum's weighted mean from the outcome and the treatment.
    total_w = np.bincount(index, weights=weights, minlength=len(codes))
    safe_w = np.where(total_w > 0, total_w, 1.0)
    y_mean = np.bincount(index, weights=weights * y, minlength=len(codes)) / safe_w
    t_mean = np.bincount(index, weights=weights * t, minlength=len(codes)) / safe_w
    y_within = y - y_mean[index]
    t_within = t.astype(np.float64) - t_mean[index]

    fit = sm.WLS(y_within, t_within[:, None], weights=weights).fit(cov_type="HC1")
    strata = int(shared.sum())
    # The absorbed strata are parameters too: widen the robust variance by the degrees of freedom
    # they took (HC1's n / (n − k) with k = 1 + strata instead of 1).
    n = len(y)
    dof = max(n - 1 - strata, 1)
    scale = float(np.sqrt((n - 1) / dof))
    effect = float(fit.params[0])
    se = float(fit.bse[0]) * scale
    z = 1.959963984540054  # the normal's 97.5 % quantile
    return Estimate(effect, effect - z * se, effect + z * se, treated_n, compared_n, minimum)
