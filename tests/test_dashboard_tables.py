"""Dashboard tables as shown: one format per kind of number, names not ids, "—" not "None"."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.results import parse_results
from survey import dashboard_tables as tables
from survey.dashboard_data import StudyAnalysis

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.8679, ".87"), (-0.046, "−.05"), (1.0, "1.00"), (-0.001, ".00"), (None, "—")],
)
def test_coefficients_have_two_decimals_and_no_leading_zero(value: float, shown: str) -> None:
    assert tables.coefficient(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1.6e-90, "< .001"), (0.000999, "< .001"), (0.001, ".001"), (0.22537, ".225"), (None, "—")],
)
def test_p_values(value: float, shown: str) -> None:
    assert tables.p_value(value) == shown


def test_other_kinds_of_numbers() -> None:
    assert tables.fit_index(0.92299) == ".923" and tables.fit_index(-0.0124) == "−.012"
    assert tables.chi_square(3313.1175) == "3,313.1" and tables.count(1816.0) == "1,816"
    assert tables.fit_index(float("nan")) == tables.count(pd.NA) == "—"


def shown_cells(frame: pd.DataFrame) -> set[str]:
    return {str(v) for v in frame.to_numpy().ravel()} | {str(c) for c in frame.columns}


def assert_readable(frame: pd.DataFrame) -> None:
    """No raw missing values and no snake_case keys anywhere in the table."""
    cells = shown_cells(frame)
    assert not {"None", "nan", "NaN", "<NA>"} & cells
    assert not [c for c in frame.columns if "_" in str(c)]


def test_cfa_sample_says_both_numbers_and_why(demo_analysis: StudyAnalysis) -> None:
    results = demo_analysis.result.results
    text = tables.cfa_sample(demo_analysis.result.typed)
    n, analysed = results["cfa"]["n"], results["n_respondents"]
    assert n < analysed == 400
    assert f"CFA on {n} respondents with complete answers of {analysed} analysed" in text
    assert f"the other {analysed - n} left at least one item unanswered" in text
    complete = {**results, "cfa": {**results["cfa"], "n": analysed}}
    assert tables.cfa_sample(parse_results(complete)) == (
        f"CFA on all {analysed} respondents analysed (every one answered every item)."
    )
    assert "400 respondents analysed" in tables.reliability_sample(demo_analysis.result.typed)


def test_reliability_tables_name_constructs_and_show_item_statistics(
    demo_analysis: StudyAnalysis,
) -> None:
    inst = demo_analysis.instrument
    reliability = demo_analysis.result.results["reliability"]
    table = tables.reliability_display(reliability, inst)
    assert_readable(table)
    assert list(table["Construct"]) == [c.label for c in inst.constructs]
    first = inst.constructs[0]
    assert table["α"].iloc[0] == tables.coefficient(reliability[first.id]["alpha"])

    items = tables.item_display(reliability, first.id, inst)
    assert_readable(items)
    assert list(items["Item"]) == list(reliability[first.id]["items"])
    stats = reliability[first.id]["items"][first.items[0].id]
    row = items.set_index("Item").loc[first.items[0].id]
    assert row["Text"] == first.items[0].text
    assert row["Item-rest r"] == tables.coefficient(stats["r_drop"])
    assert row["α if dropped"].startswith(tables.coefficient(stats["alpha_if_dropped"]))
    # an item whose removal would raise α is marked
    raised = {
        **reliability[first.id],
        "alpha": 0.5,
        "items": {i: {**s, "alpha_if_dropped": 0.6} for i, s in stats_of(reliability, first.id)},
    }
    marked = tables.item_display({first.id: raised}, first.id, inst)
    assert (marked["α if dropped"] == ".60 ↑").all()


def stats_of(reliability: dict, construct: str) -> list[tuple[str, dict]]:
    return list(reliability[construct]["items"].items())


def test_fit_validity_and_invariance_tables_are_readable(demo_analysis: StudyAnalysis) -> None:
    results = demo_analysis.result.results
    fits = tables.fit_display(results["cfa"])
    assert_readable(fits)
    assert list(fits["Model"]) == ["First order", "Second order"]
    assert fits["p"].iloc[0] == "< .001" and fits["n"].iloc[0] == str(results["cfa"]["n"])
    assert fits["CFI"].iloc[0] == f"{tables.fit_index(results['cfa']['cfi'])} (acceptable)"

    validity = tables.validity_display(results["validity"], demo_analysis.instrument)
    assert_readable(validity)
    labels = {c.label for c in demo_analysis.instrument.constructs}
    assert set(validity["With"]) <= labels

    invariance = tables.invariance_display(results["invariance"])
    assert_readable(invariance)
    assert list(invariance["Model"]) == ["Configural", "Metric", "Scalar"]
    assert set(invariance.iloc[0][["Δχ²", "Δdf", "p (Δχ²)", "ΔCFI", "ΔRMSEA"]]) == {"—"}
    metric = results["invariance"]["metric"]
    assert invariance["Δχ²"].iloc[1] == tables.chi_square(metric["delta_chisq"])


def test_calibrated_cuts_name_constructs_and_explain_missing_cuts(
    demo_analysis: StudyAnalysis,
) -> None:
    calibrated = demo_analysis.result.results["stages"]["calibrated_thresholds"]
    table = tables.calibrated_cuts_display(calibrated, demo_analysis.instrument)
    assert_readable(table)
    no_cut = table[table["Data's cut"] == "—"]
    assert len(no_cut) and no_cut["Note"].str.contains("overlap").all()
    names = tables.construct_names(demo_analysis.instrument)
    assert list(table["Construct"]) == [names[c] for c in calibrated]
