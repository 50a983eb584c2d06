"""ML CFA engine: pinned to lavaan 0.6-14 on public data, analytic derivatives, recovery, errors."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from analysis.data.simulate import simulate
from analysis.measurement.scoring import keyed_items
from analysis.sem import cfa, implied, ml, samplestats, start
from analysis.sem.cfa import CFAResult, fit_cfa, fit_multigroup_cfa
from analysis.sem.model import CFAModel, lavaan_syntax, minimum_sample_size, model_from_instrument
from instrument import Instrument
from tests.lavaan_reference import (
    BFI_MODEL,
    HS_MODEL,
    bfi_keyed,
    estimates,
    holzinger39,
    matrix,
    reference,
    smcap_sim,
)

#: lavaan's fitMeasures name → our FitIndices attribute.
FIT_KEYS = {
    "npar": "npar",
    "ntotal": "n",
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_pvalue": "rmsea_pvalue",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "logl": "loglik",
    "unrestricted_logl": "loglik_unrestricted",
    "baseline_chisq": "baseline_chisq",
    "baseline_df": "baseline_df",
}


def assert_fit_matches(fit: cfa.FitIndices, ref: dict, *, tol: float = 1e-4) -> None:
    """Every lavaan fit measure agrees (χ², loglik, AIC, BIC relative; indices absolute)."""
    for r_key, attr in FIT_KEYS.items():
        ours, theirs = getattr(fit, attr), ref[r_key]
        if r_key in ("chisq", "aic", "bic", "logl", "unrestricted_logl", "baseline_chisq"):
            assert ours == pytest.approx(theirs, rel=1e-6), r_key
        else:
            assert ours == pytest.approx(theirs, abs=tol), r_key
    assert fit.rmsea_ci[0] == pytest.approx(ref["rmsea_ci_lower"], abs=tol)
    assert fit.rmsea_ci[1] == pytest.approx(ref["rmsea_ci_upper"], abs=tol)
    assert fit.converged is ref["converged"] is True


def assert_estimates_match(ours: pd.DataFrame, theirs: pd.DataFrame, *, tol: float) -> None:
    """Same parameter rows as lavaan; est, se and std.all agree."""
    assert sorted(ours.index) == sorted(theirs.index)
    joined = ours.join(theirs.add_suffix("_r"))
    for col in ("est", "se", "std_all"):
        diff = (joined[col] - joined[f"{col}_r"]).abs()
        assert diff.max() < tol, f"{col}: worst {diff.idxmax()} differs by {diff.max():.2g}"


@pytest.fixture(scope="module")
def hs() -> CFAResult:
    return fit_cfa(holzinger39(), HS_MODEL)


# ------------------------------------------------------------------ Holzinger & Swineford 1939
def test_hs_reproduces_the_published_lavaan_fit(hs: CFAResult) -> None:
    fit = hs.fit
    assert fit.chisq == pytest.approx(85.306, rel=0.01)
    assert fit.df == 24
    assert fit.cfi == pytest.approx(0.931, abs=0.003)
    assert fit.tli == pytest.approx(0.896, abs=0.003)
    assert fit.rmsea == pytest.approx(0.092, abs=0.003)
    assert fit.rmsea_ci == pytest.approx((0.071, 0.114), abs=0.003)
    assert fit.srmr == pytest.approx(0.065, abs=0.003)
    assert (hs.n, hs.n_dropped, hs.converged, hs.warnings) == (301, 0, True, ())


def test_hs_every_fit_measure_matches_lavaan(hs: CFAResult) -> None:
    assert_fit_matches(hs.fit, reference()["holzinger39"]["fit"])


def test_hs_estimates_standard_errors_and_std_solution_match_lavaan(hs: CFAResult) -> None:
    ref = estimates(reference()["holzinger39"]["estimates"])
    assert_estimates_match(hs.estimates.set_index(["lhs", "op", "rhs"]), ref, tol=1e-4)


def test_hs_factor_correlations_match_lavaan(hs: CFAResult) -> None:
    ref = matrix(reference()["holzinger39"]["cor_lv"])
    ours = hs.factor_correlations.loc[ref.index, ref.columns]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=1e-5)


def test_result_tables_are_labelled_and_consistent(hs: CFAResult) -> None:
    assert hs.std_loadings.index.names == ["factor", "item"]
    assert hs.std_loadings[("textual", "x5")] == pytest.approx(0.855, abs=0.003)
    assert hs.loadings[("visual", "x1")] == 1.0  # marker
    assert list(hs.residual_variances.index) == [f"x{k}" for k in range(1, 10)]
    np.testing.assert_allclose(hs.r_squared, 1 - hs.std_residual_variances)
    # std.all loading² + standardized residual = 1 for single-indicator items
    lam2 = hs.std_loadings.droplevel("factor") ** 2
    np.testing.assert_allclose(lam2 + hs.std_residual_variances[lam2.index], 1.0, atol=1e-10)
    assert set(hs.fit_indices()) >= {
        "n", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci", "rmsea_pvalue",
        "srmr", "aic", "bic", "loglik", "baseline_chisq", "baseline_df", "converged",
    }  # fmt: skip
    assert isinstance(hs.fit_indices()["rmsea_ci"], list)
    assert hs.implied_cov.shape == (9, 9) and list(hs.sample_cov.columns) == list(hs.model.items)


def test_hs_second_order_model_is_equivalent_and_matches_lavaan() -> None:
    model = CFAModel(HS_MODEL.factors, {"g": ("visual", "textual", "speed")})
    res = fit_cfa(holzinger39(), model)
    ref = reference()["holzinger39"]["second_order"]
    # three first-order factors under one second-order factor: just-identified, same χ²
    assert res.fit.chisq == pytest.approx(85.306, rel=1e-4) and res.fit.df == 24
    assert_fit_matches(res.fit, ref["fit"])
    assert_estimates_match(
        res.estimates.set_index(["lhs", "op", "rhs"]), estimates(ref["estimates"]), tol=1e-4
    )
    assert res.std_loadings.loc["g"].index.tolist() == ["visual", "textual", "speed"]


# ------------------------------------------------------------------------- bfi (Big Five)
def test_bfi_keyed_listwise_matches_lavaan() -> None:
    res = fit_cfa(bfi_keyed(), BFI_MODEL)
    ref = reference()["bfi"]
    assert (res.n, res.n_dropped) == (2436, 364)
    assert_fit_matches(res.fit, ref["fit"])
    assert_estimates_match(
        res.estimates.set_index(["lhs", "op", "rhs"]), estimates(ref["estimates"]), tol=1e-4
    )
    assert res.fit.chisq == pytest.approx(4165.467, rel=0.01)
    assert res.fit.cfi == pytest.approx(0.782, abs=0.003)


# --------------------------------------------------------------- simulated smcap-b2b answers
def test_smcap_sixteen_factor_model_matches_lavaan(smcap_instrument: Instrument) -> None:
    res = fit_cfa(smcap_sim(), model_from_instrument(smcap_instrument))
    ref = reference()["smcap_sim"]
    assert res.fit.npar == 246 and res.n == 1474
    assert_fit_matches(res.fit, ref["fit"])
    assert_estimates_match(
        res.estimates.set_index(["lhs", "op", "rhs"]), estimates(ref["estimates"]), tol=1e-3
    )


def test_smcap_second_order_model_matches_lavaan(smcap_instrument: Instrument) -> None:
    model = model_from_instrument(smcap_instrument, second_order=True)
    res = fit_cfa(smcap_sim(), model)
    ref = reference()["smcap_sim"]["second_order"]
    assert_fit_matches(res.fit, ref["fit"])
    assert_estimates_match(
        res.estimates.set_index(["lhs", "op", "rhs"]), estimates(ref["estimates"]), tol=1e-3
    )


def test_lavaan_syntax_is_the_model_r_fitted(smcap_instrument: Instrument) -> None:
    ref = reference()["smcap_sim"]
    assert lavaan_syntax(model_from_instrument(smcap_instrument)) == ref["model"]
    second = model_from_instrument(smcap_instrument, second_order=True)
    assert lavaan_syntax(second) == ref["second_order_model"]


def test_simulated_smcap_answers_fit_the_sixteen_factor_model(
    smcap_instrument: Instrument,
) -> None:
    sim = simulate(smcap_instrument, 2000, random_state=3)
    res = fit_cfa(
        keyed_items(sim.responses, smcap_instrument), model_from_instrument(smcap_instrument)
    )
    assert res.converged and res.warnings == ()
    assert res.n + res.n_dropped == 2000 and res.fit.df == 1770
    assert res.std_loadings.min() > 0.4  # every keyed item loads clearly on its construct
    assert res.fit.cfi > 0.9


# ------------------------------------------------------------------------------ multi-group
def test_multigroup_configural_and_scalar_estimates_match_lavaan() -> None:
    hs_ref = reference()["holzinger39"]["invariance_school"]
    for step, equal in [("configural", ()), ("scalar", ("loadings", "intercepts"))]:
        res = fit_multigroup_cfa(holzinger39(), HS_MODEL, "school", equal=equal)
        groups = list(hs_ref[step]["group_n"])
        assert list(res.group_sizes.index) == groups == ["Pasteur", "Grant-White"]
        assert_fit_matches(res.fit, hs_ref[step]["fit"])
        ref = estimates(hs_ref[step]["estimates"], groups)
        assert_estimates_match(
            res.estimates.set_index(["group", "lhs", "op", "rhs"]), ref, tol=1e-4
        )
    # scalar: loadings equal across groups, latent means free in the second group only
    std = res.std_loadings
    assert list(std.columns) == ["Pasteur", "Grant-White"]
    est = res.estimates.set_index(["group", "lhs", "op", "rhs"])["est"]
    assert est[("Pasteur", "x2", "~1", "")] == est[("Grant-White", "x2", "~1", "")]
    assert est[("Pasteur", "textual", "~1", "")] == 0.0
    assert est[("Grant-White", "textual", "~1", "")] == pytest.approx(0.576, abs=0.001)


# ------------------------------------------------------------------- analytic derivatives
def _exact_stats(model: CFAModel, n_groups: int, meanstructure: bool, equal=()):
    """Layouts and group statistics equal to the model's implied moments at a start point."""
    layouts, _, n_par = implied.build_layouts(
        model, n_groups=n_groups, meanstructure=meanstructure, equal=equal
    )
    data = holzinger39()
    groups = []
    for g in range(n_groups):
        x = data[list(model.items)].to_numpy()[g::n_groups]
        groups.append(
            samplestats.group_sample_stats(x, model.items, model, label=str(g), n_total=None)
        )
    theta = start.start_values(groups, layouts, model, n_par)
    rng = np.random.default_rng(5)
    theta = theta * (1 + 0.05 * rng.standard_normal(n_par))
    return layouts, groups, theta, n_par


@pytest.mark.parametrize(
    ("model", "n_groups", "meanstructure", "equal"),
    [
        (HS_MODEL, 2, True, ("loadings", "intercepts")),
        (CFAModel(HS_MODEL.factors, {"g": ("visual", "textual", "speed")}), 1, False, ()),
    ],
    ids=["multigroup-means", "second-order"],
)
def test_gradient_and_expected_information_are_exact(model, n_groups, meanstructure, equal):
    layouts, groups, theta, n_par = _exact_stats(model, n_groups, meanstructure, equal)
    _, grad, _ = ml._evaluate(theta, groups, layouts, n_par)
    h = 1e-6
    numeric = np.array(
        [
            (
                ml._objective(theta + h * e, groups, layouts)
                - ml._objective(theta - h * e, groups, layouts)
            )
            / (2 * h)
            for e in np.eye(n_par)
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    # where the model reproduces the moments exactly, expected and observed Hessians coincide
    exact = []
    for st, lay in zip(groups, layouts, strict=True):
        imp = implied.implied_moments(lay, theta)
        mean = imp.mu if meanstructure else st.mean
        logdet = float(np.linalg.slogdet(imp.sigma)[1])
        exact.append(samplestats.GroupStats(st.label, st.n, imp.sigma, mean, logdet))
    _, _, hess = ml._evaluate(theta, exact, layouts, n_par)
    numeric_hess = np.array(
        [
            (
                ml._evaluate(theta + h * e, exact, layouts, n_par)[1]
                - ml._evaluate(theta - h * e, exact, layouts, n_par)[1]
            )
            / (2 * h)
            for e in np.eye(n_par)
        ]
    )
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------------- recovery
def test_recovers_a_known_population_model() -> None:
    items = [f"y{k}" for k in range(12)]
    model = CFAModel({"f1": tuple(items[:4]), "f2": tuple(items[4:8]), "f3": tuple(items[8:])})
    lam = np.zeros((12, 3))
    lam[:4, 0] = [1.0, 0.8, 1.2, 0.9]
    lam[4:8, 1] = [1.0, 1.1, 0.7, 0.9]
    lam[8:, 2] = [1.0, 0.6, 0.9, 1.3]
    sd = np.array([1.0, 0.9, 1.1])
    corr = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, 0.2], [0.5, 0.2, 1.0]])
    phi = corr * np.outer(sd, sd)
    theta = np.full(12, 0.5)
    sigma = lam @ phi @ lam.T + np.diag(theta)
    rng = np.random.default_rng(2026)
    data = pd.DataFrame(rng.multivariate_normal(np.zeros(12), sigma, size=3000), columns=items)
    res = fit_cfa(data, model)
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    truth = {
        (f, "=~", i): lam[items.index(i), a]
        for a, f in enumerate(model.factors)
        for i in model.factors[f][1:]
    }
    truth |= {(i, "~~", i): 0.5 for i in items}
    truth |= {("f1", "~~", "f2"): phi[0, 1], ("f1", "~~", "f3"): phi[0, 2]}
    truth |= {("f2", "~~", "f3"): phi[1, 2], ("f2", "~~", "f2"): phi[1, 1]}
    z = np.array([(est.loc[k, "est"] - v) / est.loc[k, "se"] for k, v in truth.items()])
    assert np.all(np.abs(z) < 4), dict(zip(truth, z.round(2), strict=True))
    assert res.fit.pvalue > 0.001  # the true model is not rejected
    assert res.factor_correlations.loc["f1", "f3"] == pytest.approx(0.5, abs=0.05)


# ------------------------------------------------------------------------------- the model
def test_model_from_instrument(smcap_instrument: Instrument) -> None:
    full = model_from_instrument(smcap_instrument)
    assert list(full.factors) == [c.id for c in smcap_instrument.constructs]
    assert full.items == smcap_instrument.item_ids and full.second_order is None
    sub = model_from_instrument(smcap_instrument, constructs=["seizing", "sensing"])
    assert list(sub.factors) == ["seizing", "sensing"]
    second = model_from_instrument(smcap_instrument, second_order=True)
    assert second.second_order == {
        "operational": ("audience_insight", "stp", "channel_planning", "content_management",
                        "sm_metrics"),
        "dynamic": ("sensing", "seizing", "reconfiguring"),
        "adaptive": ("market_learning", "experimentation", "open_marketing"),
        "networking": ("network_development", "network_management"),
    }  # fmt: skip
    assert second.latents[-4:] == ("operational", "dynamic", "adaptive", "networking")
    # a level with one chosen construct gets no second-order factor: the construct stays free
    some = model_from_instrument(
        smcap_instrument, constructs=["sensing", "seizing", "stp", "control"], second_order=True
    )
    assert some.second_order == {"dynamic": ("sensing", "seizing")}
    with pytest.raises(ValueError, match=r"unknown construct id\(s\) \['nope'\]"):
        model_from_instrument(smcap_instrument, constructs=["stp", "nope"])


@pytest.mark.parametrize(
    ("factors", "second", "message"),
    [
        ({}, None, "non-empty"),
        ({"f": ("a",)}, None, "factor 'f' has 1 indicator"),
        ({"f": ("a", "b", "a")}, None, r"lists indicator\(s\) \['a'\] more than once"),
        ({"f": ("a", "f", "b")}, None, "used both as factor and as item"),
        ({"f": ("a", "b")}, {"g": ("f", "h")}, r"unknown first-order factor\(s\) \['h'\]"),
        ({"f": ("a", "b")}, {"g": ("f",)}, "it needs at least 2"),
        ({"f": ("a", "b"), "h": ("c", "d")}, {"g": ("f", "h"), "k": ("h", "f")}, "under both"),
        ({"f": ("a", "b"), "h": ("c", "d")}, {"a": ("f", "h")}, "reuses a factor or item name"),
        ({"f": "abc"}, None, "must map to a sequence"),
    ],
)
def test_invalid_models_are_rejected(factors, second, message) -> None:
    with pytest.raises(ValueError, match=message):
        CFAModel(factors, second)


# -------------------------------------------------------------------------------- errors
def _hs_with(**changes) -> pd.DataFrame:
    data = holzinger39()
    for col, values in changes.items():
        data[col] = values
    return data


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "message"),
    [
        (lambda: holzinger39().drop(columns=["x4", "x9"]), {}, ValueError,
         r"no column\(s\) \['x4', 'x9'\]"),
        (lambda: holzinger39().head(9), {}, ValueError,
         r"only 9 complete rows \(of 9\) for a CFA of 9 items; at least 10 are needed"),
        (lambda: _hs_with(x3=2.0), {}, ValueError, r"\['x3'\] are constant"),
        (lambda: _hs_with(x2=["7"] * 300 + ["n/a"]), {}, ValueError,
         "column 'x2' has a non-numeric value 'n/a' in row 300"),
        (lambda: _hs_with(x2=[np.inf] + [1.0] * 300), {}, ValueError,
         "column 'x2' has an infinite value in row 0"),
        (lambda: holzinger39(), {"missing": "pairwise"}, ValueError, "missing must be 'listwise'"),
        (lambda: holzinger39().to_numpy(), {}, TypeError, "pandas DataFrame"),
    ],
    ids=["unknown-column", "too-few-rows", "constant", "non-numeric", "infinite",
         "missing-method", "not-a-frame"],
)  # fmt: skip
def test_bad_input_gives_a_clear_error(data, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        fit_cfa(data(), HS_MODEL, **kwargs)


def test_too_few_rows_counts_complete_rows_only() -> None:
    data = holzinger39().head(12)
    data.loc[data.index[:4], "x7"] = np.nan
    with pytest.raises(ValueError, match=r"only 8 complete rows \(of 12\).*at least 10"):
        fit_cfa(data, HS_MODEL)
    assert minimum_sample_size(HS_MODEL) == 10


def test_collinear_columns_are_named() -> None:
    data = holzinger39()
    data["x6"] = 2 * data["x5"] + 1
    with pytest.raises(ValueError, match="singular: columns 'x5' and 'x6' are perfectly"):
        fit_cfa(data, HS_MODEL)
    data = holzinger39()
    data["x9"] = data["x7"] + data["x8"]
    with pytest.raises(ValueError, match=r"singular: columns .*'x7'.*linearly dependent"):
        fit_cfa(data, HS_MODEL)


@pytest.mark.parametrize(
    ("column", "make", "named"),
    [
        ("x4", lambda d: d["x1"], "columns 'x1' and 'x4' are perfectly correlated (r = 1.000)"),
        (
            "x4",
            lambda d: d["x1"] + 1e-12 * np.random.default_rng(2).standard_normal(len(d)),
            "columns 'x1' and 'x4' are perfectly correlated (r = 1.000)",
        ),
        (
            "x9",
            lambda d: 0.3 * d["x2"] + 0.7 * d["x5"] - 1.1 * d["x7"],
            "columns 'x2', 'x5', 'x7' and 'x9' are linearly dependent",
        ),
    ],
    ids=["copy", "copy-plus-1e-12-noise", "combination-of-three"],
)
def test_a_copy_or_combination_is_singular_whatever_the_rounding(
    column: str, make: Callable[[pd.DataFrame], pd.Series], named: str
) -> None:
    data = holzinger39()
    data[column] = make(data)
    with pytest.raises(ValueError, match=re.escape(f"covariance matrix is singular: {named}")):
        fit_cfa(data, HS_MODEL)


def test_nearly_collinear_but_distinct_columns_are_fitted() -> None:
    data = holzinger39()
    data["x2"] = data["x1"] + 1e-3 * np.random.default_rng(2).standard_normal(len(data))
    res = fit_cfa(data, HS_MODEL)  # r(x1, x2) = .9999995: extreme, but not singular
    assert res.n == 301 and res.std_loadings["visual"]["x2"] > 0.9


def test_model_that_is_not_identified_is_rejected() -> None:
    data = holzinger39()
    with pytest.raises(ValueError, match=r"not identified: 4 free parameters but only 3 .*df = -1"):
        fit_cfa(data, CFAModel({"f": ("x1", "x2")}))
    with pytest.raises(TypeError, match="model must be a CFAModel"):
        fit_cfa(data, {"f": ("x1", "x2", "x3")})


def test_input_is_not_modified_and_extra_columns_are_ignored() -> None:
    data = holzinger39()
    data.loc[3, "x1"] = np.nan
    before = data.copy()
    res = fit_cfa(data, HS_MODEL)
    pd.testing.assert_frame_equal(data, before)
    assert (res.n, res.n_dropped) == (300, 1)


# ------------------------------------------------------------------------------ warnings
def _data_with_cov(cov: np.ndarray, n: int = 500, seed: int = 1) -> pd.DataFrame:
    """Rows whose sample covariance (divisor N) is exactly ``cov``."""
    p = cov.shape[0]
    z = np.random.default_rng(seed).standard_normal((n, p))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    x = z @ np.linalg.cholesky(cov).T
    return pd.DataFrame(x, columns=[f"v{k}" for k in range(p)])


def test_heywood_case_is_a_warning_not_an_error() -> None:
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    res = fit_cfa(_data_with_cov(cov), CFAModel({"f": ("v0", "v1", "v2")}))
    # λ₀²φ = .8·.8/.5 = 1.28 > 1 = s₀₀, so θ₀ = −0.28
    assert res.residual_variances["v0"] == pytest.approx(-0.28, abs=1e-6)
    assert any(
        w.startswith("Heywood case: negative residual variance for v0") for w in res.warnings
    )


def test_factor_correlation_above_one_is_a_warning() -> None:
    cov = np.full((6, 6), 0.5)
    cov[:3, :3] = cov[3:, 3:] = 0.4
    np.fill_diagonal(cov, 1.0)
    model = CFAModel({"a": ("v0", "v1", "v2"), "b": ("v3", "v4", "v5")})
    res = fit_cfa(_data_with_cov(cov), model)
    assert res.factor_correlations.loc["a", "b"] == pytest.approx(1.25, abs=1e-4)
    assert any("not positive definite" in w and "a–b = 1.250" in w for w in res.warnings)


def test_unidentified_model_is_a_warning() -> None:
    # a second-order factor over only two first-order factors, nothing else: its loading,
    # variance and the disturbances trade off, so the information matrix is singular
    two = CFAModel(
        {"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")}, {"g": ("visual", "textual")}
    )
    res = fit_cfa(holzinger39(), two)
    assert res.fit.df == 7
    assert any("may not be identified" in w for w in res.warnings)
    assert res.estimates["se"].isna().sum() > 0


def test_non_convergence_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ml, "_CONVERGED_TOL", 0.0)  # no gradient can meet this
    res = fit_cfa(holzinger39(), HS_MODEL)
    assert res.converged is False and res.fit.converged is False
    assert any("did not converge" in w for w in res.warnings)


# --------------------------------------------------------------------- multi-group errors
def test_multigroup_bad_input_gives_clear_errors() -> None:
    data = holzinger39()
    with pytest.raises(ValueError, match="group column 'campus' is not in the data"):
        fit_multigroup_cfa(data, HS_MODEL, "campus")
    with pytest.raises(ValueError, match="has 1 usable group"):
        fit_multigroup_cfa(data.assign(one="a"), HS_MODEL, "one")
    with pytest.raises(ValueError, match=r"unknown constraint\(s\) \['residuals'\]"):
        fit_multigroup_cfa(data, HS_MODEL, "school", equal=["residuals"])
    second = CFAModel(HS_MODEL.factors, {"g": ("visual", "textual", "speed")})
    with pytest.raises(ValueError, match="first-order models only"):
        fit_multigroup_cfa(data, second, "school")
    with pytest.raises(ValueError, match="small_groups must be"):
        fit_multigroup_cfa(data, HS_MODEL, "school", small_groups="ignore")


def test_small_group_is_named_or_dropped_on_request() -> None:
    data = holzinger39()
    data.loc[data.index[:20], "school"] = "Tiny"
    with pytest.raises(ValueError, match=r"'Tiny' \(20 complete rows\) .* minimum of 30"):
        fit_multigroup_cfa(data, HS_MODEL, "school")
    res = fit_multigroup_cfa(data, HS_MODEL, "school", small_groups="drop")
    assert res.dropped_groups.to_dict() == {"Tiny": 20}
    assert list(res.group_sizes.index) == ["Pasteur", "Grant-White"]
    assert res.n == 281 and res.n_dropped == 20
    assert any("'Tiny' (20 complete rows)" in w and "dropped" in w for w in res.warnings)
    # the minimum never falls below items + 1
    with pytest.raises(ValueError, match="minimum of 10 complete rows"):
        fit_multigroup_cfa(
            data.head(160).assign(school=["a"] * 155 + ["b"] * 5),
            HS_MODEL,
            "school",
            min_group_size=2,
        )


def test_rows_with_missing_group_are_dropped_with_a_warning() -> None:
    data = holzinger39()
    data.loc[data.index[:3], "school"] = None
    res = fit_multigroup_cfa(data, HS_MODEL, "school")
    assert res.n == 298 and res.n_dropped == 3
    assert "3 row(s) with a missing 'school' were dropped" in res.warnings
