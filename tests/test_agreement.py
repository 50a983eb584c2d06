"""ARI and weighted kappa of theory vs data-driven stages, against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, cohen_kappa_score

from analysis.structure.agreement import _ari_from_table, stage_agreement, weighted_kappa


@pytest.fixture(scope="module")
def pairs() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(0)
    theory = pd.Series(rng.integers(1, 5, 500), index=[f"r{i}" for i in range(500)])
    data = (theory + rng.choice([-1, 0, 0, 0, 1, 2], 500)).clip(1, 4)
    return theory, data


def test_ari_and_kappa_match_scikit_learn(pairs: tuple[pd.Series, pd.Series]) -> None:
    theory, data = pairs
    res = stage_agreement(theory, data, n_boot=0)
    assert res.n == 500
    assert res.ari == pytest.approx(adjusted_rand_score(theory, data))
    assert res.kappa_linear == pytest.approx(cohen_kappa_score(theory, data, weights="linear"))
    assert res.kappa_quadratic == pytest.approx(
        cohen_kappa_score(theory, data, weights="quadratic")
    )
    assert res.exact == pytest.approx((theory == data).mean())
    assert res.crosstab.to_numpy().sum() == 500
    assert res.crosstab.loc[2, 2] == ((theory == 2) & (data == 2)).sum()
    assert np.isnan(res.ari_ci[0])


def test_bootstrap_ari_formula_and_intervals(pairs: tuple[pd.Series, pd.Series]) -> None:
    theory, data = pairs
    table = pd.crosstab(theory, data).to_numpy()
    assert _ari_from_table(table) == pytest.approx(adjusted_rand_score(theory, data))
    res = stage_agreement(theory, data, n_boot=300, random_state=1)
    for est, ci in (
        (res.ari, res.ari_ci),
        (res.kappa_linear, res.kappa_linear_ci),
        (res.kappa_quadratic, res.kappa_quadratic_ci),
    ):
        assert ci[0] < est < ci[1]
        assert ci[1] - ci[0] < 0.2
    again = stage_agreement(theory, data, n_boot=300, random_state=1)
    assert again.kappa_linear_ci == res.kappa_linear_ci


def test_kappa_weights_use_stage_distance() -> None:
    """With stages 1, 2 and 4 only, a 2-vs-4 disagreement is two stages apart. scikit-learn
    weights by label position (one apart), so it differs there; with all of 1..4 present the
    two agree."""
    table = pd.DataFrame([[10, 2, 0], [1, 8, 3], [0, 4, 12]], index=[1, 2, 4], columns=[1, 2, 4])
    theory = np.repeat(np.repeat([1, 2, 4], 3), table.to_numpy().ravel())
    data = np.repeat(np.tile([1, 2, 4], 3), table.to_numpy().ravel())
    by_position = cohen_kappa_score(theory, data, weights="linear")
    by_distance = weighted_kappa(table, weights="linear")
    assert by_distance != pytest.approx(by_position)
    assert weighted_kappa(table.to_numpy(), weights="linear") == pytest.approx(by_position)
    assert weighted_kappa(table, weights="none") == pytest.approx(cohen_kappa_score(theory, data))
    # by hand: w = |i - j| on values (1, 2, 4)
    obs = table.to_numpy() / table.to_numpy().sum()
    exp = np.outer(obs.sum(1), obs.sum(0))
    w = np.abs(np.subtract.outer([1, 2, 4], [1, 2, 4]))
    assert by_distance == pytest.approx(1 - (w * obs).sum() / (w * exp).sum())


def test_missing_stages_are_left_out() -> None:
    theory = pd.Series([1, 2, 3, 4, pd.NA, 2], dtype="Int64")
    data = pd.Series([1, 2, 3, 3, 1, pd.NA], dtype="Int64")
    res = stage_agreement(theory, data, n_boot=0)
    assert res.n == 4
    assert res.exact == 0.75


def test_clear_errors() -> None:
    s = pd.Series([1, 2, 3])
    with pytest.raises(TypeError, match="Series"):
        stage_agreement(s.to_numpy(), s)
    with pytest.raises(ValueError, match="same index"):
        stage_agreement(s, s.set_axis([5, 6, 7]))
    with pytest.raises(ValueError, match="at least 2"):
        stage_agreement(pd.Series([1.0, np.nan]), pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match="confidence"):
        stage_agreement(s, s, confidence=95)
    with pytest.raises(ValueError, match="weights"):
        weighted_kappa(np.eye(2), weights="cubic")
    with pytest.raises(ValueError, match="square"):
        weighted_kappa(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same categories"):
        weighted_kappa(pd.DataFrame(np.eye(2), index=[1, 2], columns=[1, 3]))
