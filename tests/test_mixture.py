"""FullGaussianMixture against scikit-learn's GaussianMixture, the reference it must reproduce."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from analysis.structure.mixture import FullGaussianMixture


def _levels(n: int, seed: int) -> np.ndarray:
    """Four correlated 'level scores' from three overlapping profiles, rounded like Likert means."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2.5, 2.0, 2.2, 1.8], [4.5, 4.0, 3.5, 3.0], [5.8, 5.5, 5.6, 5.2]])
    stage = rng.choice(3, size=n, p=[0.3, 0.45, 0.25])
    shared = rng.normal(0, 0.5, (n, 1))
    scores = centres[stage] + shared + rng.normal(0, 0.6, (n, 4))
    return np.clip(np.round(scores * 3) / 3, 1, 7)


@pytest.mark.parametrize(
    ("k", "seed", "n_init", "reg_covar"),
    [(1, 0, 1, 1e-6), (2, 1, 2, 1e-6), (3, 2, 1, 0.02), (4, 3, 3, 0.02), (6, 4, 2, 0.02)],
)
def test_fit_matches_scikit_learn(k: int, seed: int, n_init: int, reg_covar: float) -> None:
    X = _levels(1500, seed)
    params = dict(n_components=k, n_init=n_init, reg_covar=reg_covar, tol=1e-4, random_state=seed)
    ours = FullGaussianMixture(**params).fit(X)
    ref = GaussianMixture(**params).fit(X)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.converged_ == ref.converged_
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.precisions_cholesky_, ref.precisions_cholesky_, atol=1e-8)
    np.testing.assert_allclose(ours.precisions_, ref.precisions_, rtol=1e-9, atol=1e-9)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, abs=1e-10)
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)


def test_log_likelihood_is_the_gaussian_density() -> None:
    """One component: the mean log-likelihood is that of a normal with the sample moments."""
    X = _levels(800, 9)
    gm = FullGaussianMixture(n_components=1, reg_covar=0.0).fit(X)
    mean = X.mean(axis=0)
    cov = np.cov(X, rowvar=False, bias=True)
    diff = X - mean
    maha = np.einsum("nd,de,ne->n", diff, np.linalg.inv(cov), diff)
    logdens = -0.5 * (4 * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + maha)
    assert gm.score(X) == pytest.approx(logdens.mean(), rel=1e-10)


def test_far_outliers_do_not_overflow() -> None:
    """A point far from every component keeps finite responsibilities (stable log-sum-exp)."""
    X = np.r_[_levels(400, 5), [[1e3, -1e3, 1e3, -1e3]]]
    gm = FullGaussianMixture(n_components=2, random_state=0).fit(X)
    proba = gm.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_other_covariance_types_are_refused() -> None:
    with pytest.raises(ValueError, match=r"full covariance matrices only.*'diag'"):
        FullGaussianMixture(n_components=2, covariance_type="diag").fit(_levels(100, 0))


def test_collapsed_component_names_the_problem() -> None:
    """Duplicated rows with no covariance regularisation give a singular covariance."""
    X = np.repeat(np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]]), 50, axis=0)
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        FullGaussianMixture(n_components=2, reg_covar=0.0, random_state=0).fit(X)
