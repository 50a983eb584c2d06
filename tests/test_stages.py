"""Is there a stage structure? Recovery on the stage model, a null result on the null model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.data.simulate import Simulation, simulate
from analysis.measurement.scoring import score_respondents
from analysis.structure.profiles import LatentProfiles
from analysis.structure.stages import StageAssessment, assess_stages
from instrument import Instrument

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def assessed_1200(smcap_instrument: Instrument, sim_1200: Simulation) -> tuple:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    result = assess_stages(
        scores.levels,
        thresholds=smcap_instrument.stage_thresholds(),
        stage_theory=scores.stage_theory,
        random_state=11,
    )
    return result, scores


def test_four_stages_are_recovered_at_n_1200(assessed_1200: tuple, sim_1200: Simulation) -> None:
    result, scores = assessed_1200
    assert isinstance(result, StageAssessment)
    assert result.supported and result.verdict == "supported"
    assert result.n_profiles == 4
    truth = sim_1200.truth["stage"].set_axis(sim_1200.responses.index)
    cluster = result.stage_cluster
    known = cluster.notna()
    assert adjusted_rand_score(truth[known], cluster[known]) >= 0.6
    theory = scores.stage_theory
    assert adjusted_rand_score(truth[theory.notna()], theory.dropna()) >= 0.6
    assert result.agreement is not None and result.agreement.ari >= 0.6
    assert result.agreement.kappa_linear >= 0.6
    assert result.jaccard is not None and result.jaccard.stable
    assert result.prediction is not None and result.prediction.strong
    assert result.ordering is not None and result.ordering.h >= 0.5
    assert result.ordering.order_matches_theory
    assert {c.name: c.met for c in result.criteria} == dict.fromkeys(
        ("profiles", "stability", "replicability", "ordering"), True
    )
    assert "4 distinct, stable and ordered stages" in result.summary


def test_results_section_is_json_with_the_evidence(assessed_1200: tuple) -> None:
    result, _ = assessed_1200
    section = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert section["supported"] is True and section["n_profiles"] == 4
    assert section["bic_margin_over_k1"] > 1000
    assert section["bic_margin_over_k1"] == pytest.approx(
        section["fit_table"][0]["bic"] - section["fit_table"][3]["bic"]
    )
    assert [row["k"] for row in section["fit_table"]] == list(range(1, 9))
    assert len(section["jaccard"]["per_stage"]) == 4
    assert section["prediction_strength"]["value"] >= 0.8
    assert section["ordering"]["band"] == "strong"
    assert section["agreement"]["kappa_reported"] == "linear"
    assert "lower is better" in section["bic_convention"]
    assert set(section["criteria"]) == {"profiles", "stability", "replicability", "ordering"}


def test_null_model_gives_a_null_result_in_9_of_10_seeds(smcap_instrument: Instrument) -> None:
    supported = []
    for seed in range(10):
        sim = simulate(smcap_instrument, 1200, random_state=100 + seed, null=True)
        scores = score_respondents(sim.responses, smcap_instrument)
        result = assess_stages(
            scores.levels,
            thresholds=smcap_instrument.stage_thresholds(),
            stage_theory=scores.stage_theory,
            n_boot=30,
            n_splits=10,
            random_state=seed,
        )
        supported.append(result.supported)
        if not result.supported:
            assert result.verdict == "not supported"
            assert "continuous maturity" in result.summary
            assert result.jaccard is None and result.prediction is None
            assert result.agreement is None
            assert result.to_dict()["criteria"]["stability"]["met"] is None
    assert sum(supported) <= 1


def test_excluded_respondents_are_not_fitted_but_get_a_stage(
    smcap_instrument: Instrument,
) -> None:
    sim = simulate(smcap_instrument, 500, random_state=21)
    scores = score_respondents(sim.responses, smcap_instrument)
    t = sim.truth
    flagged = (t["straight_liner"] | t["speeder"] | t["careless"]).set_axis(scores.levels.index)
    before = scores.levels.copy()
    result = assess_stages(
        scores.levels,
        thresholds=smcap_instrument.stage_thresholds(),
        exclude=flagged,
        n_boot=20,
        n_splits=5,
        random_state=1,
    )
    pd.testing.assert_frame_equal(scores.levels, before)
    assert result.n_excluded == int(flagged.sum()) > 0
    assert result.n_used == int((~flagged & scores.levels.notna().all(axis=1)).sum())
    assert result.n_fitted == result.n_used  # below the subsampling caps
    complete = scores.levels.notna().all(axis=1)
    assert result.stage_cluster[complete].notna().all()
    assert result.agreement is None  # no theory stage given


def test_large_samples_are_fitted_and_resampled_on_capped_subsamples(
    smcap_instrument: Instrument,
) -> None:
    sim = simulate(smcap_instrument, 1500, random_state=13)
    scores = score_respondents(sim.responses, smcap_instrument)
    result = assess_stages(
        scores.levels,
        thresholds=smcap_instrument.stage_thresholds(),
        stage_theory=scores.stage_theory,
        max_fit_n=600,
        max_stability_n=300,
        n_boot=10,
        n_splits=4,
        random_state=3,
    )
    assert result.n_fitted == 600 and result.profiles.n_fitted_ == 600
    assert result.n_used > 1400
    assert result.n_profiles >= 2 and result.n_stability == 300
    assert result.jaccard is not None and result.jaccard.per_cluster["n"].sum() == 300
    # every respondent with scores is still assigned, and agreement uses all of them
    complete = scores.levels.notna().all(axis=1)
    assert result.stage_cluster[complete].notna().all()
    # firms whose profile breaks the order have no theory stage to compare
    assert result.agreement is not None and result.agreement.n < result.n_used
    section = result.to_dict()
    assert (section["n_fitted"], section["n_stability"]) == (600, 300)
    with pytest.raises(ValueError, match="max_fit_n must be at least 100"):
        assess_stages(scores.levels, thresholds=smcap_instrument.stage_thresholds(), max_fit_n=50)


def test_assessment_is_reproducible_from_the_seed(smcap_instrument: Instrument) -> None:
    sim = simulate(smcap_instrument, 300, random_state=5)
    levels = score_respondents(sim.responses, smcap_instrument).levels
    kwargs = {
        "thresholds": smcap_instrument.stage_thresholds(),
        "n_boot": 15,
        "n_splits": 5,
        "random_state": 9,
    }
    a = assess_stages(levels, **kwargs)
    b = assess_stages(levels, **kwargs)
    assert a.to_dict() == b.to_dict()


def test_profiles_settings_are_used_and_partly_is_reported(smcap_instrument: Instrument) -> None:
    """Forcing three profiles with a lax rule on null data: profiles found, yet not
    replicable — the verdict is 'partly', not 'supported'."""
    sim = simulate(smcap_instrument, 600, random_state=8, null=True)
    levels = score_respondents(sim.responses, smcap_instrument).levels
    lax = LatentProfiles(
        k_max=3,
        min_bic_gain=-np.inf,
        min_gain_per_respondent=-np.inf,
        min_entropy=0,
        min_class_share=0,
    )
    result = assess_stages(
        levels,
        thresholds=smcap_instrument.stage_thresholds(),
        profiles=lax,
        n_boot=20,
        n_splits=10,
        random_state=2,
    )
    assert result.n_profiles == 3
    assert result.verdict == "partly" and not result.supported
    assert "replicability" in result.summary


def test_clear_errors(smcap_instrument: Instrument) -> None:
    levels = pd.DataFrame(
        np.ones((20, 4)), columns=["operational", "dynamic", "adaptive", "networking"]
    )
    thresholds = smcap_instrument.stage_thresholds()
    with pytest.raises(TypeError, match="DataFrame"):
        assess_stages(levels.to_numpy(), thresholds=thresholds)
    with pytest.raises(ValueError, match=r"\['networking'\]"):
        assess_stages(levels.drop(columns="networking"), thresholds=thresholds)
    with pytest.raises(ValueError, match="exclude"):
        assess_stages(levels, thresholds=thresholds, exclude=pd.Series([True]))
    with pytest.raises(ValueError, match="stage_theory"):
        assess_stages(levels, thresholds=thresholds, stage_theory=pd.Series([1, 2]))
