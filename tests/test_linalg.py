"""Numerical rank: decided by eigenvalues and a relative tolerance, not a determinant's sign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.linalg import (
    RANK_TOLERANCE_FACTOR,
    is_positive_definite,
    numerical_rank,
    pseudo_inverse,
    rank_diagnosis,
    rank_tolerance,
)
from analysis.measurement.correlation import pairwise_correlation, pairwise_moments
from tests.r_reference import HS_ITEMS, bfi_keyed, holzinger39


def with_dependency(kind: str) -> pd.DataFrame:
    """Holzinger's nine tests plus an exact copy, a copy with 1e-12 noise or a combination."""
    items = holzinger39()[HS_ITEMS].copy()
    if kind == "copy":
        items["copy"] = items["x1"]
    elif kind == "noisy copy":
        noise = np.random.default_rng(3).standard_normal(len(items))
        items["copy"] = items["x1"] + 1e-12 * noise
    else:
        items["combo"] = 0.3 * items["x4"] + 0.7 * items["x5"] - 1.1 * items["x6"]
    return items


def spectrum_matrix(smallest: float, n: int = 10, seed: int = 0) -> pd.DataFrame:
    """Q diag(λ) Qᵀ rescaled to unit diagonal, with eigenvalues 4, 3, … and one ``smallest``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    values = np.array([4.0, 3.0, *np.linspace(2.0, 0.2, n - 3), smallest])
    a = (q * values) @ q.T
    d = np.sqrt(np.diag(a))
    r = a / np.outer(d, d)
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    labels = [f"i{k + 1}" for k in range(n)]
    return pd.DataFrame(r, index=labels, columns=labels)


@pytest.mark.parametrize(
    ("kind", "involved"),
    [
        ("copy", ("x1", "copy")),
        ("noisy copy", ("x1", "copy")),
        ("combination", ("x4", "x5", "x6", "combo")),
    ],
)
def test_duplicated_and_combined_items_make_the_matrix_singular_and_are_named(
    kind: str, involved: tuple[str, ...]
) -> None:
    d = rank_diagnosis(pairwise_correlation(with_dependency(kind)))
    assert (d.n_items, d.rank) == (10, 9)
    assert d.singular and not d.positive_definite
    assert d.dependencies == (involved,)
    assert list(d.null_space.columns) == ["N1"]
    if len(involved) == 2:
        assert d.describe() == (
            "is singular: items 'x1' and 'copy' are perfectly correlated (r = 1.000)"
        )
    else:
        assert d.describe() == (
            "is singular: items 'x4', 'x5', 'x6' and 'combo' are linearly dependent"
        )


def test_survey_data_have_full_rank() -> None:
    for items in (holzinger39()[HS_ITEMS], bfi_keyed()):
        d = rank_diagnosis(pairwise_correlation(items))
        assert d.rank == items.shape[1] and d.positive_definite and not d.singular
        assert d.dependencies == () and d.null_space.shape == (items.shape[1], 0)
        assert d.describe() == "is positive definite"
        # the smallest eigenvalue is more than a billion times the tolerance
        assert d.eigenvalues.iloc[0] > 1e9 * d.tolerance


@pytest.mark.parametrize("smallest", [1e-17, -1e-17, 1e-13, -1e-13, 0.0])
def test_a_tiny_eigenvalue_of_either_sign_is_zero(smallest: float) -> None:
    r = spectrum_matrix(smallest)
    if abs(smallest) >= 1e-13:  # far above rounding: the determinant has the eigenvalue's sign
        assert np.linalg.slogdet(r.to_numpy())[0] == np.sign(smallest)
    d = rank_diagnosis(r)
    assert d.rank == 9 and d.singular and not d.positive_definite and d.n_negative == 0
    assert d.dependencies == (tuple(r.columns),)  # a random rotation involves every item
    assert numerical_rank(r) == 9 and not is_positive_definite(r)


def test_a_small_but_genuine_eigenvalue_or_a_negative_one_is_not_zero() -> None:
    small = rank_diagnosis(spectrum_matrix(1e-6))
    assert small.rank == 10 and small.positive_definite
    negative = rank_diagnosis(spectrum_matrix(-0.05))
    assert negative.rank == 10 and not negative.singular and not negative.positive_definite
    assert negative.n_negative == 1
    assert negative.describe().startswith("is not positive definite: 1 negative eigenvalue (")
    assert numerical_rank(spectrum_matrix(-0.05)) == 10
    assert not is_positive_definite(spectrum_matrix(-0.05))


def test_the_tolerance_is_relative_to_the_largest_eigenvalue() -> None:
    eps = np.finfo(float).eps
    assert rank_tolerance(np.array([0.0, 1.0, 5.0])) == RANK_TOLERANCE_FACTOR * 3 * eps * 5.0
    assert rank_tolerance(np.array([-7.0, 1.0])) == RANK_TOLERANCE_FACTOR * 2 * eps * 7.0
    assert rank_tolerance(np.array([])) == 0.0


def test_covariances_are_judged_on_the_correlation_scale() -> None:
    items = with_dependency("copy")
    items["x2"] *= 1e-4  # tiny units: a tolerance on the raw covariance would call this zero
    items["x3"] *= 1e4
    cov = pairwise_moments(items).cov
    d = rank_diagnosis(cov)
    assert d.rank == 9 and d.dependencies == (("x1", "copy"),)
    without = cov.drop(index="copy", columns="copy")
    assert rank_diagnosis(without).positive_definite and is_positive_definite(without)
    assert numerical_rank(without.to_numpy()) == 9


def test_a_constant_item_has_no_variance() -> None:
    items = holzinger39()[HS_ITEMS].copy()
    items["flat"] = 5.0
    cov = items.cov()
    d = rank_diagnosis(cov)
    assert d.rank == 9 and d.dependencies == (("flat",),)
    assert d.describe() == "is singular: 'flat' has no variance"
    assert not is_positive_definite(cov)


def test_pseudo_inverse_is_the_inverse_of_a_regular_matrix_and_drops_the_null_space() -> None:
    regular = pairwise_correlation(holzinger39()[HS_ITEMS])
    np.testing.assert_allclose(
        pseudo_inverse(regular).to_numpy(), np.linalg.inv(regular.to_numpy()), rtol=1e-10
    )
    singular = pairwise_correlation(with_dependency("copy"))
    r, inverse = singular.to_numpy(), pseudo_inverse(singular)
    assert list(inverse.index) == list(singular.index)
    np.testing.assert_allclose(r @ inverse.to_numpy() @ r, r, atol=1e-10)
    assert np.abs(inverse.to_numpy()).max() < 100  # np.linalg.inv gives entries of ~1e15 here
    np.testing.assert_allclose(
        inverse.to_numpy(), np.linalg.pinv(r, hermitian=True, rtol=1e-10), atol=1e-10
    )


def test_bad_input_gives_a_clear_error() -> None:
    corr = pairwise_correlation(holzinger39()[HS_ITEMS])
    with pytest.raises(TypeError, match="matrix must be a pandas DataFrame, got ndarray"):
        rank_diagnosis(corr.to_numpy())
    with pytest.raises(ValueError, match=r"must be square, got shape \(9, 8\)"):
        rank_diagnosis(corr.iloc[:, :8])
    shuffled = corr.iloc[::-1]
    with pytest.raises(ValueError, match="same item labels on its rows and columns"):
        rank_diagnosis(shuffled)
    holes = corr.copy()
    holes.loc["x3", "x7"] = holes.loc["x7", "x3"] = np.nan
    with pytest.raises(
        ValueError, match=r"missing or infinite entries for item\(s\) \['x3', 'x7'\]"
    ):
        rank_diagnosis(holes)
