"""Quadrant shares, Wilson intervals, axis correlation and HTMT (pinned to R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.data.simulate import Simulation
from analysis.measurement.scoring import keyed_items, score_respondents
from analysis.measurement.validity import htmt
from analysis.report.structure import quadrants_section
from analysis.sem.model import CFAModel
from analysis.structure.quadrants import correlation_ci, quadrant_summary, wilson_interval
from instrument import QUADRANT_TITLES, QUADRANTS, Instrument

# tests/r/quadrants_reference.R (R 4.x)
R_WILSON = {
    (3, 10): (0.1077913, 0.6032219),
    (57, 400): (0.1116383, 0.1801630),
    (0, 25): (0.0, 0.1331923),
}
R_COR_X1_X4 = (0.3727063, 0.2710758, 0.4661185)


def test_wilson_interval_matches_prop_test() -> None:
    for (count, n), ref in R_WILSON.items():
        assert wilson_interval(count, n) == pytest.approx(ref, abs=1e-7)


def test_correlation_ci_matches_cor_test() -> None:
    hs = holzinger39.get_data()
    r = hs["x1"].corr(hs["x4"])
    assert r == pytest.approx(R_COR_X1_X4[0], abs=1e-7)
    assert correlation_ci(r, len(hs)) == pytest.approx(R_COR_X1_X4[1:], abs=1e-7)


def test_simulated_quadrants_agree_with_truth_and_are_summarised(
    smcap_instrument: Instrument, sim_1200: Simulation
) -> None:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    truth = sim_1200.truth["quadrant"].set_axis(sim_1200.responses.index)
    known = scores.quadrant.notna() & (scores.quadrant != "mixed")
    agreement = (scores.quadrant[known] == truth[known]).mean()
    assert agreement >= 0.75
    mixed = scores.quadrant == "mixed"
    # only exact ties sit in the default band (1/48 of the range)
    assert ((scores.axes[mixed] - 4).abs().min(axis=1) <= 7 / 48 - 1e-9).all()
    items = keyed_items(sim_1200.responses, smcap_instrument)
    blocks = {
        axis: items[[i.id for c in members for i in c.items]]
        for axis, members in smcap_instrument.constructs_by_axis().items()
    }
    summary = quadrant_summary(scores.axes, scores.quadrant, items=blocks)
    assert list(summary.shares.index) == list(QUADRANTS)
    assert summary.shares["n"].sum() == summary.n == known.sum()
    assert summary.n_mixed == mixed.sum()
    assert summary.shares["share"].sum() == pytest.approx(1.0)
    assert (summary.shares["ci_low"] < summary.shares["share"]).all()
    assert (summary.shares["share"] < summary.shares["ci_high"]).all()
    assert summary.all_populated
    assert summary.distinct
    assert summary.htmt is not None and summary.htmt < 0.3
    # the HTMT is the validity module's (semTools-pinned) HTMT2 of the two axis scales
    model = CFAModel({axis: tuple(block.columns) for axis, block in blocks.items()})
    assert summary.htmt == pytest.approx(
        htmt(pd.concat(blocks.values(), axis=1), model).loc["control", "orientation"]
    )
    assert summary.correlation_ci[0] < summary.correlation < summary.correlation_ci[1]


def test_an_empty_quadrant_and_identical_axes_are_reported() -> None:
    rng = np.random.default_rng(0)
    control = pd.Series(rng.uniform(1, 7, 200))
    axes = pd.DataFrame({"control": control, "orientation": control + rng.normal(0, 0.05, 200)})
    quadrant = pd.Series(
        np.where(axes["control"] >= 4, "co_creation", "call_to_action"), dtype="string"
    )
    summary = quadrant_summary(axes, quadrant)
    assert summary.shares.loc["dissemination", "n"] == 0
    assert summary.shares.loc["dissemination", "ci_low"] == 0.0
    assert not summary.all_populated
    assert not summary.distinct  # r ≈ 1
    assert summary.htmt is None


def test_clear_errors() -> None:
    axes = pd.DataFrame({"control": [1.0, 2, 3, 4, 5], "orientation": [2.0, 1, 4, 3, 5]})
    quad = pd.Series(["co_creation"] * 5)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['orientation'\]"):
        quadrant_summary(axes[["control"]], quad)
    with pytest.raises(ValueError, match="same index"):
        quadrant_summary(axes, quad.set_axis(list("abcde")))
    with pytest.raises(ValueError, match="unknown value"):
        quadrant_summary(axes, pd.Series(["leader"] * 5))
    with pytest.raises(ValueError, match="at least 4"):
        quadrant_summary(axes.head(3), quad.head(3))
    with pytest.raises(ValueError, match="'control' and 'orientation'"):
        quadrant_summary(axes, quad, items={"control": axes})
    with pytest.raises(ValueError, match="n must be"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="count"):
        wilson_interval(5, 3)
    with pytest.raises(ValueError, match="n ≥ 4"):
        correlation_ci(0.5, 3)


def test_quadrant_names_come_from_the_instrument(instrument_2_0: Instrument) -> None:
    names = instrument_2_0.quadrant_names()
    assert list(names) == list(QUADRANTS)
    assert names == {q: instrument_2_0.feedback.quadrants[q].title for q in QUADRANTS}
    renamed_feedback = instrument_2_0.feedback.model_copy(
        update={
            "quadrants": {
                q: f.model_copy(update={"title": f"Q-{q}"})
                for q, f in instrument_2_0.feedback.quadrants.items()
            }
        }
    )
    renamed = instrument_2_0.model_copy(update={"feedback": renamed_feedback})
    assert renamed.quadrant_names()["co_creation"] == "Q-co_creation"
    bare = instrument_2_0.model_copy(
        update={"feedback": instrument_2_0.feedback.model_copy(update={"quadrants": {}})}
    )
    assert bare.quadrant_names() == QUADRANT_TITLES
    # the report shows the names the results carry, not names of its own
    section = quadrants_section(
        {
            "shares": {q: {"n": 10, "share": 0.25, "ci": [0.1, 0.4]} for q in QUADRANTS},
            "names": renamed.quadrant_names(),
            "correlation": 0.1,
            "correlation_ci": [0.0, 0.2],
            "htmt": 0.2,
            "htmt_method": "HTMT2",
            "distinct": True,
            "all_populated": True,
            "min_share": 0.05,
            "n": 40,
            "n_mixed": 0,
            "control_cut": 4.0,
            "orientation_cut": 4.0,
        }
    )
    assert "Q-thought_leadership" in section.html and "Thought Leadership" not in section.html
