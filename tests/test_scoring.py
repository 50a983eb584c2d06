"""Scoring: reverse keying, construct/level/axis scores, theory stage, quadrant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measurement.scoring import (
    STAGE_TRANSITIONS,
    classify_stages,
    construct_scores,
    keyed_items,
    quadrant,
    score_respondents,
    theory_stage,
)
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML

THRESHOLDS = {"operational": 5.0, "dynamic": 5.0, "adaptive": 5.0, "networking": 5.0}


@pytest.fixture()
def mini() -> Instrument:
    return parse_instrument(MINIMAL_YAML)


def test_reverse_keying_is_min_plus_max_minus_x(mini: Instrument) -> None:
    raw = pd.DataFrame(
        {"e1": [5, 1], "e2": [1, 4], "e3": [3, 2], "c1": [1, 1], "c2": [2, 5], "c3": [4, 4]}
    )
    keyed = keyed_items(raw, mini)
    assert keyed["e2"].tolist() == [5.0, 2.0]  # 1 + 5 - x
    assert keyed["c2"].tolist() == [4.0, 1.0]
    assert raw["e2"].tolist() == [1, 4], "input must not be modified"


def test_construct_score_needs_half_the_items(mini: Instrument) -> None:
    raw = pd.DataFrame(
        {
            "e1": [5, 5, np.nan],
            "e2": [1, np.nan, np.nan],
            "e3": [3, np.nan, 4],
            "c1": [1, 2, 3],
            "c2": [5, 4, 3],
            "c3": [1, 2, 3],
        }
    )
    scores = construct_scores(raw, mini)
    # row 0: (5 + 5 + 3)/3 ; row 1: one of three answered -> missing ; row 2: 1 of 3 -> missing
    assert scores.loc[0, "extraversion"] == pytest.approx(13 / 3)
    assert np.isnan(scores.loc[1, "extraversion"])
    assert np.isnan(scores.loc[2, "extraversion"])
    lenient = construct_scores(raw, mini, min_answered=0.3)
    assert lenient.loc[2, "extraversion"] == 4.0
    with pytest.raises(ValueError, match="min_answered"):
        construct_scores(raw, mini, min_answered=0)


def test_missing_item_column_is_named(mini: Instrument) -> None:
    with pytest.raises(ValueError, match="c3"):
        keyed_items(pd.DataFrame({"e1": [1], "e2": [1], "e3": [1], "c1": [1], "c2": [1]}), mini)


@pytest.mark.parametrize(
    ("levels", "stage"),
    [
        ((4.9, 6, 4, 4), 1),  # operational not developed: stage 1
        ((5.0, 4, 6, 4), 2),  # at the threshold counts as developed
        ((6, 6, 4.99, 4), 2),  # dynamic AND adaptive are needed
        ((6, 6, 6, 4), 3),
        ((6, 6, 6, 6), 4),
    ],
)
def test_theory_stage_rule(levels: tuple[float, ...], stage: int) -> None:
    frame = pd.DataFrame([levels], columns=list(THRESHOLDS))
    assert theory_stage(frame, THRESHOLDS).iloc[0] == stage


@pytest.mark.parametrize(
    "levels",
    [
        (4, 6, 6, 6),  # everything but the operational basics: not "stage 1"
        (5.0, 4, 6, 6),  # networking without dynamic
    ],
)
def test_profiles_that_break_the_order_are_flagged_not_filed_low(
    levels: tuple[float, ...],
) -> None:
    frame = pd.DataFrame([levels], columns=list(THRESHOLDS))
    got = classify_stages(frame, STAGE_TRANSITIONS, THRESHOLDS)
    assert got.status.iloc[0] == "non_cumulative"
    assert pd.isna(got.stage.iloc[0]) and pd.isna(got.margin.iloc[0])
    assert got.counts()["non_cumulative"] == 1


def test_stage_margin_is_the_distance_to_the_nearest_deciding_cut() -> None:
    frame = pd.DataFrame(
        [(5.5, 6.5, 5.2, 3.0), (6.0, 4.9, 2.0, 2.0), (3.0, 3.0, 3.0, 3.0)],
        columns=list(THRESHOLDS),
    )
    got = classify_stages(frame, STAGE_TRANSITIONS, THRESHOLDS)
    assert got.stage.tolist() == [3, 2, 1]
    # stage 3: adaptive is 0.2 above its cut, networking 2.0 below: 0.2 decides
    # stage 2: to reach 3 both dynamic (0.1 short) and adaptive (3.0 short) must rise: 3.0;
    #          operational is 1.0 above: the margin is 1.0
    # stage 1: operational is 2.0 short
    assert got.margin.round(6).tolist() == [0.2, 1.0, 2.0]
    assert got.met.astype(bool).values.tolist()[0] == [True, True, False]


def test_theory_stage_is_unclassified_when_any_level_is_missing() -> None:
    frame = pd.DataFrame(
        [(3, np.nan, 6, 6), (6, np.nan, 6, 6), (6, 6, 6, np.nan), (3, 3, 3, 3)],
        columns=list(THRESHOLDS),
    )
    stages = theory_stage(frame, THRESHOLDS)
    # even where the known levels would decide (operational undeveloped → 1), a respondent
    # without all four level scores gets no stage: the profiles cannot classify them either
    assert stages.isna().tolist() == [True, True, True, False]
    assert stages.iloc[3] == 1


def test_quadrants_follow_seed_002_figure_2() -> None:
    axes = pd.DataFrame({"control": [2, 2, 6, 6, np.nan], "orientation": [2, 6, 2, 6, 3]})
    got = quadrant(axes, control_cut=4, orientation_cut=4).tolist()
    assert got[:4] == ["call_to_action", "dissemination", "thought_leadership", "co_creation"]
    assert pd.isna(got[4])


def test_a_tie_at_the_cut_is_mixed_never_high() -> None:
    axes = pd.DataFrame({"control": [4.0, 4.25, 4.26, 6], "orientation": [6, 6, 6, 4.0]})
    assert quadrant(axes, control_cut=4, orientation_cut=4).tolist() == [
        "mixed",
        "co_creation",
        "co_creation",
        "mixed",
    ]
    banded = quadrant(axes, control_cut=4, orientation_cut=4, band=0.25).tolist()
    assert banded == ["mixed", "mixed", "co_creation", "mixed"]


def test_all_neutral_respondent_is_mixed_not_co_creation(smcap_instrument: Instrument) -> None:
    neutral = pd.DataFrame([dict.fromkeys(smcap_instrument.item_ids, 4)])
    scores = score_respondents(neutral, smcap_instrument)
    assert scores.quadrant.iloc[0] == "mixed"
    assert scores.quadrant_margin.iloc[0] == 0.0
    assert scores.stage_theory.iloc[0] == 1 and scores.stage_status.iloc[0] == "classified"


def test_score_respondents_on_simulated_data(smcap_instrument: Instrument, sim_1200) -> None:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    assert list(scores.levels.columns) == ["operational", "dynamic", "adaptive", "networking"]
    assert list(scores.axes.columns) == ["control", "orientation"]
    assert scores.constructs.shape == (1200, 16)
    assert set(scores.stage_theory.dropna().unique()) == {1, 2, 3, 4}
    # construct scores stay on the scale
    assert scores.constructs.min().min() >= 1 and scores.constructs.max().max() <= 7


def test_score_respondents_without_stage_model(mini: Instrument) -> None:
    raw = pd.DataFrame([dict.fromkeys(mini.item_ids, 3)])
    scores = score_respondents(raw, mini)
    assert scores.levels.empty and scores.axes.empty
    assert scores.stage_theory.isna().all() and scores.quadrant.isna().all()
