"""Cluster dashboard (researchers and reviewers): stages, strategy quadrants, filters.

Reviewers see aggregates only: no respondent rows, the quadrant map as counts per area, and
every count below 5 hidden (with the cells that would reveal it); a filter setting that leaves
fewer than 5 firms shows nothing but a message. Researchers see the same charts unsuppressed,
and the map as individual (jittered) firms.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.criteria import JACCARD_STABLE, PREDICTION_STRENGTH_CUTOFF, fmt_cut
from analysis.report.structure import sensitivity_figure
from analysis.report.tables import scorecard_table
from analysis.structure.aggregates import (
    MIN_CELL,
    apply_filters,
    binned_map,
    category_counts,
    count_table,
    filter_cells,
    jitter,
    map_edges,
    stage_agreement_summary,
    stage_profiles,
    suppress_grid_shares,
)
from instrument import LEVELS, QUADRANTS
from survey import cache, charts, staff
from survey import dashboard_tables as tables
from survey.dashboard_data import ResponsesError
from survey.ui import escape_markdown


def show(fig: go.Figure, *, key: str) -> None:
    """Draw a chart, its title also its name for screen readers."""
    st.plotly_chart(fig, key=key, alt=charts.title_of(fig))


context = cache.app_context()
user = staff.current_user()
reviewer = user is None or user.role != "researcher"
min_cell = MIN_CELL if reviewer else 1

st.title("Stages and strategies")
try:
    data = cache.clusters(context)
except ResponsesError as exc:
    st.info(
        "There is nothing to show yet: the stored responses cannot be analysed.\n\n"
        + escape_markdown(exc)
    )
    st.stop()

# --------------------------------------------------------------------------- filters
# Reviewers filter only by the filters whose every combination holds ≥ 5 firms (and ≥ 5 or
# no firms per stage): comparing views can then never single out fewer (see aggregates).
scope = (
    filter_cells(
        data.respondents,
        [f.column for f in data.filters],
        by=[c for c in ("stage_theory", "stage_cluster") if c in data.respondents.columns],
    )
    if reviewer
    else None
)
choices = {}
with st.container(horizontal=True):
    for f in data.filters:
        labels = dict(f.options)
        allowed = scope is None or f.column in scope.columns
        chosen = st.multiselect(
            f.label,
            [value for value, _ in f.options],
            format_func=labels.__getitem__,
            placeholder="All" if allowed else "All (not available to reviewers)",
            disabled=not allowed,
            help=None
            if allowed
            else "Combined with the other filters this one would single out fewer than 5 firms.",
            key=f"filter-{f.column}",
        )
        choices[f.column] = chosen if allowed else []
stage_sources = {
    "stage_cluster": "Data-driven profiles",
    "stage_theory": "The theory's stage rule",
    "stage_calibrated": "The rule with the data's cuts",
}
if data.stages is None:
    stage_sources.pop("stage_cluster")
if "stage_calibrated" not in data.respondents.columns:
    stage_sources.pop("stage_calibrated")
stage_column = st.radio(
    "Stages from",
    list(stage_sources),
    format_func=stage_sources.__getitem__,
    horizontal=True,
    key="stage-source",
)
subset = apply_filters(data.respondents, choices, scope=scope)
n = len(subset)
filtered = any(choices.values())

if n < min_cell:
    st.metric("Firms matching the filters", "fewer than 5")
    st.info(
        "Too few firms match these filters to show their results without risking that "
        "someone recognises them. Please widen the filters (choose more sectors, sizes or "
        "countries, or clear one)."
    )
else:
    st.metric(
        "Firms matching the filters" if filtered else "Firms analysed",
        f"{n:,}",
        help=f"of {data.n_total:,} respondents analysed",
    )
    if reviewer:
        st.caption(
            "Aggregates only: counts below 5 firms, and the counts that would reveal them, "
            "are shown as 'hidden'; the cross-tables are rounded to multiples of 5."
        )
    stage_name = stage_sources[stage_column]
    left, right = st.columns(2)
    with left:
        sizes = category_counts(subset[stage_column], [1, 2, 3, 4], min_cell=min_cell, scope=scope)
        show(
            charts.stage_sizes_figure(sizes, title=f"Firms per stage ({stage_name.lower()})"),
            key="sizes",
        )
    with right:
        levels = [f"level_{lv}" for lv in LEVELS if f"level_{lv}" in subset.columns]
        profiles = stage_profiles(
            subset, stage=stage_column, levels=levels, min_cell=min_cell, scope=scope
        )
        profiles["level"] = profiles["level"].str.removeprefix("level_")
        show(
            charts.profiles_figure(
                profiles, title="Stage profiles: mean level scores with 95% CIs"
            ),
            key="profiles",
        )
    left, right = st.columns(2)
    with left:
        if reviewer:
            low, high = data.scale
            c_cut, o_cut = data.quadrant_cuts
            binned = binned_map(
                subset["axis_orientation"],
                subset["axis_control"],
                x_edges=map_edges(low, high, [o_cut]),
                y_edges=map_edges(low, high, [c_cut]),
                x_cut=o_cut,
                y_cut=c_cut,
                min_cell=min_cell,
                scope=scope,
            )
            figure = charts.quadrant_density_figure(
                binned, cuts=data.quadrant_cuts, scale=data.scale, names=data.quadrant_names
            )
        else:
            points = jitter(subset, ["axis_orientation", "axis_control"], random_state=7)
            figure = charts.quadrant_points_figure(
                points,
                colour_by="sector",
                labels=data.sector_labels,
                cuts=data.quadrant_cuts,
                scale=data.scale,
                names=data.quadrant_names,
            )
        show(figure, key="map")
        if reviewer:
            st.caption(
                "Numbers are firms per area. Grey areas hold firms, but too few to show "
                "(or a count that would reveal a small one); white areas hold none."
            )
        if "stage_status" in subset.columns:
            outside = category_counts(
                subset["stage_status"],
                ["classified", "non_cumulative", "unclassified"],
                min_cell=min_cell,
                missing="unclassified",
                scope=scope,
            )
            mixed = category_counts(
                subset["quadrant"],
                [*QUADRANTS, "mixed", "none"],
                min_cell=min_cell,
                missing="none",
                scope=scope,
            )

            def shown(value: object) -> str:
                return "hidden" if value is None or pd.isna(value) else f"{int(value):,}"

            st.caption(
                f"Not placed at a theory stage: {shown(outside['non_cumulative'])} firm(s) whose "
                "profile breaks the stage model's order (non-cumulative: evidence about the "
                f"theory) and {shown(outside['unclassified'])} with a missing score. "
                f"On a quadrant cut (mixed): {shown(mixed['mixed'])}."
            )
    with right:
        table = count_table(
            subset,
            stage_column,
            "quadrant",
            row_values=[1, 2, 3, 4],
            column_values=list(QUADRANTS),
            min_cell=min_cell,
            scope=scope,
        )
        show(
            charts.count_heatmap(
                table,
                title=f"Stage × quadrant ({stage_name.lower()})",
                x_labels=[data.quadrant_names[q] for q in QUADRANTS],
                y_labels=[f"Stage {s}" for s in table.index],
                x_title="strategy quadrant",
                y_title="stage",
            ),
            key="stage-quadrant",
        )

    st.header("Do the data-driven stages agree with the theory?")
    if data.stages is None:
        st.info("The stage analysis was not run, so there are no data-driven stages to compare.")
    else:
        left, right = st.columns([1, 1])
        with left:
            # the firms the stage analysis compares (careless answers left out), so that
            # without filters these are the scorecard's numbers and cross-table
            compared = ~data.respondents["careless"]
            agreement = stage_agreement_summary(
                subset, min_cell=min_cell, scope=scope, compared=compared
            )
            if agreement is None:
                st.caption(
                    "Agreement figures are not shown for this selection: they would reveal how "
                    "few firms agree or disagree."
                )
            else:
                a, b, c = st.columns(3)
                a.metric(
                    "ARI",
                    tables.coefficient(agreement["ari"]),
                    help="Adjusted Rand index; 1 = the same grouping",
                )
                b.metric(
                    "κ (linear)",
                    tables.coefficient(agreement["kappa_linear"]),
                    help="Cohen's kappa with linear weights",
                )
                c.metric("Same stage", f"{agreement['exact']:.0%}")
                among = (
                    f"the {agreement['n']:,} firms matching the filters"
                    if filtered
                    else f"all {agreement['n']:,} firms"
                )
                st.caption(
                    f"Theory's rule vs data-driven profiles, among {among} that have both "
                    "stages; firms flagged for careless answering are left out, as in the stage "
                    "analysis"
                    + ("." if filtered else " (the same figures as the scorecard's agreement row).")
                )
            cross = count_table(
                subset,
                "stage_theory",
                "stage_cluster",
                row_values=[1, 2, 3, 4],
                column_values=[1, 2, 3, 4],
                min_cell=min_cell,
                scope=scope,
                compared=compared,
            )
            show(
                charts.count_heatmap(
                    cross,
                    title="Theory stage × data-driven stage",
                    x_labels=[f"Profile {s}" for s in cross.columns],
                    y_labels=[f"Theory {s}" for s in cross.index],
                    x_title="data-driven stage",
                    y_title="theory stage",
                ),
                key="agreement",
            )
        with right:
            jaccard = data.stages.get("jaccard")
            if jaccard:
                show(
                    charts.jaccard_figure(jaccard["per_stage"], stable=JACCARD_STABLE),
                    key="stability",
                )
            ps = data.stages.get("prediction_strength")
            if ps:
                st.metric(
                    "Prediction strength",
                    tables.coefficient(ps["value"]),
                    help=(
                        f"Split-half replicability; ≥ {fmt_cut(PREDICTION_STRENGTH_CUTOFF)} "
                        "means strong (Tibshirani & Walther)"
                    ),
                )
            st.caption(
                "Stability and prediction strength describe the profiles, fitted to "
                f"{data.stages['n_fitted']:,} of the {data.n_total:,} firms analysed (those "
                "with every score the stage model uses, careless answers left out); they do not "
                "change with the filters. " + str(data.stages.get("summary", ""))
            )

    if data.stages is not None and data.stages.get("threshold_sensitivity"):
        st.header("Where does “developed” begin?")
        st.caption(
            "The case studies say which capabilities a firm must build, not how high a score "
            "means “built”. The chart re-runs the theory's rule with every threshold moved by "
            "up to one scale point (all firms analysed; not affected by the filters)."
            + (" Shares that would reveal fewer than 5 firms are hidden." if reviewer else "")
        )
        left, right = st.columns([3, 2])
        with left:
            grid = suppress_grid_shares(data.stages["threshold_sensitivity"], min_cell=min_cell)
            show(charts.with_stage_looks(sensitivity_figure(grid)), key="sensitivity")
        with right:
            st.table(
                tables.calibrated_cuts_display(
                    data.stages.get("calibrated_thresholds") or {}, context.instrument
                ),
                hide_index=True,
            )
            verdict = next(
                (
                    r["explanation"]
                    for r in (data.generalisability or {}).get("rows", [])
                    if r["key"] == "agreement"
                ),
                None,
            )
            if verdict:
                st.caption(verdict)

st.header("How far does the model generalise?")
if data.generalisability is None:
    st.info("The generalisability scorecard was not computed.")
else:
    st.table(charts.scorecard_styler(scorecard_table(data.generalisability)))
    st.caption(f"All {data.n_total:,} respondents analysed; not affected by the filters.")
