"""Dashboard figures: hidden counts are drawn as hidden (never as 0), suppressed stages left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.structure.aggregates import binned_map, map_edges, stage_profiles, suppress_counts
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
