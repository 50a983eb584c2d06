"""A respondent's profile and the sample medians, pinned to R (tests/r/profile_levels.R)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.simulate import simulate
from analysis.measurement.scoring import score_respondents
from analysis.structure.respondent_profile import respondent_profile, sample_levels
from instrument import Instrument, parse_instrument
from tests.conftest import DEMO_1_0_CSV as DEMO_CSV
from tests.conftest import MINIMAL_YAML

# Rscript tests/r/profile_levels.R (instrument 1.0 on tests/data/simulated_demo_1_0.csv)
R_FIRST_FIVE = {
    "sim000001": ((5.683333333, 3.666666667, 3.250000000, 4.500), 2, "dissemination"),
    "sim000002": ((4.233333333, 4.000000000, 4.083333333, 4.250), 1, "call_to_action"),
    "sim000003": ((2.783333333, 3.166666667, 2.416666667, 2.750), 1, "call_to_action"),
    "sim000004": ((3.566666667, 3.000000000, 3.833333333, 3.125), 1, "co_creation"),
    # networking developed without dynamic: breaks the order, so no stage (non_cumulative)
    "sim000005": ((6.266666667, 3.583333333, 4.166666667, 5.375), None, "call_to_action"),
}
R_MEDIANS = (5.841666667, 4.166666667, 4.083333333, 3.750000000)
R_N_COMPLETE = 394  # respondents with all four level scores
LEVEL_NAMES = ["operational", "dynamic", "adaptive", "networking"]


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return pd.read_csv(DEMO_CSV).set_index("respondent_id")


def test_profile_matches_r_on_demo_respondents(
    demo: pd.DataFrame, smcap_instrument: Instrument
) -> None:
    for rid, (levels, stage, quad) in R_FIRST_FIVE.items():
        answers = {k: v for k, v in demo.loc[rid].items() if pd.notna(v)}
        profile = respondent_profile(answers, smcap_instrument)
        assert list(profile.levels.index) == LEVEL_NAMES
        assert profile.levels.to_numpy() == pytest.approx(levels, abs=1e-8)
        assert profile.stage == stage and profile.quadrant == quad


def test_profile_equals_score_respondents(demo: pd.DataFrame, smcap_instrument: Instrument) -> None:
    scores = score_respondents(demo.head(20), smcap_instrument)
    for rid in demo.index[:20]:
        profile = respondent_profile(demo.loc[rid].to_dict(), smcap_instrument)
        pd.testing.assert_series_equal(
            profile.constructs, scores.constructs.loc[rid].rename(None), check_names=False
        )
        assert profile.quadrant == scores.quadrant.loc[rid]


def test_sample_medians_match_r(demo: pd.DataFrame, smcap_instrument: Instrument) -> None:
    sample = sample_levels(demo, smcap_instrument)
    assert list(sample.median.index) == LEVEL_NAMES
    assert sample.median.to_numpy() == pytest.approx(R_MEDIANS, abs=1e-8)
    assert sample.n_respondents == R_N_COMPLETE


def test_unanswered_profile_has_no_stage(smcap_instrument: Instrument) -> None:
    profile = respondent_profile({}, smcap_instrument)
    assert profile.stage is None and profile.quadrant is None
    assert profile.levels.isna().all()


def test_instrument_without_models_gives_construct_scores_only() -> None:
    mini = parse_instrument(MINIMAL_YAML)
    profile = respondent_profile({"e1": 5, "e2": 1, "e3": 4, "c1": 2}, mini)
    assert profile.stage is None and profile.quadrant is None and profile.levels.empty
    assert profile.constructs["extraversion"] == pytest.approx((5 + 5 + 4) / 3)
    assert pd.isna(profile.constructs["conscientiousness"])  # 1 of 3 answered


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"op_ai_1": 9}, r"answers\['op_ai_1'\]: 9 is outside the scale 1..7"),
        ({"op_ai_1": "agree"}, r"answers\['op_ai_1'\]: expected a number, got 'agree'"),
        ({"op_ai_1": True}, "expected a number"),
    ],
)
def test_bad_answers_are_named(smcap_instrument: Instrument, answers: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        respondent_profile(answers, smcap_instrument)


def test_next_steps_are_the_capabilities_the_answers_do_not_yet_show(
    smcap_instrument: Instrument,
) -> None:
    # operational developed (6), dynamic at 6 but adaptive at 3, networking low:
    # stage 2, and the next transition needs dynamic AND adaptive — only adaptive is lacking
    answers = {}
    for construct in smcap_instrument.constructs:
        score = {"operational": 6, "dynamic": 6, "adaptive": 3, "networking": 2}.get(
            construct.level or "", 4
        )
        for item in construct.items:
            answers[item.id] = 8 - score if item.reverse else score
    profile = respondent_profile(answers, smcap_instrument)
    assert profile.stage == 2 and profile.stage_status == "classified"
    adaptive = {c.id for c in smcap_instrument.constructs if c.level == "adaptive"}
    assert {step.construct for step in profile.next_steps} == adaptive
    assert all(step.score == 3 and step.threshold == 5 for step in profile.next_steps)
    assert profile.stage_margin == pytest.approx(1.0)  # operational is 1 above its cut


def test_a_profile_that_breaks_the_order_gets_no_stage(smcap_instrument: Instrument) -> None:
    answers = {}
    for construct in smcap_instrument.constructs:
        score = 3 if construct.level == "operational" else 6
        for item in construct.items:
            answers[item.id] = 8 - score if item.reverse else score
    profile = respondent_profile(answers, smcap_instrument)
    assert profile.stage is None and profile.stage_status == "non_cumulative"
    # the next steps are the missing basics, not more of what is there
    assert {s.construct for s in profile.next_steps} == {
        c.id for c in smcap_instrument.constructs if c.level == "operational"
    }


def test_dont_know_counts_as_missing(instrument_2_0: Instrument) -> None:
    inst = instrument_2_0
    answers: dict[str, object] = dict.fromkeys(inst.item_ids, 5)
    seizing = inst.construct("seizing").items
    answers[seizing[0].id] = 99
    for item in inst.construct("sensing").items[:2]:
        answers[item.id] = 99  # 1 of 3 answered: no score
    profile = respondent_profile(answers, inst)
    keyed = [3 if i.reverse else 5 for i in seizing[1:]]
    assert profile.constructs["seizing"] == pytest.approx(sum(keyed) / 3)
    assert pd.isna(profile.constructs["sensing"])
    as_missing = {k: (None if v == 99 else v) for k, v in answers.items()}
    pd.testing.assert_series_equal(
        profile.constructs, respondent_profile(as_missing, inst).constructs
    )


def test_a_value_neither_on_the_scale_nor_the_code_is_named(
    instrument_2_0: Instrument, smcap_instrument: Instrument
) -> None:
    item = instrument_2_0.item_ids[0]
    with pytest.raises(ValueError, match=r"98 is outside the scale 1..7 or the don't-know code 99"):
        respondent_profile({item: 98}, instrument_2_0)
    # without a code on the scale, 99 is just a value off the scale
    with pytest.raises(ValueError, match=r"99 is outside the scale 1..7$"):
        respondent_profile({"op_ai_1": 99}, smcap_instrument)


def test_sample_levels_leave_dont_know_out(demo: pd.DataFrame, instrument_2_0: Instrument) -> None:
    sample = simulate(instrument_2_0, 60, random_state=2).responses.set_index("respondent_id")
    items = list(instrument_2_0.item_ids)
    coded = sample.copy()
    coded.loc[coded.index[::3], [items[0], items[5], items[20]]] = 99
    as_missing = coded.copy()
    as_missing[items] = coded[items].mask(coded[items] == 99)
    with_code = sample_levels(coded, instrument_2_0)
    assert with_code.median.max() <= 7
    without = sample_levels(as_missing, instrument_2_0)
    pd.testing.assert_series_equal(with_code.median, without.median)
