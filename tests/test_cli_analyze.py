"""``smcap analyze`` end to end: the three output files, warnings, clear errors, the report."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.cli.smcap import main
from analysis.results import SCHEMA_VERSION, parse_results
from instrument import DEFAULT_INSTRUMENT, INSTRUMENT_1_0
from tests.conftest import DEMO_1_0_CSV

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
#: The CLI's mechanics are tested on the 1.0 demo set (its numbers are pinned elsewhere).
DEMO = DEMO_1_0_CSV
#: The shipped demo set, answering the shipped instrument (2.0).
DEMO_2_0 = ROOT / "data" / "simulated_demo.csv"
#: ``smcap analyze`` of the shipped demo with ``--seed 3``, kept to catch unintended changes.
GOLDEN = ROOT / "tests" / "data" / "golden"
#: Keys of results.json that may differ from the golden copy: installed versions, the input path.
VOLATILE = frozenset({"software", "schema_version", "source"})


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def analyze(
    responses: Path | str, out: Path, *extra: str, instrument: Path = INSTRUMENT_1_0
) -> list[str]:
    return [
        "analyze",
        "--instrument",
        str(instrument),
        "--responses",
        str(responses),
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "analysis"
    args = analyze(DEMO, out, "--seed", "7", "--group", "employees", "--drop-small-groups")
    assert main(args) == 0
    return out


def test_demo_analysis_writes_all_three_files(demo_out: Path) -> None:
    results = json.loads((demo_out / "results.json").read_text())
    assert results["n_respondents"] == 400 and results["seed"] == 7
    assert results["instrument"]["id"] == "smcap-b2b"
    assert set(results) >= {
        "reliability",
        "sampling_adequacy",
        "efa",
        "cfa",
        "validity",
        "invariance",
        "common_method",
        "quality",
        "software",
    }
    assert (
        results["cfa"]["status"] == "ok"
        and "audience_insight.op_ai_1" in (results["cfa"]["std_loadings"])
    )
    invariance = results["invariance"]
    assert invariance["status"] == "ok" and set(invariance["dropped_groups"]) == {"e1_9", "e10_49"}
    for step in ("configural", "metric", "scalar"):
        assert {"chisq", "df", "cfi", "rmsea", "srmr"} <= set(invariance[step])
    typed = parse_results(results)  # the schema reads every section, invariance included
    assert typed.invariance is not None and typed.invariance.metric is not None
    assert typed.invariance.metric.cfi == invariance["metric"]["cfi"]
    assert typed.schema_version == results["schema_version"] == SCHEMA_VERSION
    table = pd.read_csv(demo_out / "assignments.csv")
    assert table.columns[0] == "respondent_id" and len(table) == 400
    assert {"level_operational", "axis_control", "stage_theory", "quadrant", "flagged"} <= set(
        table.columns
    )
    html = (demo_out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script src" not in html


def test_warnings_are_printed_and_the_exit_status_is_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = pd.read_csv(DEMO).drop(columns=["op_ai_1", "pf_1", "pf_2", "pf_3"])
    path = tmp_path / "partial.csv"
    data.to_csv(path, index=False)
    code, out, err = run(analyze(path, tmp_path / "out", "--allow-missing-items"), capsys)
    assert code == 0
    assert "smcap: warning: 4 instrument item(s) are not in" in err
    assert "smcap: warning: construct(s) 'sm_performance' have fewer than 2 items" in err
    assert out.startswith("analysed 400 respondents; wrote")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["instrument"]["skipped_constructs"] == ["sm_performance"]
    assert "sm_performance" not in results["reliability"]


def test_a_duplicated_item_is_named_and_bartlett_is_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = pd.read_csv(DEMO)
    data["op_ai_2"] = data["op_ai_1"]
    path = tmp_path / "duplicated.csv"
    data.to_csv(path, index=False)
    code, out, err = run(analyze(path, tmp_path / "out"), capsys)
    assert code == 0 and "wrote" in out
    named = "items 'op_ai_1' and 'op_ai_2' are perfectly correlated (r = 1.000)"
    assert (
        f"smcap: warning: the item correlation matrix is singular: {named}; Bartlett's test of "
        "sphericity is not defined"
    ) in err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["sampling_adequacy"]["bartlett_chisq"] is None
    assert results["sampling_adequacy"]["kmo"] is not None
    assert any(named in w for w in results["warnings"])


def test_groups_too_small_after_listwise_deletion_skip_invariance_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(analyze(DEMO, tmp_path / "out", "--group", "employees"), capsys)
    assert code == 0 and "wrote" in out
    assert "smcap: warning: measurement invariance across 'employees' could not be tested" in err
    assert "'e1_9' (57 complete rows)" in err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["invariance"]["status"] == "not run"
    assert results["cfa"]["status"] == "ok"


def test_exclude_flagged_reports_how_many(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(analyze(DEMO, tmp_path / "out", "--exclude-flagged"), capsys)
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    excluded = results["exclusions"]["n_excluded"]
    assert excluded > 0 and f"analysed {400 - excluded:,} of 400 respondents" in out
    assert "Excluded as flagged" in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.parametrize(
    ("setup", "extra", "expected"),
    [
        ("missing_file", [], "responses file"),
        ("missing_items", [], "--allow-missing-items"),
        ("demo", ["--group", "region"], "group column 'region' not found"),
        ("demo", ["--group", "offering"], "'both' has 53 respondent(s)"),
        ("demo", ["--id-column", "case"], "id column 'case' not found"),
        ("out_is_file", [], "is a file; give a folder"),
        ("bad_cell", [], "column 'op_stp_2': 'seven'"),
    ],
)
def test_input_problems_end_in_one_error_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    extra: list[str],
    expected: str,
) -> None:
    responses: Path = DEMO
    out = tmp_path / "out"
    if setup == "missing_file":
        responses = tmp_path / "nope.csv"
    elif setup == "missing_items":
        responses = tmp_path / "partial.csv"
        pd.read_csv(DEMO).drop(columns=["op_ai_1"]).to_csv(responses, index=False)
    elif setup == "out_is_file":
        out.write_text("x")
    elif setup == "bad_cell":
        responses = tmp_path / "bad.csv"
        data = pd.read_csv(DEMO).astype({"op_stp_2": object})
        data.loc[10, "op_stp_2"] = "seven"
        data.to_csv(responses, index=False)
    code, out_text, err = run(analyze(responses, out, *extra), capsys)
    assert code == 2 and out_text == ""
    assert err.startswith("smcap: error: ") and err.count("\n") == 1
    assert expected in err and "Traceback" not in err


def test_the_installed_command_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            *analyze(tmp_path / "none.csv", tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("smcap: error: responses file") and proc.stdout == ""


@pytest.mark.browser
def test_report_opens_in_chromium(demo_out: Path, artifacts_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((demo_out / "report.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        plots = page.locator(".js-plotly-plot").count()
        headings = page.locator("h2").all_inner_texts()
        page.screenshot(path=str(artifacts_dir / "analyze_report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert plots >= 2
    assert headings[0] == "How far does the model generalise?"
    assert headings[1] == "What was analysed" and "Reliability of each construct" in headings
    assert "Confirmatory factor analysis" in headings
    assert "Measurement invariance across groups" in headings


def test_the_shipped_demo_analyses_with_the_shipped_instrument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        analyze(DEMO_2_0, tmp_path, "--seed", "3", instrument=DEFAULT_INSTRUMENT), capsys
    )
    assert code == 0, err
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["instrument"]["version"] == "2.0"
    stages = results["stages"]
    assert [m["id"] for m in stages["models"]] == ["seed001", "seed001_second_arrow", "levels_1_0"]
    assert stages["model"] == "seed001" and stages["n_profiles"] == 4
    assert results["cfa"]["networking_structure"]["status"] == "ok"
    table = pd.read_csv(tmp_path / "assignments.csv", dtype=str, keep_default_na=False)
    assert {"stage_theory", "stage_cluster", "stage_status", "stage_margin"} <= set(table)
    assert ("stage_calibrated" in table) == (stages["stage_calibrated"]["status"] == "ok")
    assert (table["stage_theory"] != "").all()
    # nothing that the golden copy holds has changed; keys may only be added
    golden = json.loads((GOLDEN / "demo_results.json").read_text())
    assert differences(golden, results) == []
    golden_table = pd.read_csv(GOLDEN / "demo_assignments.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(table[list(golden_table.columns)], golden_table)


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where *new* differs from *old*: changed values, missing keys (added keys are fine).

    Numbers agree to 1e-9 (relative); ``VOLATILE`` top-level keys are not compared.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key, value in old.items():
            if not path and key in VOLATILE:
                continue
            if key not in new:
                found.append(f"{path}/{key} is missing")
            else:
                found += differences(value, new[key], f"{path}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path} has {len(new)} entries, not {len(old)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for d in differences(a, b, f"{path}/{i}")
        ]
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        if math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12):
            return []
    elif old == new:
        return []
    return [f"{path}: {old!r} became {new!r}"]


def test_differences_name_changed_values_and_missing_keys() -> None:
    old = {"software": {"numpy": "1"}, "a": {"b": 1.0, "c": [1, "x"], "d": True}}
    new = {"software": {"numpy": "2"}, "a": {"b": 1.0 + 1e-12, "c": [1, "y"], "e": 2}}
    assert differences(old, new) == ["/a/c/1: 'x' became 'y'", "/a/d is missing"]
    assert differences(old, old) == []
