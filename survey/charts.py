"""Plotly figures of the dashboards, drawn from the tables that :mod:`analysis` returns.

No Streamlit and no numbers of their own: each function takes a labelled table and draws it.
Hidden (suppressed) counts arrive as missing values and are drawn as "hidden", never as 0.

Every figure has a title, which :func:`title_of` gives the page as the chart's accessible
name. Series are told apart by more than colour: stages by hue, marker and dash; constructs
by the hue of their level and a marker of their own. All line and marker colours have at
least 3:1 contrast on white (WCAG 1.4.11).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from analysis.criteria import LOADING_GOOD, LOADING_MIN, fmt_cut
from analysis.structure.aggregates import BinnedMap
from instrument import QUADRANTS, Instrument

#: Colours of stages 1–4: four hues (Okabe–Ito and Tol), each ≥ 3:1 on white.
STAGE_COLOURS = ("#D55E00", "#009E73", "#0072B2", "#332288")
#: Marker symbols and line dashes of stages 1–4, so that stages differ without colour too.
STAGE_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
STAGE_DASHES = ("solid", "dash", "dot", "dashdot")
#: Fill patterns of stages 1–4 in stacked bars.
STAGE_PATTERNS = ("", "/", ".", "x")
#: Colours of the groups of constructs (capability levels, strategy axes, outcomes), ≥ 3:1.
GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#AA4499", "#332288", "#000000", "#999933")
#: Marker symbols of the constructs within one group.
CONSTRUCT_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "hexagon")
#: Qualitative colours (sectors): Okabe–Ito and Tol hues with ≥ 3:1 contrast on white, each
#: paired with a marker symbol of its own (:data:`PALETTE_SYMBOLS`).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#AA4499", "#332288", "#000000", "#999933", "#882255")
PALETTE_SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "x",
    "star",
    "hexagon",
    "triangle-down",
)
LEVEL_NAMES: dict[str, str] = {
    "operational": "Operational",
    "dynamic": "Dynamic",
    "adaptive": "Adaptive",
    "networking": "Networking",
}
HIDDEN = "hidden"
_X_AXIS = "Orientation (acquisition → relationship)"
_Y_AXIS = "Control (centralised → decentralised)"


def _layout(fig: go.Figure, title: str, *, height: int = 360, **kwargs: Any) -> go.Figure:
    options = {"legend": {"orientation": "h", "y": -0.18}, **kwargs}
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 46, "b": 10},
        template="plotly_white",
        **options,
    )
    return fig


def title_of(fig: go.Figure) -> str:
    """The figure's title as plain text: the chart's accessible name on the page.

    Raises
    ------
    ValueError
        When the figure has no title (every dashboard chart needs one).
    """
    text = re.sub(r"<[^>]+>", "", fig.layout.title.text or "").strip()
    if not text:
        raise ValueError("the figure has no title to name it by")
    return text


def _hidden_layer(x: Sequence[Any], y: Sequence[Any], counts: np.ndarray) -> go.Heatmap:
    """Grey cells where a count is hidden, under the counts' own heatmap."""
    return go.Heatmap(
        x=list(x),
        y=list(y),
        z=np.where(np.isnan(counts), 1.0, np.nan),
        colorscale=[[0, "#e6e6e6"], [1, "#e6e6e6"]],
        showscale=False,
        hoverinfo="skip",
        xgap=2,
        ygap=2,
    )


def _count_text(values: pd.Series) -> list[str]:
    return [HIDDEN if pd.isna(v) else f"{int(v):,}" for v in values]


# --------------------------------------------------------------------------- monitor
def activity_figure(activity: pd.DataFrame) -> go.Figure:
    """Running totals of consents, starts and completions, day by day."""
    fig = go.Figure()
    for name, colour in (
        ("consented", "#8fb8de"),
        ("started", "#3d85c6"),
        ("completed", "#0b2545"),
    ):
        fig.add_scatter(
            x=activity.index,
            y=activity[f"{name}_total"],
            name=name.capitalize(),
            mode="lines+markers",
            line={"shape": "hv", "color": colour, "width": 2.5},
            customdata=activity[name],
            hovertemplate=(
                "%{x|%d %b %Y}: %{y} so far (%{customdata} that day)<extra>" + name + "</extra>"
            ),
        )
    half_day = pd.Timedelta(hours=12)
    return _layout(
        fig,
        "Responses so far",
        xaxis={
            "type": "date",
            "tickformat": "%d %b",
            "range": [activity.index.min() - half_day, activity.index.max() + half_day],
            "dtick": 86_400_000 if len(activity) <= 14 else None,
        },
        yaxis={"title": "respondents", "rangemode": "tozero"},
    )


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """Respondents who reached each page, and how many of those who consented that is."""
    labels = [
        f"{i + 1}. {t}" if step != "completed" else t
        for i, (step, t) in enumerate(funnel["title"].items())
    ]
    text = [
        f"{n:,} ({share:.0%})" if not np.isnan(share) else f"{n:,}"
        for n, share in zip(funnel["reached"], funnel["share"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=funnel["reached"],
            orientation="h",
            text=text,
            textposition="auto",
            marker_color=["#4292c6"] * (len(funnel) - 1) + ["#08306b"],
            hovertemplate="%{y}: %{x} respondents<extra></extra>",
        )
    )
    return _layout(
        fig,
        "Completion funnel: respondents who reached each page",
        yaxis={"autorange": "reversed"},
        xaxis={"title": "respondents", "rangemode": "tozero"},
        showlegend=False,
    )


def page_time_figure(page_times: pd.DataFrame) -> go.Figure:
    """Median seconds per page with the interquartile range."""
    median = page_times["median"]
    labels = [f"{i + 1}. {t}" for i, t in enumerate(page_times["title"])]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=median,
            orientation="h",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": page_times["q3"] - median,
                "arrayminus": median - page_times["q1"],
                "color": "#555",
            },
            marker_color="#4292c6",
            customdata=page_times[["n", "q1", "q3"]].to_numpy(),
            hovertemplate=(
                "%{y}<br>median %{x:.0f} s (quartiles %{customdata[1]:.0f}–%{customdata[2]:.0f} s)"
                "<br>%{customdata[0]} respondents<extra></extra>"
            ),
        )
    )
    return _layout(
        fig,
        "Time per page: median and quartiles",
        xaxis={"title": "seconds", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        showlegend=False,
    )


def quality_figure(quality: pd.DataFrame) -> go.Figure:
    """Completed responses flagged by each data-quality screen."""
    rows = quality.drop(index="flagged", errors="ignore")
    fig = go.Figure(
        go.Bar(
            y=rows["screen"],
            x=rows["n"],
            orientation="h",
            text=[f"{n} ({s:.1%})" for n, s in zip(rows["n"], rows["share"], strict=True)],
            textposition="auto",
            marker_color="#D55E00",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    return _layout(
        fig,
        "Quality flags among completed responses",
        yaxis={"autorange": "reversed"},
        xaxis={"title": "respondents", "rangemode": "tozero"},
        showlegend=False,
        height=300,
    )


# --------------------------------------------------------------------------- clusters
def stage_sizes_figure(counts: pd.Series, *, title: str) -> go.Figure:
    """Firms per stage; hidden counts are labelled, not drawn."""
    values = [0 if pd.isna(v) else int(v) for v in counts]
    fig = go.Figure(
        go.Bar(
            x=[f"Stage {s}" for s in counts.index],
            y=values,
            text=_count_text(counts),
            textposition="outside",
            marker_color=[STAGE_COLOURS[(int(s) - 1) % 4] for s in counts.index],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    top = max(values, default=0)
    return _layout(
        fig,
        title,
        yaxis={"title": "firms", "range": [0, max(top * 1.2, 5)]},
        showlegend=False,
        height=320,
    )


def profiles_figure(profiles: pd.DataFrame, *, title: str) -> go.Figure:
    """Mean level scores per stage with 95% confidence intervals (suppressed stages left out)."""
    fig = go.Figure()
    levels = list(dict.fromkeys(profiles["level"]))
    names = [LEVEL_NAMES.get(lv.removeprefix("level_"), lv) for lv in levels]
    for stage, rows in profiles.groupby("stage", sort=True):
        if rows["suppressed"].all():
            continue
        rows = rows.set_index("level").reindex(levels)
        fig.add_scatter(
            x=names,
            y=rows["mean"],
            name=f"Stage {stage}",
            mode="lines+markers",
            line={
                "color": STAGE_COLOURS[(int(stage) - 1) % 4],
                "width": 2.5,
                "dash": STAGE_DASHES[(int(stage) - 1) % 4],
            },
            marker={"symbol": STAGE_SYMBOLS[(int(stage) - 1) % 4], "size": 9},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": rows["ci_high"] - rows["mean"],
                "arrayminus": rows["mean"] - rows["ci_low"],
            },
            hovertemplate="%{x}: %{y:.2f}<extra>Stage " + str(stage) + "</extra>",
        )
    return _layout(fig, title, yaxis={"title": "mean level score"}, height=340)


def quadrant_points_figure(
    points: pd.DataFrame,
    *,
    colour_by: str,
    labels: Mapping[str, str],
    cuts: tuple[float, float],
    scale: tuple[float, float],
    names: Mapping[str, str],
) -> go.Figure:
    """Every firm's axis scores (jittered), coloured by ``colour_by`` (researchers only);
    ``names``: the instrument's quadrant names (:meth:`Instrument.quadrant_names`)."""
    fig = go.Figure()
    values = [v for v in labels if v in set(points[colour_by].dropna())]
    for i, value in enumerate(values):
        part = points[points[colour_by] == value]
        fig.add_scattergl(
            x=part["axis_orientation"],
            y=part["axis_control"],
            mode="markers",
            name=labels[value],
            marker={
                "size": 7,
                "opacity": 0.75,
                "color": PALETTE[i % len(PALETTE)],
                "symbol": PALETTE_SYMBOLS[i % len(PALETTE_SYMBOLS)],
            },
            hovertemplate=f"{labels[value]}<extra></extra>",
        )
    _quadrant_frame(fig, cuts, scale, names)
    return _layout(
        fig,
        "Quadrant map (each dot a firm, jittered)",
        height=540,
        xaxis={"title": _X_AXIS, "range": [scale[0] - 0.3, scale[1] + 0.3]},
        yaxis={"title": _Y_AXIS, "range": [scale[0] - 0.3, scale[1] + 0.3]},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top", "font": {"size": 11}},
    )


def quadrant_density_figure(
    binned: BinnedMap,
    *,
    cuts: tuple[float, float],
    scale: tuple[float, float],
    names: Mapping[str, str],
) -> go.Figure:
    """Firms per area of the quadrant map; areas with too few firms are hidden; ``names``: the
    instrument's quadrant names (:meth:`Instrument.quadrant_names`)."""
    counts = binned.counts.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    text = [
        [HIDDEN if pd.isna(v) else ("" if v == 0 else f"{int(v)}") for v in row] for row in counts
    ]
    shown = np.where(counts == 0, np.nan, counts)
    fig = go.Figure(_hidden_layer(binned.x_centres, binned.y_centres, counts))
    fig.add_trace(
        go.Heatmap(
            x=binned.x_centres,
            y=binned.y_centres,
            z=shown,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale="Blues",
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{text} firms<extra></extra>",
        )
    )
    _quadrant_frame(fig, cuts, scale, names)
    return _layout(
        fig,
        "Quadrant map (firms per area)",
        height=480,
        xaxis={"title": _X_AXIS, "range": [scale[0], scale[1]]},
        yaxis={"title": _Y_AXIS, "range": [scale[0], scale[1]]},
        showlegend=False,
    )


def _quadrant_frame(
    fig: go.Figure,
    cuts: tuple[float, float],
    scale: tuple[float, float],
    names: Mapping[str, str],
) -> None:
    control_cut, orientation_cut = cuts
    fig.add_vline(x=orientation_cut, line={"color": "#666", "dash": "dash", "width": 1})
    fig.add_hline(y=control_cut, line={"color": "#666", "dash": "dash", "width": 1})
    low, high = scale
    corners = {
        "call_to_action": (low, low, "left", "bottom"),
        "dissemination": (high, low, "right", "bottom"),
        "thought_leadership": (low, high, "left", "top"),
        "co_creation": (high, high, "right", "top"),
    }
    for quadrant in QUADRANTS:
        x, y, xanchor, yanchor = corners[quadrant]
        fig.add_annotation(
            x=x,
            y=y,
            text=f"<b>{names[quadrant]}</b>",
            showarrow=False,
            xanchor=xanchor,
            yanchor=yanchor,
            font={"color": "#444", "size": 12},
            bgcolor="rgba(255,255,255,0.75)",
        )


def count_heatmap(
    table: pd.DataFrame,
    *,
    title: str,
    x_labels: Sequence[str],
    y_labels: Sequence[str],
    x_title: str,
    y_title: str,
) -> go.Figure:
    """A cross-table of counts as a heatmap with the counts written in (hidden ones say so)."""
    counts = table.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    text = [[HIDDEN if pd.isna(v) else f"{int(v):,}" for v in row] for row in counts]
    fig = go.Figure(_hidden_layer(x_labels, y_labels, counts))
    fig.add_trace(
        go.Heatmap(
            x=list(x_labels),
            y=list(y_labels),
            z=counts,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} × %{x}: %{text}<extra></extra>",
        )
    )
    return _layout(
        fig,
        title,
        height=320,
        xaxis={"title": x_title, "side": "bottom"},
        yaxis={"title": y_title, "autorange": "reversed"},
        showlegend=False,
    )


def jaccard_figure(per_stage: Sequence[Mapping[str, Any]], *, stable: float) -> go.Figure:
    """Bootstrap stability of each data-driven stage (mean Jaccard), with a line at ``stable``."""
    stages = [f"Stage {r['stage']}" for r in per_stage]
    values = [r["jaccard"] for r in per_stage]
    fig = go.Figure(
        go.Bar(
            x=stages,
            y=values,
            text=[f"{v:.2f}" for v in values],
            textposition="outside",
            marker_color=[STAGE_COLOURS[(int(r["stage"]) - 1) % 4] for r in per_stage],
            hovertemplate="%{x}: mean Jaccard %{y:.2f}<extra></extra>",
        )
    )
    fig.add_hline(y=stable, line={"color": "#D55E00", "dash": "dash"})
    fig.add_annotation(
        x=1,
        xref="paper",
        y=1.09,
        text=f"dashed line: stable ≥ {stable:.2f}",
        showarrow=False,
        xanchor="right",
        font={"color": "#D55E00", "size": 11},
    )
    return _layout(
        fig,
        "Stability of each stage (bootstrap Jaccard)",
        yaxis={"title": "mean Jaccard", "range": [0, 1.15]},
        showlegend=False,
        height=320,
    )


# --------------------------------------------------------------------------- validation
def construct_groups(instrument: Instrument) -> dict[str, str]:
    """Construct id → the group it is drawn in: its capability level, axis or role."""
    out = {}
    for c in instrument.constructs:
        if c.level:
            out[c.id] = f"{LEVEL_NAMES.get(c.level, c.level)} capabilities"
        elif c.axis:
            out[c.id] = "Strategy axes"
        else:
            out[c.id] = (c.role or "other").capitalize()
    return out


def loadings_figure(std_loadings: Mapping[str, float], instrument: Instrument) -> go.Figure:
    """Standardised CFA loadings, item by item, with the .50 and .70 lines.

    Parameters
    ----------
    std_loadings : mapping
        ``results["cfa"]["std_loadings"]``: ``"<construct>.<item>"`` → loading.
    instrument : Instrument
        For the constructs' names and groups.

    Notes
    -----
    Each construct is one series named by its label: the hue of its group (capability level,
    strategy axes, outcome) and a marker of its own within the group, so no two constructs
    look alike, however many there are.
    """
    names = {c.id: c.label for c in instrument.constructs}
    texts = {i.id: i.text for c in instrument.constructs for i in c.items}
    groups = construct_groups(instrument)
    group_order = list(dict.fromkeys(groups.values()))
    by_construct: dict[str, list[tuple[str, float]]] = {}
    for key, value in std_loadings.items():
        construct, item = key.split(".", 1)
        by_construct.setdefault(construct, []).append((item, float(value)))
    fig = go.Figure()
    seen: dict[str, int] = {}
    for construct, rows in by_construct.items():
        group = groups.get(construct, "Other")
        if group not in group_order:
            group_order.append(group)
        within = seen.get(group, 0)
        seen[group] = within + 1
        colour = GROUP_COLOURS[group_order.index(group) % len(GROUP_COLOURS)]
        symbol = CONSTRUCT_SYMBOLS[within % len(CONSTRUCT_SYMBOLS)]
        label = names.get(construct, construct)
        fig.add_scatter(
            x=[v for _, v in rows],
            y=[i for i, _ in rows],
            mode="markers",
            name=label,
            legendgroup=group,
            legendgrouptitle_text=group,
            marker={"size": 10, "color": colour, "symbol": symbol},
            customdata=[texts.get(i, "") for i, _ in rows],
            hovertemplate="%{y}: %{x:.2f}<br>%{customdata}<extra>" + label + "</extra>",
        )
    for x in (LOADING_MIN, LOADING_GOOD):
        fig.add_vline(x=x, line={"dash": "dot", "color": "#5c5b59"}, annotation_text=fmt_cut(x))
    lowest = min((float(v) for v in std_loadings.values()), default=0.0)
    return _layout(
        fig,
        "Standardised CFA loadings by item",
        height=max(360, 90 + 16 * len(std_loadings)),
        xaxis={"title": "standardised loading", "range": [min(0.4, lowest - 0.05), 1.02]},
        yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 10}},
        legend={"orientation": "v", "groupclick": "toggleitem"},
    )


def with_stage_looks(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` with its ``stage N`` series in the stages' hues, patterns and markers.

    For the figures :mod:`analysis` draws with plotly's default colours (the threshold
    sensitivity chart): other series become black and grey lines with their own dash.
    """
    out = go.Figure(fig)
    others = iter(zip(("#000000", "#5c5b59", "#882255"), ("solid", "dash", "dot"), strict=True))
    for trace in out.data:
        found = re.fullmatch(r"stage (\d)", str(trace.name or ""), flags=re.IGNORECASE)
        if found:
            i = (int(found.group(1)) - 1) % 4
            if trace.type == "bar":
                trace.marker.color = STAGE_COLOURS[i]
                trace.marker.pattern.shape = STAGE_PATTERNS[i]
            else:
                trace.line.color = STAGE_COLOURS[i]
                trace.marker.symbol = STAGE_SYMBOLS[i]
        elif trace.type == "scatter":
            colour, dash = next(others, ("#000000", "solid"))
            trace.line.color = trace.marker.color = colour
            trace.line.dash = dash
    return out


def with_construct_names(fig: go.Figure, names: Mapping[str, str]) -> go.Figure:
    """A copy of ``fig`` with construct ids on its axes replaced by the constructs' names."""
    out = go.Figure(fig)
    for trace in out.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is not None and not isinstance(values, str):
                setattr(trace, axis, [names.get(str(v), v) for v in values])
    return out


# --------------------------------------------------------------------------- tables
#: Background of each scorecard verdict (the report's colours).
VERDICT_COLOURS: dict[str, str] = {
    "supported": "#d9f0d3",
    "partly": "#fdebc8",
    "inconclusive": "#e8e8e8",
    "not supported": "#f6d3d3",
    "not run": "#e8e8e8",
}
SCORECARD_HEADINGS: dict[str, str] = {
    "area": "Area",
    "criterion": "Criterion",
    "verdict": "Verdict",
    "evidence": "Evidence",
    "needs": "Needs",
    "meaning": "What it means",
}


def scorecard_styler(card: pd.DataFrame) -> Styler:
    """The scorecard (:func:`analysis.report.tables.scorecard_table`) with coloured verdicts."""
    table = card[list(SCORECARD_HEADINGS)].rename(columns=SCORECARD_HEADINGS)
    table = table.set_index("Criterion")  # st.table always shows the index: make it useful
    return table.style.map(
        lambda v: f"background-color: {VERDICT_COLOURS.get(v, '#ffffff')}; font-weight: 600",
        subset=["Verdict"],
    )
