"""Pairwise-complete moments against pandas and R's cor/cov(use = "pairwise")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measurement.correlation import (
    cov_to_corr,
    nearest_positive_definite,
    pairwise_correlation,
    pairwise_moments,
)
from tests.r_reference import bfi_keyed


def test_pairwise_moments_match_pandas_pairwise_on_data_with_missing_answers() -> None:
    items = bfi_keyed()
    assert items.isna().any().any()
    moments = pairwise_moments(items)
    np.testing.assert_allclose(moments.corr, items.corr(), atol=1e-12)
    np.testing.assert_allclose(moments.cov, items.cov(), atol=1e-12)
    answered = items.notna().astype(int)
    np.testing.assert_array_equal(moments.n, answered.T @ answered)
    assert list(moments.corr.index) == list(items.columns)


def test_pairs_answered_together_by_fewer_than_two_respondents_are_missing() -> None:
    x = pd.DataFrame({"a": [1, 2, np.nan, np.nan], "b": [np.nan, 3, 1, 2], "c": [1, 3, 2, 5]})
    r = pairwise_correlation(x)
    assert np.isnan(r.loc["a", "b"]) and r.loc["a", "a"] == 1.0
    assert np.isfinite(r.loc["b", "c"])


def test_cov_to_corr_and_positive_definite_repair() -> None:
    cov = pd.DataFrame([[4.0, 2.0], [2.0, 9.0]], index=list("ab"), columns=list("ab"))
    assert cov_to_corr(cov).loc["a", "b"] == 2.0 / 6.0
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    fixed = nearest_positive_definite(bad)
    assert np.linalg.eigvalsh(fixed).min() > 0
    good = np.eye(3)
    np.testing.assert_array_equal(nearest_positive_definite(good), good)
