"""The analysis pipeline: results layout, assignments, exclusions, steps, JSON safety."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.responses import ResponsesError, validate_responses
from analysis.data.simulate import Simulation, simulate
from analysis.pipeline import (
    AnalysisContext,
    AnalysisResult,
    PipelineError,
    Step,
    default_steps,
    jsonable,
    order_steps,
    run_analysis,
)
from analysis.quality.screens import FLAG_COLUMNS
from analysis.report.html import ReportSection
from instrument import LEVELS, Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML
from tests.r_reference import (
    BFI_FACTORS,
    BFI_YAML,
    HS_FACTORS,
    HS_YAML,
    bfi_raw,
    holzinger39,
    reference,
)

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def analysed(sim_1200: Simulation, smcap_instrument: Instrument) -> AnalysisResult:
    return run_analysis(sim_1200.responses, smcap_instrument, seed=5, source="sim_1200")


def test_results_have_the_documented_keys_and_are_strict_json(analysed: AnalysisResult) -> None:
    r = analysed.results
    text = json.dumps(r, allow_nan=False)
    assert json.loads(text) == r
    for key in (
        "n_respondents",
        "reliability",
        "sampling_adequacy",
        "efa",
        "common_method",
        "quality",
        "warnings",
        "software",
        "seed",
        "instrument",
    ):
        assert key in r
    assert r["n_respondents"] == 1200 and r["seed"] == 5
    assert r["instrument"] == {
        "id": "smcap-b2b",
        "version": "1.0",
        "title": r["instrument"]["title"],
        "n_items": 63,
        "n_constructs": 16,
        "dropped_items": [],
        "skipped_constructs": [],
    }
    rel = r["reliability"]["audience_insight"]
    assert set(rel) >= {"alpha", "alpha_ci", "alpha_std", "omega", "items"}
    assert rel["alpha_ci"][0] < rel["alpha"] < rel["alpha_ci"][1]
    assert set(rel["items"]["op_ai_3"]) >= {"r_drop", "alpha_if_dropped"}
    sa = r["sampling_adequacy"]
    assert set(sa) >= {"kmo", "kmo_items", "bartlett_chisq", "bartlett_df", "bartlett_p"}
    assert sa["bartlett_df"] == 63 * 62 // 2 and len(sa["kmo_items"]) == 63
    efa = r["efa"]
    assert efa["n_factors_parallel"] >= 4 and efa["n_factors"] == efa["n_factors_parallel"]
    assert set(efa["loadings"]["op_ai_1"]) == {f"F{k}" for k in range(1, efa["n_factors"] + 1)}
    assert isinstance(efa["cross_loadings"], list)
    assert 0 < r["common_method"]["first_factor_share"] < 1
    cfa = r["cfa"]
    assert cfa["status"] == "ok" and cfa["converged"]
    assert set(cfa) >= {"n", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci", "srmr"}
    assert len(cfa["std_loadings"]) == 63 and 0.5 < cfa["std_loadings"]["stp.op_stp_1"] < 1
    assert cfa["lavaan_syntax"].startswith("audience_insight =~ op_ai_1 + op_ai_2")
    assert cfa["second_order"]["status"] == "ok" and cfa["second_order"]["df"] > cfa["df"]
    validity = r["validity"]
    assert set(validity) >= {"ave", "cr", "htmt", "htmt_variant", "fornell_larcker"}
    assert validity["htmt_variant"] == "htmt2" and len(validity["htmt"]) == 16
    assert r["invariance"]["status"] == "not run" and "--group" in r["invariance"]["reason"]
    assert set(r["software"]) >= {
        "python",
        "numpy",
        "scipy",
        "pandas",
        "pingouin",
        "factor_analyzer",
        "scikit-learn",
        "smcap",
    }
    assert r["quality"]["flag_counts"]["flag_straightlining"] > 0


def test_assignments_hold_scores_stage_quadrant_and_flags(
    analysed: AnalysisResult, sim_1200: Simulation
) -> None:
    a = analysed.assignments
    assert a.index.name == "respondent_id"
    assert a.index.tolist() == sim_1200.responses["respondent_id"].tolist()
    expected = (
        ["audience_insight"]
        + [f"level_{lv}" for lv in LEVELS]
        + ["axis_control", "axis_orientation", "stage_theory", "quadrant"]
        + [*FLAG_COLUMNS, "flagged"]
    )
    for col in expected:
        assert col in a.columns
    assert a["flagged"].equals(a[list(FLAG_COLUMNS)].any(axis=1))
    assert set(a["stage_theory"].dropna().unique()) <= {1, 2, 3, 4}
    assert a["flag_straightlining"].dtype == bool


def test_sections_are_ordered_and_the_report_renders(analysed: AnalysisResult) -> None:
    orders = [s.order for s in analysed.sections]
    assert orders == sorted(orders)
    keys = [s.key for s in analysed.sections]
    assert keys[:2] == ["scorecard", "overview"] and keys[-1] == "warnings"
    html = analysed.report_html()
    assert html.count("Plotly.newPlot") >= 2 and "Validation report" in html


def test_exclude_flagged_reruns_without_flagged_respondents(
    sim_1200: Simulation, smcap_instrument: Instrument, analysed: AnalysisResult
) -> None:
    steps = [s for s in default_steps() if s.name in ("quality", "scores", "reliability", "efa")]
    res = run_analysis(
        sim_1200.responses, smcap_instrument, seed=5, exclude_flagged=True, steps=steps
    )
    n_flagged = int(analysed.assignments["flagged"].sum())
    assert res.results["n_respondents"] == 1200 - n_flagged
    assert res.results["n_respondents_total"] == 1200
    assert res.results["exclusions"]["n_excluded"] == n_flagged
    assert res.results["exclusions"]["reasons"]["straight-lining"] > 0
    assert res.results["reliability"]["sensing"]["n_obs"] == 1200 - n_flagged
    assert len(res.assignments) == 1200  # everybody keeps their scores and flags
    assert res.results["efa"]["eigenvalues"] != analysed.results["efa"]["eigenvalues"]
    overview = next(s for s in res.sections if s.key == "overview").html
    assert f"{n_flagged}" in overview and "straight-lining" in overview


def test_excluding_too_many_respondents_is_a_clear_error(smcap_instrument: Instrument) -> None:
    from analysis.data.simulate import SimulationConfig, simulate

    sloppy = simulate(
        smcap_instrument, 120, random_state=2, config=SimulationConfig(straightliner_rate=0.6)
    )
    with pytest.raises(ResponsesError, match=r"after excluding \d+ flagged respondent"):
        run_analysis(sloppy.responses, smcap_instrument, exclude_flagged=True)


def test_the_same_seed_gives_the_same_results(
    sim_1200: Simulation, smcap_instrument: Instrument, analysed: AnalysisResult
) -> None:
    data = sim_1200.responses.iloc[:300]
    only_efa = [s for s in default_steps() if s.name == "efa"]
    a = run_analysis(data, smcap_instrument, seed=1, steps=only_efa)
    b = run_analysis(data, smcap_instrument, seed=1, steps=only_efa)
    c = run_analysis(data, smcap_instrument, seed=2, steps=only_efa)
    assert a.results["efa"] == b.results["efa"]
    assert a.results["efa"]["eigenvalues"] != c.results["efa"]["eigenvalues"]


def test_progress_is_reported_for_every_step(
    sim_1200: Simulation, smcap_instrument: Instrument
) -> None:
    calls: list[tuple[int, int, str]] = []
    steps = default_steps()[:4]
    run_analysis(
        sim_1200.responses.iloc[:200],
        smcap_instrument,
        steps=steps,
        progress=lambda i, n, label: calls.append((i, n, label)),
    )
    n = len(steps) + 1
    assert [c[0] for c in calls] == [*range(1, n + 1), n]
    assert all(c[1] == n for c in calls) and calls[-1][2] == "done"


def test_a_step_added_later_can_put_its_section_first(
    sim_1200: Simulation, smcap_instrument: Instrument
) -> None:
    def scorecard(ctx: AnalysisContext) -> None:
        alphas = [r["alpha"] for r in ctx.results["reliability"].values()]
        ctx.results["scorecard"] = {"min_alpha": min(alphas)}
        ctx.add_section(ReportSection(order=0, key="scorecard", title="Scorecard", html="<p>x</p>"))

    steps = [*default_steps(), Step("scorecard", "Scorecard", scorecard)]
    steps = [s for s in steps if s.name in ("reliability", "scorecard")]
    res = run_analysis(sim_1200.responses.iloc[:200], smcap_instrument, steps=steps)
    assert res.sections[0].key == "scorecard"
    assert res.results["scorecard"]["min_alpha"] > 0.5


def test_any_instrument_works_and_matches_r_on_bfi() -> None:
    inst = parse_instrument(BFI_YAML)
    raw = bfi_raw()
    res = run_analysis(raw, inst, source="bfi")
    assert res.warnings[0].startswith("bfi has no 'respondent_id' column")
    for factor in BFI_FACTORS:
        ref = reference()["bfi"]["alpha"][factor]
        assert res.results["reliability"][factor]["alpha"] == pytest.approx(
            ref["raw_alpha"], abs=1e-6
        )
    assert res.results["sampling_adequacy"]["kmo"] == pytest.approx(
        reference()["bfi"]["adequacy"]["kmo"], abs=1e-9
    )
    assert res.results["efa"]["n_factors_parallel"] == reference()["bfi"]["parallel"]["n_factors"]
    assert res.results["quality"]["checks"]["speeding"].startswith("not run")
    assert res.assignments["stage_theory"].isna().all()
    assert res.assignments["quadrant"].isna().all()


def test_validated_responses_are_accepted_and_the_group_is_checked(
    sim_1200: Simulation, smcap_instrument: Instrument
) -> None:
    validated = validate_responses(sim_1200.responses, smcap_instrument, source="sim")
    res = run_analysis(validated, smcap_instrument, steps=[])
    assert res.results["source"] == "sim"
    with pytest.raises(ResponsesError, match="group column 'nope' not found"):
        run_analysis(validated, smcap_instrument, group="nope")


def test_minimal_instrument_without_levels_axes_or_attention_checks() -> None:
    inst = parse_instrument(MINIMAL_YAML)
    rng = np.random.default_rng(4)
    trait = rng.normal(size=(150, 2))
    answers = np.clip(np.rint(3 + np.repeat(trait, 3, axis=1) + rng.normal(size=(150, 6))), 1, 5)
    data = pd.DataFrame(answers, columns=list(inst.item_ids))
    data[["e2", "c2"]] = 6 - data[["e2", "c2"]]  # reverse keyed in the instrument
    res = run_analysis(data, inst)
    assert res.results["reliability"]["extraversion"]["alpha"] > 0.6
    assert res.results["quality"]["checks"]["attention"].startswith("not run")
    assert res.assignments.index[0] == "row1"


def test_jsonable_turns_numpy_and_missing_values_into_json() -> None:
    value = {
        1: np.float64(np.nan),
        "b": [np.int64(3), np.bool_(True), pd.NA, np.inf],
        "c": np.array([1.5, np.nan]),
        "d": pd.Series([1, 2]),
        "e": (None, "x"),
    }
    assert jsonable(value) == {
        "1": None,
        "b": [3, True, None, None],
        "c": [1.5, None],
        "d": [1, 2],
        "e": [None, "x"],
    }


def test_holzinger_swineford_end_to_end_matches_lavaan_and_psych() -> None:
    """The published lavaan values (DESIGN §6) through validation, every step and JSON."""
    res = run_analysis(
        holzinger39(), parse_instrument(HS_YAML), group="school", id_column="id", source="hs"
    )
    r = res.results
    cfa = r["cfa"]
    assert cfa["n"] == 301 and cfa["df"] == 24
    assert cfa["chisq"] == pytest.approx(85.306, rel=0.01)
    for key, value in {"cfi": 0.931, "tli": 0.896, "rmsea": 0.092, "srmr": 0.065}.items():
        assert cfa[key] == pytest.approx(value, abs=0.003)
    assert cfa["rmsea_ci"] == pytest.approx([0.071, 0.114], abs=0.003)
    for factor, value in {"visual": 0.626, "textual": 0.883, "speed": 0.689}.items():
        assert r["reliability"][factor]["alpha"] == pytest.approx(value, abs=0.002)
    inv = r["invariance"]
    assert inv["status"] == "ok" and inv["group_sizes"] == {"Pasteur": 156, "Grant-White": 145}
    for step, (chisq, df) in {
        "configural": (115.85, 48),
        "metric": (124.04, 54),
        "scalar": (164.10, 60),
    }.items():
        assert inv[step]["chisq"] == pytest.approx(chisq, rel=0.01) and inv[step]["df"] == df
    assert inv["metric"]["verdict"] == "invariant" and inv["scalar"]["verdict"] == "not invariant"
    assert any("scalar invariance across 'school' does not hold" in w for w in res.warnings)
    assert set(r["validity"]["ave"]) == set(HS_FACTORS)
    assert r["efa"]["n_factors_parallel"] == reference()["holzinger39"]["parallel"]["n_factors"]
    assert res.assignments.index[0] == "1"
    html = res.report_html()
    assert "baseline fit" in html and "not invariant" in html


def test_a_duplicated_item_is_named_and_bartlett_is_not_reported(tmp_path: Path) -> None:
    data = holzinger39()
    data["x2"] = data["x1"]
    res = run_analysis(data, parse_instrument(HS_YAML), id_column="id", source="hs")
    named = "items 'x1' and 'x2' are perfectly correlated (r = 1.000)"
    expected = [
        f"the item correlation matrix is singular: {named}; Bartlett's test of sphericity is "
        "not defined",
        f"the item correlation matrix is singular: {named}; KMO is computed from its "
        "pseudo-inverse",
    ]
    written = json.loads(res.write(tmp_path)["results"].read_text())
    sa = written["sampling_adequacy"]
    assert sa["bartlett_chisq"] is None and sa["bartlett_p"] is None and sa["bartlett_df"] == 36
    assert 0 < sa["kmo"] < 1 and sa["kmo_items"]["x1"] == pytest.approx(sa["kmo_items"]["x2"])
    assert sa["warnings"] == expected
    assert all(w in written["warnings"] for w in expected)
    assert written["quality"]["warnings"] == [
        f"the item covariance matrix is singular: {named}; the outlier screen's Mahalanobis "
        "distances lose a degree of freedom for each dependency"
    ]
    assert written["quality"]["warnings"][0] in written["warnings"]
    assert written["cfa"]["reason"].endswith(
        "singular: columns 'x1' and 'x2' are perfectly correlated (r = 1.000)"
    )
    section = next(s for s in res.sections if s.key == "sampling_adequacy")
    assert "not defined" in section.html and "perfectly correlated" in section.html
    assert "χ²(" not in section.html


def test_cfa_that_cannot_be_fitted_is_reported_not_run() -> None:
    inst = parse_instrument(MINIMAL_YAML)
    rng = np.random.default_rng(8)
    trait = rng.normal(size=(60, 2))
    answers = np.clip(np.rint(3 + np.repeat(trait, 3, axis=1) + rng.normal(size=(60, 6))), 1, 5)
    data = pd.DataFrame(answers, columns=list(inst.item_ids))
    for row in range(56):  # only 4 respondents answer everything; a 6-item CFA needs 7
        data.iloc[row, row % 6] = np.nan
    res = run_analysis(data, inst)
    assert res.results["cfa"]["status"] == "not run"
    assert "complete" in res.results["cfa"]["reason"]
    assert res.results["validity"] == {"status": "not run", "reason": "the CFA could not be fitted"}
    assert any(w.startswith("the CFA could not be fitted") for w in res.warnings)
    assert res.results["reliability"]["extraversion"]["alpha"] is not None
    cfa_section = next(s for s in res.sections if s.key == "cfa")
    assert "Not run: the CFA could not be fitted" in cfa_section.html


def test_is_analysed_marks_the_respondents_left_after_exclusions(
    sim_1200: Simulation, smcap_instrument: Instrument
) -> None:
    seen: dict[str, pd.Series] = {}

    def probe(ctx: AnalysisContext) -> None:
        index = ctx.responses.data.index
        seen["mask"] = ctx.is_analysed(index)
        seen["expected"] = pd.Series(index.isin(ctx.analysed.index), index=index)
        seen["subset"] = ctx.is_analysed(index[::7])

    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    data = sim_1200.responses.iloc[:300]
    run_analysis(
        data, smcap_instrument, exclude_flagged=True, steps=[*steps, Step("p", "P", probe)]
    )
    mask, expected = seen["mask"], seen["expected"]
    assert mask.dtype == bool and mask.index.equals(expected.index)
    assert mask.equals(expected)
    assert 0 < (~mask).sum() < len(mask)  # the quality screens excluded some, not all
    assert seen["subset"].equals(expected.iloc[::7])


def test_dont_know_answers_are_missing_counted_and_in_results_json(
    instrument_2_0: Instrument, analysed: AnalysisResult
) -> None:
    data = simulate(instrument_2_0, 200, random_state=4).responses.copy()
    item, other, *rest = instrument_2_0.construct("seizing").items
    data.loc[data.index[:5], item.id] = 99
    data.loc[data.index[:2], other.id] = 99
    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    res = run_analysis(data, instrument_2_0, steps=steps, source="sim")
    dk = res.results["dont_know"]
    assert dk["code"] == 99 and dk["label"] == "Don't know / not applicable"
    assert dk["n_answers"] == 7 and dk["n_respondents"] == 5
    assert dk["items"][item.id] == 5 and dk["items"][other.id] == 2
    assert set(dk["items"]) == set(instrument_2_0.item_ids)
    assert any(w.startswith("7 don't-know answer(s) (code 99") for w in res.results["warnings"])
    # a score never averages the code in: respondent 1 is scored on the two other items
    first = data.iloc[0]
    keyed = [8 - first[i.id] if i.reverse else first[i.id] for i in rest]
    rid = str(first["respondent_id"])
    assert res.assignments.loc[rid, "seizing"] == pytest.approx(float(np.mean(keyed)))
    # an instrument without a code reports none
    assert analysed.results["dont_know"] == {
        "code": None,
        "label": None,
        "n_answers": 0,
        "n_respondents": 0,
        "items": {},
    }


# --------------------------------------------------------------------------- step order
def _noop(ctx: AnalysisContext) -> None:
    pass


def test_the_default_steps_run_in_their_declared_order() -> None:
    plan = default_steps()
    assert [s.name for s in order_steps(plan)] == [s.name for s in plan]
    assert [s.name for s in order_steps(plan[::-1])][-1] == "generalisability"
    by_name = {s.name: s for s in plan}
    assert by_name["validity"].requires == ("cfa",)
    assert by_name["stages"].requires == ("scores",)


def test_steps_run_after_what_they_need_wherever_they_are_listed() -> None:
    plan = [
        Step("card", "Card", _noop, after=("*",)),
        Step("b", "B", _noop, requires=("a",)),
        Step("c", "C", _noop, after=("b", "absent")),
        Step("a", "A", _noop),
    ]
    assert [s.name for s in order_steps(plan)] == ["a", "b", "c", "card"]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([Step("b", "B", _noop, requires=("a",))], "step 'b' requires 'a', which is not among"),
        ([Step("a", "A", _noop), Step("a", "A2", _noop)], "steps named twice: a"),
        (
            [Step("a", "A", _noop, requires=("b",)), Step("b", "B", _noop, after=("a",))],
            "wait for each other in a circle: a, b",
        ),
    ],
)
def test_a_plan_that_cannot_run_is_a_clear_error(plan: list[Step], message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        order_steps(plan)


def test_a_failed_step_is_recorded_and_the_others_still_run(
    sim_1200: Simulation, smcap_instrument: Instrument
) -> None:
    def broken(ctx: AnalysisContext) -> None:
        raise RuntimeError("the optimiser exploded")

    steps = {s.name: s for s in default_steps()}
    plan = [
        steps["quality"],
        Step("cfa", "Confirmatory factor analysis", broken),
        steps["validity"],
        steps["reliability"],
    ]
    res = run_analysis(sim_1200.responses.iloc[:300], smcap_instrument, steps=plan)
    assert res.results["cfa"] == {
        "status": "failed",
        "reason": "RuntimeError: the optimiser exploded",
    }
    assert res.results["validity"]["status"] == "not run"
    assert "needs the cfa step" in res.results["validity"]["reason"]
    assert len(res.results["reliability"]) == len(smcap_instrument.constructs)
    assert any("step failed (RuntimeError" in w for w in res.warnings)
    keys = [s.key for s in res.sections]
    assert {"cfa", "validity", "reliability"} <= set(keys)
