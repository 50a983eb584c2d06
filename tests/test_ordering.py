"""Guttman errors, reproducibility and Loevinger's H on a hand-computed example.

R's mokken package is not installable here (``r-cran-mokken`` is not in Debian), so the
reference values are computed by hand below, from the definitions in Sijtsma & Molenaar
(2002, ch. 4): with item i more popular than j, F_ij = #(x_i = 0, x_j = 1),
E_ij = N (1 - p_i) p_j, H = 1 - ΣF / ΣE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.criteria import h_band
from analysis.structure.ordering import developed_levels, guttman_scaling, loevinger_h
from instrument import LEVELS

#: 10 respondents, 3 items: rows 6 (1 0 1) and 7 (0 1 0) break the Guttman pattern.
EXAMPLE = pd.DataFrame(
    {
        "a": [1, 1, 1, 1, 1, 1, 0, 0, 0, 1],
        "b": [1, 1, 1, 0, 0, 0, 1, 0, 0, 1],
        "c": [1, 0, 0, 0, 0, 1, 0, 0, 0, 1],
    }
)


def test_loevinger_h_matches_hand_computation() -> None:
    """p = (.7, .5, .3), order a > b > c.

    (a, b): F = 1 (row 7),  E = 10 · .3 · .5 = 1.5  -> H_ab = 1/3
    (a, c): F = 0,          E = 10 · .3 · .3 = 0.9  -> H_ac = 1
    (b, c): F = 1 (row 6),  E = 10 · .5 · .3 = 1.5  -> H_bc = 1/3
    H   = 1 - 2 / 3.9 = 0.487179...
    H_a = 1 - 1 / 2.4 = 0.583333..., H_b = 1 - 2 / 3 = 1/3, H_c = 1 - 1 / 2.4
    """
    h, h_items, h_pairs = loevinger_h(EXAMPLE)
    assert h == pytest.approx(1 - 2 / 3.9)
    assert h_items.to_dict() == pytest.approx({"a": 1 - 1 / 2.4, "b": 1 / 3, "c": 1 - 1 / 2.4})
    assert h_pairs.loc["a", "b"] == pytest.approx(1 / 3)
    assert h_pairs.loc["a", "c"] == pytest.approx(1.0)
    assert h_pairs.loc["c", "b"] == pytest.approx(1 / 3)
    assert np.isnan(h_pairs.loc["a", "a"])


def test_guttman_errors_and_reproducibility_by_hand() -> None:
    """Goodenough–Edwards: row 6 (1 0 1, total 2, ideal 1 1 0) and row 7 (0 1 0, total 1,
    ideal 1 0 0) each differ in 2 cells -> CR = 1 - 4 / 30. MMR = (.7 + .5 + .7) / 3.
    Mokken's pair errors: one per broken row -> 2."""
    g = guttman_scaling(EXAMPLE, n_boot=0)
    assert g.n_respondents == 10
    assert list(g.popularity.index) == ["a", "b", "c"]
    assert g.guttman_errors == 2
    assert g.reproducibility == pytest.approx(1 - 4 / 30)
    assert g.minimal_marginal_reproducibility == pytest.approx(1.9 / 3)
    assert g.perfect_share == pytest.approx(0.8)
    assert g.band == "medium"
    assert g.scalable
    assert g.order_matches_theory is None  # the items are not the four levels
    assert np.isnan(g.h_ci[0])


def test_perfect_scale_and_independent_items() -> None:
    perfect = pd.DataFrame({"x": [1, 1, 1, 0], "y": [1, 1, 0, 0], "z": [1, 0, 0, 0]})
    g = guttman_scaling(perfect, n_boot=0)
    assert g.h == 1.0 and g.reproducibility == 1.0 and g.guttman_errors == 0
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.integers(0, 2, (4000, 4)), columns=list("pqrs"))
    g0 = guttman_scaling(noise, n_boot=200, random_state=1)
    assert abs(g0.h) < 0.05
    assert g0.band == "not scalable"
    assert g0.h_ci[0] < g0.h < g0.h_ci[1] and max(map(abs, g0.h_ci)) < 0.06


def test_bootstrap_interval_covers_h_and_is_reproducible() -> None:
    rng = np.random.default_rng(2)
    latent = rng.normal(size=800)
    items = pd.DataFrame(
        {
            f"i{j}": (latent + rng.normal(0, 0.8, 800) > t).astype(int)
            for j, t in enumerate((-1.0, 0.0, 1.0))
        }
    )
    a = guttman_scaling(items, n_boot=300, random_state=3)
    b = guttman_scaling(items, n_boot=300, random_state=3)
    assert a.h_ci == b.h_ci
    assert a.h_ci[0] < a.h < a.h_ci[1]
    assert a.h_ci[1] - a.h_ci[0] < 0.2


def test_ties_in_popularity_use_the_covariance_form() -> None:
    """Equal popularity: H_ij = cov / (min(p) - p_i p_j), the same whichever item comes first."""
    x = pd.DataFrame({"u": [1, 1, 0, 0, 1, 0], "v": [1, 0, 1, 0, 1, 0]})
    h, _, _ = loevinger_h(x)
    cov = (3 / 6 * 0 + 2 / 6) - 0.25  # P(11) = 2/6
    assert h == pytest.approx(cov / (0.5 - 0.25))
    assert loevinger_h(x[["v", "u"]])[0] == pytest.approx(h)


def test_developed_levels_and_theory_order() -> None:
    levels = pd.DataFrame(
        {
            "operational": [6.0, 5.0, 4.9, np.nan],
            "dynamic": [5.5, 4.0, 3.0, 6.0],
            "adaptive": [5.1, 4.0, 3.0, 6.0],
            "networking": [5.0, 2.0, 3.0, 6.0],
        }
    )
    dev = developed_levels(levels, dict.fromkeys(LEVELS, 5.0))
    assert dev["operational"].tolist()[:3] == [1, 1, 0]
    assert pd.isna(dev.loc[3, "operational"])
    assert dev.loc[0].tolist() == [1, 1, 1, 1]
    g = guttman_scaling(dev, n_boot=0)
    assert g.n_respondents == 3  # the row with a missing level is left out
    assert g.order_matches_theory is True
    reversed_order = dev.rename(columns={"operational": "networking", "networking": "operational"})
    assert guttman_scaling(reversed_order, n_boot=0).order_matches_theory is False


def test_bands() -> None:
    assert [h_band(v) for v in (0.55, 0.45, 0.35, 0.25, float("nan"))] == [
        "strong",
        "medium",
        "weak",
        "not scalable",
        "not scalable",
    ]


def test_clear_errors() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        loevinger_h(EXAMPLE.to_numpy())
    with pytest.raises(ValueError, match="at least 2 items"):
        loevinger_h(EXAMPLE[["a"]])
    with pytest.raises(ValueError, match=r"\['b'\] are not dichotomous"):
        loevinger_h(EXAMPLE.assign(b=EXAMPLE["b"] * 2))
    with pytest.raises(ValueError, match="complete rows"):
        loevinger_h(EXAMPLE.head(1))
    with pytest.raises(ValueError, match="confidence"):
        guttman_scaling(EXAMPLE, confidence=1.5)
    with pytest.raises(ValueError, match="threshold"):
        developed_levels(pd.DataFrame({"extra": [1.0]}), {"operational": 5.0})
