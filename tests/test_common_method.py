"""Harman's single-factor share against the first eigenvalue R computes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measurement.common_method import harman_single_factor
from tests.r_reference import HS_ITEMS, bfi_keyed, holzinger39, reference


@pytest.mark.parametrize("data", ["holzinger39", "bfi"])
def test_first_component_share_matches_r(data: str) -> None:
    items = holzinger39()[HS_ITEMS] if data == "holzinger39" else bfi_keyed()
    res = harman_single_factor(items)
    assert res.first_factor_share == pytest.approx(reference()[data]["first_pc_share"], abs=1e-9)
    assert res.n_items == items.shape[1] and not res.exceeds_threshold


def test_one_dominant_factor_exceeds_the_threshold() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(size=(400, 1))
    items = pd.DataFrame(common + rng.normal(scale=0.5, size=(400, 8)))
    res = harman_single_factor(items)
    assert res.first_factor_share > 0.7 and res.exceeds_threshold
