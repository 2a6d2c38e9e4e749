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
from typing import TYPE_CHECKING

# numpy is imported inside the functions that compute: loaded at module level it cost 0.5 s of
# every command's and web process's start (the URL conf and the dashboards job import this module).
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
    import numpy as np

    # Imported here, not at module level: statsmodels (with pandas and scipy) took 1–11 s of every
    # command's and web process's start through the URL checks, and only this estimate needs it.
    import statsmodels.api as sm

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


@dataclass(frozen=True)
class Cells:
    """Sufficient statistics of one outcome, one row per stratum: for those who received the
    measure and for those who did not, the number of pupils with a measurement, Σ outcome and
    Σ outcome². What a pre-aggregate keeps instead of the pupils' rows."""

    stratum: IntArray
    treated_n: FloatArray
    treated_sum: FloatArray
    treated_sumsq: FloatArray
    compared_n: FloatArray
    compared_sum: FloatArray
    compared_sumsq: FloatArray


def cells_of(outcome: FloatArray, treated: BoolArray, stratum: IntArray) -> Cells:
    """The sufficient statistics of pupil rows (rows whose outcome is NaN left out, as above)."""
    import numpy as np

    keep = ~np.isnan(outcome)
    y, t, s = outcome[keep], treated[keep].astype(bool), stratum[keep]
    codes, index = np.unique(s, return_inverse=True)

    def stat(mask: BoolArray, values: FloatArray) -> FloatArray:
        return np.bincount(index[mask], weights=values[mask], minlength=len(codes))

    ones = np.ones(len(y))
    return Cells(
        stratum=codes.astype(np.int64),
        treated_n=stat(t, ones),
        treated_sum=stat(t, y),
        treated_sumsq=stat(t, y * y),
        compared_n=stat(~t, ones),
        compared_sum=stat(~t, y),
        compared_sumsq=stat(~t, y * y),
    )


def estimate_att_from_cells(cells: Cells, *, minimum: int) -> Estimate:
    """``estimate_att`` computed from the sufficient statistics alone: the same effect and the same
    HC1 interval (to rounding), with no pupil row.

    Within a stratum *s* with both arms the weights make the treatment's weighted mean ½, so the
    absorbed treatment is +½ for receivers and −½ for the others, and with ``n1, S1, Q1`` and
    ``n0, S0, Q0`` (count, Σy, Σy²) of the two arms and ``r = n1 / n0``:

    * the WLS coefficient is ``β = Σ_s n1 (S1/n1 − S0/n0) / N1`` (N1 = Σ n1);
    * the stratum's weighted mean is ``m = (S1/n1 + S0/n0) / 2``; a receiver's residual is
      ``y − (m + β/2)`` and another pupil's ``y − (m − β/2)``: a constant per arm, so each arm's
      Σ residual² is ``Q − 2cS + nc²`` for its constant ``c``;
    * the sandwich (HC0) is ``Σ_s ¼ (SSR1 + r² SSR0) / (N1/2)²`` — statsmodels' ``Σ (w·x·e)²``
      with the weights and the ±½ of each row; HC1 multiplies by ``n / (n − 1)``, and the strata's
      degrees of freedom by ``(n − 1) / (n − 1 − strata)``, as in ``estimate_att``.

    ``reporting/tests/test_effect_aggregate.py`` checks this against ``estimate_att`` (statsmodels
    on the rows) to 1e-9 on planted cohorts."""
    import numpy as np

    n1, n0 = cells.treated_n, cells.compared_n
    shared = (n1 > 0) & (n0 > 0)
    treated_n = round(float(n1[shared].sum()))
    compared_n = round(float(n0[shared].sum()))
    if treated_n < minimum or compared_n < minimum:
        return Estimate(None, None, None, treated_n, compared_n, minimum)
    n1, n0 = n1[shared], n0[shared]
    s1, s0 = cells.treated_sum[shared], cells.compared_sum[shared]
    q1, q0 = cells.treated_sumsq[shared], cells.compared_sumsq[shared]
    mean1, mean0 = s1 / n1, s0 / n0
    effect = float((n1 * (mean1 - mean0)).sum() / treated_n)
    middle = (mean1 + mean0) / 2
    c1, c0 = middle + effect / 2, middle - effect / 2
    # Σ (y − c)² = Σ (y − ȳ)² + n (ȳ − c)²: the within-arm spread never cancels against a mean.
    ssr1 = np.maximum(q1 - s1 * mean1, 0.0) + n1 * (mean1 - c1) ** 2
    ssr0 = np.maximum(q0 - s0 * mean0, 0.0) + n0 * (mean0 - c0) ** 2
    ratio = n1 / n0
    meat = float((0.25 * (ssr1 + ratio**2 * ssr0)).sum())
    bread = treated_n / 2
    n = treated_n + compared_n
    strata = int(shared.sum())
    dof = max(n - 1 - strata, 1)
    # HC1's n / (n − 1), then the absorbed strata's (n − 1) / dof (see ``estimate_att``).
    variance = meat / bread**2 * n / dof
    se = float(np.sqrt(variance))
    z = 1.959963984540054  # the normal's 97.5 % quantile
    return Estimate(effect, effect - z * se, effect + z * se, treated_n, compared_n, minimum)
