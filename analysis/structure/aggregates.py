"""Aggregates for the cluster dashboard, with disclosure control for reviewers.

The dashboard filters the respondents (sector, offering, size band, country) and draws only
what these functions return: counts, mean level scores per stage with confidence intervals,
binned maps of the two axes, cross-tables. Each takes ``min_cell``: a reviewer (``min_cell``
5) never sees a count from 1 to ``min_cell - 1``; researchers call them with ``min_cell=1``.

Three rules protect the reviewer's views, one for each way a small count could leak:

**Cells of one table.** *Primary* suppression hides every count from 1 to ``min_cell - 1``;
*secondary* suppression then hides more cells in any published total (a row, a column, the
whole table, or a block such as a quadrant) that would otherwise contain exactly one hidden
cell, or hidden cells that together hold fewer than ``min_cell`` firms — without it, the
hidden count is the total minus the cells shown (Hundepool et al., 2012, ch. 5). Zero counts
are shown: "nobody" identifies nobody.

**Differences between filter settings.** Subtracting two views (all firms of sector A minus
those of sector A offering services) gives the firms of the difference. So the reviewer's
views are tied to one fixed partition of the firms, :func:`filter_cells`: the filters whose
every combination of values holds 0 or at least ``min_cell`` firms, and only those, may be
used. Every view is then a union of cells of at least ``min_cell`` firms, and so is every
difference, sum or other combination of views: no group of fewer firms can be singled out.
Within the cells, a count (firms per stage, say) is hidden in a view unless the view
contains all the cells where that count is hidden in the cell-by-category table, or none of
them (:func:`linked_hidden`): every combination of views then only adds up shown cells and
whole groups of hidden ones, never fewer than ``min_cell`` firms.

**Cross-tables** (:func:`count_table`): for reviewers every count is rounded to a multiple of
5 (1 to 7 firms show as 5; zero stays zero), so the big cells of the theory-versus-data table
stay visible; the rounding is kept only when, even with every row and column total known
exactly, no count of 1 to ``min_cell - 1`` firms could be worked out (a linear-programming
check, :func:`rounding_hides_small_counts`), and replaced by suppression otherwise.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S., Spicer, K.,
& de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley. (Ch. 5, frequency tables;
ch. 5.4, rounding.)
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.structure.agreement import stage_agreement

#: Fewest respondents a reviewer may see in any cell, group or filtered view.
MIN_CELL = 5
#: Reviewers' cross-table counts are rounded to multiples of this.
ROUNDING_BASE = 5

Cell = tuple[Hashable, Hashable]


def _check_min_cell(min_cell: int) -> None:
    if not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number ≥ 1, got {min_cell!r}")


@dataclass(frozen=True)
class FilterCells:
    """The fixed partition of the firms that every reviewer view is a union of.

    Attributes
    ----------
    frame : DataFrame
        All respondents the dashboard filters (one row each).
    columns : tuple of str
        The filters a reviewer may use (possibly none).
    cells : Series
        The cell of each respondent (same index as ``frame``): its combination of values of
        ``columns`` (a missing value counts as one more value).
    min_cell : int
        Every cell holds at least this many respondents.
    """

    frame: pd.DataFrame
    columns: tuple[str, ...]
    cells: pd.Series
    min_cell: int

    def view_cells(self, index: pd.Index) -> np.ndarray:
        """Which cells a view (the respondents of ``index``) covers: one boolean per cell.

        Raises
        ------
        ValueError
            When the view holds some but not all respondents of a cell: it was not made by
            :func:`apply_filters` with these cells.
        """
        inside = self.cells.index.isin(index)
        if not set(index) <= set(self.cells.index):
            raise ValueError("view: respondents outside the filter cells")
        per_cell = pd.Series(inside).groupby(self.cells.to_numpy()).agg(["any", "all"])
        if (per_cell["any"] & ~per_cell["all"]).any():
            raise ValueError("view: not a union of the reviewer's filter cells")
        order = np.sort(self.cells.unique())
        return per_cell["any"].reindex(order).to_numpy(dtype=bool)


def filter_cells(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    by: Sequence[str] = (),
    min_cell: int = MIN_CELL,
) -> FilterCells:
    """Choose the filters a reviewer may combine: every combination holds 0 or ≥ ``min_cell``.

    Parameters
    ----------
    frame : DataFrame
        All respondents, with the filter ``columns``.
    columns : sequence of str
        The filters of the dashboard, in page order.
    by : sequence of str
        Columns whose counts within each cell must also be 0 or ≥ ``min_cell`` (the stage
        columns: then no stage count of a view needs hiding, and filtered views stay
        readable).
    min_cell : int, default 5
        Fewest respondents a cell may hold.

    Returns
    -------
    FilterCells
        The largest set of filters (most filters, then most cells, then earliest on the page)
        whose every non-empty combination of values holds at least ``min_cell`` respondents,
        with the ``by`` counts as above, and each respondent's cell.

    Notes
    -----
    Every view :func:`apply_filters` allows is a union of these cells, so any difference, sum
    or other combination of views is one too: it holds 0 or at least ``min_cell`` firms.
    The choice depends only on the data, not on what the reviewer asks for, so it cannot be
    steered.
    """
    _check_min_cell(min_cell)
    unknown = [c for c in [*columns, *by] if c not in frame.columns]
    if unknown:
        raise ValueError(f"columns: unknown column(s) {unknown}")

    def small(counts: pd.Series | pd.DataFrame) -> bool:
        values = np.asarray(counts)
        return bool(((values > 0) & (values < min_cell)).any())

    best: tuple[tuple[int, int, tuple[int, ...]], tuple[str, ...]] | None = None
    for size in range(len(columns), -1, -1):
        for chosen in itertools.combinations(range(len(columns)), size):
            names = tuple(columns[i] for i in chosen)
            cells = _cell_ids(frame, names)
            sizes = cells.value_counts()
            if names and (small(sizes) or any(small(pd.crosstab(cells, frame[c])) for c in by)):
                continue
            key = (size, len(sizes), tuple(-i for i in chosen))
            if best is None or key > best[0]:
                best = (key, names)
        if best is not None:
            break
    names = best[1] if best is not None else ()
    return FilterCells(frame, names, _cell_ids(frame, names), min_cell)


def _cell_ids(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    if not columns:
        return pd.Series(0, index=frame.index, dtype=int)
    codes = frame.groupby(list(columns), dropna=False, sort=True).ngroup()
    return codes.astype(int)


def apply_filters(
    frame: pd.DataFrame,
    filters: Mapping[str, Collection[object]],
    *,
    scope: FilterCells | None = None,
) -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    filters : mapping
        Column → the values to keep; an empty collection keeps every row (no filter).
    scope : FilterCells, optional
        A reviewer's filter cells: only their filters may be used.

    Returns
    -------
    DataFrame
        The matching rows (a copy; ``frame`` is not changed).

    Raises
    ------
    ValueError
        When a filter names a column that ``frame`` does not have, or (with ``scope``) one
        a reviewer may not use.
    """
    unknown = [c for c in filters if c not in frame.columns]
    if unknown:
        raise ValueError(f"filters: unknown column(s) {unknown}")
    if scope is not None:
        refused = [c for c, values in filters.items() if values and c not in scope.columns]
        if refused:
            raise ValueError(
                f"filters: {refused} cannot be combined with the other filters without "
                f"singling out fewer than {scope.min_cell} firms"
            )
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
    hide: pd.DataFrame | None = None,
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
        table). Where a group would hide exactly one cell, or hidden cells holding 1 to
        ``min_cell - 1`` firms together, its smallest other non-zero cell is hidden too
        (secondary suppression), repeated until nothing changes.
    hide : DataFrame of bool, optional
        Cells to hide whatever their count (same labels as ``counts``), for example those
        :func:`linked_hidden` withholds from a view; they are protected like small ones.

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
    hidden = (values > 0) & (values < min_cell)
    if hide is not None:
        hidden |= (
            hide.reindex(index=counts.index, columns=counts.columns, fill_value=False)
            .to_numpy()
            .astype(bool)
        )
    if groups is None:
        n_rows, n_cols = values.shape
        positions = [
            *([(r, c) for c in range(n_cols)] for r in range(n_rows)),
            *([(r, c) for r in range(n_rows)] for c in range(n_cols)),
            [(r, c) for r in range(n_rows) for c in range(n_cols)],
        ]
    else:
        row_at = {label: i for i, label in enumerate(counts.index)}
        col_at = {label: i for i, label in enumerate(counts.columns)}
        positions = [[(row_at[r], col_at[c]) for r, c in group] for group in groups]
    flat = [
        (np.array([r for r, _ in cells], dtype=int), np.array([c for _, c in cells], dtype=int))
        for cells in positions
        if cells
    ]
    changed = True
    while changed:
        changed = False
        for rows, cols in flat:
            shut = hidden[rows, cols]
            n_hidden = int(shut.sum())
            held = values[rows, cols][shut].sum()
            if n_hidden == 0 or (n_hidden > 1 and not 0 < held < min_cell):
                continue
            open_ = ~shut & (values[rows, cols] > 0)
            if open_.any():
                candidates = np.flatnonzero(open_)
                k = candidates[np.argmin(values[rows, cols][candidates])]
                hidden[rows[k], cols[k]] = True
                changed = True
    out = counts.astype("Int64").copy()
    return out.mask(pd.DataFrame(hidden, index=counts.index, columns=counts.columns))


def linked_hidden(
    population: pd.Series,
    view: pd.Index,
    categories: Sequence[Hashable],
    *,
    scope: FilterCells,
) -> pd.Series:
    """Which categories' counts a view must hide so that no combination of views reveals them.

    Parameters
    ----------
    population : Series
        The category of every respondent of ``scope.frame`` (same index; missing: none).
    view : Index
        The respondents in the view (a union of ``scope``'s cells).
    categories : sequence
        The categories counted.
    scope : FilterCells
        The reviewer's filter cells.

    Returns
    -------
    Series of bool
        Per category: True when the view must hide its count.

    Notes
    -----
    The cell-by-category table of all respondents is protected once with
    :func:`suppress_counts` (each cell's row, each category's column, the whole table). A
    view shows a category's count only when it holds all the cells hidden in that column, and
    these hold at least ``min_cell`` firms together, or none of them. The count is then a
    sum of counts shown in that table plus, perhaps, the whole hidden group; so is every
    difference or other combination of such counts. Nothing a reviewer can compute from the
    views separates a hidden cell from the rest of its group.
    """
    in_view = scope.view_cells(view)
    position = {category: i for i, category in enumerate(categories)}
    codes = pd.Series(
        [position.get(v, -1) if not _is_missing(v) else -1 for v in population],
        index=population.index,
    )
    by_cell = pd.crosstab(scope.cells, codes).reindex(
        index=np.sort(scope.cells.unique()), columns=range(len(position)), fill_value=0
    )
    by_cell.columns = pd.Index(range(len(position)))
    hidden = suppress_counts(by_cell, min_cell=scope.min_cell).isna().to_numpy()
    held = np.where(hidden, by_cell.to_numpy(), 0).sum(axis=0)
    touches = (hidden & in_view[:, None]).any(axis=0)
    holds_all = ~(hidden & ~in_view[:, None]).any(axis=0) & (held >= scope.min_cell)
    return pd.Series(touches & ~holds_all, index=pd.Index(list(categories), tupleize_cols=False))


def _kept(index: pd.Index, compared: pd.Series | None) -> np.ndarray:
    """Which respondents of ``index`` are counted: all, or those ``compared`` marks."""
    if compared is None:
        return np.ones(len(index), dtype=bool)
    return compared.reindex(index, fill_value=False).astype(bool).to_numpy()


def _is_missing(value: object) -> bool:
    return not isinstance(value, tuple) and bool(pd.isna(value))


def round_counts(counts: pd.DataFrame, *, base: int = ROUNDING_BASE) -> pd.DataFrame:
    """Counts rounded to the nearest multiple of ``base``; small ones show as ``base``.

    1 to ``base + base // 2`` firms show as ``base``; zero stays zero (nobody identifies
    nobody) and no firm disappears into a zero; hidden (missing) counts stay missing. With
    base 5: 1–7 → 5, 8–12 → 10, 13–17 → 15.
    """
    values = counts.astype("Float64")
    rounded = (np.floor((values + base // 2) / base) * base).clip(lower=base)
    return rounded.where(values != 0, 0).astype("Int64")


def rounding_hides_small_counts(
    counts: pd.DataFrame,
    shown: pd.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    base: int = ROUNDING_BASE,
) -> bool:
    """Whether no count of 1 to ``min_cell - 1`` can be worked out from the rounded table.

    The reviewer is assumed to know every row and column total exactly. For each small count,
    its lowest and highest value consistent with the table shown (a rounded count ``r`` is
    between ``r - base // 2`` and ``r + base // 2``, 1 to ``base + base // 2`` for ``base``;
    a hidden one is anything) are found by linear programming; the count is safe when these
    differ. (The constraints form a transportation polytope, whose vertices are whole
    numbers, so two different optima mean two whole-number tables.)
    """
    truth = counts.to_numpy(dtype=float)
    n_rows, n_cols = truth.shape
    bounds = []
    for value in shown.astype("Float64").to_numpy(dtype=float, na_value=np.nan).ravel():
        if np.isnan(value):
            bounds.append((0.0, None))
        elif value == 0:
            bounds.append((0.0, 0.0))
        elif value == base:
            bounds.append((1.0, float(base + base // 2)))
        else:
            bounds.append((value - base // 2, value + base // 2))
    a_eq = np.vstack(
        [np.kron(np.eye(n_rows), np.ones(n_cols)), np.kron(np.ones(n_rows), np.eye(n_cols))]
    )
    b_eq = np.concatenate([truth.sum(axis=1), truth.sum(axis=0)])
    for i in np.flatnonzero((truth.ravel() > 0) & (truth.ravel() < min_cell)):
        objective = np.zeros(truth.size)
        objective[i] = 1.0
        low = optimize.linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        high = optimize.linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        if not (low.success and high.success) or -high.fun - low.fun < 0.5:
            return False
    return True


def category_counts(
    values: pd.Series,
    categories: Sequence[Hashable],
    *,
    min_cell: int = MIN_CELL,
    missing: str | None = None,
    scope: FilterCells | None = None,
) -> pd.Series:
    """Respondents per category (every category listed), small counts suppressed.

    Parameters
    ----------
    values : Series
        The category of each respondent in the view (named after its column).
    categories : sequence
        The categories to count; other values are not counted.
    min_cell : int, default 5
        Suppression threshold.
    missing : str, optional
        Count missing values as this category (the values are then compared as text).
    scope : FilterCells, optional
        A reviewer's filter cells: counts are also hidden by :func:`linked_hidden`, so that
        no difference of views reveals them (``scope.frame[values.name]`` is the column).

    Returns
    -------
    Series
        ``Int64`` counts indexed by category, hidden ones missing. The total is published
        alongside, so one hidden category is never left alone (:func:`suppress_counts` with
        the whole list as one group).
    """
    filled = _fill_missing(values, missing)
    counts = filled.value_counts().reindex(list(categories), fill_value=0)
    table = counts.to_frame("n")
    hide = None
    if scope is not None:
        population = _fill_missing(scope.frame[values.name], missing)
        hide = linked_hidden(population, values.index, categories, scope=scope).to_frame("n")
    out = suppress_counts(
        table, min_cell=min_cell, groups=[[(c, "n") for c in categories]], hide=hide
    )
    return out["n"].rename(values.name)


def _fill_missing(values: pd.Series, missing: str | None) -> pd.Series:
    return values if missing is None else values.astype("string").fillna(missing)


def count_table(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    row_values: Sequence[Hashable],
    column_values: Sequence[Hashable],
    min_cell: int = MIN_CELL,
    scope: FilterCells | None = None,
    compared: pd.Series | None = None,
) -> pd.DataFrame:
    """Cross-table of two columns over fixed categories, protected for reviewers.

    Parameters
    ----------
    frame : DataFrame
        The respondents of the view.
    rows, columns : str
        The two columns.
    row_values, column_values : sequence
        Their categories, in display order.
    min_cell : int, default 5
        With 1 the counts are exact. Otherwise every count is rounded
        (:func:`round_counts`: multiples of 5, zero stays zero) unless the rounded table
        would let a count below ``min_cell`` be worked out from the row and column totals
        (:func:`rounding_hides_small_counts`); the table is then suppressed cell by cell
        (:func:`suppress_counts`) instead.
    scope : FilterCells, optional
        A reviewer's filter cells: the cells :func:`linked_hidden` withholds are hidden first.
    compared : Series of bool, optional
        By respondent id: only these are counted (the view stays ``frame``), as in
        :func:`stage_agreement_summary`.

    Returns
    -------
    DataFrame
        Rows ``row_values`` × columns ``column_values`` (``Int64``, hidden cells missing);
        respondents missing either value are left out.
    """
    both = frame.loc[_kept(frame.index, compared), [rows, columns]].dropna()
    table = pd.crosstab(both[rows], both[columns]).reindex(
        index=list(row_values), columns=list(column_values), fill_value=0
    )
    table.index.name, table.columns.name = rows, columns
    if min_cell == 1:
        return table.astype("Int64")
    hide = None
    if scope is not None:
        population = scope.frame.loc[_kept(scope.frame.index, compared), [rows, columns]].dropna()
        pairs = pd.Series(list(zip(population[rows], population[columns], strict=True)))
        pairs.index = population.index
        categories = list(itertools.product(row_values, column_values))
        withheld = linked_hidden(
            pairs.reindex(scope.frame.index), frame.index, categories, scope=scope
        )
        hide = pd.DataFrame(
            np.asarray(withheld, dtype=bool).reshape(len(row_values), len(column_values)),
            index=table.index,
            columns=table.columns,
        )
    rounded = round_counts(table)
    if hide is not None:
        rounded = rounded.mask(hide)
    if rounding_hides_small_counts(table, rounded, min_cell=min_cell):
        return rounded
    return suppress_counts(table, min_cell=min_cell, hide=hide)


def stage_profiles(
    frame: pd.DataFrame,
    *,
    stage: str,
    levels: Sequence[str],
    stages: Sequence[int] = (1, 2, 3, 4),
    confidence: float = 0.95,
    min_cell: int = MIN_CELL,
    scope: FilterCells | None = None,
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
    scope : FilterCells, optional
        A reviewer's filter cells: so do stages whose size :func:`linked_hidden` withholds
        from this view (their size would come out of differences of views).

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
    withheld = pd.Series(False, index=list(stages))
    if scope is not None:
        withheld = linked_hidden(scope.frame[stage], frame.index, list(stages), scope=scope)
    rows = []
    for s in stages:
        members = frame.loc[frame[stage] == s, list(levels)]
        small = len(members) < min_cell or bool(withheld[s])
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
    scope: FilterCells | None = None,
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
    scope : FilterCells, optional
        A reviewer's filter cells: bins :func:`linked_hidden` withholds are hidden too
        (``scope.frame[x.name]``, ``scope.frame[y.name]`` are the scores of everyone).

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
    hide = None
    if scope is not None:
        everyone = scope.frame[[x.name, y.name]].dropna()
        x_bin = np.clip(
            np.searchsorted(x_edges, everyone[x.name], side="right") - 1, 0, len(cols) - 1
        )
        y_bin = np.clip(
            np.searchsorted(y_edges, everyone[y.name], side="right") - 1, 0, len(rows) - 1
        )
        bins = pd.Series(list(zip(y_bin, x_bin, strict=True)), index=everyone.index)
        categories = list(itertools.product(rows, cols))
        withheld = linked_hidden(bins.reindex(scope.frame.index), x.index, categories, scope=scope)
        hide = pd.DataFrame(
            withheld.to_numpy(dtype=bool).reshape(len(rows), len(cols)), index=rows, columns=cols
        )
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
    shown = suppress_counts(counts, min_cell=min_cell, groups=groups, hide=hide)
    return BinnedMap(shown, x_edges, y_edges)


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
    scope: FilterCells | None = None,
    compared: pd.Series | None = None,
) -> dict[str, float | int] | None:
    """ARI, linear weighted kappa and exact agreement of two stage columns (no intervals).

    Point estimates of :func:`analysis.structure.agreement.stage_agreement` for a filtered subset.
    ``compared`` (boolean, by respondent id) keeps only the respondents the stage analysis
    compares, e.g. without careless answers; the view itself stays ``frame`` (with a ``scope``,
    a union of its cells), so the suppression rule holds for the compared respondents.

    Returns
    -------
    dict or None
        ``n``, ``ari``, ``kappa_linear``, ``exact``; ``None`` when fewer than two respondents
        have both stages, or when the share of agreeing firms would reveal a small count:
        fewer than ``min_cell`` firms agree, or 1 to ``min_cell - 1`` disagree, or (with a
        reviewer's ``scope``) :func:`linked_hidden` withholds either count from this view.
    """
    _check_min_cell(min_cell)
    both = frame.loc[_kept(frame.index, compared), [theory, data]].dropna()
    if len(both) < 2:
        return None
    same = int((both[theory] == both[data]).sum())
    differ = len(both) - same
    if same < min_cell or 0 < differ < min_cell:
        return None
    if scope is not None:
        everyone = scope.frame.loc[_kept(scope.frame.index, compared), [theory, data]].dropna()
        agrees = (everyone[theory] == everyone[data]).map({True: "same", False: "differ"})
        withheld = linked_hidden(
            agrees.reindex(scope.frame.index),
            frame.index,
            ["same", "differ"],
            scope=scope,
        )
        if withheld.any():
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
