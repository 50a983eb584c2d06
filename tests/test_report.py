"""Report building blocks: verdicts against published cut-offs, ordering, self-containment."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.criteria import alpha_verdict, fit_verdict
from analysis.report.html import (
    ReportSection,
    badge,
    fmt,
    fmt_p,
    not_run_section,
    render_report,
    source_name,
    table,
)
from analysis.report.measurement import (
    cfa_section,
    invariance_section,
    scree_figure,
    validity_section,
    warnings_section,
)


@pytest.mark.parametrize(
    ("index", "value", "verdict"),
    [
        ("cfi", 0.95, "good"),
        ("cfi", 0.949, "acceptable"),
        ("cfi", 0.90, "acceptable"),
        ("cfi", 0.899, "poor"),
        ("tli", 0.896, "poor"),
        ("rmsea", 0.06, "good"),
        ("rmsea", 0.07, "acceptable"),
        ("rmsea", 0.092, "poor"),
        ("srmr", 0.065, "good"),
        ("srmr", 0.09, "acceptable"),
        ("srmr", 0.11, "poor"),
        ("cfi", float("nan"), "na"),
    ],
)
def test_fit_verdicts_follow_hu_and_bentler(index: str, value: float, verdict: str) -> None:
    assert fit_verdict(index, value)[0] == verdict


def test_unknown_fit_index_and_alpha_verdicts() -> None:
    with pytest.raises(ValueError, match="no cut-off"):
        fit_verdict("gfi", 0.9)
    assert [alpha_verdict(v)[1] for v in (0.85, 0.72, 0.65, 0.4, None)] == [
        "good",
        "acceptable",
        "questionable",
        "poor",
        "not available",
    ]


def test_formatting_and_escaping() -> None:
    assert fmt(0.12345) == "0.123" and fmt(float("nan")) == "—" and fmt(None) == "—"
    assert fmt(1200) == "1,200" and fmt(True) == "yes"
    assert fmt_p(0.0001) == "< .001" and fmt_p(0.0432) == "0.043"
    assert "&lt;b&gt;" in badge("good", "<b>")
    html = table([["<i>x</i>", "1"]], ["a<", "b"], numeric=(1,))
    assert "<i>x</i>" in html and "a&lt;" in html and 'class="num"' in html
    assert "<thead>" not in table([["a", "1"]], None)
    assert source_name("/home/someone/study/data.csv") == "data.csv"
    assert "&lt;script&gt;" in warnings_section(["<script>"]).html
    assert "Not run: no groups" in not_run_section("invariance", "Invariance", "no groups").html


def test_report_orders_sections_and_inlines_plotly_once() -> None:
    sections = [
        ReportSection(order=50, key="b", title="Second", html="<p>two</p>"),
        ReportSection(order=0, key="a", title="First", html="<p>one</p>"),
        warnings_section([]),
    ]
    html = render_report(sections, title="T", subtitle="S", footer="F")
    assert html.index('id="a"') < html.index('id="b"') < html.index('id="warnings"')
    assert html.count("<script") == 1 and "<script src" not in html  # nothing fetched
    assert "plotly.js" in html.lower() and '<a href="#a">First</a>' in html


def test_scree_figure_zooms_and_marks_off_scale_eigenvalues() -> None:
    eig = pd.DataFrame(
        {
            "observed_fa": [20.0, 2.0, 0.5] + [0.1] * 17,
            "observed_pc": [21.0, 2.5, 1.2] + [0.5] * 17,
            "simulated_fa_quantile": [0.6, 0.4, 0.3] + [0.1] * 17,
            "simulated_pc_quantile": [1.4, 1.3, 1.2] + [1.0] * 17,
        }
    )
    fig = scree_figure(eig, 2)
    assert len(fig.data[0].x) == 10
    assert fig.layout.yaxis.range[1] < 20
    assert any("21.0" in a.text for a in fig.layout.annotations)


HS_CFA = {
    "status": "ok",
    "n": 301,
    "n_dropped": 0,
    "chisq": 85.306,
    "df": 24,
    "pvalue": 8.5e-9,
    "cfi": 0.931,
    "tli": 0.896,
    "rmsea": 0.092,
    "rmsea_ci": [0.071, 0.114],
    "srmr": 0.065,
    "converged": True,
    "std_loadings": {"visual.x1": 0.772, "visual.x2": 0.424, "visual.x3": 0.581},
    "warnings": [],
}


def test_cfa_section_gives_a_verdict_per_index() -> None:
    html = cfa_section(HS_CFA).html
    rows = html.split("<tr>")
    verdicts = {
        name: row for row in rows for name in ("CFI", "TLI", "RMSEA", "SRMR") if f">{name}<" in row
    }
    assert ">acceptable<" in verdicts["CFI"] and ">poor<" in verdicts["TLI"]
    assert ">poor<" in verdicts["RMSEA"] and ">good<" in verdicts["SRMR"]
    assert "[0.071, 0.114]" in html and "Items below .50: visual.x2 (0.42)" in html
    assert "301 respondents who answered every item" in html
    assert len(cfa_section(HS_CFA).figures) == 1
    assert "Not run: too few" in cfa_section({"status": "not run", "reason": "too few"}).html


def test_validity_section_flags_fornell_larcker_and_htmt_problems() -> None:
    validity = {
        "status": "ok",
        "cr": {"a": 0.85, "b": 0.65, "c": 0.9},
        "ave": {"a": 0.6, "b": 0.4, "c": 0.7},
        "fornell_larcker": {
            "a": {"a": 0.77, "b": 0.8, "c": 0.3},
            "b": {"a": 0.8, "b": 0.63, "c": 0.2},
            "c": {"a": 0.3, "b": 0.2, "c": 0.84},
        },
        "htmt": {
            "a": {"a": 1.0, "b": 0.93, "c": 0.35},
            "b": {"a": 0.93, "b": 1.0, "c": 0.25},
            "c": {"a": 0.35, "b": 0.25, "c": 1.0},
        },
        "htmt_variant": "htmt2",
    }
    html = validity_section(validity).html
    assert "Pairs failing Fornell–Larcker: a–b." in html
    assert "Pairs with HTMT ≥ .85: a–b (0.93; ≥ .90)" in html
    assert html.count(">&lt; .50<") == 1 and html.count(">&lt; .70<") == 1


def test_invariance_section_judges_each_step() -> None:
    def step(chisq: float, df: int, cfi: float, rmsea: float, verdict: str, **delta: float) -> dict:
        return {
            "chisq": chisq,
            "df": df,
            "cfi": cfi,
            "rmsea": rmsea,
            "srmr": 0.07,
            "verdict": verdict,
            **delta,
        }

    invariance = {
        "status": "ok",
        "group": "school",
        "group_sizes": {"Pasteur": 156, "Grant-White": 145},
        "configural": step(115.85, 48, 0.923, 0.097, "reference"),
        "metric": step(
            124.04,
            54,
            0.921,
            0.093,
            "invariant",
            delta_chisq=8.19,
            delta_df=6,
            delta_p=0.22,
            delta_cfi=-0.002,
            delta_rmsea=-0.004,
        ),
        "scalar": step(
            164.10,
            60,
            0.882,
            0.107,
            "not invariant",
            delta_chisq=40.06,
            delta_df=6,
            delta_p=0.0000004,
            delta_cfi=-0.039,
            delta_rmsea=0.014,
        ),
    }
    html = invariance_section(invariance).html
    assert "baseline fit acceptable" not in html and "baseline fit poor" in html
    assert ">invariant<" in html and ">not invariant<" in html
    assert "Δχ²(6) = 40.06, p &lt; .001" in html or "Δχ²(6) = 40.06, p < .001" in html
    assert "Pasteur (156)" in html
    assert "--group" in invariance_section({"status": "not run", "reason": "no --group"}).html
