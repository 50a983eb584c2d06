"""EFA and parallel analysis pinned to R psych 2.2.9 (fa, fa.parallel) on two public data sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measurement import efa as efa_module
from analysis.measurement.correlation import pairwise_correlation
from analysis.measurement.efa import cross_loading_flags, efa, minres, parallel_analysis
from tests.r_reference import HS_ITEMS, bfi_keyed, holzinger39, reference

DATA = {"holzinger39": (lambda: holzinger39()[HS_ITEMS], 3), "bfi": (bfi_keyed, 5)}


@pytest.mark.parametrize("data", list(DATA))
def test_oblimin_minres_loadings_and_factor_correlations_match_psych_fa(data: str) -> None:
    load, n_factors = DATA[data]
    ref = reference()[data]["efa"]
    res = efa(load(), n_factors)
    # psych prints its columns (MR1, MR3, …) in the order of explained variance; ours are F1..Fk
    expected = pd.DataFrame(ref["loadings"]).T[ref["factor_order"]]
    np.testing.assert_allclose(res.loadings.to_numpy(), expected.to_numpy(), atol=1e-4)
    phi = pd.DataFrame(ref["phi"]).loc[ref["factor_order"], ref["factor_order"]]
    np.testing.assert_allclose(res.factor_correlations.to_numpy(), phi.to_numpy(), atol=1e-4)
    communality = pd.Series(ref["communality"])
    np.testing.assert_allclose(res.communalities[communality.index], communality, atol=1e-4)
    assert list(res.loadings.index) == list(load().columns) and res.converged


def test_holzinger_items_load_on_their_own_factors() -> None:
    res = efa(holzinger39()[HS_ITEMS], 3)
    primary = res.cross_loadings["primary_factor"]
    groups = [set(primary[[f"x{i}" for i in range(k, k + 3)]]) for k in (1, 4, 7)]
    assert all(len(g) == 1 for g in groups) and len(set.union(*groups)) == 3
    # x9 loads on speed and visual: the known cross-loading in these data
    assert res.cross_loadings.loc["x9", "cross_loading"]


def with_dependency(kind: str) -> pd.DataFrame:
    """Holzinger's tests plus an exact copy or combination of others (optionally + 1e-12 noise)."""
    items = holzinger39()[HS_ITEMS].copy()
    extra = items["x1"] if kind.endswith("copy") else items["x4"] + items["x5"] - items["x6"]
    if kind.startswith("noisy"):
        extra = extra + 1e-12 * np.random.default_rng(4).standard_normal(len(items))
    return items.assign(extra=extra)


@pytest.mark.parametrize("kind", ["copy", "noisy copy", "combination", "noisy combination"])
def test_minres_of_a_singular_matrix_starts_and_ends_in_the_same_place(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether R⁻¹ fails or returns rounding noise, a singular R starts from ψ = 0.5."""
    starts: list[np.ndarray] = []
    real_minimize = efa_module.minimize

    def recording(fun: object, x0: np.ndarray, **kwargs: object) -> object:
        starts.append(np.asarray(x0, dtype=float))
        return real_minimize(fun, x0, **kwargs)

    monkeypatch.setattr(efa_module, "minimize", recording)
    fit = minres(pairwise_correlation(with_dependency(kind)), 3)
    np.testing.assert_array_equal(starts[0], np.full(10, 0.5))
    monkeypatch.undo()
    exact = minres(pairwise_correlation(with_dependency(kind.removeprefix("noisy "))), 3)
    assert fit.converged
    np.testing.assert_allclose(fit.loadings, exact.loadings, atol=1e-6)


@pytest.mark.parametrize("data", list(DATA))
def test_parallel_analysis_matches_fa_parallel(data: str) -> None:
    load, _ = DATA[data]
    ref = reference()[data]["parallel"]
    items = load()
    pa = parallel_analysis(items, random_state=1)
    np.testing.assert_allclose(pa.eigenvalues["observed_fa"], ref["fa_values"], atol=1e-5)
    np.testing.assert_allclose(pa.eigenvalues["observed_pc"], ref["pc_values"], atol=1e-9)
    # random draws differ from R's, but their means must agree to sampling error (the first
    # factor eigenvalue of random data is skewed: SD ≈ 0.28 for 301 × 9, so a mean of 20 has
    # SE ≈ 0.06; the component eigenvalues vary far less)
    np.testing.assert_allclose(pa.eigenvalues["simulated_fa_mean"], ref["sim_fa_mean"], atol=0.15)
    np.testing.assert_allclose(pa.eigenvalues["simulated_pc_mean"], ref["sim_pc_mean"], atol=0.03)
    assert (pa.n_factors, pa.n_components) == (ref["n_factors"], ref["n_components"])
    assert pa.n_obs == len(items) and pa.n_iter == 20


def test_parallel_analysis_is_reproducible_and_independent_of_processes() -> None:
    items = holzinger39()[HS_ITEMS]
    a = parallel_analysis(items, random_state=7, n_iter=6)
    b = parallel_analysis(items, random_state=7, n_iter=6, n_jobs=2)
    c = parallel_analysis(items, random_state=8, n_iter=6)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    assert not a.eigenvalues.equals(c.eigenvalues)


def test_random_correlation_matrices_have_the_distribution_of_normal_data() -> None:
    # the first eigenvalue of cor(300 x 9 normal) has mean ≈ 1.33; the Wishart draw must agree
    rng = np.random.default_rng(5)
    direct = np.mean(
        [
            np.linalg.eigvalsh(np.corrcoef(rng.normal(size=(300, 9)), rowvar=False))[-1]
            for _ in range(300)
        ]
    )
    pa = parallel_analysis(holzinger39()[HS_ITEMS], random_state=3, n_iter=300)
    assert pa.eigenvalues["simulated_pc_mean"].iloc[0] == pytest.approx(direct, abs=0.01)


def test_random_data_suggest_no_factors() -> None:
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.normal(size=(500, 10)))
    assert parallel_analysis(noise, random_state=0).n_factors <= 1


def test_input_checks() -> None:
    items = holzinger39()[HS_ITEMS]
    with pytest.raises(ValueError, match="rotation"):
        efa(items, 2, rotation="promaxx")
    with pytest.raises(ValueError, match="n_factors"):
        minres(pairwise_correlation(items), 9)
    with pytest.raises(ValueError, match="more respondents"):
        parallel_analysis(items.head(9))
    with pytest.raises(ValueError, match="n_iter"):
        parallel_analysis(items, n_iter=0)
    gap = pd.DataFrame(
        {"a": [1.0, 2, np.nan, np.nan], "b": [np.nan, np.nan, 1, 2], "c": [1, 2, 3, 5]}
    )
    with pytest.raises(ValueError, match="fewer than two respondents"):
        minres(pairwise_correlation(gap), 1)


def test_cross_loading_rule() -> None:
    loadings = pd.DataFrame(
        {"F1": [0.7, 0.5, 0.35, 0.6], "F2": [0.1, 0.35, 0.05, 0.45]}, index=list("abcd")
    )
    flags = cross_loading_flags(loadings)
    assert flags["cross_loading"].tolist() == [False, True, False, True]
    assert flags["weak_primary"].tolist() == [False, False, True, False]
    one = cross_loading_flags(loadings[["F1"]])
    assert not one["cross_loading"].any() and one["secondary"].isna().all()
