"""Stages, quadrants, claims and the scorecard inside ``run_analysis`` and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.data.simulate import Simulation, simulate
from analysis.generalisability.scorecard import SCORECARD_VERDICTS
from analysis.pipeline import AnalysisResult, default_steps, run_analysis
from analysis.report.structure import scorecard_section
from analysis.structure.stages import CARELESS_FLAGS
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

SCORECARD_TITLE = "How far does the model generalise?"


@pytest.fixture(scope="module")
def analysed(sim_1200: Simulation, smcap_instrument: Instrument) -> AnalysisResult:
    return run_analysis(sim_1200.responses, smcap_instrument, seed=5, source="sim_1200")


def test_the_steps_run_after_the_measurement_steps() -> None:
    names = [s.name for s in default_steps()]
    assert names[-4:] == ["stages", "quadrants", "claims", "generalisability"]
    assert names.index("cfa") < names.index("stages")


def test_results_hold_stages_quadrants_claims_and_the_scorecard(analysed: AnalysisResult) -> None:
    r = json.loads(json.dumps(analysed.results, allow_nan=False))
    stages = r["stages"]
    assert stages["status"] == "ok" and stages["supported"] is True
    assert stages["n_profiles"] == 4
    careless = analysed.assignments[list(CARELESS_FLAGS)].any(axis=1)
    assert stages["n_flagged_excluded"] == int(careless.sum()) > 0
    assert careless.sum() < analysed.assignments["flagged"].sum()  # outliers stay in
    assert stages["n_fitted"] == stages["n_used"] <= 1200 - stages["n_flagged_excluded"]
    assert r["quadrants"]["status"] == "ok" and r["quadrants"]["all_populated"]
    assert set(r["claims"]) == {
        "size_vs_stage",
        "offering_vs_quadrant",
        "stage_vs_decentralisation",
        "stage_vs_performance",
    }
    assert r["claims"]["size_vs_stage"]["verdict"] == "supported"
    card = r["generalisability"]
    keys = [row["key"] for row in card["rows"]]
    assert keys[:5] == [
        "reliability",
        "cfa_fit",
        "convergent_validity",
        "discriminant_validity",
        "invariance",
    ]
    rows = {row["key"]: row for row in card["rows"]}
    # the scorecard reads the measurement results the pipeline computed
    assert rows["reliability"]["verdict"] == "supported"
    assert rows["cfa_fit"]["verdict"] in ("supported", "partly")
    assert rows["invariance"]["verdict"] == "not run"  # no --group
    assert rows["stage_structure"]["verdict"] == "supported"
    assert all(row["verdict"] in SCORECARD_VERDICTS for row in card["rows"])
    assert sum(card["counts"].values()) == len(card["rows"]) == 16


def test_assignments_get_stage_columns_side_by_side(
    analysed: AnalysisResult, sim_1200: Simulation
) -> None:
    a = analysed.assignments
    cols = list(a.columns)
    at = cols.index("stage_theory")
    assert cols[at : at + 3] == ["stage_theory", "stage_calibrated", "stage_cluster"]
    assert set(a["stage_cluster"].dropna().unique()) == {1, 2, 3, 4}
    truth = sim_1200.truth.set_index("respondent_id")["stage"].reindex(a.index)
    known = a["stage_cluster"].notna()
    assert adjusted_rand_score(truth[known], a["stage_cluster"][known]) >= 0.6
    # respondents flagged for careless answering are not fitted but still get a stage
    careless = a[list(CARELESS_FLAGS)].any(axis=1)
    assert a.loc[careless, "stage_cluster"].notna().mean() > 0.9


def test_the_scorecard_is_the_first_report_section(analysed: AnalysisResult) -> None:
    keys = [s.key for s in analysed.sections]
    assert keys[:2] == ["scorecard", "overview"]
    assert keys.index("stages") < keys.index("quadrants") < keys.index("claims") < len(keys) - 1
    html = analysed.report_html()
    assert html.index(SCORECARD_TITLE) < html.index("What was analysed")
    assert "Quadrant map" in html and "Profiles: mean score" in html


def test_instrument_without_levels_or_axes_reports_not_run() -> None:
    inst = parse_instrument(MINIMAL_YAML)
    rng = np.random.default_rng(4)
    trait = rng.normal(size=(150, 2))
    answers = np.clip(np.rint(3 + np.repeat(trait, 3, axis=1) + rng.normal(size=(150, 6))), 1, 5)
    data = pd.DataFrame(answers, columns=list(inst.item_ids))
    res = run_analysis(data, inst)
    assert res.results["stages"]["status"] == "not run"
    assert res.results["quadrants"]["status"] == "not run"
    assert res.assignments["stage_cluster"].isna().all()
    verdicts = {r["key"]: r["verdict"] for r in res.results["generalisability"]["rows"]}
    assert verdicts["stage_structure"] == verdicts["quadrants"] == "not run"
    assert all(res.results["claims"][c]["verdict"] == "not testable" for c in res.results["claims"])
    assert res.sections[0].key == "scorecard"


def test_null_data_give_a_null_result_in_the_report(smcap_instrument: Instrument) -> None:
    sim = simulate(smcap_instrument, 600, random_state=31, null=True)
    steps = [
        s for s in default_steps() if s.name in ("quality", "scores", "stages", "generalisability")
    ]
    res = run_analysis(sim.responses, smcap_instrument, seed=2, steps=steps)
    assert res.results["stages"]["supported"] is False
    rows = {r["key"]: r for r in res.results["generalisability"]["rows"]}
    assert rows["stage_structure"]["verdict"] == "not supported"
    assert "continuum" in rows["stage_structure"]["explanation"]
    assert rows["stability"]["verdict"] == "not run"


def test_scorecard_section_badges_every_row() -> None:
    card = {
        "rows": [
            {
                "key": "x",
                "area": "Stages",
                "criterion": "C",
                "question": "Q?",
                "value": "v <1>",
                "threshold": "t",
                "verdict": "inconclusive",
                "explanation": "e",
            },
        ],
        "counts": dict.fromkeys(SCORECARD_VERDICTS, 0) | {"inconclusive": 1},
    }
    section = scorecard_section(card, n_respondents=10)
    assert section.order == 0 and section.key == "scorecard"
    assert 'class="badge na">inconclusive' in section.html
    assert "v &lt;1&gt;" in section.html  # escaped
    assert "Summary: 1 inconclusive." in section.html


@pytest.mark.browser
def test_scorecard_reads_clearly_in_chromium(
    analysed: AnalysisResult, tmp_path: Path, artifacts_dir: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    analysed.write(tmp_path)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        headings = page.locator("h2").all_inner_texts()
        card = page.locator("#scorecard")
        badges = card.locator(".badge").all_inner_texts()
        card.screenshot(path=str(artifacts_dir / "generalisability_scorecard.png"))
        page.locator("#stages").screenshot(path=str(artifacts_dir / "stages_section.png"))
        page.locator("#quadrants").screenshot(path=str(artifacts_dir / "quadrants_section.png"))
        page.locator("#claims").screenshot(path=str(artifacts_dir / "claims_section.png"))
        box = card.bounding_box()
        browser.close()
    assert errors == []
    assert headings[0] == SCORECARD_TITLE and headings[1] == "What was analysed"
    assert len(badges) == 16 and set(badges) <= set(SCORECARD_VERDICTS)
    assert box is not None and box["y"] < 200  # the first thing a reader sees


def test_data_the_steps_cannot_use_give_not_run_and_a_warning(
    smcap_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = simulate(smcap_instrument, 300, random_state=6).responses.copy()
    dynamic = [i.id for c in smcap_instrument.constructs_by_level()["dynamic"] for i in c.items]
    data.loc[data.index[10:], dynamic] = np.nan  # dynamic level known for 10 respondents only

    def no_summary(*args: object, **kwargs: object) -> None:
        raise ValueError("column(s) ['ax_ct_1'] are constant in the complete rows")

    monkeypatch.setattr("analysis.pipeline.structure_steps.quadrant_summary", no_summary)
    names = ("quality", "scores", "stages", "quadrants", "generalisability")
    steps = [s for s in default_steps() if s.name in names]
    res = run_analysis(data, smcap_instrument, steps=steps)
    assert res.results["stages"]["status"] == "not run"
    assert "complete rows" in res.results["stages"]["reason"]
    assert res.results["quadrants"]["status"] == "not run"
    assert "constant" in res.results["quadrants"]["reason"]
    assert any(w.startswith("the stage analysis could not be run") for w in res.warnings)
    assert any(w.startswith("the quadrant summary could not be computed") for w in res.warnings)
    assert res.assignments["stage_cluster"].isna().all()
    rows = {r["key"]: r for r in res.results["generalisability"]["rows"]}
    assert rows["stage_structure"]["verdict"] == rows["quadrants"]["verdict"] == "not run"
