"""Aggregates for the cluster dashboard, with small-cell suppression for reviewers.

The dashboard filters the respondents (sector, offering, size band, country) and draws only
what these functions return: counts, mean level scores per stage with confidence intervals,
binned maps of the two axes. Each takes ``min_cell``: counts from 1 to ``min_cell - 1`` are
*suppressed* (returned as missing), and so are the statistics of groups that small.

Suppression follows the usual rules of statistical disclosure control (Hundepool et al.,
2012): **primary** suppression hides every cell below the threshold; **secondary**
suppression then hides one more cell in any published total (a row, a column, the whole table,
or a block such as a quadrant) that would otherwise contain exactly one hidden cell — without
it, the hidden count is the total minus the cells shown. Zero counts are shown: "nobody"
identifies nobody.

A limit no table-by-table rule can close: comparing two filter settings that differ by a
handful of firms can still reveal something about those firms. The dashboard therefore never
shows a filtered view of fewer than ``min_cell`` respondents at all.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S., Spicer, K.,
& de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley. (Ch. 5, frequency tables.)
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.structure.agreement import stage_agreement

#: Fewest respondents a reviewer may see in any cell, group or filtered view.
MIN_CELL = 5

Cell = tuple[Hashable, Hashable]


def _check_min_cell(min_cell: int) -> None:
    if not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number ≥ 1, got {min_cell!r}")


def apply_filters(frame: pd.DataFrame, filters: Mapping[str, Collection[object]]) -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    filters : mapping
        Column → the values to keep; an empty collection keeps every row (no filter).

    Returns
    -------
    DataFrame
        The matching rows (a copy; ``frame`` is not changed).

    Raises
    ------
    ValueError
        When a filter names a column that ``frame`` does not have.
    """
    unknown = [c for c in filters if c not in frame.columns]
    if unknown:
        raise ValueError(f"filters: unknown column(s) {unknown}")
    keep = pd.Series(True, index=frame.index)
    for column, values in filters.items():
        if values:
            keep &= frame[column].isin(list(values))
    return frame.loc[keep].copy()


def suppress_counts(
    counts: pd.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    groups: Sequence[Collection[Cell]] | None = None,
) -> pd.DataFrame:
    """Hide small counts, and the cells that would give them away.

    Parameters
    ----------
    counts : DataFrame
        Non-negative whole counts.
    min_cell : int, default 5
        Counts from 1 to ``min_cell - 1`` are hidden (primary suppression).
    groups : sequence of collections of (row, column), optional
        Sets of cells whose total is published (default: each row, each column and the whole
        table). Where a group would hide exactly one cell, its smallest other non-zero
        cell is hidden too (secondary suppression), repeated until nothing changes.

    Returns
    -------
    DataFrame
        ``Int64`` counts with hidden cells missing (``pd.NA``); same labels as ``counts``.

    Raises
    ------
    ValueError
        For negative or fractional counts, or ``min_cell`` below 1.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [12, 3, 30], "b": [20, 9, 0], "c": [8, 25, 40]})
    >>> suppress_counts(t).astype("float").to_numpy().tolist()
    [[nan, nan, 8.0], [nan, nan, 25.0], [30.0, 0.0, 40.0]]
    """
    _check_min_cell(min_cell)
    values = counts.to_numpy(dtype=float)
    if (values < 0).any() or not np.allclose(values, np.round(values)):
        raise ValueError("counts must be non-negative whole numbers")
    hidden = pd.DataFrame(
        (values > 0) & (values < min_cell), index=counts.index, columns=counts.columns
    )
    if groups is None:
        groups = [
            *([(r, c) for c in counts.columns] for r in counts.index),
            *([(r, c) for r in counts.index] for c in counts.columns),
            [(r, c) for r in counts.index for c in counts.columns],
        ]
    changed = True
    while changed:
        changed = False
        for group in groups:
            cells = list(group)
            n_hidden = sum(bool(hidden.at[r, c]) for r, c in cells)
            if n_hidden != 1:
                continue
            candidates = [
                (counts.at[r, c], i)
                for i, (r, c) in enumerate(cells)
                if not hidden.at[r, c] and counts.at[r, c] > 0
            ]
            if candidates:
                _, i = min(candidates)
                hidden.at[cells[i]] = True
                changed = True
    out = counts.astype("Int64").copy()
    return out.mask(hidden)


def category_counts(
    values: pd.Series, categories: Sequence[Hashable], *, min_cell: int = MIN_CELL
) -> pd.Series:
    """Respondents per category (every category listed), small counts suppressed.

    The total is published alongside, so one hidden category is never left alone
    (:func:`suppress_counts` with the whole list as one group). Values outside
    ``categories`` are not counted.
    """
    counts = values.value_counts().reindex(list(categories), fill_value=0)
    table = counts.to_frame("n")
    out = suppress_counts(table, min_cell=min_cell, groups=[[(c, "n") for c in categories]])
    return out["n"].rename(values.name)


def count_table(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    row_values: Sequence[Hashable],
    column_values: Sequence[Hashable],
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Cross-table of two columns over fixed categories, with suppression.

    Returns
    -------
    DataFrame
        Rows ``row_values`` × columns ``column_values`` (``Int64``, hidden cells missing);
        respondents missing either value are left out.
    """
    both = frame[[rows, columns]].dropna()
    table = pd.crosstab(both[rows], both[columns]).reindex(
        index=list(row_values), columns=list(column_values), fill_value=0
    )
    table.index.name, table.columns.name = rows, columns
    return suppress_counts(table, min_cell=min_cell)


def stage_profiles(
    frame: pd.DataFrame,
    *,
    stage: str,
    levels: Sequence[str],
    stages: Sequence[int] = (1, 2, 3, 4),
    confidence: float = 0.95,
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Mean score of each level per stage, with a t confidence interval.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent: the ``stage`` column and the level-score columns ``levels``.
    stage : str
        The column with stage numbers (``stage_cluster`` or ``stage_theory``).
    levels : sequence of str
        Level-score columns, in display order.
    stages : sequence of int
        The stages to report (all listed, shown or not).
    confidence : float, default 0.95
        Level of the intervals.
    min_cell : int, default 5
        Stages with fewer respondents get no statistics (``suppressed`` true).

    Returns
    -------
    DataFrame
        One row per stage × level (``stage``, ``level``): ``n``, ``mean``, ``sd``,
        ``ci_low``, ``ci_high`` and ``suppressed``.

    Notes
    -----
    :math:`\\bar x \\pm t_{1-\\alpha/2,\\,n-1}\\, s/\\sqrt{n}`, as R's ``t.test(x)$conf.int``.
    A stage is suppressed when fewer than ``min_cell`` of its respondents have a score;
    its size is hidden by :func:`category_counts` by the same rule.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    _check_min_cell(min_cell)
    rows = []
    for s in stages:
        members = frame.loc[frame[stage] == s, list(levels)]
        small = len(members) < min_cell
        for level in levels:
            x = members[level].dropna().to_numpy(dtype=float)
            n = len(x)
            row = {"stage": s, "level": level, "n": n, "suppressed": small or n < min_cell}
            if row["suppressed"] or n < 2:
                row.update(mean=np.nan, sd=np.nan, ci_low=np.nan, ci_high=np.nan)
            else:
                mean, sd = float(x.mean()), float(x.std(ddof=1))
                half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
                row.update(mean=mean, sd=sd, ci_low=mean - half, ci_high=mean + half)
            if row["suppressed"]:
                row["n"] = pd.NA
            rows.append(row)
    out = pd.DataFrame(
        rows, columns=["stage", "level", "n", "mean", "sd", "ci_low", "ci_high", "suppressed"]
    )
    out["n"] = out["n"].astype("Int64")
    return out


def map_edges(low: float, high: float, cuts: Sequence[float] = ()) -> np.ndarray:
    """Bin edges over a scale: every whole scale point, plus the quadrant cuts.

    With the cuts among the edges no bin straddles two quadrants, so the quadrant totals
    are sums of whole bins (and can take part in secondary suppression).
    """
    edges = np.union1d(np.arange(low, high + 1e-9, 1.0), np.asarray(cuts, dtype=float))
    return edges[(edges >= low) & (edges <= high)]


@dataclass(frozen=True)
class BinnedMap:
    """Respondents per bin of a two-axis map.

    Attributes
    ----------
    counts : DataFrame
        ``Int64`` counts (hidden bins missing); rows = y bins (low to high), columns = x bins.
    x_edges, y_edges : ndarray
        Bin edges; bin ``i`` covers ``[edges[i], edges[i + 1])``, the last one closed.
    """

    counts: pd.DataFrame
    x_edges: np.ndarray
    y_edges: np.ndarray

    @property
    def x_centres(self) -> np.ndarray:
        """Middle of each x bin."""
        return (self.x_edges[:-1] + self.x_edges[1:]) / 2

    @property
    def y_centres(self) -> np.ndarray:
        """Middle of each y bin."""
        return (self.y_edges[:-1] + self.y_edges[1:]) / 2


def binned_map(
    x: pd.Series,
    y: pd.Series,
    *,
    x_edges: np.ndarray,
    y_edges: np.ndarray,
    x_cut: float | None = None,
    y_cut: float | None = None,
    min_cell: int = MIN_CELL,
) -> BinnedMap:
    """Count respondents in the bins of a map of two scores, with suppression.

    Parameters
    ----------
    x, y : Series
        The two scores (same index); respondents missing either are left out.
    x_edges, y_edges : ndarray
        Bin edges (:func:`map_edges`).
    x_cut, y_cut : float, optional
        Quadrant cuts (edges); the four quadrant blocks then count as published totals.
    min_cell : int, default 5
        Suppression threshold.

    Returns
    -------
    BinnedMap
        Counts per bin; a bin with 1 to ``min_cell - 1`` respondents is hidden, and so is a
        second bin in any row, column, quadrant or the whole map that would hide only one.
    """
    both = pd.concat([x.rename("x"), y.rename("y")], axis=1).dropna()
    h, _, _ = np.histogram2d(both["y"], both["x"], bins=[y_edges, x_edges])
    rows = pd.RangeIndex(len(y_edges) - 1, name="y_bin")
    cols = pd.RangeIndex(len(x_edges) - 1, name="x_bin")
    counts = pd.DataFrame(h.astype(int), index=rows, columns=cols)
    groups: list[list[Cell]] = [
        *([(r, c) for c in cols] for r in rows),
        *([(r, c) for r in rows] for c in cols),
        [(r, c) for r in rows for c in cols],
    ]
    if x_cut is not None and y_cut is not None:
        x_mid, y_mid = (x_edges[:-1] + x_edges[1:]) / 2, (y_edges[:-1] + y_edges[1:]) / 2
        for right in (False, True):
            for top in (False, True):
                xs = [c for c in cols if (x_mid[c] >= x_cut) == right]
                ys = [r for r in rows if (y_mid[r] >= y_cut) == top]
                groups.append([(r, c) for r in ys for c in xs])
    return BinnedMap(suppress_counts(counts, min_cell=min_cell, groups=groups), x_edges, y_edges)


def jitter(
    frame: pd.DataFrame, columns: Sequence[str], *, amount: float = 0.12, random_state: int = 0
) -> pd.DataFrame:
    """A copy of ``frame`` with uniform noise in ``[-amount, amount]`` added to ``columns``.

    Averages of Likert answers take few distinct values, so many firms share a point;
    jittering spreads them so that the density shows (the seed keeps a redraw identical).
    """
    out = frame.copy()
    rng = np.random.default_rng(random_state)
    for column in columns:
        out[column] = out[column] + rng.uniform(-amount, amount, size=len(out))
    return out


def stage_agreement_summary(
    frame: pd.DataFrame,
    *,
    theory: str = "stage_theory",
    data: str = "stage_cluster",
    min_cell: int = 1,
) -> dict[str, float | int] | None:
    """ARI, linear weighted kappa and exact agreement of two stage columns (no intervals).

    Point estimates of :func:`analysis.structure.agreement.stage_agreement` for a filtered subset.

    Returns
    -------
    dict or None
        ``n``, ``ari``, ``kappa_linear``, ``exact``; ``None`` when fewer than two respondents
        have both stages, or when the share of agreeing firms would reveal a small count:
        fewer than ``min_cell`` firms agree, or 1 to ``min_cell - 1`` disagree.
    """
    _check_min_cell(min_cell)
    both = frame[[theory, data]].dropna()
    if len(both) < 2:
        return None
    same = int((both[theory] == both[data]).sum())
    differ = len(both) - same
    if same < min_cell or 0 < differ < min_cell:
        return None
    res = stage_agreement(both[theory], both[data], n_boot=0)
    return {"n": res.n, "ari": res.ari, "kappa_linear": res.kappa_linear, "exact": res.exact}


def suppress_grid_shares(
    grid: Sequence[Mapping[str, Any]], *, min_cell: int = MIN_CELL
) -> list[dict[str, Any]]:
    """The threshold-sensitivity grid with stage shares hidden where they reveal a small count.

    Parameters
    ----------
    grid : sequence of mapping
        ``results.json: stages.threshold_sensitivity`` rows (``n_classified``, ``shares``).
    min_cell : int, default 5
        Smallest count that may be shown.

    Returns
    -------
    list of dict
        Copies of the rows; in a row where any stage holds between 1 and ``min_cell - 1`` firms,
        every share is ``None`` (hiding one share alone would not do: the shares add up to 1).
        Agreement figures are kept: they describe all firms together.
    """
    _check_min_cell(min_cell)
    out = []
    for row in grid:
        n = int(row.get("n_classified") or 0)
        counts = [round(float(v) * n) for v in row["shares"].values()]
        small = any(0 < c < min_cell for c in counts)
        shares = dict.fromkeys(row["shares"]) if small else dict(row["shares"])
        out.append({**row, "shares": shares})
    return out
