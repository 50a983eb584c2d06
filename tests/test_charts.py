"""Dashboard figures: hidden counts shown as hidden (never 0), series told apart, charts named."""

from __future__ import annotations

import colorsys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.structure.aggregates import binned_map, map_edges, stage_profiles, suppress_counts
from instrument import QUADRANT_TITLES, Instrument
from survey import charts


def test_hidden_counts_are_labelled_not_zero() -> None:
    counts = pd.Series([30, pd.NA, 12, 0], index=[1, 2, 3, 4], dtype="Int64")
    fig = charts.stage_sizes_figure(counts, title="sizes")
    bar = fig.data[0]
    assert list(bar.text) == ["30", "hidden", "12", "0"]
    table = suppress_counts(pd.DataFrame({"a": [40, 2, 9], "b": [30, 25, 12], "c": [0, 21, 7]}))
    heat = charts.count_heatmap(
        table, title="t", x_labels=["a", "b", "c"], y_labels=["1", "2", "3"], x_title="", y_title=""
    )
    grey, counts_layer = heat.data
    assert counts_layer.text[1][0] == "hidden"
    assert grey.z[1][0] == 1.0 and np.isnan(grey.z[0][0])  # grey under hidden cells only


def test_density_map_never_shows_a_small_bin() -> None:
    # bottom left: 3 firms in one bin, 20 in another; top right: 40, 30 and 25
    x = pd.Series([1.5] * 3 + [2.5] * 20 + [5.5] * 40 + [6.5] * 30 + [5.5] * 25)
    y = pd.Series([1.5] * 3 + [2.5] * 20 + [5.5] * 40 + [5.5] * 30 + [6.5] * 25)
    edges = map_edges(1, 7, [4.0])
    fig = charts.quadrant_density_figure(
        binned_map(x, y, x_edges=edges, y_edges=edges, x_cut=4.0, y_cut=4.0),
        cuts=(4.0, 4.0),
        scale=(1.0, 7.0),
        names=QUADRANT_TITLES,
    )
    texts = {t for row in fig.data[1].text for t in row}
    assert "3" not in texts and "hidden" in texts
    assert "20" not in texts  # the map's total minus the rest would give the 3 away
    assert {"40", "30", "25"} <= texts
    names = {a.text for a in fig.layout.annotations}
    assert "<b>Co-creation</b>" in names and "<b>Call to Action</b>" in names


def test_profiles_leave_out_suppressed_stages() -> None:
    frame = pd.DataFrame(
        {"stage": [1] * 10 + [2] * 3, "operational": np.linspace(2, 6, 13), "dynamic": 4.0}
    )
    profiles = stage_profiles(frame, stage="stage", levels=["operational", "dynamic"])
    fig = charts.profiles_figure(profiles, title="p")
    assert [trace.name for trace in fig.data] == ["Stage 1"]
    assert list(fig.data[0].x) == ["Operational", "Dynamic"]


def test_activity_of_a_single_day_has_a_readable_axis() -> None:
    day = pd.DatetimeIndex([pd.Timestamp("2026-05-01", tz="UTC")], name="period")
    activity = pd.DataFrame(
        {
            "consented": [3],
            "started": [2],
            "completed": [1],
            "consented_total": [3],
            "started_total": [2],
            "completed_total": [1],
        },
        index=day,
    )
    fig = charts.activity_figure(activity)
    assert fig.layout.xaxis.tickformat == "%d %b"
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert high - low == pd.Timedelta(days=1)
    assert [t.name for t in fig.data] == ["Consented", "Started", "Completed"]


def test_scorecard_styler_colours_the_verdicts() -> None:
    card = pd.DataFrame(
        {
            "area": ["Measurement", "Stages"],
            "criterion": ["Reliability", "Stage structure"],
            "verdict": ["supported", "not supported"],
            "evidence": ["a", "b"],
            "needs": ["c", "d"],
            "meaning": ["e", "f"],
        }
    )
    html = charts.scorecard_styler(card).to_html()
    assert charts.VERDICT_COLOURS["supported"] in html
    assert charts.VERDICT_COLOURS["not supported"] in html
    assert "What it means" in html and ">Reliability<" in html


def test_stage_profiles_differ_in_hue_marker_and_dash() -> None:
    frame = pd.DataFrame(
        {"stage": np.repeat([1, 2, 3, 4], 10), "operational": np.linspace(2, 6, 40), "dynamic": 4.0}
    )
    profiles = stage_profiles(frame, stage="stage", levels=["operational", "dynamic"])
    fig = charts.profiles_figure(profiles, title="p")
    looks = [(t.line.color, t.marker.symbol, t.line.dash) for t in fig.data]
    assert len(looks) == 4
    for part in range(3):  # colour, marker and dash each tell the four stages apart
        assert len({look[part] for look in looks}) == 4
    hues = {round(colorsys.rgb_to_hls(*rgb(c))[0], 1) for c, _, _ in looks}
    assert len(hues) == 4  # not shades of one colour


def rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def contrast_on_white(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(colour))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_series_colours_have_3_to_1_contrast_on_white() -> None:
    for colour in (*charts.STAGE_COLOURS, *charts.GROUP_COLOURS, *charts.PALETTE):
        assert contrast_on_white(colour) >= 3.0, colour


def test_every_construct_of_the_loadings_chart_looks_different(instrument_2_0: Instrument) -> None:
    loadings = {
        f"{c.id}.{i.id}": 0.5 + 0.01 * n
        for n, (c, i) in enumerate((c, i) for c in instrument_2_0.constructs for i in c.items)
    }
    fig = charts.loadings_figure(loadings, instrument_2_0)
    assert len(fig.data) == len(instrument_2_0.constructs) == 17
    assert [t.name for t in fig.data] == [c.label for c in instrument_2_0.constructs]
    looks = {(t.marker.color, t.marker.symbol) for t in fig.data}
    assert len(looks) == 17
    operational = next(t for t in fig.data if t.name == "Audience insight")
    assert operational.legendgrouptitle.text == "Operational capabilities"
    assert sum(len(t.x) for t in fig.data) == len(loadings)
    assert charts.title_of(fig) == "Standardised CFA loadings by item"


def test_figures_are_named_by_their_title_and_relabelled_by_construct() -> None:
    fig = go.Figure(go.Heatmap(x=["stp", "sensing"], y=["stp", "sensing"], z=[[1, 0.5], [0.5, 1]]))
    fig.update_layout(title={"text": "<b>HTMT</b> (geometric mean)"})
    assert charts.title_of(fig) == "HTMT (geometric mean)"
    named = charts.with_construct_names(fig, {"stp": "Segmentation", "sensing": "Sensing"})
    assert list(named.data[0].x) == ["Segmentation", "Sensing"]
    assert list(fig.data[0].x) == ["stp", "sensing"]  # the original is left alone
    with pytest.raises(ValueError, match="no title"):
        charts.title_of(go.Figure())


def test_analysis_figures_get_the_stages_looks() -> None:
    fig = go.Figure([go.Bar(x=[1], y=[0.5], name=f"stage {s}") for s in (1, 2, 3, 4)])
    fig.add_scatter(x=[1], y=[0.8], name="ARI with profiles")
    fig.add_scatter(x=[1], y=[0.9], name="κ (linear)")
    looks = charts.with_stage_looks(fig)
    bars = looks.data[:4]
    assert [b.marker.color for b in bars] == list(charts.STAGE_COLOURS)
    assert len({b.marker.pattern.shape for b in bars}) == 4
    lines = looks.data[4:]
    assert len({(t.line.color, t.line.dash) for t in lines}) == 2
    assert fig.data[0].marker.color is None  # the original is left alone


def test_sectors_on_the_map_differ_in_colour_and_marker() -> None:
    labels = {f"s{i}": f"Sector {i}" for i in range(8)}
    points = pd.DataFrame(
        {"axis_orientation": 4.0, "axis_control": 4.0, "sector": [f"s{i}" for i in range(8)]}
    )
    fig = charts.quadrant_points_figure(
        points,
        colour_by="sector",
        labels=labels,
        cuts=(4.0, 4.0),
        scale=(1.0, 7.0),
        names=QUADRANT_TITLES,
    )
    markers = [t.marker for t in fig.data]
    assert len({m.color for m in markers}) == len({m.symbol for m in markers}) == 8
