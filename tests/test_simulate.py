"""The simulator: sane measurement, known truth, data-quality problems, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from analysis.data.simulate import simulate
from analysis.measurement.scoring import keyed_items, score_respondents
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML


def test_every_construct_reaches_alpha_070(smcap_instrument: Instrument, sim_1200) -> None:
    keyed = keyed_items(sim_1200.responses, smcap_instrument)
    for construct in smcap_instrument.constructs:
        block = keyed[[i.id for i in construct.items]]
        alpha, _ = pg.cronbach_alpha(block)
        assert alpha >= 0.70, f"{construct.id}: alpha {alpha:.3f}"


def test_layout_of_responses_and_truth(smcap_instrument: Instrument, sim_1200) -> None:
    r, t = sim_1200.responses, sim_1200.truth
    assert r["respondent_id"].is_unique and (r["respondent_id"] == t["respondent_id"]).all()
    for col in (*smcap_instrument.item_ids, "ac_1", "ac_2", "sector", "employees", "country"):
        assert col in r.columns
    assert [c for c in r.columns if c.startswith("page_time_")] == [
        f"page_time_{p.id}" for p in smcap_instrument.page_list()
    ]
    values = r[list(smcap_instrument.item_ids)].stack()
    assert values.between(1, 7).all() and (values == values.round()).all()
    for col in ("stage", "quadrant", "straight_liner", "speeder"):
        assert col in t.columns


def test_data_quality_problems_at_documented_rates(sim_1200) -> None:
    r, t = sim_1200.responses, sim_1200.truth
    assert 0.02 <= t["straight_liner"].mean() <= 0.05
    items = r.filter(regex="^(op|dy|ad|nw|ax|pf)_")
    assert 0.01 <= items.isna().mean().mean() <= 0.03
    # most respondents answer everything, so listwise deletion keeps most rows
    assert 0.80 <= items.notna().all(axis=1).mean() <= 0.95
    liners = r.loc[t["straight_liner"].to_numpy()].filter(regex="^(op|dy|ad|nw|ax|pf)_")
    assert (liners.nunique(axis=1) == 1).all(), "a straight-liner gives one answer throughout"
    page_cols = [c for c in r.columns if c.startswith("page_time_")]
    total = r[page_cols].sum(axis=1)
    assert total[t["speeder"].to_numpy()].median() < 0.4 * total[~t["speeder"].to_numpy()].median()
    failed = (r["ac_1"] != 2) | (r["ac_2"] != 6)
    assert t["attention_failed"].mean() > 0.02
    assert failed[t["attention_failed"].to_numpy()].all()


def test_stage_truth_is_recovered_by_the_theory_rule(
    smcap_instrument: Instrument, sim_1200
) -> None:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    ok = scores.stage_theory.notna() & ~sim_1200.truth["straight_liner"]
    ari = adjusted_rand_score(sim_1200.truth["stage"][ok], scores.stage_theory[ok])
    assert ari > 0.6
    agree = (scores.quadrant == sim_1200.truth["quadrant"])[ok].mean()
    assert agree > 0.75


def test_stage_model_decentralises_and_size_is_unrelated(sim_1200) -> None:
    t, r = sim_1200.truth, sim_1200.responses
    dec = t.groupby("stage")["latent_control"].mean()
    assert dec.is_monotonic_increasing
    table = pd.crosstab(r["employees"], t["stage"])
    from scipy.stats import chi2_contingency

    assert chi2_contingency(table).pvalue > 0.001


def test_null_model_has_no_stages(smcap_instrument: Instrument) -> None:
    stage_sim = simulate(smcap_instrument, 1500, random_state=5)
    null_sim = simulate(smcap_instrument, 1500, random_state=5, null=True)
    assert null_sim.truth["stage"].isna().all()

    def n_components(values: np.ndarray) -> int:
        bics = [
            GaussianMixture(k, n_init=3, random_state=0).fit(values).bic(values)
            for k in range(1, 6)
        ]
        return int(np.argmin(bics)) + 1

    null_latent = null_sim.truth[["maturity"]].to_numpy()
    stage_latent = stage_sim.truth.filter(like="latent_").iloc[:, :4].to_numpy()
    assert n_components(null_latent) == 1
    assert n_components(stage_latent) >= 3


def test_reproducible_from_seed(smcap_instrument: Instrument) -> None:
    a = simulate(smcap_instrument, 80, random_state=7)
    b = simulate(smcap_instrument, 80, random_state=7)
    c = simulate(smcap_instrument, 80, random_state=8)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.responses.equals(c.responses)


def test_any_instrument_can_be_simulated() -> None:
    mini = parse_instrument(MINIMAL_YAML)
    sim = simulate(mini, 300, random_state=1)
    keyed = keyed_items(sim.responses, mini)
    for construct in mini.constructs:
        alpha, _ = pg.cronbach_alpha(keyed[[i.id for i in construct.items]])
        assert alpha > 0.6


def test_n_must_be_positive(smcap_instrument: Instrument) -> None:
    with pytest.raises(ValueError, match="n must be at least 1"):
        simulate(smcap_instrument, 0)
