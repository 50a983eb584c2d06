"""KMO and Bartlett pinned to R psych 2.2.9 (KMO, cortest.bartlett) and factor_analyzer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

from analysis.criteria import kmo_label
from analysis.measurement.adequacy import bartlett_sphericity, kmo
from tests.r_reference import HS_ITEMS, bfi_keyed, holzinger39, reference


@pytest.mark.parametrize("data", ["holzinger39", "bfi"])
def test_kmo_and_bartlett_match_psych(data: str) -> None:
    items = holzinger39()[HS_ITEMS] if data == "holzinger39" else bfi_keyed()
    ref = reference()[data]["adequacy"]
    k = kmo(items)
    assert k.overall == pytest.approx(ref["kmo"], abs=1e-9)
    for item, value in ref["kmo_items"].items():
        assert k.items[item] == pytest.approx(value, abs=1e-9)
    b = bartlett_sphericity(items)
    assert b.chisq == pytest.approx(ref["bartlett_chisq"], rel=1e-9)
    assert b.df == ref["bartlett_df"]
    assert b.pvalue == pytest.approx(ref["bartlett_p"], rel=1e-6, abs=1e-300)
    assert b.n_obs == len(items)


def test_complete_data_agrees_with_factor_analyzer() -> None:
    items = holzinger39()[HS_ITEMS]
    per_item, overall = calculate_kmo(items)
    assert kmo(items).overall == pytest.approx(overall, abs=1e-12)
    np.testing.assert_allclose(kmo(items).items, per_item, atol=1e-12)
    chisq, _ = calculate_bartlett_sphericity(items)
    assert bartlett_sphericity(items).chisq == pytest.approx(chisq, rel=1e-12)


def test_singular_correlations_give_no_bartlett_statistic_but_a_kmo() -> None:
    items = holzinger39()[HS_ITEMS].copy()
    items["copy"] = items["x1"]
    assert np.isnan(bartlett_sphericity(items).chisq)
    assert 0 <= kmo(items).overall <= 1


def with_dependency(kind: str) -> pd.DataFrame:
    """Holzinger's tests plus an exact copy of x1, a copy with 1e-12 noise or a combination."""
    items = holzinger39()[HS_ITEMS].copy()
    if kind == "copy":
        items["copy"] = items["x1"]
    elif kind == "noisy copy":
        items["copy"] = items["x1"] + 1e-12 * np.random.default_rng(5).standard_normal(301)
    else:
        items["combo"] = items["x7"] + 0.5 * items["x8"] - 2 * items["x9"]
    return items


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("copy", "items 'x1' and 'copy' are perfectly correlated (r = 1.000)"),
        ("noisy copy", "items 'x1' and 'copy' are perfectly correlated (r = 1.000)"),
        ("combination", "items 'x7', 'x8', 'x9' and 'combo' are linearly dependent"),
    ],
)
def test_a_dependent_item_is_named_and_bartlett_is_not_reported(kind: str, named: str) -> None:
    items = with_dependency(kind)
    b = bartlett_sphericity(items)
    assert np.isnan(b.chisq) and np.isnan(b.pvalue)
    assert (b.df, b.n_obs) == (45, 301)
    assert b.warnings == (
        f"the item correlation matrix is singular: {named}; Bartlett's test of sphericity is "
        "not defined",
    )
    k = kmo(items)
    assert 0 < k.overall < 1 and k.items.between(0, 1).all()
    assert list(k.items.index) == list(items.columns)
    assert k.warnings == (
        f"the item correlation matrix is singular: {named}; KMO is computed from its "
        "pseudo-inverse",
    )


def test_kmo_of_a_singular_matrix_does_not_depend_on_rounding() -> None:
    """Adding 1e-12 noise to a copy or a combination changes only rounding: same KMO.

    (The combination of integer scores makes LU factorisation meet an exact zero here, the noisy
    one does not; a decision by "does the inverse fail" gave KMO .70 and .41.)
    """
    hs = holzinger39()[HS_ITEMS]
    noise = 1e-12 * np.random.default_rng(5).standard_normal(len(hs))
    for dependent in (hs["x1"] + hs["x2"] - hs["x3"], hs["x1"]):
        exact = kmo(hs.assign(extra=dependent))
        noisy = kmo(hs.assign(extra=dependent + noise))
        assert exact.overall == pytest.approx(noisy.overall, abs=1e-9)
        np.testing.assert_allclose(exact.items, noisy.items, atol=1e-9)
        assert exact.warnings and noisy.warnings


@pytest.mark.parametrize("smallest", [1e-13, -1e-13])
def test_bartlett_does_not_hinge_on_the_sign_of_a_tiny_determinant(smallest: float) -> None:
    """Correlation matrices with a tiny positive or negative determinant are both singular."""
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    a = (q * np.array([3.0, 2.0, 1.0, 0.8, 0.6, 0.4, 0.2, smallest])) @ q.T
    d = np.sqrt(np.diag(a))
    r = a / np.outer(d, d)
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    assert np.linalg.slogdet(r)[0] == np.sign(smallest)  # what used to decide
    labels = [f"i{k}" for k in range(1, 9)]
    corr = pd.DataFrame(r, index=labels, columns=labels)
    items = pd.DataFrame(np.zeros((200, 8)), columns=labels)  # only its length is used
    b = bartlett_sphericity(items, corr=corr)
    assert np.isnan(b.chisq) and b.warnings[0].endswith(
        "Bartlett's test of sphericity is not defined"
    )
    k = kmo(items, corr=corr)
    assert 0 < k.overall < 1 and k.warnings[0].endswith("KMO is computed from its pseudo-inverse")


def test_an_indefinite_pairwise_matrix_has_no_bartlett_statistic() -> None:
    labels = ["a", "b", "c"]
    corr = pd.DataFrame(
        [[1.0, 0.9, 0.9], [0.9, 1.0, -0.5], [0.9, -0.5, 1.0]], index=labels, columns=labels
    )
    items = pd.DataFrame(np.zeros((50, 3)), columns=labels)
    b = bartlett_sphericity(items, corr=corr)
    assert np.isnan(b.chisq)
    assert b.warnings[0].startswith(
        "the item correlation matrix is not positive definite: 1 negative eigenvalue (smallest -"
    )
    assert kmo(items, corr=corr).warnings == ()  # full rank: R⁻¹ exists


def test_regular_data_give_no_warning() -> None:
    items = bfi_keyed()
    assert kmo(items).warnings == () and bartlett_sphericity(items).warnings == ()


def test_kaiser_labels() -> None:
    assert [kmo_label(v) for v in (0.95, 0.85, 0.75, 0.65, 0.55, 0.3, float("nan"))] == [
        "marvellous",
        "meritorious",
        "middling",
        "mediocre",
        "miserable",
        "unacceptable",
        "not available",
    ]
