"""Report sections of the measurement results: overview, quality, reliability, adequacy, EFA,
CFA, validity, invariance, common-method bias and the warnings.

Each ``*_section`` function takes its part of ``results.json`` (as the pipeline wrote it) and
returns a :class:`~analysis.report.html.ReportSection`; judgements (good / acceptable / poor)
come from :mod:`analysis.criteria`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.criteria import (
    ACCEPTABLE,
    ALPHA_GOOD,
    ALPHA_MIN,
    ALPHA_QUESTIONABLE,
    AVE_MIN,
    CFI_ACCEPTABLE,
    CFI_GOOD,
    CR_MIN,
    DELTA_CFI_MIN,
    DELTA_RMSEA_MAX,
    EFA_CROSS_MAX,
    EFA_GAP_MIN,
    EFA_PRIMARY_MIN,
    FIT_WORDS,
    GOOD,
    HARMAN_MAX_SHARE,
    HTMT_LIBERAL,
    HTMT_STRICT,
    ITEM_REST_MIN,
    KMO_GOOD,
    KMO_MIN,
    LOADING_GOOD,
    LOADING_MIN,
    NA,
    POOR,
    RMSEA_ACCEPTABLE,
    RMSEA_GOOD,
    SIGNIFICANCE_LEVEL,
    SRMR_GOOD,
    alpha_verdict,
    fit_verdict,
    fmt_cut,
    item_rest_ok,
    kmo_verdict,
    significant,
)
from analysis.report.html import (
    ReportSection,
    badge,
    esc,
    figure_html,
    fmt,
    not_run_section,
    note,
    paragraph,
    section,
    source_name,
    table,
)


def _heatmap(
    matrix: pd.DataFrame,
    *,
    title: str,
    zmin: float,
    zmax: float,
    colorscale: str | list,
    zmid: float | None = None,
    colorbar: str = "",
) -> go.Figure:
    text = matrix.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    n_rows, n_cols = matrix.shape
    longest = max((len(str(c)) for c in matrix.columns), default=0)
    top_room = int(6.5 * longest) if n_cols > 8 else 0
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 10},
            zmin=zmin,
            zmax=zmax,
            zmid=zmid,
            colorscale=colorscale,
            colorbar={"title": {"text": colorbar}},
            hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10},
        },
        height=max(320, 110 + 19 * n_rows) + top_room,
        width=None,
        margin={"l": 10, "r": 10, "t": 50 + top_room, "b": 10},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"side": "top", "automargin": True, "tickangle": -45 if n_cols > 8 else 0},
        template="plotly_white",
    )
    return fig


# --------------------------------------------------------------------------- sections
def overview_section(results: Mapping[str, Any]) -> ReportSection:
    """What was analysed: instrument, respondents, exclusions, options."""
    inst = results["instrument"]
    excl = results.get("exclusions", {})
    parts = [
        paragraph(
            f"This report validates the instrument “{inst['title']}” ({inst['id']} version "
            f"{inst['version']}: {inst['n_items']} Likert items in {inst['n_constructs']} "
            f"constructs) on {results['n_respondents']:,} respondents from "
            f"{source_name(results['source'])}."
        )
    ]
    rows = [
        ["Respondents in the file", fmt(results["n_respondents_total"])],
        ["Respondents analysed", fmt(results["n_respondents"])],
    ]
    if excl.get("applied"):
        reasons = ", ".join(f"{k}: {v}" for k, v in excl["reasons"].items() if v) or "none"
        rows.append(["Excluded as flagged (--exclude-flagged)", f"{fmt(excl['n_excluded'])}"])
        rows.append(["Why they were flagged (a respondent can have several reasons)", esc(reasons)])
    else:
        rows.append(
            [
                "Flagged by the quality screens (kept in the analysis)",
                fmt(results.get("quality", {}).get("n_flagged")),
            ]
        )
    if inst.get("dropped_items"):
        rows.append(["Instrument items not in the file", esc(", ".join(inst["dropped_items"]))])
    if inst.get("skipped_constructs"):
        rows.append(["Constructs skipped", esc(", ".join(inst["skipped_constructs"]))])
    group = results.get("options", {}).get("group")
    rows.append(["Groups compared (measurement invariance)", esc(group or "none")])
    rows.append(["Random seed", esc(results.get("seed"))])
    parts.append(table(rows, None, numeric=(1,)))
    parts.append(
        note(
            "Reverse-keyed items were recoded (min + max − answer) before every statistic. "
            "Reliability, sampling adequacy and the exploratory factor analysis use all "
            "answers (pairwise deletion, as R psych); the confirmatory factor analysis uses "
            "respondents who answered every item (listwise deletion, as R lavaan's default)."
        )
    )
    return section("overview", "What was analysed", parts)


def reliability_section(reliability: Mapping[str, Any]) -> ReportSection:
    """Per-construct α with interval, ω and the items that weaken a scale."""
    parts = [
        paragraph(
            "How consistently the items of each construct measure the same thing. Cronbach's α "
            "(with its 95% Feldt interval) and McDonald's ω total from a one-factor model: "
            f"≥ {fmt_cut(ALPHA_GOOD)} good, ≥ {fmt_cut(ALPHA_MIN)} acceptable (Nunnally, 1978), "
            f"{fmt_cut(ALPHA_QUESTIONABLE)}–{fmt_cut(ALPHA_MIN)} questionable, below "
            f"{fmt_cut(ALPHA_QUESTIONABLE)} poor. Standardised α uses correlations instead of "
            "covariances."
        ),
        table(
            [_reliability_row(construct, r) for construct, r in reliability.items()],
            ["Construct", "Items", "α [95% CI]", "Std. α", "ω total", "Verdict"],
            numeric=(1, 2, 3, 4),
        ),
    ]
    weak = [row for construct, r in reliability.items() for row in _weak_item_rows(construct, r)]
    if weak:
        parts.append(paragraph("Items worth a second look:"))
        parts.append(
            table(
                weak,
                ["Construct", "Item", "r.drop", "α if dropped", "Why"],
                numeric=(2, 3),
            )
        )
    else:
        parts.append(
            note(
                f"Every item correlates at least {fmt_cut(ITEM_REST_MIN)} with the rest of its "
                "scale, and no item's removal would raise α."
            )
        )
    parts.append(
        note(
            "Matches R psych::alpha (pairwise deletion; r.drop = item–rest correlation; α if "
            "dropped = alpha.drop$raw_alpha) and psych::omega(x, nfactors = 1)$omega.tot."
        )
    )
    return section("reliability", "Reliability of each construct", parts)


def _reliability_row(construct: str, r: Mapping[str, Any]) -> list[str]:
    """A construct's α with its interval, standardised α, ω and the verdict."""
    verdict, words = alpha_verdict(r["alpha"])
    ci = r["alpha_ci"]
    return [
        esc(construct),
        fmt(r["n_items"]),
        f"{fmt(r['alpha'])} <span class='ci'>[{fmt(ci[0])}, {fmt(ci[1])}]</span>",
        fmt(r["alpha_std"]),
        fmt(r["omega"]),
        badge(verdict, words),
    ]


def _weak_item_rows(construct: str, r: Mapping[str, Any]) -> list[list[str]]:
    """The construct's items that correlate weakly with the rest or whose removal raises α."""
    rows = []
    for item, s in r["items"].items():
        why = _weak_item_reasons(s, r["alpha"])
        if why:
            rows.append(
                [
                    esc(construct),
                    esc(item),
                    fmt(s["r_drop"]),
                    fmt(s["alpha_if_dropped"]),
                    esc("; ".join(why)),
                ]
            )
    return rows


def _weak_item_reasons(s: Mapping[str, Any], alpha: float | None) -> list[str]:
    """Why an item weakens its scale (empty if it does not)."""
    why = []
    if s["r_drop"] is not None and not item_rest_ok(s["r_drop"]):
        why.append(
            f"correlates weakly with the rest of its scale (r.drop < {fmt_cut(ITEM_REST_MIN)})"
        )
    if (
        s["alpha_if_dropped"] is not None
        and alpha is not None
        and s["alpha_if_dropped"] > alpha + 0.005
    ):
        why.append("α would rise without it")
    return why


def sampling_adequacy_section(adequacy: Mapping[str, Any]) -> ReportSection:
    """KMO (overall, weakest items) and Bartlett's test."""
    kmo = adequacy["kmo"]
    verdict = kmo_verdict(kmo)
    items = sorted(adequacy["kmo_items"].items(), key=lambda kv: (kv[1] is None, kv[1]))
    low = [(k, v) for k, v in items if v is not None and v < KMO_MIN]
    p = adequacy["bartlett_p"]
    if adequacy["bartlett_chisq"] is None:
        bartlett_value, bartlett_badge = "not defined", badge(NA, "not defined")
    else:
        bartlett_value = (
            f"χ²({fmt(adequacy['bartlett_df'])}) = {fmt(adequacy['bartlett_chisq'], 1)}, "
            f"p {_p_phrase(p)}"
        )
        bartlett_badge = badge(
            GOOD if significant(p) else POOR,
            "items correlated" if significant(p) else "not shown",
        )
    rows = [
        [
            "Kaiser–Meyer–Olkin (KMO)",
            fmt(kmo),
            badge(verdict, adequacy.get("kmo_label", "")),
            esc(
                f"≥ {fmt_cut(KMO_MIN)} needed to factor-analyse; ≥ {fmt_cut(KMO_GOOD)} is "
                "meritorious (Kaiser, 1974)."
            ),
        ],
        [
            "Bartlett's test of sphericity",
            bartlett_value,
            bartlett_badge,
            esc(
                "A significant test says the items are correlated at all (not an identity matrix)."
            ),
        ],
    ]
    parts = [
        paragraph("Are the items correlated enough for factor analysis?"),
        table(rows, ["Test", "Value", "Verdict", "What it means"], numeric=(1,)),
        *(note(w[0].upper() + w[1:] + ".") for w in adequacy.get("warnings", [])),
    ]
    if low:
        parts.append(
            note(
                f"Items with KMO below {fmt_cut(KMO_MIN)}: "
                + ", ".join(f"{k} ({v:.2f})" for k, v in low)
                + ". They share little variance with the other items."
            )
        )
    else:
        lowest = items[0] if items else None
        if lowest:
            parts.append(
                note(
                    f"Every item has KMO ≥ {fmt_cut(KMO_MIN)} "
                    f"(lowest: {lowest[0]}, {lowest[1]:.2f})."
                )
            )
    parts.append(note("Matches R psych::KMO and psych::cortest.bartlett (pairwise correlations)."))
    return section("sampling_adequacy", "Sampling adequacy", parts)


def efa_section(efa: Mapping[str, Any]) -> ReportSection:
    """Parallel analysis scree plot and the rotated loadings heatmap."""
    scree = scree_figure(pd.DataFrame(efa["eigenvalues"]), efa["n_factors_parallel"])
    loadings = pd.DataFrame(efa["loadings"]).T
    heat = _heatmap(
        loadings,
        title=f"EFA pattern loadings ({efa['n_factors']} factors, minres, {efa['rotation']})",
        zmin=-1,
        zmax=1,
        zmid=0,
        colorscale="RdBu",
        colorbar="loading",
    )
    cross = efa.get("cross_loadings", [])
    weak = efa.get("weak_items", [])
    parts = [
        paragraph(
            f"Parallel analysis suggests {efa['n_factors_parallel']} factor(s) "
            f"({efa['n_components_parallel']} component(s)): that many eigenvalues of the data "
            f"exceed the 95th percentile of {efa['n_iter']} random data sets of the same size. "
            f"The instrument defines {efa['n_factors_theory']} constructs."
        ),
        figure_html(scree),
        paragraph(
            f"Exploratory factor analysis with {efa['n_factors']} factor(s): each cell is an "
            "item's loading on a factor (blue positive, red negative). Ideally each item loads "
            f"≥ {fmt_cut(EFA_PRIMARY_MIN)} on one factor and < {fmt_cut(EFA_CROSS_MAX)} on all "
            "others (Howard, 2016)."
        ),
        figure_html(heat),
        note(
            f"Cross-loading items (second loading ≥ {fmt_cut(EFA_CROSS_MAX)} or within "
            f"{fmt_cut(EFA_GAP_MIN)} of the first): {', '.join(cross) if cross else 'none'}. "
            f"Items loading < {fmt_cut(EFA_PRIMARY_MIN)} on every factor: "
            f"{', '.join(weak) if weak else 'none'}."
        ),
        note(
            "Matches R psych::fa(fm = 'minres', rotate = 'oblimin') and psych::fa.parallel "
            "(its decision rule: observed eigenvalues above the 95th percentile of random ones)."
        ),
    ]
    return section("efa", "Exploratory factor structure", parts, figures=(scree, heat))


def scree_figure(eigenvalues: pd.DataFrame, n_suggested: int) -> go.Figure:
    """Observed and random-data eigenvalues (parallel analysis), zoomed on the decision.

    Shows the first ``max(10, 2 × suggestion + 4)`` numbers; the y axis stops at twice the
    largest random eigenvalue (or just above the last retained observed one), and larger
    observed eigenvalues are marked as off the scale so the crossing points stay readable.
    """
    n_show = min(len(eigenvalues), max(10, 2 * n_suggested + 4))
    shown = eigenvalues.iloc[:n_show]
    x = list(range(1, n_show + 1))
    top = max(
        2.0 * float(shown[["simulated_fa_quantile", "simulated_pc_quantile"]].to_numpy().max()),
        1.15 * float(shown["observed_pc"].iloc[min(n_suggested, n_show - 1)]),
    )
    bottom = min(0.0, float(shown[["observed_fa", "simulated_fa_quantile"]].to_numpy().min()) - 0.1)
    fig = go.Figure()
    styles = (
        ("observed_fa", "factors, data", {"color": "#1f5fa8"}, "lines+markers"),
        (
            "simulated_fa_quantile",
            "factors, random data (95th percentile)",
            {"color": "#1f5fa8", "dash": "dash"},
            "lines",
        ),
        ("observed_pc", "components, data", {"color": "#c2571a"}, "lines+markers"),
        (
            "simulated_pc_quantile",
            "components, random data (95th percentile)",
            {"color": "#c2571a", "dash": "dot"},
            "lines",
        ),
    )
    for col, name, line, mode in styles:
        fig.add_scatter(x=x, y=shown[col], mode=mode, name=name, line=line)
    off = [(i + 1, v) for i, v in enumerate(shown["observed_pc"]) if v > top]
    for number, value in off:
        fig.add_annotation(
            x=number, y=top, text=f"{value:.1f} ↑", showarrow=False, yshift=8, font={"size": 11}
        )
    fig.update_layout(
        title={"text": "Parallel analysis: eigenvalues of the data and of random data", "x": 0},
        xaxis={"title": "factor / component number", "dtick": 1},
        yaxis={"title": "eigenvalue", "range": [bottom, top * 1.08]},
        height=400,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.22},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def cfa_section(cfa: Mapping[str, Any]) -> ReportSection:
    """CFA fit against Hu & Bentler's cut-offs, with the standardised loadings."""
    title = "Confirmatory factor analysis"
    if cfa.get("status") != "ok":
        return not_run_section("cfa", title, cfa.get("reason", "no CFA result"))
    parts = [_cfa_intro(cfa), _cfa_fit_table(cfa)]
    if not cfa.get("converged", True):
        parts.append(
            paragraph("The estimation did not converge: treat these numbers as unreliable.")
        )
    parts.extend(_second_order_parts(cfa.get("second_order")))
    parts.extend(_networking_structure_parts(cfa.get("networking_structure")))
    loadings = pd.Series(cfa["std_loadings"], dtype=float)
    figures: tuple[go.Figure, ...] = ()
    if len(loadings):
        fig = loadings_figure(loadings)
        parts.extend([figure_html(fig), _loadings_note(loadings)])
        figures = (fig,)
    parts.extend(note(f"Estimation note: {warning}") for warning in cfa.get("warnings", []))
    parts.append(
        note(
            "Matches R lavaan::cfa(model, data) with ML (χ² = N·F, RMSEA with N, SRMR as "
            "lavaan's srmr). The lavaan syntax is in results.json under cfa.lavaan_syntax."
        )
    )
    return section("cfa", title, parts, figures=figures)


#: What each approximate fit index says, in plain words.
_FIT_MEANING: dict[str, str] = {
    "cfi": "How much better the model fits than one with uncorrelated items (1 = perfect).",
    "tli": "Like CFI, with a penalty for model complexity.",
    "rmsea": "Misfit per degree of freedom in the population (0 = perfect); 90% CI shown.",
    "srmr": "Average difference between observed and model-implied correlations.",
}


def _cfa_intro(cfa: Mapping[str, Any]) -> str:
    """The model and the respondents it was fitted to."""
    return paragraph(
        f"Each construct is a factor measured by its items; the factors correlate freely. "
        f"Maximum likelihood on the {cfa['n']:,} respondents who answered every item "
        f"({cfa['n_dropped']:,} with a missing answer were left out, listwise deletion as in "
        "lavaan)."
    )


def _cfa_fit_table(cfa: Mapping[str, Any]) -> str:
    """The χ² test and each approximate fit index against its cut-off, with a verdict."""
    return table(
        [_exact_fit_row(cfa), *(_fit_index_row(cfa, i) for i in ("cfi", "tli", "rmsea", "srmr"))],
        ["Index", "Value", "Cut-off (Hu & Bentler, 1999)", "Verdict", "What it means"],
        numeric=(1,),
    )


def _exact_fit_row(cfa: Mapping[str, Any]) -> list[str]:
    """The χ² test of exact fit, as a row of the fit table."""
    exact = (cfa["pvalue"] or 0) > SIGNIFICANCE_LEVEL
    return [
        "χ² test of exact fit",
        f"χ²({fmt(cfa['df'])}) = {fmt(cfa['chisq'], 2)}, p {_p_phrase(cfa['pvalue'])}",
        esc(f"p > {fmt_cut(SIGNIFICANCE_LEVEL)}"),
        badge(GOOD if exact else NA, "exact fit" if exact else "rejected (usual with large N)"),
        esc(
            "Tests perfect fit; almost always rejected in large samples, so the approximate "
            "indices below are used."
        ),
    ]


def _fit_index_row(cfa: Mapping[str, Any], index: str) -> list[str]:
    """One approximate fit index (RMSEA with its interval), as a row of the fit table."""
    incremental = f"≥ {fmt_cut(CFI_GOOD)} good, ≥ {fmt_cut(CFI_ACCEPTABLE)} acceptable"
    cutoff = {
        "cfi": incremental,
        "tli": incremental,
        "rmsea": f"≤ {fmt_cut(RMSEA_GOOD)} good, ≤ {fmt_cut(RMSEA_ACCEPTABLE)} acceptable",
        "srmr": f"≤ {fmt_cut(SRMR_GOOD)} good",
    }
    verdict, words = fit_verdict(index, cfa[index])
    value = fmt(cfa[index])
    if index == "rmsea" and cfa.get("rmsea_ci"):
        lo, hi = cfa["rmsea_ci"]
        value += f" <span class='ci'>[{fmt(lo)}, {fmt(hi)}]</span>"
    return [
        index.upper(),
        value,
        esc(cutoff[index]),
        badge(verdict, words),
        esc(_FIT_MEANING[index]),
    ]


def _second_order_parts(second: Mapping[str, Any] | None) -> list[str]:
    """The fit of the second-order model, if it was fitted."""
    if not second or second.get("status") != "ok":
        return []
    cells = [f"χ²({fmt(second['df'])}) = {fmt(second['chisq'], 1)}"] + [
        f"{k.upper()} {fmt(second[k])} {badge(*fit_verdict(k, second[k]))}"
        for k in ("cfi", "tli", "rmsea", "srmr")
    ]
    return [
        paragraph("Second-order model (each capability level a factor over its constructs):"),
        f"<p>{' · '.join(cells)}</p>",
    ]


def _networking_structure_parts(structure: Mapping[str, Any] | None) -> list[str]:
    """Networking as a fourth tier or an assemblage: both models' fit, if they were fitted."""
    if not structure or structure.get("status") != "ok":
        return []
    rows = [
        [
            name,
            f"{fmt(m['chisq'], 1)} ({fmt(m['df'])})",
            fmt(m["cfi"]),
            fmt(m["rmsea"]),
            fmt(m["bic"], 1),
        ]
        for name, m in (
            ("four tiers: one factor per level", structure["four_tier"]),
            ("assemblage: one networking capability over all", structure["assemblage"]),
        )
    ]
    return [
        paragraph(
            "Is networking a fourth tier or an assemblage of the other capabilities "
            "(seed 001 §5)? " + structure["summary"]
        ),
        table(rows, ["Structure", "χ² (df)", "CFI", "RMSEA", "BIC"], numeric=(1, 2, 3, 4)),
    ]


def _loadings_note(loadings: pd.Series) -> str:
    """What the standardised loadings mean, and the items that load too weakly."""
    low = loadings[loadings < LOADING_MIN]
    return note(
        f"Standardised loadings (lavaan's std.all): ≥ {fmt_cut(LOADING_GOOD)} means the "
        "construct explains about half of an item's variance; below "
        f"{fmt_cut(LOADING_MIN)} the item is mostly noise. "
        + (
            f"Items below {fmt_cut(LOADING_MIN)}: "
            + ", ".join(f"{k} ({v:.2f})" for k, v in low.items())
            + "."
            if len(low)
            else f"No item loads below {fmt_cut(LOADING_MIN)}."
        )
    )


def loadings_figure(std_loadings: pd.Series) -> go.Figure:
    """Dot plot of standardised loadings keyed ``construct.item``, with the .50/.70 lines."""
    constructs = [k.split(".", 1)[0] for k in std_loadings.index]
    items = [k.split(".", 1)[1] for k in std_loadings.index]
    fig = go.Figure()
    for construct in dict.fromkeys(constructs):
        keep = [c == construct for c in constructs]
        fig.add_scatter(
            x=std_loadings.to_numpy()[keep],
            y=[i for i, k in zip(items, keep, strict=True) if k],
            mode="markers",
            name=construct,
            marker={"size": 9},
            hovertemplate="%{y}: %{x:.3f}<extra>" + construct + "</extra>",
        )
    for x in (LOADING_MIN, LOADING_GOOD):
        fig.add_vline(x=x, line={"dash": "dot", "color": "#7b8794"}, annotation_text=fmt_cut(x))
    fig.update_layout(
        title={"text": "Standardised CFA loadings by item", "x": 0},
        xaxis={
            "title": "standardised loading",
            "range": [min(0.0, std_loadings.min() - 0.05), 1.0],
        },
        yaxis={"autorange": "reversed", "automargin": True, "dtick": 1},
        height=max(320, 90 + 17 * len(std_loadings)),
        template="plotly_white",
        legend={"title": {"text": "construct"}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def validity_section(validity: Mapping[str, Any]) -> ReportSection:
    """CR, AVE, the Fornell–Larcker table and the HTMT heatmap."""
    title = "Convergent and discriminant validity"
    if validity.get("status") != "ok":
        return not_run_section("validity", title, validity.get("reason", "no CFA result"))
    fl_table, violations = _fornell_larcker(validity["fornell_larcker"])
    htmt = pd.DataFrame(validity["htmt"]).T.astype(float)
    heat = _htmt_figure(htmt, validity["htmt_variant"])
    parts = [
        paragraph(
            f"Convergent validity: composite reliability (CR ≥ {fmt_cut(CR_MIN)}) and average "
            f"variance extracted (AVE ≥ {fmt_cut(AVE_MIN)}: the construct explains at least half "
            "of its items' variance; Fornell & Larcker, 1981), from the standardised CFA "
            "loadings."
        ),
        _convergent_table(validity),
        paragraph(
            "Fornell–Larcker criterion: the square root of each construct's AVE (diagonal, bold) "
            "should exceed its correlations with every other construct (off-diagonal; red where "
            "it does not)."
        ),
        fl_table,
        note(
            "Pairs failing Fornell–Larcker: "
            + (", ".join(violations) if violations else "none")
            + "."
        ),
        paragraph(
            "Heterotrait–monotrait ratio (HTMT): how strongly the items of two constructs "
            "correlate relative to the items within each construct. Above "
            f"{fmt_cut(HTMT_STRICT)} (strict) or {fmt_cut(HTMT_LIBERAL)} "
            "(lenient) the two constructs may not be distinct (Henseler et al., 2015)."
        ),
        figure_html(heat),
        _htmt_note(htmt, validity["htmt_variant"]),
    ]
    return section("validity", title, parts, figures=(heat,))


def _convergent_table(validity: Mapping[str, Any]) -> str:
    """CR and AVE of each construct against their cut-offs."""
    rows = []
    for construct, cr in validity["cr"].items():
        ave = validity["ave"][construct]
        rows.append(
            [
                esc(construct),
                fmt(cr),
                badge(*(_threshold(cr, CR_MIN))),
                fmt(ave),
                badge(*(_threshold(ave, AVE_MIN))),
            ]
        )
    return table(rows, ["Construct", "CR", "", "AVE", ""], numeric=(1, 3))


def _fornell_larcker(matrix: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The Fornell–Larcker table (failing cells flagged) and the pairs that fail it."""
    fl = pd.DataFrame(matrix).T.astype(float)
    rows = []
    violations = []
    for number, a in enumerate(fl.index, start=1):
        cells = [f"{number} {esc(a)}"]
        for b in fl.columns:
            value = fl.loc[a, b]
            if a == b:
                cells.append(f"<b>{fmt(value, 2)}</b>")
            elif not pd.isna(value) and (abs(value) > fl.loc[a, a] or abs(value) > fl.loc[b, b]):
                cells.append(f'<span class="flag">{fmt(value, 2)}</span>')
                if fl.index.get_loc(a) < fl.columns.get_loc(b):
                    violations.append(f"{a}–{b}")
            else:
                cells.append(fmt(value, 2))
        rows.append(cells)
    html = table(
        rows,
        ["", *[str(k) for k in range(1, len(fl.columns) + 1)]],
        numeric=range(1, len(fl.columns) + 1),
        compact=True,
    )
    return html, violations


def _htmt_figure(htmt: pd.DataFrame, variant: str) -> go.Figure:
    """Heatmap of the HTMT ratios off the diagonal."""
    return _heatmap(
        htmt.where(~np.eye(len(htmt), dtype=bool)),
        title=f"HTMT ({'geometric-mean HTMT2' if variant == 'htmt2' else 'HTMT'})",
        zmin=0,
        zmax=1,
        colorscale=[
            [0, "#f5f7fa"],
            [0.6, "#9fb3c8"],
            [0.85, "#f0b429"],
            [0.9, "#b42318"],
            [1, "#7a0c0c"],
        ],
        colorbar="HTMT",
    )


def _htmt_note(htmt: pd.DataFrame, variant: str) -> str:
    """The pairs of constructs whose HTMT reaches the strict (or lenient) cut-off."""
    upper = htmt.where(~np.tril(np.ones(htmt.shape, dtype=bool)))
    high = [
        (a, b, v)
        for a in upper.index
        for b in upper.columns
        if not pd.isna(v := upper.loc[a, b]) and v >= HTMT_STRICT
    ]
    liberal = f"; ≥ {fmt_cut(HTMT_LIBERAL)}"
    return note(
        f"Pairs with HTMT ≥ {fmt_cut(HTMT_STRICT)}: "
        + (
            ", ".join(
                f"{a}–{b} ({v:.2f}{liberal if v >= HTMT_LIBERAL else ''})" for a, b, v in high
            )
            if high
            else "none"
        )
        + f". Variant: {variant} (semTools::htmt default since 0.5-6)."
    )


def invariance_section(invariance: Mapping[str, Any]) -> ReportSection:
    """Configural, metric and scalar fits with the change criteria."""
    title = "Measurement invariance across groups"
    if invariance.get("status") != "ok":
        return not_run_section("invariance", title, invariance.get("reason", "not requested"))
    groups = ", ".join(f"{g} ({n:,})" for g, n in invariance.get("group_sizes", {}).items())
    parts = [
        paragraph(
            f"Does the instrument measure the same way in each group of '{invariance['group']}'? "
            f"Groups (respondents with complete answers): {groups}."
        ),
        table(
            [_invariance_row(step, invariance[step]) for step in _INVARIANCE_MEANING],
            ["Model", "χ²", "CFI", "RMSEA", "SRMR", "Δχ² test", "ΔCFI", "ΔRMSEA", "Verdict"],
            numeric=(1, 2, 3, 4, 5, 6, 7),
        ),
        "<ul>"
        + "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in _INVARIANCE_MEANING.items())
        + "</ul>",
        note(
            f"A step holds when CFI drops by no more than {fmt_cut(-DELTA_CFI_MIN, 3)} (Cheung & "
            f"Rensvold, 2002; Chen, 2007) and RMSEA rises by no more than "
            f"{fmt_cut(DELTA_RMSEA_MAX, 3)} (Chen, 2007). The Δχ² test is shown but "
            "rejects trivial differences in large samples. When the configural (baseline) model "
            "itself fits poorly, the later comparisons say little."
        ),
    ]
    dropped = invariance.get("dropped_groups") or {}
    if dropped:
        parts.append(
            note(
                "Groups left out as too small: "
                + ", ".join(f"{g} ({n})" for g, n in dropped.items())
                + "."
            )
        )
    return section("invariance", title, parts)


#: The invariance steps in the order they are tested, with what each one establishes.
_INVARIANCE_MEANING: dict[str, str] = {
    "configural": "the same items measure the same constructs in every group (all else "
    "free); the baseline.",
    "metric": "the items relate equally strongly to their constructs in every group, so "
    "relationships between constructs can be compared across groups.",
    "scalar": "the items also have the same starting points, so construct means can be "
    "compared across groups.",
}


def _invariance_row(step: str, r: Mapping[str, Any]) -> list[str]:
    """One invariance step: its fit, the change from the step before and the verdict."""
    delta = (
        "—"
        if r.get("delta_df") is None
        else f"Δχ²({fmt(r['delta_df'])}) = {fmt(r['delta_chisq'], 2)}, p {_p_phrase(r['delta_p'])}"
    )
    return [
        esc(step),
        f"χ²({fmt(r['df'])}) = {fmt(r['chisq'], 2)}",
        fmt(r["cfi"]),
        fmt(r["rmsea"]),
        fmt(r["srmr"]),
        delta,
        fmt(r.get("delta_cfi")),
        fmt(r.get("delta_rmsea")),
        _invariance_badge(step, r),
    ]


def _invariance_badge(step: str, r: Mapping[str, Any]) -> str:
    """The configural step's baseline fit, or a later step's invariant / not invariant."""
    if step == "configural":
        worst = _worst(fit_verdict("cfi", r["cfi"])[0], fit_verdict("rmsea", r["rmsea"])[0])
        return badge(worst, f"baseline fit {dict(FIT_WORDS)[worst]}")
    verdict = r.get("verdict", "")
    cls = GOOD if verdict == "invariant" else NA if verdict == "reference" else POOR
    return badge(cls, verdict or "—")


def _worst(*verdicts: str) -> str:
    """The worst of several fit verdicts (poor < acceptable < good; n/a if any is missing)."""
    rank = {NA: -1, POOR: 0, ACCEPTABLE: 1, GOOD: 2}
    return min(verdicts, key=lambda v: rank[v])


def _threshold(value: float | None, cut: float) -> tuple[str, str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA, "not available"
    return (GOOD, f"≥ {fmt_cut(cut)}") if value >= cut else (POOR, f"< {fmt_cut(cut)}")


def _p_phrase(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "= —"
    return "< .001" if p < 0.001 else f"= {p:.3f}"


def common_method_section(cm: Mapping[str, Any]) -> ReportSection:
    """Harman's single-factor share, worded as weak evidence."""
    share = cm["first_factor_share"]
    if cm["exceeds_threshold"]:
        text = (
            f"One unrotated factor (the first principal component of all items) accounts for "
            f"{share:.1%} of the variance — more than half. This is a warning sign that a common "
            "method (one respondent, one questionnaire) drives the answers."
        )
        verdict = badge(POOR, "warning sign")
    else:
        text = (
            f"One unrotated factor (the first principal component of all items) accounts for "
            f"{share:.1%} of the variance, below the conventional {HARMAN_MAX_SHARE:.0%}. This "
            "is weak evidence against a dominant common-method factor: Harman's test cannot rule "
            "method bias out (Podsakoff et al., 2003)."
        )
        verdict = badge(ACCEPTABLE, "no single dominant factor (weak evidence)")
    return section(
        "common_method",
        "Common-method bias (Harman's single-factor test)",
        [paragraph(text), f"<p>{verdict}</p>"],
    )


def quality_section(quality: Mapping[str, Any]) -> ReportSection:
    """Counts per quality flag with the rule applied and what could not be checked."""
    th = quality["thresholds"]
    rules = {
        "flag_straightlining": (
            "Straight-lining",
            f"same answer to ≥ {th['longstring_share']:.0%} of the items in a row, or to every "
            "item",
            "straightlining",
        ),
        "flag_speeding": (
            "Speeding",
            f"total time < {th['speed_ratio']:.2f} × the median or < "
            f"{th['min_seconds_per_item']:g} s per item",
            "speeding",
        ),
        "flag_attention": (
            "Attention check",
            "at least one attention check answered wrongly",
            "attention",
        ),
        "flag_outlier": (
            "Multivariate outlier",
            f"Mahalanobis distance with p < {th['outlier_p']:g} on the answered items",
            "outlier",
        ),
        "flag_missing": (
            "Missing answers",
            f"more than {th['max_missing_share']:.0%} of the items unanswered",
            "missing",
        ),
    }
    n = quality["n_respondents"]
    rows = []
    for col, (name, rule, check) in rules.items():
        status = quality["checks"].get(check, "run")
        count = quality["flag_counts"][col]
        value = f"{count:,} ({count / n:.1%})" if status == "run" else "—"
        rows.append([esc(name), esc(rule if status == "run" else status), value])
    rows.append(
        ["<b>Any flag</b>", "", f"<b>{quality['n_flagged']:,} ({quality['n_flagged'] / n:.1%})</b>"]
    )
    missing = sorted(quality["item_missing"].items(), key=lambda kv: -kv[1])[:5]
    parts = [
        paragraph(
            "Screens for careless answering. Flagged respondents are kept unless the analysis "
            "was run with --exclude-flagged; their flags are in assignments.csv."
        ),
        table(rows, ["Screen", "Rule", "Respondents flagged"], numeric=(2,)),
        note(
            f"On average {quality['mean_missing_share']:.1%} of the items were unanswered. Most "
            "often skipped: " + ", ".join(f"{k} ({v:.1%})" for k, v in missing) + "."
        ),
    ]
    return section("quality", "Data quality", parts)


def warnings_section(warnings: Sequence[str]) -> ReportSection:
    """Everything the analysis worked around, as a list."""
    if not warnings:
        body = [paragraph("None.")]
    else:
        body = ["<ul class='warnings'>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>"]
    return section("warnings", "Warnings", body)
