"""The papers' claims: statistics pinned to R, verdicts on data with a known answer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.data.simulate import Simulation
from analysis.generalisability.claim_definitions import (
    CLAIMS,
    ClaimDefinition,
    ClaimInputs,
    ClaimSettings,
    ClaimSource,
    Estimate,
    NotTestableError,
)
from analysis.generalisability.claim_rules import (
    equivalence_verdict,
    minimum_effect_verdict,
    numeric_pair,
)
from analysis.generalisability.claims import (
    CLAIM_TEXT,
    MIN_N,
    VERDICTS,
    offering_vs_quadrant,
    paper_claims,
    run_claim,
    size_vs_stage,
    stage_vs_decentralisation,
    stage_vs_performance,
)
from analysis.generalisability.effect_sizes import cramers_v, cramers_v_ci, spearman_ci
from analysis.measurement.scoring import score_respondents
from instrument import Instrument

# tests/r/quadrants_reference.R (R 4.x)
R_SPEARMAN_THIRD_X4 = (0.3656214, 5.953871e-11)
R_CHISQ_THIRD_SCHOOL_V = 0.0230726
R_V_THIRD_X4THIRD = (0.2480276, 0.1554987, 0.3190416)
R_LM_X4_X1 = (0.3716477, 0.2663393, 0.4769561, 0.1389100)
SIZES = ["e1_9", "e10_49", "e50_249", "e250_999", "e1000_plus"]


def _thirds(x: pd.Series) -> pd.Series:
    """R's cut(x, quantile(x, c(0, 1/3, 2/3, 1)), include.lowest = TRUE, labels = FALSE)."""
    edges = np.quantile(x, [0, 1 / 3, 2 / 3, 1])
    return pd.cut(x, edges, include_lowest=True, labels=False) + 1


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


def test_statistics_match_r(hs: pd.DataFrame) -> None:
    third = _thirds(hs["x1"])
    rho, ci, p, n = spearman_ci(third, hs["x4"], n_boot=500, random_state=0)
    assert (rho, p) == pytest.approx(R_SPEARMAN_THIRD_X4, rel=1e-6)
    assert n == 301 and ci[0] < rho < ci[1]
    assert cramers_v(pd.crosstab(third, hs["school"])) == pytest.approx(
        R_CHISQ_THIRD_SCHOOL_V, abs=1e-7
    )
    table = pd.crosstab(third, _thirds(hs["x4"]))
    assert cramers_v(table) == pytest.approx(R_V_THIRD_X4THIRD[0], abs=1e-7)
    assert cramers_v_ci(table) == pytest.approx(R_V_THIRD_X4THIRD[1:], abs=1e-6)
    claim = stage_vs_performance(hs["x1"], hs["x4"], n_boot=200, random_state=0)
    slope, lo, hi, r2 = R_LM_X4_X1
    assert claim.details["slope"] == pytest.approx(slope, abs=1e-7)
    assert claim.details["slope_ci"] == pytest.approx([lo, hi], abs=1e-7)
    assert claim.details["r_squared"] == pytest.approx(r2, abs=1e-7)


def test_spearman_interval_for_large_samples_is_bonett_wright() -> None:
    """Above max_boot_n the interval is tanh(atanh r ± z sqrt((1 + r²/2)/(n - 3)))."""
    rng = np.random.default_rng(5)
    x = pd.Series(rng.normal(size=6000))
    y = pd.Series(0.3 * x + rng.normal(size=6000))
    rho, ci, _, n = spearman_ci(x, y)
    half = 1.959964 * np.sqrt((1 + rho**2 / 2) / (n - 3))
    assert ci == pytest.approx((np.tanh(np.arctanh(rho) - half), np.tanh(np.arctanh(rho) + half)))
    boot = spearman_ci(x, y, n_boot=400, max_boot_n=10_000, random_state=0)[1]
    assert boot == pytest.approx(ci, abs=0.01)  # the two intervals agree at this size


def test_cramers_v_interval_reaches_zero_without_association() -> None:
    rng = np.random.default_rng(0)
    table = pd.crosstab(rng.integers(0, 2, 2000), rng.integers(0, 4, 2000))
    lo, hi = cramers_v_ci(table)
    assert lo == 0.0 and 0 < hi < 0.1


@pytest.fixture(scope="module")
def claims_1200(smcap_instrument: Instrument, sim_1200: Simulation) -> dict:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    return paper_claims(smcap_instrument, scores, sim_1200.responses, n_boot=500, random_state=3)


def test_claims_on_simulated_stage_data(claims_1200: dict) -> None:
    """The simulator draws size independently of stage, decentralisation rising with stage
    (80 % at stage 4) and performance rising with maturity."""
    assert list(claims_1200) == list(CLAIM_TEXT)
    size = claims_1200["size_vs_stage"]
    assert size.verdict == "supported"
    assert -0.1 < size.ci[0] < size.estimate < size.ci[1] < 0.1
    assert size.details["equivalence_bound"] == 0.1
    assert size.details["ci_method"] == "percentile bootstrap, 500 replicates"
    decentral = claims_1200["stage_vs_decentralisation"]
    assert decentral.verdict == "supported"
    assert decentral.details["by_stage"]["4"]["share_decentralised"] > 0.7
    assert decentral.estimate > 0.2
    perf = claims_1200["stage_vs_performance"]
    assert perf.verdict == "supported" and perf.ci[0] > 0.3
    assert perf.details["slope_ci"][0] > 0
    means = perf.details["mean_outcome_by_stage"]
    assert means["4"] > means["1"]
    offering = claims_1200["offering_vs_quadrant"]
    assert offering.verdict in VERDICTS and offering.n > 800
    for claim in claims_1200.values():
        d = claim.to_dict()
        assert d["explanation"] and d["claim"] and d["test"]
        assert isinstance(d["ci"], list)


def test_size_claim_verdicts() -> None:
    rng = np.random.default_rng(1)
    n = 1500
    size = pd.Series(rng.choice(SIZES, n))
    rank = size.map({s: i for i, s in enumerate(SIZES)})
    related = pd.Series(np.clip(np.round(1 + rank * 0.6 + rng.normal(0, 0.8, n)), 1, 4))
    res = size_vs_stage(size, related, size_order=SIZES, n_boot=300, random_state=0)
    assert res.verdict == "not supported" and res.ci[0] > 0.1
    assert "larger firms" in res.explanation
    small = size_vs_stage(
        size[:60], pd.Series(rng.integers(1, 5, 60)), size_order=SIZES, n_boot=300, random_state=0
    )
    assert small.verdict == "inconclusive"
    few = size_vs_stage(size[:10], related[:10], size_order=SIZES)
    assert few.verdict == "not testable" and "only 10" in few.explanation
    with pytest.raises(ValueError, match="not the question's size bands"):
        size_vs_stage(pd.Series(["huge"] * 40), related[:40], size_order=SIZES)


def test_offering_claim_verdicts() -> None:
    rng = np.random.default_rng(2)
    n = 800
    quadrant = pd.Series(
        rng.choice(["call_to_action", "dissemination", "thought_leadership", "co_creation"], n)
    )
    as_cases = pd.Series(
        np.where(
            quadrant == "thought_leadership",
            "service",
            np.where(quadrant == "dissemination", "product", rng.choice(["product", "service"], n)),
        )
    )
    res = offering_vs_quadrant(as_cases, quadrant)
    assert res.verdict == "supported"
    assert res.details["service_share_in_thought_leadership"] == 1.0
    assert res.details["product_share_in_dissemination"] == 1.0
    unrelated = offering_vs_quadrant(
        pd.Series(rng.choice(["product", "service", "both"], 3000)),
        pd.Series(rng.choice(quadrant.unique(), 3000)),
    )
    assert unrelated.verdict == "not supported" and unrelated.ci[1] < 0.1
    assert unrelated.details["n_excluded_other_offering"] > 800
    reversed_ = offering_vs_quadrant(
        as_cases.map({"product": "service", "service": "product"}), quadrant
    )
    assert reversed_.verdict == "not supported" and "against the claim" in reversed_.explanation
    one = offering_vs_quadrant(pd.Series(["service"] * 50), quadrant[:50])
    assert one.verdict == "not testable"


def test_decentralisation_and_performance_verdicts() -> None:
    rng = np.random.default_rng(3)
    n = 1200
    stage = pd.Series(rng.integers(1, 5, n))
    flat = pd.Series(rng.uniform(1, 7, n))
    res = stage_vs_decentralisation(stage, flat, cut=4.0, n_boot=300, random_state=0)
    assert res.verdict == "inconclusive"  # no trend; stage 4 split around the cut
    assert (res.details["trend"], res.details["stage4_majority"]) == ("unclear", "unclear")
    falling = 6.5 - stage + rng.normal(0, 0.5, n)
    res = stage_vs_decentralisation(stage, falling, cut=4.0, n_boot=300, random_state=0)
    assert res.verdict == "not supported"
    assert (res.details["trend"], res.details["stage4_majority"]) == ("no", "no")
    no_top = stage_vs_decentralisation(
        stage.clip(1, 3), flat + stage, cut=4.0, n_boot=300, random_state=0
    )
    assert no_top.verdict == "partly" and "no respondent is at stage 4" in no_top.explanation
    shuffled = stage_vs_performance(
        pd.Series(rng.normal(size=n)), pd.Series(rng.normal(size=n)), n_boot=300, random_state=0
    )
    assert shuffled.verdict == "not supported" and shuffled.ci[1] < 0.1


def test_not_testable_when_the_instrument_or_data_lack_a_variable(
    smcap_instrument: Instrument, sim_1200: Simulation
) -> None:
    no_size = smcap_instrument.model_copy(
        update={
            "firmographics": tuple(
                q for q in smcap_instrument.firmographics if q.measures != "firm_size"
            ),
            "constructs": tuple(c for c in smcap_instrument.constructs if c.role != "outcome"),
        }
    )
    scores = score_respondents(sim_1200.responses, no_size)
    claims = paper_claims(
        no_size, scores, sim_1200.responses.drop(columns=["offering"]), n_boot=100, random_state=0
    )
    assert claims["size_vs_stage"].verdict == "not testable"
    assert "measures: firm_size" in claims["size_vs_stage"].explanation
    assert claims["stage_vs_performance"].verdict == "not testable"
    assert "role: outcome" in claims["stage_vs_performance"].explanation
    assert claims["offering_vs_quadrant"].verdict == "not testable"
    assert "no 'offering' column" in claims["offering_vs_quadrant"].explanation
    assert claims["stage_vs_decentralisation"].verdict != "not testable"
    # answers that are not the question's options make a claim untestable, not the analysis fail
    coded = sim_1200.responses.assign(employees=sim_1200.responses["employees"].str.len())
    full = score_respondents(sim_1200.responses, smcap_instrument)
    claims = paper_claims(smcap_instrument, full, coded, n_boot=100, random_state=0)
    size = claims["size_vs_stage"]
    assert size.verdict == "not testable" and "not the question's size bands" in size.explanation
    assert size.test.startswith("Spearman")


def test_exclude_leaves_respondents_out(smcap_instrument: Instrument, sim_1200: Simulation) -> None:
    scores = score_respondents(sim_1200.responses, smcap_instrument)
    exclude = pd.Series(False, index=sim_1200.responses.index)
    exclude.iloc[:200] = True
    claims = paper_claims(
        smcap_instrument, scores, sim_1200.responses, exclude=exclude, n_boot=100, random_state=0
    )
    full = paper_claims(smcap_instrument, scores, sim_1200.responses, n_boot=100, random_state=0)
    outcome = scores.constructs["sm_performance"]
    complete = outcome.notna() & scores.levels.notna().all(axis=1)
    assert full["stage_vs_performance"].n == complete.sum()
    assert claims["stage_vs_performance"].n == (complete & ~exclude).sum()
    with pytest.raises(ValueError, match="same index"):
        paper_claims(smcap_instrument, scores, sim_1200.responses, exclude=exclude.head(5))


def test_midranks_equal_scipy_average_ranks() -> None:
    from scipy import stats

    from analysis.generalisability.effect_sizes import _midranks

    rng = np.random.default_rng(3)
    values = rng.integers(0, 6, (50, 40)).astype(float)
    values[:, ::7] = rng.normal(size=(50, 6))  # some distinct values too
    codes = np.unique(values, return_inverse=True)[1].reshape(values.shape)
    np.testing.assert_allclose(_midranks(codes), stats.rankdata(values, axis=1))


# ---------------------------------------------------------------------- the runner and its table
def _kendall(pair: pd.DataFrame, inputs: ClaimInputs, settings: ClaimSettings) -> Estimate:
    """A made-up estimator: Kendall's tau with a crude ±0.05 interval."""
    from scipy import stats

    tau, p = stats.kendalltau(pair.iloc[:, 0], pair.iloc[:, 1])
    return Estimate(tau, (tau - 0.05, tau + 0.05), p, len(pair), {"bound": settings.bound})


def _no_source(source: ClaimSource) -> ClaimInputs:
    raise NotTestableError("made-up claims have no source")


MADE_UP = ClaimDefinition(
    id="height_vs_sales",
    claim="Taller firms sell more (made up).",
    test="Kendall's tau",
    effect="Kendall's tau",
    needs=("height", "sales"),
    gather=_no_source,
    complete="firms have height and sales",
    estimator=_kendall,
    verdict_rule=minimum_effect_verdict,
    explain=lambda est, verdict, bound: f"tau = {est.value:.2f}: {verdict} (bound {bound}).",
)


def test_run_claim_runs_a_made_up_definition_through_the_shared_steps() -> None:
    rng = np.random.default_rng(8)
    height = pd.Series(rng.normal(size=300))
    sales = pd.Series(height + rng.normal(0, 0.5, 300))
    claim = run_claim(MADE_UP, ClaimInputs(height, sales), bound=0.2)
    assert (claim.id, claim.claim, claim.test, claim.effect) == (
        "height_vs_sales",
        "Taller firms sell more (made up).",
        "Kendall's tau",
        "Kendall's tau",
    )
    assert claim.verdict == "supported" and claim.n == 300 and claim.estimate > 0.5
    assert claim.ci == pytest.approx((claim.estimate - 0.05, claim.estimate + 0.05))
    assert claim.details == {"bound": 0.2}  # the settings reach the estimator
    assert claim.explanation == f"tau = {claim.estimate:.2f}: supported (bound 0.2)."
    unrelated = run_claim(MADE_UP, ClaimInputs(height, pd.Series(rng.normal(size=300))))
    assert unrelated.verdict == "not supported"


def test_run_claim_is_not_testable_below_min_n_complete_pairs() -> None:
    def must_not_run(*_: object) -> Estimate:
        raise AssertionError("the estimator ran on too few pairs")

    few = replace(MADE_UP, estimator=must_not_run)
    x = pd.Series(np.arange(MIN_N + 5, dtype=float))
    y = x.where(x >= 6)  # six missing: MIN_N - 1 complete pairs
    claim = run_claim(few, ClaimInputs(x, y))
    assert claim.verdict == "not testable" and claim.n == MIN_N - 1
    assert claim.explanation == f"Not testable: only {MIN_N - 1} firms have height and sales."
    assert claim.estimate is None and claim.ci is None and claim.to_dict()["ci"] is None
    checked = replace(MADE_UP, check=lambda pair: "all are equal")
    claim = run_claim(checked, ClaimInputs(x, x))
    assert (claim.verdict, claim.n) == ("not testable", MIN_N + 5)
    assert claim.explanation == "Not testable: all are equal."


def test_the_table_holds_the_four_claims_of_the_papers_with_their_sources() -> None:
    sources = {
        "size_vs_stage": "(seed 001)",
        "offering_vs_quadrant": "(seed 002, in 12 cases)",
        "stage_vs_decentralisation": "(seeds 001 and 002)",
        "stage_vs_performance": "(seed 001)",
    }
    assert [d.id for d in CLAIMS] == list(sources) == list(CLAIM_TEXT)
    for definition in CLAIMS:
        assert definition.claim.endswith(sources[definition.id] + ".")
        assert CLAIM_TEXT[definition.id] == definition.claim
        assert definition.test and definition.effect in definition.test
        assert len(definition.needs) == 2


def test_a_claim_the_instrument_cannot_answer_names_its_full_test(
    smcap_instrument: Instrument, sim_1200: Simulation
) -> None:
    no_levels = smcap_instrument.model_copy(
        update={"constructs": tuple(c for c in smcap_instrument.constructs if c.level is None)}
    )
    scores = score_respondents(sim_1200.responses, no_levels)
    claims = paper_claims(no_levels, scores, sim_1200.responses, n_boot=50, random_state=0)
    for definition in CLAIMS:
        assert claims[definition.id].test == definition.test
    assert claims["size_vs_stage"].explanation == "Not testable: the instrument has no stage model."


def test_verdict_rules_at_their_bounds() -> None:
    def est(lo: float, hi: float) -> Estimate:
        return Estimate((lo + hi) / 2, (lo, hi), 0.5, 100, {})

    assert equivalence_verdict(est(-0.09, 0.09), 0.1) == "supported"
    assert equivalence_verdict(est(-0.05, 0.10), 0.1) == "inconclusive"
    assert equivalence_verdict(est(0.10, 0.30), 0.1) == "not supported"
    assert equivalence_verdict(est(-0.4, -0.10), 0.1) == "not supported"
    assert minimum_effect_verdict(est(0.10, 0.30), 0.1) == "supported"
    assert minimum_effect_verdict(est(0.01, 0.30), 0.1) == "partly"
    assert minimum_effect_verdict(est(-0.2, 0.09), 0.1) == "not supported"
    assert minimum_effect_verdict(est(-0.2, 0.30), 0.1) == "inconclusive"
    assert numeric_pair(
        ClaimInputs(pd.Series([1, None]), pd.Series(["2", "3"]))
    ).dtypes.tolist() == [
        float,
        float,
    ]
