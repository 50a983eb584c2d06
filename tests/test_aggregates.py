"""Cluster-dashboard aggregates: filters, suppression of small cells, profiles, maps."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, cohen_kappa_score

from analysis.structure.aggregates import (
    MIN_CELL,
    apply_filters,
    binned_map,
    category_counts,
    count_table,
    filter_cells,
    jitter,
    linked_hidden,
    map_edges,
    round_counts,
    rounding_hides_small_counts,
    stage_agreement_summary,
    stage_profiles,
    suppress_counts,
)

# R: t.test(c(3.2, 4.1, 5.0, 4.4, 3.9, 4.7)) (tests/r/aggregates_reference.R)
R_X = [3.2, 4.1, 5.0, 4.4, 3.9, 4.7]
R_MEAN, R_SD = 4.2166666667, 0.6369196705
R_CI95 = (3.5482604647, 4.8850728686)
R_CI90 = (3.6927110348, 4.7406222986)


def hidden_cells_are_protected(raw: pd.DataFrame, shown: pd.DataFrame, groups) -> None:
    """No visible count below the threshold; no published total hides exactly one cell."""
    visible = shown.notna()
    assert not ((raw > 0) & (raw < MIN_CELL) & visible).to_numpy().any()
    for group in groups:
        hidden = [cell for cell in group if not visible.at[cell]]
        others = [cell for cell in group if visible.at[cell] and raw.at[cell] > 0]
        assert len(hidden) != 1 or not others, (group, hidden)


# --------------------------------------------------------------------------- filters
def test_filters_keep_matching_rows_and_ignore_empty_ones() -> None:
    frame = pd.DataFrame({"sector": ["a", "b", "a", "c"], "country": ["uk", "uk", "de", "uk"]})
    before = frame.copy()
    out = apply_filters(frame, {"sector": ["a", "c"], "country": ["uk"]})
    assert list(out.index) == [0, 3]
    assert len(apply_filters(frame, {"sector": [], "country": ()})) == 4
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match=r"filters: unknown column\(s\) \['size'\]"):
        apply_filters(frame, {"size": ["big"]})


# --------------------------------------------------------------------------- suppression
def test_small_counts_are_hidden_and_zeros_shown() -> None:
    table = pd.DataFrame({"a": [40, 2, 0], "b": [30, 25, 12], "c": [33, 21, 7]})
    out = suppress_counts(table)
    assert out.dtypes.eq("Int64").all()
    assert pd.isna(out.at[1, "a"])  # primary
    assert out.at[2, "a"] == 0  # nobody identifies nobody
    hidden_in_row_1 = out.loc[1].isna().sum()
    assert hidden_in_row_1 == 2  # the row total would give the 2 away otherwise
    rows = [[(r, c) for c in table.columns] for r in table.index]
    cols = [[(r, c) for r in table.index] for c in table.columns]
    hidden_cells_are_protected(table, out, [*rows, *cols])


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_never_leak_a_hidden_cell(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(4, 5)))
    out = suppress_counts(table)
    rows = [[(r, c) for c in table.columns] for r in table.index]
    cols = [[(r, c) for r in table.index] for c in table.columns]
    everything = [list(itertools.product(table.index, table.columns))]
    hidden_cells_are_protected(table, out, [*rows, *cols, *everything])


def test_threshold_one_hides_nothing_and_bad_input_is_refused() -> None:
    table = pd.DataFrame({"a": [1, 2]})
    assert suppress_counts(table, min_cell=1)["a"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        suppress_counts(pd.DataFrame({"a": [1.5]}))
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        suppress_counts(pd.DataFrame({"a": [-1]}))
    with pytest.raises(ValueError, match=r"min_cell must be a whole number ≥ 1, got 0"):
        suppress_counts(table, min_cell=0)


def test_category_counts_list_every_category_and_protect_the_total() -> None:
    values = pd.Series([1] * 30 + [2] * 3 + [3] * 8, name="stage_cluster")
    out = category_counts(values, [1, 2, 3, 4])
    assert out.index.tolist() == [1, 2, 3, 4] and out.name == "stage_cluster"
    assert out[1] == 30 and out[4] == 0
    assert pd.isna(out[2]) and pd.isna(out[3])  # 3 is small; 8 would reveal it
    assert category_counts(values, [1, 2, 3, 4], min_cell=1).tolist() == [30, 3, 8, 0]


def test_count_table_keeps_fixed_categories_and_drops_missing() -> None:
    frame = pd.DataFrame(
        {"stage": [1, 1, 2, None, 2], "quadrant": ["co_creation", "x", "x", "x", None]}
    )
    out = count_table(
        frame,
        "stage",
        "quadrant",
        row_values=[1, 2, 3],
        column_values=["x", "co_creation"],
        min_cell=1,
    )
    assert out.to_numpy().tolist() == [[1, 1], [1, 0], [0, 0]]
    assert out.index.name == "stage" and out.columns.name == "quadrant"


# --------------------------------------------------------------------------- profiles
def test_stage_profiles_match_r_t_test() -> None:
    frame = pd.DataFrame({"stage": [2] * 6 + [1] * 3, "operational": [*R_X, 5.0, 6.0, 7.0]})
    out = stage_profiles(frame, stage="stage", levels=["operational"], stages=[1, 2, 3])
    two = out.set_index("stage").loc[2]
    assert two["mean"] == pytest.approx(R_MEAN, abs=1e-9)
    assert two["sd"] == pytest.approx(R_SD, abs=1e-9)
    assert (two["ci_low"], two["ci_high"]) == pytest.approx(R_CI95, abs=1e-9)
    assert two["n"] == 6 and not two["suppressed"]
    one = out.set_index("stage").loc[1]
    assert one["suppressed"] and pd.isna(one["n"]) and np.isnan(one["mean"])  # 3 < 5
    ninety = stage_profiles(frame, stage="stage", levels=["operational"], confidence=0.9)
    assert tuple(ninety.set_index("stage").loc[2, ["ci_low", "ci_high"]]) == pytest.approx(
        R_CI90, abs=1e-9
    )
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 95"):
        stage_profiles(frame, stage="stage", levels=["operational"], confidence=95)


# --------------------------------------------------------------------------- maps
def test_map_edges_include_the_cuts() -> None:
    assert map_edges(1, 7, [4.0]).tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert map_edges(1, 5, [3.5]).tolist() == [1, 2, 3, 3.5, 4, 5]


def test_binned_map_counts_everyone_without_suppression() -> None:
    rng = np.random.default_rng(3)
    x = pd.Series(rng.uniform(1, 7, 300))
    y = pd.Series(rng.uniform(1, 7, 300))
    y.iloc[0] = np.nan
    edges = map_edges(1, 7, [4.0])
    res = binned_map(x, y, x_edges=edges, y_edges=edges, min_cell=1)
    assert int(res.counts.sum().sum()) == 299
    assert res.counts.shape == (6, 6)
    assert res.x_centres.tolist() == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]
    manual = ((x >= 4) & (x < 5) & (y >= 6)).sum()
    assert res.counts.at[5, 3] == manual


def test_binned_map_protects_quadrant_totals() -> None:
    # one firm alone in the lower-left quadrant's corner, 20 elsewhere in that quadrant
    x = pd.Series([1.5] + [3.5] * 20 + [5.5] * 30)
    y = pd.Series([1.5] + [3.5] * 20 + [5.5] * 30)
    edges = map_edges(1, 7, [4.0])
    res = binned_map(x, y, x_edges=edges, y_edges=edges, x_cut=4.0, y_cut=4.0)
    assert pd.isna(res.counts.at[0, 0])
    assert pd.isna(res.counts.at[2, 2])  # else quadrant total − 20 = the lone firm
    assert res.counts.at[4, 4] == 30


# --------------------------------------------------------------------------- points, agreement
def test_jitter_is_bounded_seeded_and_copies() -> None:
    frame = pd.DataFrame({"a": [4.0] * 50, "b": list(range(50))})
    out = jitter(frame, ["a"], amount=0.1, random_state=1)
    assert frame["a"].eq(4.0).all()  # not mutated
    assert out["a"].between(3.9, 4.1).all() and out["a"].nunique() == 50
    assert out["b"].tolist() == frame["b"].tolist()
    assert out.equals(jitter(frame, ["a"], amount=0.1, random_state=1))


def test_agreement_summary_matches_scikit_learn() -> None:
    rng = np.random.default_rng(5)
    theory = rng.integers(1, 5, 200)
    data = np.where(rng.random(200) < 0.7, theory, rng.integers(1, 5, 200))
    frame = pd.DataFrame({"stage_theory": theory, "stage_cluster": data.astype(float)})
    frame.loc[0, "stage_cluster"] = np.nan
    out = stage_agreement_summary(frame)
    a, b = theory[1:], data[1:].astype(int)
    assert out["n"] == 199
    assert out["ari"] == pytest.approx(adjusted_rand_score(a, b))
    assert out["kappa_linear"] == pytest.approx(cohen_kappa_score(a, b, weights="linear"))
    assert out["exact"] == pytest.approx(np.mean(a == b))
    assert stage_agreement_summary(frame.iloc[:1]) is None


def test_agreement_summary_is_withheld_when_it_would_reveal_a_small_count() -> None:
    frame = pd.DataFrame({"stage_theory": [1] * 20 + [2] * 3, "stage_cluster": [1] * 20 + [3] * 3})
    assert stage_agreement_summary(frame)["exact"] == pytest.approx(20 / 23)
    assert stage_agreement_summary(frame, min_cell=5) is None  # 3 firms disagree
    agree = frame.assign(stage_cluster=frame["stage_theory"])
    assert stage_agreement_summary(agree, min_cell=5)["exact"] == 1.0  # nobody disagrees
    assert stage_agreement_summary(agree.iloc[:4], min_cell=5) is None  # 4 agree


def test_grid_shares_are_hidden_where_they_reveal_a_small_count() -> None:
    from analysis.structure.aggregates import suppress_grid_shares

    grid = [
        {"shift": 0.0, "n_classified": 100, "shares": {"1": 0.5, "2": 0.48, "3": 0.02}, "ari": 0.7},
        {"shift": 0.5, "n_classified": 100, "shares": {"1": 0.5, "2": 0.3, "3": 0.2}, "ari": 0.6},
    ]
    out = suppress_grid_shares(grid, min_cell=5)
    # 2 firms in stage 3: every share of that row is hidden (they add up to 1)
    assert out[0]["shares"] == {"1": None, "2": None, "3": None}
    assert out[0]["ari"] == 0.7
    assert out[1]["shares"] == grid[1]["shares"]
    assert grid[0]["shares"]["3"] == 0.02  # the input is not modified


# --------------------------------------------------------------------------- differencing
def firms(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_filter_cells_keep_only_filters_whose_combinations_are_large() -> None:
    # a × x holds 3 firms: sector and size may not be combined; size has more cells
    frame = firms(
        sector=["a"] * 13 + ["b"] * 20,
        size=["x"] * 3 + ["y"] * 10 + ["x"] * 6 + ["y"] * 6 + ["z"] * 8,
    )
    scope = filter_cells(frame, ["sector", "size"])
    assert scope.columns == ("size",)
    assert scope.cells.groupby(frame["size"]).nunique().eq(1).all()
    assert apply_filters(frame, {"size": ["x"]}, scope=scope).shape[0] == 9
    with pytest.raises(ValueError, match=r"filters: \['sector'\] cannot be combined"):
        apply_filters(frame, {"sector": ["a"], "size": ["x"]}, scope=scope)
    assert apply_filters(frame, {"sector": []}, scope=scope).shape[0] == 33  # unused: fine
    # with stage counts required large too, no filter is left
    frame["stage"] = [1] * 12 + [2] + [1] * 20
    assert filter_cells(frame, ["sector", "size"], by=["stage"]).columns == ()
    with pytest.raises(ValueError, match=r"columns: unknown column\(s\) \['country'\]"):
        filter_cells(frame, ["country"])


def test_views_must_be_unions_of_filter_cells() -> None:
    frame = firms(size=["x"] * 6 + ["y"] * 6)
    scope = filter_cells(frame, ["size"])
    with pytest.raises(ValueError, match="not a union of the reviewer's filter cells"):
        scope.view_cells(frame.index[:3])


def test_linked_hiding_leaves_no_difference_of_views_small() -> None:
    # three sectors; sector a has 3 firms in stage 2, which its own view hides
    frame = firms(
        sector=["a"] * 20 + ["b"] * 30 + ["c"] * 25,
        stage=[1] * 17 + [2] * 3 + [1] * 20 + [2] * 10 + [1] * 25,
    )
    scope = filter_cells(frame, ["sector"])

    def stage_two(sectors: list[str], use_scope: bool) -> object:
        view = apply_filters(frame, {"sector": sectors}, scope=scope)
        counts = category_counts(view["stage"], [1, 2], scope=scope if use_scope else None)
        return counts[2]

    # without the link, a∪b minus b gives a's hidden 3 back
    assert pd.isna(stage_two(["a"], False))
    assert stage_two(["a", "b"], False) - stage_two(["b"], False) == 3
    # with it, the sector-by-stage table hides a's 3 and b's 10 (13 firms together); a view
    # that holds part of that group withholds its count, one that holds all of it or none
    # shows it: differences only ever add up whole groups
    hidden = linked_hidden(frame["stage"], frame.index, [1, 2], scope=scope)
    assert not hidden.any()  # all firms hold the whole group
    assert pd.isna(stage_two(["a"], True)) and pd.isna(stage_two(["b"], True))
    assert stage_two(["a", "b"], True) == stage_two([], True) == 13
    assert stage_two(["c"], True) == 0  # holds none of the group
    assert pd.isna(stage_two(["b", "c"], True))


def test_suppression_hides_more_when_hidden_cells_hold_few_firms_together() -> None:
    table = pd.DataFrame({"a": [1, 40], "b": [2, 30], "c": [30, 50]})
    out = suppress_counts(table)
    # 1 + 2 = 3 firms hidden in row 0 would be its total minus 30: so 30 is hidden too
    assert out.loc[0].isna().all()


def test_rounding_shows_multiples_of_five_and_never_zero_for_firms() -> None:
    table = pd.DataFrame({"a": [0, 1, 2, 7, 8, 12, 13, 133]})
    assert round_counts(table)["a"].tolist() == [0, 5, 5, 5, 10, 10, 15, 135]


def test_rounding_is_refused_where_totals_would_pin_a_small_count() -> None:
    # row totals 9 and 40: 8 → 10 (8–12) and 1 → 5 (1–7) add up to 9 only as 8 + 1
    table = pd.DataFrame({"x": [8, 20], "y": [1, 20]})
    assert not rounding_hides_small_counts(table, round_counts(table))
    out = count_table(
        firms(r=[0] * 9 + [1] * 40, c=["x"] * 8 + ["y"] + ["x"] * 20 + ["y"] * 20),
        "r",
        "c",
        row_values=[0, 1],
        column_values=["x", "y"],
    )
    assert pd.isna(out.at[0, "y"]) and pd.isna(out.at[0, "x"])  # suppressed instead
    safe = pd.DataFrame({"x": [30, 4], "y": [3, 40]})
    assert rounding_hides_small_counts(safe, round_counts(safe))


def test_reviewer_cross_table_keeps_a_strong_diagonal_visible() -> None:
    theory = [1] * 119 + [1] * 23 + [1] * 5 + [2] * 89 + [2] * 27 + [2] * 4 + [3] * 59 + [3] * 10
    data = [1] * 119 + [2] * 23 + [3] * 5 + [2] * 89 + [3] * 27 + [4] * 4 + [3] * 59 + [4] * 10
    frame = firms(stage_theory=theory + [4] * 41, stage_cluster=data + [4] * 41)
    out = count_table(
        frame, "stage_theory", "stage_cluster", row_values=[1, 2, 3, 4], column_values=[1, 2, 3, 4]
    )
    assert [out.at[s, s] for s in (1, 2, 3, 4)] == [120, 90, 60, 40]
    assert out.at[2, 4] == 5  # 4 firms: rounded, never shown exactly
    hidden = suppress_counts(pd.crosstab(frame["stage_theory"], frame["stage_cluster"]))
    assert pd.isna(hidden.at[2, 2])  # hiding cell by cell lost the diagonal


def test_linked_hiding_reaches_profiles_maps_and_agreement() -> None:
    # sector a: 3 of its 20 firms at stage 2 (and on the map's top-right bin, disagreeing)
    frame = firms(
        sector=["a"] * 20 + ["b"] * 30 + ["c"] * 25,
        stage=[1] * 17 + [2] * 3 + [1] * 20 + [2] * 10 + [1] * 25,
    )
    # the other stage source disagrees on every stage-2 firm: 3 in a, 10 in b
    frame["other_stage"] = frame["stage"].where(frame["stage"] == 1, 3)
    frame["x"] = np.where(frame["stage"] == 2, 6.5, 1.5)
    frame["y"] = frame["x"]
    frame["level"] = np.linspace(2, 6, len(frame))
    scope = filter_cells(frame, ["sector"])
    b_only = apply_filters(frame, {"sector": ["b"]}, scope=scope)
    both = apply_filters(frame, {"sector": ["a", "b"]}, scope=scope)

    def profile(view: pd.DataFrame, use_scope: bool) -> pd.Series:
        out = stage_profiles(
            view, stage="stage", levels=["level"], stages=[1, 2], scope=scope if use_scope else None
        )
        return out.set_index("stage")["suppressed"]

    assert not profile(b_only, False)[2] and not profile(both, False)[2]  # 10 and 13 firms
    assert profile(b_only, True)[2] and not profile(both, True)[2]  # b alone: part of a group

    edges = map_edges(1, 7)

    def top_bin(view: pd.DataFrame, use_scope: bool) -> object:
        shown = binned_map(
            view["x"], view["y"], x_edges=edges, y_edges=edges, scope=scope if use_scope else None
        )
        return shown.counts.at[5, 5]

    assert top_bin(both, False) - top_bin(b_only, False) == 3  # a's hidden 3, by subtraction
    assert pd.isna(top_bin(b_only, True)) and top_bin(both, True) == 13

    def agreement(view: pd.DataFrame, use_scope: bool) -> object:
        return stage_agreement_summary(
            view, theory="stage", data="other_stage", min_cell=5, scope=scope if use_scope else None
        )

    # 13 of 50 and 10 of 30 disagree: the shares of agreement give a's 3 back by subtraction
    plain_both, plain_b = agreement(both, False), agreement(b_only, False)
    assert round(plain_both["n"] * (1 - plain_both["exact"])) == 13
    assert round(plain_b["n"] * (1 - plain_b["exact"])) == 10
    assert agreement(both, True) is not None and agreement(b_only, True) is None
