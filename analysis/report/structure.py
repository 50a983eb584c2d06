"""Report sections of the structure results: scorecard, stages, quadrants, the papers' claims.

Each ``*_section`` function takes its part of ``results.json`` (as the pipeline wrote it) and
returns a :class:`~analysis.report.html.ReportSection`; the ``*_figure`` functions return the
Plotly figures that the report and the dashboards both draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis.criteria import (
    ACCEPTABLE,
    GOOD,
    H_MEDIUM,
    H_SCALABLE,
    H_STRONG,
    HTMT_DISTINCT,
    NA,
    POOR,
    fmt_cut,
)
from analysis.measurement.scoring import (
    NON_CUMULATIVE,
    UNCLASSIFIED,
)
from analysis.report import html as report
from instrument import QUADRANTS

#: Badge class of each verdict (the report's colours: good / acceptable / poor / na).
VERDICT_BADGE: dict[str, str] = {
    "supported": GOOD,
    "partly": ACCEPTABLE,
    "inconclusive": NA,
    "not supported": POOR,
    "not run": NA,
    "not testable": NA,
}


#: Respondents drawn in the quadrant map (a sample keeps the report small).
MAP_POINTS = 2000


# --------------------------------------------------------------------------- sections
def scorecard_section(card: Mapping[str, Any], *, n_respondents: int | None = None) -> Any:
    """The generalisability scorecard: one row per criterion, verdict first."""
    counts = card["counts"]
    tested = [v for v in ("supported", "partly", "inconclusive", "not supported") if counts[v]]
    tally = ", ".join(f"{counts[v]} {v}" for v in tested) or "nothing could be tested"
    if counts["not run"]:
        tally += f"; {counts['not run']} not run"
    who = f" on {n_respondents:,} respondents" if n_respondents else ""
    parts = [
        report.paragraph(
            "The stage model and the strategy quadrants come from 12 case studies. This table "
            f"says, criterion by criterion, how far they hold in this survey{who}: whether the "
            "items measure what they should, whether firms fall into ordered stages, whether "
            "the four strategies occur, and whether the papers' specific claims hold. "
            f"Summary: {tally}."
        ),
    ]
    rows = []
    area = None
    for r in card["rows"]:
        if r["area"] != area:
            area = r["area"]
            rows.append([f"<b>{report.esc(area)}</b>", "", "", ""])
        rows.append(
            [
                report.badge(VERDICT_BADGE.get(r["verdict"], "na"), r["verdict"]),
                f"<b>{report.esc(r['criterion'])}</b><br>{report.esc(r['question'])}",
                f"{report.esc(r['value'])}<br><span class='ci'>needs: "
                f"{report.esc(r['threshold'])}</span>",
                report.esc(r["explanation"]),
            ]
        )
    parts.append(report.table(rows, ["Verdict", "Criterion", "Evidence", "What it means"]))
    parts.append(
        report.note(
            "Verdicts: supported — the criterion is met; partly — met in part (see the "
            "explanation); inconclusive — the data cannot decide, more respondents are needed; "
            "not supported — the data contradict it; not run — the analysis could not be done "
            "with this instrument or data (the reason is given). The sections below hold the "
            "details of each row."
        )
    )
    return report.section("scorecard", "How far does the model generalise?", parts)


def stages_section(st: Mapping[str, Any]) -> Any:
    """Profiles, the k rule, stability, ordering and agreement with the theory."""
    parts = [*_stages_intro(st), _criteria_table(st["criteria"])]
    figures: list[go.Figure] = []
    if st["profiles"]:
        fig = profile_figure(st["profiles"])
        figures.append(fig)
        parts.extend([report.figure_html(fig), _profile_table(st["profiles"])])
    parts.extend(_k_choice_parts(st))
    if st.get("ordering"):
        parts.append(_ordering_paragraph(st["ordering"]))
    if st.get("agreement"):
        parts.extend(_agreement_parts(st["agreement"]))
    if st.get("models"):
        parts.extend(_model_parts(st))
    if st.get("threshold_sensitivity"):
        threshold_parts, threshold_figures = _threshold_parts(st)
        parts.extend(threshold_parts)
        figures.extend(threshold_figures)
    return report.section("stages", "Stages", parts, figures=figures)


def _stages_intro(st: Mapping[str, Any]) -> list[str]:
    """The verdict with its summary, and what the profiles were fitted to."""
    verdict = st["verdict"]
    dimensions = ", ".join(profile_dimensions(st["profiles"])) or "of the levels"
    flagged = (
        f" ({st['n_flagged_excluded']:,} respondents flagged for careless answering "
        "were left out of the fit and assigned afterwards)"
        if st.get("n_flagged_excluded")
        else ""
    )
    return [
        f"<p>{report.badge(VERDICT_BADGE[verdict], verdict)} {report.esc(st['summary'])}</p>",
        report.paragraph(
            f"Latent profiles (Gaussian mixtures with k = 1–{len(st['fit_table'])}) were fitted "
            f"to the scores {dimensions} of {st['n_fitted']:,} respondents{flagged}. A "
            "data-driven stage is a profile; stages are numbered by mean maturity "
            "(column stage_cluster in assignments.csv)."
        ),
    ]


def _criteria_table(criteria: Mapping[str, Mapping[str, Any]]) -> str:
    """The four pieces of evidence for a stage structure, each met, not met or not applicable."""
    rows = []
    for name, c in criteria.items():
        met = c["met"]
        cls = "na" if met is None else ("good" if met else "poor")
        word = "not applicable" if met is None else ("met" if met else "not met")
        rows.append(
            [
                report.esc(name),
                report.badge(cls, word),
                report.esc(c["text"]),
                report.esc(c["threshold"]),
            ]
        )
    return report.table(
        rows,
        ["Evidence", "", "Finding", "Needed"],
        caption="A stage structure is supported when all four are met.",
    )


def _profile_table(profiles: Sequence[Mapping[str, Any]]) -> str:
    """Share and mean score of each profile on the dimensions it was fitted to."""
    dims = profile_dimensions(profiles)
    rows = [
        [f"stage {p['stage']}", f"{p['share']:.0%}"] + [report.fmt(p.get(d), 2) for d in dims]
        for p in profiles
    ]
    return report.table(
        rows,
        ["Profile", "Share", *dims],
        numeric=range(1, len(dims) + 2),
        caption="Mean score of each profile on the dimensions it was fitted to.",
    )


def _k_choice_parts(st: Mapping[str, Any]) -> list[str]:
    """How the number of profiles was chosen: the rule, the fit table and the k-means check."""
    rule = st["k_rule"]
    parts = [
        report.paragraph(
            "How the number of profiles was chosen: a profile is added only if BIC falls by at "
            f"least {rule['min_bic_gain']:g}, the log-likelihood rises by at least "
            f"{rule['min_gain_per_respondent']:g} nats per respondent, no profile holds fewer "
            f"than {rule['min_class_share']:.0%} of the respondents and the entropy stays at "
            f"least {rule['min_entropy']:.2f}; the search stops at the first k that fails. "
            "Plain BIC alone keeps adding profiles in large samples of Likert data."
        ),
        _fit_table(st),
    ]
    if st.get("kmeans_ari") is not None:
        parts.append(
            report.note(
                f"Check: k-means with the same k groups respondents like the mixture (ARI = "
                f"{st['kmeans_ari']:.2f})."
            )
        )
    return parts


def _fit_table(st: Mapping[str, Any]) -> str:
    """BIC, gain, entropy and smallest share of each k, with the rule's decision."""
    rows = [
        [
            str(row["k"]),
            report.fmt(row["bic"], 1),
            report.fmt(row["delta_bic"], 1),
            report.fmt(row["gain_per_respondent"], 3),
            report.fmt(row["entropy"], 2),
            "—" if row["smallest_share"] is None else f"{row['smallest_share']:.1%}",
            report.esc(row["reason"]),
        ]
        for row in st["fit_table"]
    ]
    return report.table(
        rows,
        ["k", "BIC", "ΔBIC", "gain / respondent", "entropy", "smallest", "decision"],
        numeric=range(1, 6),
        caption=f"BIC = −2 lnL + p ln N, lower is better (R mclust reports the negative). "
        f"Plain BIC would choose k = {st['bic_best_k']}.",
    )


def _ordering_paragraph(order: Mapping[str, Any]) -> str:
    """Cumulative ordering of the levels: developed shares, Loevinger's H, reproducibility."""
    h30, h40, h50 = (fmt_cut(h) for h in (H_SCALABLE, H_MEDIUM, H_STRONG))
    shares = ", ".join(f"{k} {v:.0%}" for k, v in order["developed_share"].items())
    return report.paragraph(
        f"Cumulative ordering: share of firms with each level developed (score at or "
        f"above the stage rule's threshold): {shares}. Loevinger's H = {order['h']:.2f} "
        f"({order['band']}; < {h30} not a scale, {h30}–{h40} weak, {h40}–{h50} medium, "
        f"≥ {h50} strong); {order['perfect_pattern_share']:.0%} of firms follow a perfect "
        f"cumulative pattern; coefficient of reproducibility {order['reproducibility']:.3f}"
        f" (Goodenough–Edwards; marginals alone give "
        f"{order['minimal_marginal_reproducibility']:.3f})."
    )


def _agreement_parts(agree: Mapping[str, Any]) -> list[str]:
    """Agreement of theory stages and profiles (ARI, κ) and their crosstab."""
    cross = agree["crosstab"]
    cols = sorted({c for row in cross.values() for c in row}, key=int)
    rows = [[f"theory stage {t}"] + [str(cross[t].get(c, 0)) for c in cols] for t in cross]
    return [
        report.paragraph(
            f"Theory vs data: ARI = {agree['ari']:.2f} [{agree['ari_ci'][0]:.2f}, "
            f"{agree['ari_ci'][1]:.2f}], Cohen's weighted kappa (linear, reported) = "
            f"{agree['kappa_linear']:.2f} [{agree['kappa_linear_ci'][0]:.2f}, "
            f"{agree['kappa_linear_ci'][1]:.2f}], quadratic = {agree['kappa_quadratic']:.2f}; "
            f"{agree['exact']:.0%} of firms get the same stage number from both."
        ),
        report.table(
            rows,
            ["", *[f"profile {c}" for c in cols]],
            numeric=range(1, len(cols) + 1),
            caption="Respondents by theory stage (rows) and profile.",
        ),
    ]


def _model_parts(st: Mapping[str, Any]) -> list[Any]:
    """The declared stage models side by side, and the firms whose profile breaks the order."""
    models = st["models"]
    default = next(m for m in models if m["default"])
    intro = (
        f"The theory stage comes from the stage model '{default['id']}' ({default['label']})"
        + (
            ", declared in the instrument file."
            if default["declared"]
            else ": the instrument only tags constructs with levels (the 1.0 format), so the "
            "1.0 cumulative four-level model applies."
        )
        + " A firm that meets a later transition in full but not an earlier one breaks the "
        "model's order: it is counted as non_cumulative (evidence about the theory) and given "
        "no stage."
    )
    rows = []
    for m in models:
        counts = m["counts"]
        stages = " / ".join(str(counts.get(str(k), 0)) for k in range(1, m["n_stages"] + 1))
        agree = m.get("agreement_with_profiles") or {}
        share = m.get("non_cumulative_share")
        rows.append(
            [
                f"<b>{report.esc(m['id'])}</b>"
                + (" (default)" if m["default"] else "")
                + f"<br><span class='ci'>{report.esc(m['label'])}</span>",
                stages,
                f"{counts.get(NON_CUMULATIVE, 0):,}"
                + ("" if share is None else f" <span class='ci'>({share:.1%})</span>"),
                f"{counts.get(UNCLASSIFIED, 0):,}",
                report.fmt(m.get("h_transitions"), 2),
                report.fmt(agree.get("ari"), 2),
                report.fmt(agree.get("kappa_linear"), 2),
            ]
        )
    return [
        "<h3>Stage models</h3>",
        report.paragraph(intro),
        report.table(
            rows,
            ["Model", "Firms per stage", "Break the order", "Unclassified", "H", "ARI", "κ"],
            numeric=range(1, 7),
            caption="Each model on the same firms. H: Loevinger's H of the transitions met "
            f"(≥ {fmt_cut(H_SCALABLE)} a cumulative scale); ARI and κ (linear): agreement with "
            "the data-driven profiles. Fewer firms breaking the order and higher agreement mean "
            "a better fit.",
        ),
    ]


def _threshold_parts(st: Mapping[str, Any]) -> tuple[list[Any], list[go.Figure]]:
    """Where "developed" begins: the rule's cut, the sensitivity grid and the data's cuts."""
    fig = sensitivity_figure(st["threshold_sensitivity"])
    parts: list[Any] = [
        "<h3>Where does “developed” begin?</h3>",
        _threshold_intro(st),
        report.figure_html(fig),
        _calibrated_table(st.get("calibrated_thresholds") or {}),
    ]
    comparison = st.get("stage_comparison") or {}
    if comparison:
        parts.append(_comparison_table(comparison))
    return parts, [fig]


def _threshold_intro(st: Mapping[str, Any]) -> str:
    """The rule's threshold per level, what the figure shows and how many are unclassified."""
    origin = st.get("threshold_origin", {})
    rule = ", ".join(
        f"{lv} {t:g}" + (" (default)" if origin.get(lv) == "default" else "")
        for lv, t in st["thresholds"].items()
    )
    counts = st.get("classified", {}).get("theory", {})
    unclassified = (
        f" {counts.get(UNCLASSIFIED, 0):,} respondent(s) miss a level score and are "
        "unclassified (no theory, calibrated or data-driven stage)."
        if counts.get(UNCLASSIFIED)
        else ""
    )
    return report.paragraph(
        "The case studies say which capabilities a firm must have built to move on, not how "
        f"high a score means “built”. The stage rule counts a level as developed at: {rule}. "
        "The figure re-runs the rule with every threshold moved by −1 to +1 scale point: "
        "the bars are the shares of firms in each theory stage, the lines the agreement "
        f"with the data-driven stages.{unclassified}"
    )


def _calibrated_table(calibrated: Mapping[str, Mapping[str, Any]]) -> str:
    """The rule's threshold beside the data's cut (with its evidence) for each requirement."""
    rows = []
    for lv, c in calibrated.items():
        if c["cut"] is None:
            cut, why = "—", report.esc(c.get("reason") or "")
        else:
            ci = c.get("ci")
            cut = f"{c['cut']:.2f}" + (
                f" <span class='ci'>[{ci[0]:.2f}, {ci[1]:.2f}]</span>" if ci else ""
            )
            why = (
                f"two groups (ΔBIC {c['delta_bic']:,.0f}, D = {c['separation']:.1f}); "
                f"{c['share_developed']:.0%} developed"
            )
        rows.append([report.esc(lv), report.fmt(c.get("theory"), 2), cut, why])
    return report.table(
        rows,
        ["Requirement", "Rule's threshold", "Data's cut [95% CI]", "Evidence"],
        numeric=(1, 2),
        caption="The data's cut: where a two-component mixture of the level score puts "
        "firms equally likely to be in the developed and the undeveloped group. "
        "stage_calibrated in assignments.csv applies the same rule with these cuts.",
    )


def _comparison_table(comparison: Mapping[str, Mapping[str, Any]]) -> str:
    """Agreement of the theory, calibrated and data-driven stage assignments, pair by pair."""
    names = {
        "theory_vs_cluster": "theory rule vs data-driven profiles",
        "calibrated_vs_cluster": "calibrated rule vs data-driven profiles",
        "theory_vs_calibrated": "theory rule vs calibrated rule",
    }
    rows = [
        [
            names[key],
            f"{c['n']:,}",
            report.fmt(c.get("ari"), 2),
            report.fmt(c.get("kappa_linear"), 2),
            "—" if c.get("exact") is None else f"{c['exact']:.0%}",
        ]
        for key, c in comparison.items()
    ]
    return report.table(
        rows,
        ["Stages compared", "Firms", "ARI", "κ (linear)", "Same stage"],
        numeric=(1, 2, 3, 4),
        caption="Agreement of the three stage assignments, side by side.",
    )


def sensitivity_figure(grid: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Theory-stage shares (bars) and agreement with the profiles (lines) over the grid."""
    x = [_grid_label(r) for r in grid]
    stages = sorted({s for r in grid for s in r["shares"]}, key=int)
    fig = go.Figure()
    for s in stages:
        fig.add_trace(
            go.Bar(x=x, y=[r["shares"].get(s, 0.0) for r in grid], name=f"stage {s}", opacity=0.55)
        )
    for key, label in (("ari", "ARI with profiles"), ("kappa_linear", "κ (linear)")):
        if any(r.get(key) is not None for r in grid):
            fig.add_trace(
                go.Scatter(x=x, y=[r.get(key) for r in grid], name=label, mode="lines+markers")
            )
    rule = next((_grid_label(r) for r in grid if r["shift"] == 0), None)
    if rule is not None:
        fig.add_vline(x=rule, line={"color": "#888", "dash": "dash"})
    fig.update_layout(
        title={"text": "Theory stages as the threshold moves (dashed: the rule's)", "x": 0},
        barmode="stack",
        xaxis={"title": "threshold (all levels)", "type": "category"},
        yaxis={"title": "share of firms / agreement", "range": [0, 1]},
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def _grid_label(row: Mapping[str, Any]) -> str:
    values = list(row["thresholds"].values())
    if len({round(v, 4) for v in values}) == 1:
        return f"{values[0]:.2f}"
    return f"{row['shift']:+.2f}"


def profile_dimensions(profiles: Sequence[Mapping[str, Any]]) -> list[str]:
    """The score dimensions the profiles were fitted to (levels, or a model's transitions)."""
    if not profiles:
        return []
    return [k for k in profiles[0] if k not in ("stage", "share", "maturity")]


def profile_figure(profiles: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Mean scores of each profile, one line per profile."""
    fig = go.Figure()
    dims = profile_dimensions(profiles)
    for p in profiles:
        fig.add_trace(
            go.Scatter(
                x=dims,
                y=[p.get(d) for d in dims],
                mode="lines+markers",
                name=f"stage {p['stage']} ({p['share']:.0%})",
            )
        )
    fig.update_layout(
        title={"text": "Profiles: mean score on each dimension", "x": 0},
        yaxis={"title": "mean score"},
        height=360,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def quadrants_section(
    q: Mapping[str, Any],
    *,
    axes: pd.DataFrame | None = None,
    quadrant: pd.Series | None = None,
    stage: pd.Series | None = None,
    seed: int = 0,
) -> Any:
    """Quadrant shares, the quadrant map and the distinctness of the axes."""
    names = quadrant_names(q)
    rows = []
    for name in QUADRANTS:
        s = q["shares"][name]
        rows.append(
            [
                report.esc(names[name]),
                f"{s['n']:,}",
                f"{s['share']:.1%} <span class='ci'>[{s['ci'][0]:.1%}, {s['ci'][1]:.1%}]</span>",
            ]
        )
    parts = [
        report.paragraph(
            f"Each firm's quadrant comes from its control score (cut at {q['control_cut']:g}: "
            f"higher = decentralised) and its orientation score (cut at "
            f"{q['orientation_cut']:g}: higher = relationship-oriented)."
        ),
        report.table(rows, ["Quadrant", "Firms", "Share [95% CI]"], numeric=(1, 2)),
    ]
    htmt = "" if q.get("htmt") is None else f"; HTMT2 of their items = {q['htmt']:.2f}"
    parts.append(
        report.paragraph(
            f"The two axes correlate r = {q['correlation']:.2f} [{q['correlation_ci'][0]:.2f}, "
            f"{q['correlation_ci'][1]:.2f}]{htmt}. They count as distinct when both stay below "
            f"{fmt_cut(HTMT_DISTINCT)}: {'yes' if q['distinct'] else 'no'}. All four quadrants "
            "hold at least "
            f"{q['min_share']:.0%} of the firms: {'yes' if q['all_populated'] else 'no'}."
        )
    )
    figures = []
    if axes is not None and quadrant is not None:
        fig = quadrant_figure(
            axes,
            quadrant,
            control_cut=q["control_cut"],
            orientation_cut=q["orientation_cut"],
            names=names,
            seed=seed,
        )
        figures.append(fig)
        parts.append(report.figure_html(fig))
    if stage is not None and quadrant is not None:
        both = pd.concat([stage.rename("stage"), quadrant.rename("quadrant")], axis=1).dropna()
        if len(both):
            cross = pd.crosstab(both["stage"].astype(int), both["quadrant"]).reindex(
                columns=list(QUADRANTS), fill_value=0
            )
            rows = [[f"stage {s}"] + [str(v) for v in row] for s, row in cross.iterrows()]
            parts.append(
                report.table(
                    rows,
                    ["Theory stage", *(names[n] for n in QUADRANTS)],
                    numeric=range(1, 5),
                    caption="Firms by theory stage and quadrant.",
                )
            )
    return report.section("quadrants", "Quadrants", parts, figures=figures)


def quadrant_names(q: Mapping[str, Any]) -> dict[str, str]:
    """The quadrants' names the results carry (the instrument's), else their codes."""
    given = q.get("names") or {}
    return {name: str(given.get(name, name)) for name in QUADRANTS}


def quadrant_figure(
    axes: pd.DataFrame,
    quadrant: pd.Series,
    *,
    control_cut: float,
    orientation_cut: float,
    names: Mapping[str, str] | None = None,
    seed: int = 0,
) -> go.Figure:
    """Orientation × control scores of (a sample of) the firms, with the cuts and names."""
    names = dict(names or {q: q for q in QUADRANTS})
    both = axes[["orientation", "control"]].assign(quadrant=quadrant).dropna()
    if len(both) > MAP_POINTS:
        both = both.sample(MAP_POINTS, random_state=seed)
    fig = go.Figure()
    for name in QUADRANTS:
        part = both[both["quadrant"] == name]
        fig.add_trace(
            go.Scatter(
                x=part["orientation"],
                y=part["control"],
                mode="markers",
                name=names[name],
                marker={"size": 5, "opacity": 0.6},
            )
        )
    fig.add_vline(x=orientation_cut, line={"color": "#888", "dash": "dash"})
    fig.add_hline(y=control_cut, line={"color": "#888", "dash": "dash"})
    fig.update_layout(
        title={
            "text": "Quadrant map"
            + (f" (random {MAP_POINTS:,} firms)" if len(axes) > MAP_POINTS else ""),
            "x": 0,
        },
        xaxis={"title": "orientation (acquisition → relationship)"},
        yaxis={"title": "control (centralised → decentralised)"},
        height=420,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def claims_section(claims: Mapping[str, Mapping[str, Any]]) -> Any:
    """Each claim with its test, effect size, CI and plain-language verdict."""
    rows = []
    for c in claims.values():
        if c["estimate"] is None:
            effect = "—"
        else:
            effect = f"{report.esc(c['effect'])} = {c['estimate']:.2f}"
            if c.get("ci"):
                effect += f" <span class='ci'>[{c['ci'][0]:.2f}, {c['ci'][1]:.2f}]</span>"
            if c.get("p_value") is not None:
                effect += f"<br><span class='ci'>p {report.fmt_p(c['p_value'])}, n = {c['n']:,}"
                effect += "</span>"
        rows.append(
            [
                report.badge(VERDICT_BADGE.get(c["verdict"], "na"), c["verdict"]),
                f"{report.esc(c['claim'])}<br><span class='ci'>{report.esc(c['test'])}</span>",
                effect,
                report.esc(c["explanation"]),
            ]
        )
    parts = [
        report.paragraph(
            "The case studies make four specific claims. Each is tested with an effect size and "
            "a 95% confidence interval; the verdict says what the interval allows. Stages here "
            "are the theory stages (the instrument's stage rule)."
        ),
        report.table(rows, ["Verdict", "Claim (test)", "Effect [95% CI]", "What the data say"]),
    ]
    dec = claims.get("stage_vs_decentralisation", {}).get("details", {}).get("by_stage")
    if dec:
        drows = [
            [
                f"stage {s}",
                f"{d['n']:,}",
                f"{d['share_decentralised']:.0%} "
                f"<span class='ci'>[{d['ci'][0]:.0%}, {d['ci'][1]:.0%}]</span>",
                report.fmt(d["mean_control"], 2),
            ]
            for s, d in dec.items()
        ]
        parts.append(
            report.table(
                drows,
                ["Theory stage", "Firms", "Decentralised [95% CI]", "Mean control score"],
                numeric=(1, 2, 3),
            )
        )
    return report.section("claims", "The papers' claims", parts)
