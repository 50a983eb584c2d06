"""Latent profiles: mclust reference values, the k rule at N = 1,200 and N = 100,000."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.metrics import adjusted_rand_score

from analysis.data.simulate import Simulation, simulate
from analysis.measurement.scoring import score_respondents
from analysis.structure.profiles import FIT_TABLE_COLUMNS, LatentProfiles, relative_entropy
from instrument import Instrument

#: R 4.x, mclust 6.0.0, Mclust(iris[, 1:4], G = g, modelNames = "VVV") — tests/r/mclust_iris.R.
#: mclust's BIC is 2 lnL - p ln N; ours is its negative.
MCLUST_IRIS = {
    1: {"loglik": -379.914630, "df": 14, "bic_mclust": -829.978154},
    2: {"loglik": -214.354704, "df": 29, "bic_mclust": -574.017832},
    3: {"loglik": -180.185839, "df": 44, "bic_mclust": -580.839630},
}


def _screen(sim: Simulation) -> pd.Series:
    """Respondents a quality screen removes (the simulation's known careless answering)."""
    t = sim.truth
    return (t["straight_liner"] | t["speeder"] | t["careless"] | t["attention_failed"]).set_axis(
        sim.responses.index
    )


def _levels(inst: Instrument, n: int, seed: int, *, null: bool = False) -> tuple:
    sim = simulate(inst, n, random_state=seed, null=null)
    levels = score_respondents(sim.responses, inst).levels
    return levels[~_screen(sim)], sim


def test_loglik_and_bic_match_mclust_on_iris() -> None:
    X = load_iris(as_frame=True).data
    lp = LatentProfiles(
        k_max=3,
        variance_floor=0,
        n_init=10,
        tol=1e-6,
        min_class_share=0,
        min_entropy=0,
        random_state=0,
    ).fit(X)
    for k, ref in MCLUST_IRIS.items():
        row = lp.fit_table_.loc[k]
        assert row["n_parameters"] == ref["df"]
        assert row["log_likelihood"] == pytest.approx(ref["loglik"], abs=2e-3)
        assert row["bic"] == pytest.approx(-ref["bic_mclust"], abs=4e-3)
    # lower is better: k = 2 beats k = 1 and k = 3 on iris, as in mclust (higher BIC there)
    assert lp.bic_best_k_ == 2


def test_relative_entropy_bounds_and_formula() -> None:
    assert relative_entropy([[1.0, 0.0], [0.0, 1.0]]) == 1.0
    assert relative_entropy(np.full((5, 3), 1 / 3)) == pytest.approx(0.0)
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    by_hand = 1 + (
        0.9 * np.log(0.9) + 0.1 * np.log(0.1) + 0.2 * np.log(0.2) + 0.8 * np.log(0.8)
    ) / (2 * np.log(2))
    assert relative_entropy(p) == pytest.approx(by_hand)
    assert np.isnan(relative_entropy(np.ones((3, 1))))
    with pytest.raises(ValueError, match="2-D"):
        relative_entropy([0.5, 0.5])


def test_stage_data_give_four_ordered_profiles(smcap_instrument: Instrument) -> None:
    levels, sim = _levels(smcap_instrument, 1200, 3)
    lp = LatentProfiles(random_state=0).fit(levels)
    assert lp.n_profiles_ == 4
    assert list(lp.fit_table_.columns) == list(FIT_TABLE_COLUMNS)
    assert lp.fit_table_.loc[[2, 3, 4], "accepted"].all()
    assert not lp.fit_table_.loc[5, "accepted"]
    # profiles are numbered by maturity and their level means rise the way the theory says
    assert lp.profiles_["maturity"].is_monotonic_increasing
    assert lp.profiles_.loc[2, "operational"] > lp.profiles_.loc[1, "operational"] + 1.5
    assert lp.profiles_.loc[4, "networking"] > lp.profiles_.loc[3, "networking"] + 1.5
    truth = sim.truth.set_axis(sim.responses.index)["stage"].loc[levels.index]
    known = lp.labels_.notna()
    assert adjusted_rand_score(truth[known], lp.labels_[known]) >= 0.8
    assert lp.kmeans_ari_ >= 0.8
    assert lp.entropy_ >= 0.9


def test_null_data_give_one_profile(smcap_instrument: Instrument) -> None:
    levels, _ = _levels(smcap_instrument, 1200, 3, null=True)
    lp = LatentProfiles(random_state=0).fit(levels)
    assert lp.n_profiles_ == 1
    assert lp.labels_.eq(1).all()
    assert "entropy" in lp.fit_table_.loc[2, "reason"]
    assert lp.fit_table_.loc[3:, "reason"].str.startswith("not considered").all()
    assert np.isnan(lp.kmeans_ari_)


@pytest.mark.slow
def test_k_rule_does_not_overfit_100000_respondents(smcap_instrument: Instrument) -> None:
    """At N = 100,000 plain BIC adds profiles to a continuum; the k rule does not."""
    settings = {"k_max": 8, "n_init": 1, "random_state": 0}
    null_levels, _ = _levels(smcap_instrument, 100_000, 5, null=True)
    null_fit = LatentProfiles(**settings).fit(null_levels)
    assert null_fit.bic_best_k_ >= 4, "plain BIC should overfit here (the problem being solved)"
    assert null_fit.fit_table_.loc[2, "delta_bic"] > 1000
    assert null_fit.n_profiles_ < 4
    assert null_fit.n_profiles_ == 1
    stage_levels, sim = _levels(smcap_instrument, 100_000, 5)
    stage_fit = LatentProfiles(**settings).fit(stage_levels)
    # with one EM start the 4-profile fit first lands below the 3-profile one (and the search
    # would stop at 3); the refit with more starts repairs it
    loglik = stage_fit.fit_table_["log_likelihood"]
    assert loglik[4] - loglik[3] > 0.05 * len(stage_levels)
    assert stage_fit.n_profiles_ == 4
    truth = sim.truth.set_axis(sim.responses.index)["stage"].loc[stage_levels.index]
    known = stage_fit.labels_.notna()
    assert adjusted_rand_score(truth[known], stage_fit.labels_[known]) >= 0.8


def test_missing_scores_get_missing_stage_and_predict_agrees(smcap_instrument: Instrument) -> None:
    levels, _ = _levels(smcap_instrument, 600, 4)
    levels = levels.dropna().copy()
    first = levels.index[0]
    levels.loc[first, "dynamic"] = np.nan
    lp = LatentProfiles(random_state=1).fit(levels)
    assert pd.isna(lp.labels_.loc[first])
    assert lp.n_fitted_ == len(levels) - 1
    again = lp.predict(levels)
    pd.testing.assert_series_equal(again, lp.labels_)
    proba = lp.predict_proba(levels)
    assert proba.loc[first].isna().all()
    assert proba.drop(index=first).sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert (proba.drop(index=first).idxmax(axis=1) == lp.labels_.drop(index=first)).all()


def test_fit_is_reproducible_and_does_not_mutate(smcap_instrument: Instrument) -> None:
    levels, _ = _levels(smcap_instrument, 500, 8)
    before = levels.copy()
    a = LatentProfiles(random_state=5).fit(levels)
    b = clone(a).fit(levels)
    pd.testing.assert_frame_equal(levels, before)
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.fit_table_, b.fit_table_)


def test_clear_errors() -> None:
    good = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 2)), columns=["a", "b"])
    with pytest.raises(TypeError, match="DataFrame"):
        LatentProfiles().fit(good.to_numpy())
    with pytest.raises(ValueError, match="k_max"):
        LatentProfiles(k_max=0).fit(good)
    with pytest.raises(ValueError, match="covariance_type"):
        LatentProfiles(covariance_type="VVV").fit(good)
    with pytest.raises(ValueError, match="needs at least 16"):
        LatentProfiles().fit(good.head(10))
    with pytest.raises(ValueError, match="numeric"):
        LatentProfiles().fit(good.assign(a="x"))
    with pytest.raises(ValueError, match="infinite"):
        LatentProfiles().fit(good.assign(a=np.inf))
    with pytest.raises(ValueError, match="not fitted"):
        LatentProfiles().predict(good)
    fitted = LatentProfiles(k_max=2, random_state=0).fit(good)
    with pytest.raises(ValueError, match="fitted on"):
        fitted.predict(good.rename(columns={"a": "z"}))
