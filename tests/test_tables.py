"""The results sections as tables: same numbers and verdicts as results.json and the report."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.report.tables import (
    fit_table,
    invariance_table,
    reliability_table,
    scorecard_table,
    validity_table,
)
from survey.dashboard_data import StudyAnalysis

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def results(demo_analysis: StudyAnalysis) -> dict:
    return demo_analysis.result.results


def test_scorecard_keeps_order_and_verdicts(results: dict) -> None:
    table = scorecard_table(results["generalisability"])
    rows = results["generalisability"]["rows"]
    assert list(table.index) == [r["key"] for r in rows]
    assert table["verdict"].tolist() == [r["verdict"] for r in rows]
    assert table.loc["reliability", "area"] == "Measurement"
    assert scorecard_table({"rows": []}).empty


def test_reliability_table(results: dict) -> None:
    table = reliability_table(results["reliability"])
    first = next(iter(results["reliability"]))
    r = results["reliability"][first]
    assert table.loc[first, "alpha"] == r["alpha"]
    assert (table.loc[first, "alpha_ci_low"], table.loc[first, "alpha_ci_high"]) == tuple(
        r["alpha_ci"]
    )
    assert set(table["verdict"]) <= {"good", "acceptable", "questionable", "poor"}
    assert (table["alpha_ci_low"] < table["alpha"]).all()


def test_fit_table_has_both_models_and_hu_bentler_verdicts(results: dict) -> None:
    table = fit_table(results["cfa"])
    assert list(table.index) == ["first order", "second order"]
    assert table.loc["first order", "cfi"] == results["cfa"]["cfi"]
    assert table.loc["second order", "chisq"] == results["cfa"]["second_order"]["chisq"]
    cfi = table.loc["first order", "cfi"]
    assert table.loc["first order", "cfi_verdict"] == (
        "good" if cfi >= 0.95 else "acceptable" if cfi >= 0.9 else "poor"
    )
    assert fit_table({"status": "not run", "reason": "x"}).empty


def test_validity_table_finds_the_closest_construct(results: dict) -> None:
    table = validity_table(results["validity"])
    htmt = results["validity"]["htmt"]
    construct = table["max_htmt"].idxmax()
    partner = table.loc[construct, "max_htmt_with"]
    assert htmt[construct][partner] == table.loc[construct, "max_htmt"]
    assert np.allclose(table["sqrt_ave"] ** 2, table["ave"])
    assert validity_table({"status": "not run"}).empty


def test_invariance_table(results: dict) -> None:
    table = invariance_table(results["invariance"])
    assert list(table.index) == ["configural", "metric", "scalar"]
    assert table.loc["metric", "delta_cfi"] == results["invariance"]["metric"]["delta_cfi"]
    assert table.loc["configural", "verdict"] == "reference"
    assert np.isnan(table.loc["configural", "delta_cfi"])
    assert invariance_table({"status": "not run"}).empty
