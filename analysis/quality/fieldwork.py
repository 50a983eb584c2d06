"""Fieldwork statistics for the response monitor: activity, completion funnel, page times.

Plain functions over labelled frames (what :func:`survey.store.progress_frame` and
:func:`survey.store.page_timings` return), so they work on any export with the same columns.
Data-quality flags come from :mod:`analysis.quality.screens`; :func:`quality_counts` summarises
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from analysis.quality.screens import FLAG_COLUMNS, QualityResult

#: Plain names of the quality flags.
FLAG_NAMES: dict[str, str] = {
    "flag_straightlining": "Straight-lining",
    "flag_speeding": "Speeding",
    "flag_attention": "Failed attention check",
    "flag_outlier": "Multivariate outlier",
    "flag_missing": "Too many missing answers",
}
_EVENTS = {"consented": "consented_at", "started": "started_at", "completed": "completed_at"}


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], name: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}")


def activity(progress: pd.DataFrame, *, freq: str = "D") -> pd.DataFrame:
    """Responses consented, started and completed per period, and in total so far.

    Parameters
    ----------
    progress : DataFrame
        One row per respondent with aware timestamps ``consented_at``, ``started_at`` and
        ``completed_at`` (missing while not reached).
    freq : str, default "D"
        pandas period of the rows (``"D"`` days, ``"W"`` weeks, ``"h"`` hours).

    Returns
    -------
    DataFrame
        Indexed by period start (UTC, every period from the first consent to the last event,
        empty ones included): ``consented``, ``started``, ``completed`` and the running totals
        ``consented_total``, ``started_total``, ``completed_total``. No rows when nobody has
        consented.

    Raises
    ------
    ValueError
        When a timestamp column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2026-05-01 09:00", "2026-05-03 10:00"], utc=True)
    >>> p = pd.DataFrame({"consented_at": t, "started_at": t, "completed_at": [t[0], pd.NaT]})
    >>> activity(p)["completed_total"].tolist()
    [1, 1, 1]
    """
    _check_columns(progress, list(_EVENTS.values()), "progress")
    columns = [*_EVENTS, *(f"{k}_total" for k in _EVENTS)]
    periods = {
        name: _utc(progress[column]).dropna().dt.tz_localize(None).dt.to_period(freq)
        for name, column in _EVENTS.items()
    }
    if periods["consented"].empty:
        return pd.DataFrame(columns=columns, dtype=int)
    everything = pd.concat(list(periods.values()))
    index = pd.period_range(everything.min(), everything.max(), freq=freq)
    out = pd.DataFrame(
        {name: p.value_counts().reindex(index, fill_value=0) for name, p in periods.items()}
    )
    for name in _EVENTS:
        out[f"{name}_total"] = out[name].cumsum()
    out.index = index.start_time.tz_localize("UTC").rename("period")
    return out[columns].astype(int)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def furthest_page(
    progress: pd.DataFrame, timings: pd.DataFrame, page_ids: Sequence[str]
) -> pd.Series:
    """How far each respondent got: the position of the furthest page reached.

    Parameters
    ----------
    progress : DataFrame
        Indexed by respondent id, with ``current_page`` and ``completed_at``.
    timings : DataFrame
        Long form ``respondent_id``, ``page_id`` (a row once a page has been left).
    page_ids : sequence of str
        The questionnaire's pages in order.

    Returns
    -------
    Series
        Per respondent: 0 for the first page … ``len(page_ids) - 1`` for the last, and
        ``len(page_ids)`` once completed. A respondent who went back is credited with the
        furthest page they saw.
    """
    _check_columns(progress, ["current_page", "completed_at"], "progress")
    _check_columns(timings, ["respondent_id", "page_id"], "timings")
    position = {page: i for i, page in enumerate(page_ids)}
    current = progress["current_page"].map(position)
    left = timings.assign(pos=timings["page_id"].map(position)).groupby("respondent_id")["pos"]
    furthest = pd.concat([current, left.max().reindex(progress.index)], axis=1).max(axis=1)
    furthest = furthest.fillna(0)
    furthest[progress["completed_at"].notna()] = len(page_ids)
    return furthest.astype(int).rename("furthest_page")


def completion_funnel(
    progress: pd.DataFrame,
    timings: pd.DataFrame,
    page_ids: Sequence[str],
    *,
    page_titles: dict[str, str] | None = None,
) -> pd.DataFrame:
    """How many respondents reached each page, and how many stopped there.

    Parameters
    ----------
    progress, timings, page_ids
        As for :func:`furthest_page`.
    page_titles : dict, optional
        Page id → title, for the ``title`` column.

    Returns
    -------
    DataFrame
        Indexed by page id (in order) and a last row ``completed``: ``title``, ``reached``
        (respondents who saw the page), ``share`` (of all who consented), ``stopped_here``
        (reached this page but not the next; for ``completed``: 0).
    """
    furthest = furthest_page(progress, timings, page_ids)
    n = len(furthest)
    steps = [*page_ids, "completed"]
    reached = [int((furthest >= i).sum()) for i in range(len(steps))]
    titles = {**(page_titles or {}), "completed": "Completed"}
    out = pd.DataFrame(
        {
            "title": [titles.get(s, s) for s in steps],
            "reached": reached,
            "share": [r / n if n else np.nan for r in reached],
            "stopped_here": [*(a - b for a, b in pairwise(reached)), 0],
        },
        index=pd.Index(steps, name="page"),
    )
    return out


def page_times(timings: pd.DataFrame, page_ids: Sequence[str]) -> pd.DataFrame:
    """Time spent per page: median and quartiles over the respondents who left the page.

    Parameters
    ----------
    timings : DataFrame
        Long form ``respondent_id``, ``page_id``, ``seconds`` (summed over visits).
    page_ids : sequence of str
        The pages, in order.

    Returns
    -------
    DataFrame
        Indexed by page id: ``n``, ``median``, ``q1``, ``q3`` (seconds; quantiles as R's
        ``quantile(type = 7)``), missing for pages nobody has left yet.
    """
    _check_columns(timings, ["page_id", "seconds"], "timings")
    grouped = timings.groupby("page_id")["seconds"]
    out = pd.DataFrame(
        {
            "n": grouped.size(),
            "median": grouped.median(),
            "q1": grouped.quantile(0.25),
            "q3": grouped.quantile(0.75),
        }
    ).reindex(pd.Index(list(page_ids), name="page"))
    out["n"] = out["n"].fillna(0).astype(int)
    return out


def quality_counts(result: QualityResult) -> pd.DataFrame:
    """Respondents flagged by each data-quality screen.

    Parameters
    ----------
    result : QualityResult
        :func:`analysis.quality.screens.quality_flags` of the completed responses.

    Returns
    -------
    DataFrame
        Indexed by flag column (and ``flagged``, any flag): ``screen`` (plain name), ``n``,
        ``share`` of the respondents screened, ``checked`` (the screen ran, or why not).
    """
    flags = result.flags
    total = len(flags)
    screens = {c: c[len("flag_") :] for c in FLAG_COLUMNS}
    rows = {
        column: {
            "screen": FLAG_NAMES[column],
            "n": int(flags[column].sum()),
            "share": float(flags[column].mean()) if total else np.nan,
            "checked": result.checks.get(screens[column], "run"),
        }
        for column in FLAG_COLUMNS
    }
    rows["flagged"] = {
        "screen": "Any of these",
        "n": int(flags["flagged"].sum()),
        "share": float(flags["flagged"].mean()) if total else np.nan,
        "checked": "run",
    }
    return pd.DataFrame.from_dict(rows, orient="index")
