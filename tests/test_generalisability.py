"""The generalisability scorecard: every criterion, with its verdict, from a results dict."""

from __future__ import annotations

import json

import pytest

from analysis.data.simulate import Simulation
from analysis.generalisability.claims import paper_claims
from analysis.generalisability.scorecard import SCORECARD_VERDICTS, scorecard, scorecard_dict
from analysis.measurement.scoring import score_respondents
from analysis.structure.quadrants import quadrant_summary
from analysis.structure.stages import assess_stages
from instrument import Instrument

KEYS = [
    "reliability",
    "cfa_fit",
    "convergent_validity",
    "discriminant_validity",
    "invariance",
    "networking_structure",
    "stage_structure",
    "ordering",
    "non_cumulative",
    "stability",
    "agreement",
    "quadrants",
    "claim_size_vs_stage",
    "claim_offering_vs_quadrant",
    "claim_stage_vs_decentralisation",
    "claim_stage_vs_performance",
]


def _by_key(results: dict) -> dict:
    return {row.key: row for row in scorecard(results)}


def test_empty_results_read_not_run() -> None:
    rows = scorecard({})
    assert [r.key for r in rows] == KEYS
    assert all(r.verdict == "not run" for r in rows)
    assert "--group" in _by_key({})["invariance"].explanation


@pytest.fixture(scope="module")
def simulated_results(smcap_instrument: Instrument, sim_1200: Simulation) -> dict:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    stages = assess_stages(
        scores.levels,
        thresholds=smcap_instrument.stage_thresholds(),
        stage_theory=scores.stage_theory,
        n_boot=20,
        n_splits=5,
        random_state=1,
    )
    return {
        "stages": stages.to_dict(),
        "quadrants": quadrant_summary(scores.axes, scores.quadrant).to_dict(),
        "claims": {
            k: c.to_dict()
            for k, c in paper_claims(
                smcap_instrument, scores, sim_1200.responses, n_boot=200, random_state=1
            ).items()
        },
    }


def test_stage_quadrant_and_claim_rows_from_simulated_data(simulated_results: dict) -> None:
    rows = _by_key(simulated_results)
    assert rows["stage_structure"].verdict == "supported"
    assert rows["stage_structure"].value.startswith("4 profiles")
    assert rows["ordering"].verdict == "supported"
    assert rows["stability"].verdict == "supported"
    assert rows["agreement"].verdict == "supported"
    assert rows["quadrants"].verdict == "supported"
    assert rows["quadrants"].value.startswith("smallest quadrant: Thought Leadership, 16% of")
    assert rows["claim_size_vs_stage"].verdict == "supported"
    assert rows["claim_stage_vs_performance"].verdict == "supported"
    assert rows["claim_stage_vs_decentralisation"].verdict == "supported"
    assert rows["reliability"].verdict == "not run"
    for row in rows.values():
        assert row.verdict in SCORECARD_VERDICTS
        assert row.question.endswith("?") and row.threshold and row.explanation
    card = json.loads(json.dumps(scorecard_dict(list(rows.values())), allow_nan=False))
    assert sum(card["counts"].values()) == len(KEYS)
    assert card["rows"][0]["key"] == "reliability"


def test_null_stage_section_reads_as_a_continuum(simulated_results: dict) -> None:
    stages = dict(
        simulated_results["stages"],
        n_profiles=1,
        verdict="not supported",
        supported=False,
        jaccard=None,
        prediction_strength=None,
    )
    rows = _by_key({"stages": stages})
    assert rows["stage_structure"].verdict == "not supported"
    assert "continuum" in rows["stage_structure"].explanation
    assert rows["stability"].verdict == "not run"
    assert rows["agreement"].verdict == "not run"
    assert "one profile" in rows["agreement"].explanation
    three = dict(simulated_results["stages"], n_profiles=3)
    assert _by_key({"stages": three})["stage_structure"].verdict == "partly"


def test_measurement_rows_apply_the_published_cutoffs() -> None:
    good = {
        "reliability": {"a": {"alpha": 0.81}, "b": {"alpha": 0.74}},
        "cfa": {"cfi": 0.962, "tli": 0.955, "rmsea": 0.041, "srmr": 0.038},
        "validity": {
            "ave": {"a": 0.55, "b": 0.61},
            "cr": {"a": 0.83, "b": 0.85},
            "htmt": {"a": {"a": 1.0, "b": 0.42}, "b": {"a": 0.42, "b": 1.0}},
        },
        "invariance": {
            "group": "sector",
            "configural": {"cfi": 0.95},
            "metric": {"delta_cfi": -0.004, "delta_rmsea": 0.002},
            "scalar": {"delta_cfi": -0.008, "delta_rmsea": 0.010},
        },
    }
    rows = _by_key(good)
    for key in (
        "reliability",
        "cfa_fit",
        "convergent_validity",
        "discriminant_validity",
        "invariance",
    ):
        assert rows[key].verdict == "supported", key
    assert "HTMT = .42" in rows["discriminant_validity"].value  # diagonal ignored
    bad = {
        "reliability": {"a": {"alpha": 0.62}, "b": {"alpha": 0.55}, "c": {"alpha": 0.9}},
        "cfa": {"cfi": 0.93, "tli": 0.91, "rmsea": 0.07, "srmr": 0.06},
        "validity": {
            "ave": {"a": 0.3, "b": 0.6},
            "cr": {"a": 0.6, "b": 0.8},
            "htmt": [{"a": "a", "b": "b", "htmt": 0.95}],
        },
        "invariance": {"metric": {"delta_cfi": -0.002}, "scalar": {"delta_cfi": -0.03}},
    }
    rows = _by_key(bad)
    assert rows["reliability"].verdict == "not supported"
    assert "a, b" in rows["reliability"].explanation
    assert rows["cfa_fit"].verdict == "partly"
    assert rows["convergent_validity"].verdict == "partly"
    assert rows["discriminant_validity"].verdict == "not supported"
    assert rows["invariance"].verdict == "partly"
    assert "intercepts" in rows["invariance"].explanation
    worse = {"cfa": {"cfi": 0.85, "rmsea": 0.12}, "invariance": {"metric": {"holds": False}}}
    rows = _by_key(worse)
    assert rows["cfa_fit"].verdict == "not supported"
    assert rows["invariance"].verdict == "not supported"
    # the invariance module's own verdicts win over the deltas
    as_dict = {
        "status": "ok",
        "configural": {"verdict": "reference"},
        "metric": {"delta_cfi": -0.002, "verdict": "invariant"},
        "scalar": {"delta_cfi": -0.002, "verdict": "not invariant"},
    }
    assert _by_key({"invariance": as_dict})["invariance"].verdict == "partly"


def test_sections_the_pipeline_could_not_run_give_its_reason() -> None:
    results = {
        "cfa": {"status": "not run", "reason": "The CFA could not be fitted: 3 complete rows"},
        "validity": {"status": "not run", "reason": "the CFA could not be fitted"},
        "invariance": {"status": "not run", "reason": "no grouping column was given"},
    }
    rows = _by_key(results)
    assert rows["cfa_fit"].verdict == "not run"
    assert rows["cfa_fit"].explanation == "Not run: the CFA could not be fitted: 3 complete rows."
    assert rows["convergent_validity"].explanation.startswith("Not run: the CFA")
    assert rows["discriminant_validity"].verdict == "not run"
    assert "grouping column" in rows["invariance"].explanation
    skipped = {"status": "not run", "reason": "the instrument has no levels"}
    rows = _by_key({"stages": skipped, "quadrants": skipped})
    assert rows["stage_structure"].explanation == "Not run: the instrument has no levels."
    assert rows["ordering"].verdict == rows["quadrants"].verdict == "not run"


def test_untestable_claims_read_not_run(simulated_results: dict) -> None:
    claims = dict(simulated_results["claims"])
    claims["size_vs_stage"] = dict(
        claims["size_vs_stage"],
        verdict="not testable",
        estimate=None,
        ci=None,
        explanation="Not testable: no size question.",
    )
    row = _by_key({"claims": claims})["claim_size_vs_stage"]
    assert row.verdict == "not run" and row.value == "—"
    assert "no size question" in row.explanation


@pytest.mark.parametrize(
    ("share", "verdict"), [(0.04, "supported"), (0.15, "partly"), (0.30, "not supported")]
)
def test_non_cumulative_row_judges_the_share_that_breaks_the_order(
    share: float, verdict: str
) -> None:
    stages = {
        "status": "ok",
        "n_profiles": 4,
        "models": [
            {
                "id": "seed001",
                "default": True,
                "counts": {"non_cumulative": round(share * 1000)},
                "non_cumulative_share": share,
            },
            {"id": "levels_1_0", "default": False, "counts": {}, "non_cumulative_share": 0.2},
        ],
    }
    row = _by_key({"stages": stages})["non_cumulative"]
    assert row.verdict == verdict
    assert f"({share:.1%}) break the order of 'seed001'" in row.value
    assert "levels_1_0: 20.0%" in row.value


@pytest.mark.parametrize(
    ("pvalue", "bic_diff", "verdict"),
    [(0.20, 30.0, "supported"), (0.001, -12.0, "partly"), (1e-9, 80.0, "not supported")],
)
def test_networking_structure_row(pvalue: float, bic_diff: float, verdict: str) -> None:
    cfa = {
        "status": "ok",
        "networking_structure": {
            "status": "ok",
            "chisq_diff": 25.0,
            "df_diff": 13,
            "pvalue": pvalue,
            "bic_diff": bic_diff,
            "summary": "text",
        },
    }
    row = _by_key({"cfa": cfa})["networking_structure"]
    assert row.verdict == verdict and row.value.startswith("Δχ²(13) = 25.0")
