"""Data-quality screens: recovery of the simulator's careless respondents, R's mahalanobis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.simulate import Simulation, simulate
from analysis.measurement.correlation import nearest_positive_definite, pairwise_moments
from analysis.quality.screens import (
    FLAG_COLUMNS,
    QualityThresholds,
    attention_failures,
    flag_reasons,
    longest_string,
    mahalanobis_distances,
    quality_flags,
    response_seconds,
    within_person_sd,
)
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML
from tests.r_reference import HS_ITEMS, HS_YAML, bfi_keyed, holzinger39, reference


@pytest.fixture(scope="module")
def screened(sim_1200: Simulation, smcap_instrument: Instrument) -> pd.DataFrame:
    res = quality_flags(sim_1200.responses.set_index("respondent_id"), smcap_instrument)
    truth = sim_1200.truth.set_index("respondent_id")
    return res.respondents.join(truth)


def _recall_precision(flag: pd.Series, truth: pd.Series) -> tuple[float, float]:
    hits = (flag & truth).sum()
    return hits / truth.sum(), hits / max(flag.sum(), 1)


def test_straight_liners_are_found(screened: pd.DataFrame) -> None:
    recall, precision = _recall_precision(
        screened["flag_straightlining"], screened["straight_liner"]
    )
    assert screened["straight_liner"].sum() >= 30
    assert recall >= 0.8 and precision >= 0.9


def test_speeders_and_attention_failures_are_found(screened: pd.DataFrame) -> None:
    recall, precision = _recall_precision(screened["flag_speeding"], screened["speeder"])
    assert recall >= 0.8 and precision >= 0.9
    recall, precision = _recall_precision(screened["flag_attention"], screened["attention_failed"])
    # the truth is taken before missing answers are drawn: a failed check can go missing
    assert recall >= 0.95 and precision == 1.0


def test_careful_respondents_are_rarely_flagged(screened: pd.DataFrame) -> None:
    careful = ~(screened["straight_liner"] | screened["speeder"] | screened["careless"])
    assert screened.loc[careful, "flagged"].mean() < 0.02
    # 12 % of respondents skip about one answer in eight: few of them skip more than 20 %
    assert screened["flag_missing"].mean() < 0.01


def test_mahalanobis_matches_r_on_complete_data() -> None:
    ref = reference()["holzinger39"]["mahalanobis"]
    d = mahalanobis_distances(holzinger39()[HS_ITEMS])
    np.testing.assert_allclose(d["mahalanobis_d2"].iloc[:10], ref["d2_first10"], rtol=1e-9)
    assert (d["mahalanobis_p"] < 0.001).sum() == ref["n_p_below_001"]
    assert (d["mahalanobis_df"] == 9).all()


def test_mahalanobis_with_missing_answers_uses_the_answered_submatrix() -> None:
    items = bfi_keyed()
    d = mahalanobis_distances(items)
    cov = nearest_positive_definite(pairwise_moments(items).cov.to_numpy())
    mean = items.mean().to_numpy()
    incomplete = np.flatnonzero(items.isna().any(axis=1).to_numpy())[:25]
    for row in incomplete:
        x = items.iloc[row].to_numpy()
        seen = ~np.isnan(x)
        diff = x[seen] - mean[seen]
        expected = diff @ np.linalg.solve(cov[np.ix_(seen, seen)], diff)
        assert d["mahalanobis_d2"].iloc[row] == pytest.approx(expected, rel=1e-8)
        assert d["mahalanobis_df"].iloc[row] == seen.sum()


def test_a_duplicated_item_adds_nothing_to_the_mahalanobis_distance() -> None:
    """A copy (exact or plus 1e-12 noise) leaves D², its degrees of freedom and p unchanged."""
    items = holzinger39()[HS_ITEMS]
    items = items.mask(np.random.default_rng(0).random(items.shape) < 0.05)
    without = mahalanobis_distances(items)
    noise = 1e-12 * np.random.default_rng(1).standard_normal(len(items))
    for copy in (items["x4"], items["x4"] + noise):
        d = mahalanobis_distances(items.assign(copy=copy))
        np.testing.assert_allclose(d["mahalanobis_d2"], without["mahalanobis_d2"], rtol=1e-8)
        assert d["mahalanobis_df"].equals(without["mahalanobis_df"])
        np.testing.assert_allclose(d["mahalanobis_p"], without["mahalanobis_p"], atol=1e-9)


def test_a_combination_of_items_costs_a_degree_of_freedom_only_where_all_are_answered() -> None:
    items = holzinger39()[HS_ITEMS].copy()
    items["combo"] = 0.3 * items["x1"] + 0.7 * items["x2"] - 1.1 * items["x3"]
    without = mahalanobis_distances(items.drop(columns="combo"))
    d = mahalanobis_distances(items)
    np.testing.assert_allclose(d["mahalanobis_d2"], without["mahalanobis_d2"], rtol=1e-8)
    assert (d["mahalanobis_df"] == 9).all()
    # left unanswered, one item of the combination frees it: 9 answers, no dependency
    items.loc[[0, 1], "x2"] = np.nan
    d = mahalanobis_distances(items, cov=pairwise_moments(items.dropna()).cov)
    assert d["mahalanobis_df"].tolist()[:3] == [9, 9, 9]
    items.loc[[0, 1], ["x1", "combo"]] = np.nan
    d = mahalanobis_distances(items, cov=pairwise_moments(items.dropna()).cov)
    assert d["mahalanobis_df"].tolist()[:3] == [7, 7, 9]


def test_a_duplicated_item_is_named_in_a_warning() -> None:
    inst = parse_instrument(HS_YAML)
    data = holzinger39()
    data["x2"] = data["x1"]
    res = quality_flags(data, inst)
    assert res.warnings == (
        "the item covariance matrix is singular: items 'x1' and 'x2' are perfectly correlated "
        "(r = 1.000); the outlier screen's Mahalanobis distances lose a degree of freedom for "
        "each dependency",
    )
    assert res.summary()["warnings"] == list(res.warnings)
    assert (res.respondents["mahalanobis_df"] == 8).all()
    assert quality_flags(holzinger39(), inst).warnings == ()


def test_single_screens() -> None:
    items = pd.DataFrame(
        [[3, 3, np.nan, 3, 5], [1, 2, 1, 2, 1], [4, 4, 4, 4, 4], [np.nan] * 5],
        index=list("abcd"),
    )
    assert longest_string(items).tolist() == [3, 1, 5, 0]
    sd = within_person_sd(items)
    assert sd["c"] == 0 and np.isnan(sd["d"]) and sd["b"] > 0
    pages = pd.DataFrame({"page_time_a": [10, np.nan], "page_time_b": [5, np.nan]})
    assert response_seconds(pages).tolist()[0] == 15 and np.isnan(response_seconds(pages)[1])
    assert response_seconds(pd.DataFrame({"duration": [90]})).tolist() == [90]
    assert response_seconds(pd.DataFrame({"x": [1]})) is None


def test_the_same_non_integer_answer_throughout_is_a_zero_sd() -> None:
    answers = pd.DataFrame([[2.7] * 7, [0.1] * 5 + [np.nan] * 2, [2.7] * 6 + [2.8]])
    assert within_person_sd(answers).tolist()[:2] == [0.0, 0.0]
    assert within_person_sd(answers).iloc[2] > 0
    # five answers of 7.3 and four left blank: too short a run, but the same answer to all
    data = holzinger39()
    data.loc[0, HS_ITEMS] = [7.3] * 5 + [np.nan] * 4
    flags = quality_flags(data, parse_instrument(HS_YAML)).respondents
    assert flags.loc[0, "longest_string"] == 5 and flags.loc[0, "within_sd"] == 0
    assert flags.loc[0, "flag_straightlining"]


def test_attention_failures_ignore_unanswered_checks(smcap_instrument: Instrument) -> None:
    data = pd.DataFrame({"ac_1": [2, 5, np.nan], "ac_2": [6, 6, 6]})
    expected = {a.id: a.answer for a in smcap_instrument.attention_checks}
    data["ac_1"] = [expected["ac_1"], expected["ac_1"] + 1, np.nan]
    data["ac_2"] = [expected["ac_2"], expected["ac_2"], expected["ac_2"] - 1]
    assert attention_failures(data, smcap_instrument).tolist() == [0, 1, 1]
    assert attention_failures(data.drop(columns=["ac_1", "ac_2"]), smcap_instrument) is None


def test_screens_that_cannot_run_say_why_and_flag_nobody() -> None:
    inst = parse_instrument(MINIMAL_YAML)
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 6, size=(80, 6)), columns=list(inst.item_ids))
    data.iloc[0, :4] = np.nan
    res = quality_flags(data, inst)
    assert res.checks["speeding"].startswith("not run: no page_time_*")
    assert res.checks["attention"] == "not run: the instrument defines no attention checks"
    assert not res.flags[["flag_speeding", "flag_attention"]].any().any()
    assert res.flags["flag_missing"].tolist()[:2] == [True, False]
    assert res.item_missing["e1"] == pytest.approx(1 / 80)
    assert list(res.flags.columns) == [*FLAG_COLUMNS, "flagged"]
    strict = quality_flags(data, inst, thresholds=QualityThresholds(max_missing_share=0.9))
    assert not strict.flags["flag_missing"].any()
    summary = res.summary()
    assert summary["flag_counts"]["flag_missing"] == 1 and summary["n_respondents"] == 80
    assert flag_reasons(res.flags)["too many missing answers"] == 1


def test_outlier_screen_needs_enough_respondents_per_item(smcap_instrument: Instrument) -> None:
    small = simulate(smcap_instrument, 100, random_state=1).responses.set_index("respondent_id")
    res = quality_flags(small, smcap_instrument)
    assert not res.respondents["flag_outlier"].any()
    assert res.checks["outlier"].startswith("not run: 100 respondents for 63 items")
    assert "at least 126" in res.checks["outlier"]
    enough = simulate(smcap_instrument, 200, random_state=1).responses.set_index("respondent_id")
    flagged = quality_flags(enough, smcap_instrument).respondents["flag_outlier"].mean()
    assert 0 < flagged < 0.1


def test_dont_know_answers_are_missing_to_the_screens(instrument_2_0: Instrument) -> None:
    data = simulate(instrument_2_0, 200, random_state=6).responses.set_index("respondent_id")
    items = list(instrument_2_0.item_ids)
    data.loc[data.index[0], items] = 4
    data.loc[data.index[0], items[:10]] = 99  # a straight-liner with ten don't-knows
    res = quality_flags(data, instrument_2_0).respondents
    first = res.iloc[0]
    assert first["n_answered"] == len(items) - 10
    assert first["within_sd"] == 0 and bool(first["flag_straightlining"])
