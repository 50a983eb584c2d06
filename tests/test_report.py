"""Report building blocks: verdicts against published cut-offs, ordering, self-containment."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report import (
    ReportSection,
    alpha_verdict,
    badge,
    fit_verdict,
    fmt,
    fmt_p,
    not_run_section,
    render_report,
    scree_figure,
    table,
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
