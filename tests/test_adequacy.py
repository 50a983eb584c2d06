"""KMO and Bartlett pinned to R psych 2.2.9 (KMO, cortest.bartlett) and factor_analyzer."""

from __future__ import annotations

import numpy as np
import pytest
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

from analysis.adequacy import bartlett_sphericity, kmo, kmo_label
from tests.r_reference import HS_ITEMS, bfi_keyed, holzinger39, reference


@pytest.mark.parametrize("data", ["holzinger39", "bfi"])
def test_kmo_and_bartlett_match_psych(data: str) -> None:
    items = holzinger39()[HS_ITEMS] if data == "holzinger39" else bfi_keyed()
    ref = reference()[data]["adequacy"]
    k = kmo(items)
    assert k.overall == pytest.approx(ref["kmo"], abs=1e-9)
    for item, value in ref["kmo_items"].items():
        assert k.items[item] == pytest.approx(value, abs=1e-9)
    b = bartlett_sphericity(items)
    assert b.chisq == pytest.approx(ref["bartlett_chisq"], rel=1e-9)
    assert b.df == ref["bartlett_df"]
    assert b.pvalue == pytest.approx(ref["bartlett_p"], rel=1e-6, abs=1e-300)
    assert b.n_obs == len(items)


def test_complete_data_agrees_with_factor_analyzer() -> None:
    items = holzinger39()[HS_ITEMS]
    per_item, overall = calculate_kmo(items)
    assert kmo(items).overall == pytest.approx(overall, abs=1e-12)
    np.testing.assert_allclose(kmo(items).items, per_item, atol=1e-12)
    chisq, _ = calculate_bartlett_sphericity(items)
    assert bartlett_sphericity(items).chisq == pytest.approx(chisq, rel=1e-12)


def test_singular_correlations_give_no_bartlett_statistic_but_a_kmo() -> None:
    items = holzinger39()[HS_ITEMS].copy()
    items["copy"] = items["x1"]
    assert np.isnan(bartlett_sphericity(items).chisq)
    assert 0 <= kmo(items).overall <= 1


def test_kaiser_labels() -> None:
    assert [kmo_label(v) for v in (0.95, 0.85, 0.75, 0.65, 0.55, 0.3, float("nan"))] == [
        "marvellous",
        "meritorious",
        "middling",
        "mediocre",
        "miserable",
        "unacceptable",
        "not available",
    ]
