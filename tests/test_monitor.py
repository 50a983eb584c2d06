"""Fieldwork statistics: activity over time, the completion funnel, page times, flag counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.simulate import Simulation
from analysis.quality.fieldwork import (
    FLAG_NAMES,
    activity,
    completion_funnel,
    furthest_page,
    page_times,
    quality_counts,
)
from analysis.quality.screens import FLAG_COLUMNS, quality_flags
from instrument import Instrument

PAGES = ("firm", "audience", "content")


def ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


@pytest.fixture
def progress() -> pd.DataFrame:
    rows = {
        # consented, started, completed, current page
        "a": ("2026-05-01 09:00", "2026-05-01 09:01", "2026-05-01 09:20", "content"),
        "b": ("2026-05-01 10:00", "2026-05-01 10:01", None, "audience"),
        "c": ("2026-05-03 08:00", None, None, "firm"),
        "d": ("2026-05-03 09:00", "2026-05-03 09:05", "2026-05-04 07:00", "content"),
        "e": ("2026-05-03 11:00", "2026-05-03 11:02", None, "firm"),  # went back
    }
    frame = pd.DataFrame(
        {
            "consented_at": [ts(r[0]) for r in rows.values()],
            "started_at": [ts(r[1]) for r in rows.values()],
            "completed_at": [ts(r[2]) for r in rows.values()],
            "current_page": [r[3] for r in rows.values()],
        },
        index=pd.Index(list(rows), name="respondent_id"),
    )
    return frame


@pytest.fixture
def timings() -> pd.DataFrame:
    rows = [
        ("a", "firm", 10.0),
        ("a", "audience", 40.0),
        ("a", "content", 30.0),
        ("b", "firm", 20.0),
        ("d", "firm", 30.0),
        ("d", "audience", 50.0),
        ("d", "content", 70.0),
        ("e", "firm", 40.0),
        ("e", "audience", 60.0),
        ("e", "content", 15.0),  # then back to the first page
    ]
    return pd.DataFrame(rows, columns=["respondent_id", "page_id", "seconds"])


def test_activity_counts_each_day_including_quiet_ones(progress: pd.DataFrame) -> None:
    out = activity(progress)
    assert [d.strftime("%m-%d") for d in out.index] == ["05-01", "05-02", "05-03", "05-04"]
    assert out["consented"].tolist() == [2, 0, 3, 0]
    assert out["started"].tolist() == [2, 0, 2, 0]
    assert out["completed"].tolist() == [1, 0, 0, 1]
    assert out["completed_total"].tolist() == [1, 1, 1, 2]
    assert out.index.tz is not None


def test_activity_by_hour_and_without_respondents(progress: pd.DataFrame) -> None:
    hourly = activity(progress.iloc[:2], freq="h")
    assert len(hourly) == 2 and hourly["consented"].tolist() == [1, 1]
    empty = activity(progress.iloc[:0])
    assert empty.empty and "completed_total" in empty.columns
    with pytest.raises(ValueError, match=r"progress: missing column\(s\) \['started_at'\]"):
        activity(progress.drop(columns="started_at"))


def test_furthest_page_credits_pages_seen_before_going_back(
    progress: pd.DataFrame, timings: pd.DataFrame
) -> None:
    out = furthest_page(progress, timings, PAGES)
    assert out.to_dict() == {"a": 3, "b": 1, "c": 0, "d": 3, "e": 2}


def test_funnel_counts_who_reached_each_page(progress: pd.DataFrame, timings: pd.DataFrame) -> None:
    out = completion_funnel(progress, timings, PAGES, page_titles={"firm": "Your firm"})
    assert list(out.index) == [*PAGES, "completed"]
    assert out["reached"].tolist() == [5, 4, 3, 2]
    assert out["stopped_here"].tolist() == [1, 1, 1, 0]
    assert out["share"].tolist() == [1.0, 0.8, 0.6, 0.4]
    assert out.loc["firm", "title"] == "Your firm" and out.loc["completed", "title"] == "Completed"


def test_page_times_match_r_quantiles(timings: pd.DataFrame) -> None:
    out = page_times(timings, [*PAGES, "never"])
    # R: quantile(c(10, 20, 30, 40), c(.25, .5, .75)) -> 17.5 25 32.5
    assert out.loc["firm"].tolist() == [4, 25.0, 17.5, 32.5]
    assert out.loc["audience", "median"] == 50.0
    assert out.loc["never", "n"] == 0 and np.isnan(out.loc["never", "median"])


def test_quality_counts_sum_the_flags(smcap_instrument: Instrument, sim_1200: Simulation) -> None:
    responses = sim_1200.responses.set_index("respondent_id").iloc[:300]
    result = quality_flags(responses, smcap_instrument)
    out = quality_counts(result)
    assert list(out.index) == [*FLAG_COLUMNS, "flagged"]
    for column in FLAG_COLUMNS:
        assert out.loc[column, "n"] == int(result.flags[column].sum())
        assert out.loc[column, "screen"] == FLAG_NAMES[column]
    assert out.loc["flagged", "share"] == pytest.approx(result.flags["flagged"].mean())
    assert out.loc["flag_straightlining", "n"] > 0
    # a screen that could not run says why
    no_checks = quality_counts(
        quality_flags(responses.drop(columns=["ac_1", "ac_2"]), smcap_instrument)
    )
    assert no_checks.loc["flag_attention", "checked"].startswith("not run")
