"""Effect sizes of the claims: the docstring examples run (their R pins are in test_claims)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.generalisability.effect_sizes import ols_slope, spearman_ci_method


def test_ols_slope_matches_numpy_least_squares() -> None:
    rng = np.random.default_rng(4)
    x = pd.Series(rng.normal(size=80))
    y = 0.5 * x + rng.normal(size=80)
    fit = ols_slope(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert (fit.slope, fit.intercept) == pytest.approx((slope, intercept))
    assert fit.ci[0] < fit.slope < fit.ci[1]
    assert fit.r_squared == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2)


def test_spearman_ci_method_switches_above_max_boot_n() -> None:
    assert spearman_ci_method(5000, 300) == "percentile bootstrap, 300 replicates"
    assert spearman_ci_method(5001, 300).startswith("Bonett–Wright")
