"""Reliability pinned to R psych 2.2.9 (alpha, alpha.ci, omega) on two public data sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest

from analysis.measurement.reliability import cronbach_alpha, feldt_ci, omega_total, reliability
from analysis.measurement.scoring import keyed_items
from instrument import parse_instrument
from tests.r_reference import (
    BFI_FACTORS,
    BFI_YAML,
    HS_FACTORS,
    bfi_keyed,
    bfi_raw,
    holzinger39,
    reference,
)

TOL = 1e-6

CASES = [("holzinger39", name) for name in HS_FACTORS] + [("bfi", name) for name in BFI_FACTORS]


def _items(data: str, factor: str) -> pd.DataFrame:
    if data == "holzinger39":
        return holzinger39()[HS_FACTORS[factor]]
    return bfi_keyed()[BFI_FACTORS[factor]]


@pytest.mark.parametrize(("data", "factor"), CASES)
def test_alpha_and_item_statistics_match_psych(data: str, factor: str) -> None:
    ref = reference()[data]["alpha"][factor]
    res = cronbach_alpha(_items(data, factor))
    assert res.total["raw_alpha"] == pytest.approx(ref["raw_alpha"], abs=TOL)
    assert res.total["std_alpha"] == pytest.approx(ref["std_alpha"], abs=TOL)
    assert res.total["average_r"] == pytest.approx(ref["average_r"], abs=TOL)
    assert res.total["ci_low"] == pytest.approx(ref["feldt_lower"], abs=TOL)
    assert res.total["ci_high"] == pytest.approx(ref["feldt_upper"], abs=TOL)
    assert res.total["n_obs"] == ref["n_obs"]
    for item, value in ref["r_drop"].items():
        assert res.item_stats.loc[item, "r_drop"] == pytest.approx(value, abs=TOL)
    for item, value in ref["alpha_if_dropped"].items():
        assert res.alpha_drop.loc[item, "raw_alpha"] == pytest.approx(value, abs=TOL)
    for item, value in ref["std_alpha_if_dropped"].items():
        assert res.alpha_drop.loc[item, "std_alpha"] == pytest.approx(value, abs=TOL)


def test_holzinger_alphas_are_the_published_values() -> None:
    published = {"visual": 0.626, "textual": 0.883, "speed": 0.689}
    for factor, value in published.items():
        alpha = cronbach_alpha(_items("holzinger39", factor)).total["raw_alpha"]
        assert alpha == pytest.approx(value, abs=0.002)


@pytest.mark.parametrize(("data", "factor"), CASES)
def test_omega_total_matches_psych_omega_with_one_factor(data: str, factor: str) -> None:
    ref = reference()[data]["alpha"][factor]["omega_total"]
    assert omega_total(_items(data, factor)) == pytest.approx(ref, abs=1e-5)


def test_alpha_and_interval_agree_with_pingouin_pairwise() -> None:
    items = _items("bfi", "openness")
    assert items.isna().any().any()
    alpha, (low, high) = pingouin.cronbach_alpha(items, nan_policy="pairwise", ci=0.95)
    res = cronbach_alpha(items)
    assert res.total["raw_alpha"] == pytest.approx(alpha, abs=1e-9)
    assert (round(res.total["ci_low"], 3), round(res.total["ci_high"], 3)) == (low, high)


def test_feldt_interval_narrows_with_more_respondents_and_validates_level() -> None:
    small = feldt_ci(0.8, 50, 5)
    large = feldt_ci(0.8, 5000, 5)
    assert small[0] < large[0] < 0.8 < large[1] < small[1]
    with pytest.raises(ValueError, match="confidence"):
        feldt_ci(0.8, 50, 5, confidence=95)


def test_two_item_scale_has_alpha_but_no_drop_statistics_or_omega() -> None:
    items = _items("holzinger39", "visual")[["x1", "x3"]]
    res = cronbach_alpha(items)
    assert 0 < res.total["raw_alpha"] < 1
    assert res.alpha_drop["raw_alpha"].isna().all()
    assert np.isnan(omega_total(items))
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(items[["x1"]])


def test_reliability_of_an_instrument_keys_reverse_items_first() -> None:
    inst = parse_instrument(BFI_YAML)
    raw = bfi_raw()
    res = reliability(keyed_items(raw, inst), inst)
    assert list(res.constructs.index) == list(BFI_FACTORS)
    for factor in BFI_FACTORS:
        ref = reference()["bfi"]["alpha"][factor]
        row = res.constructs.loc[factor]
        assert row["alpha"] == pytest.approx(ref["raw_alpha"], abs=TOL)
        assert row["omega"] == pytest.approx(ref["omega_total"], abs=1e-5)
        assert row["n_items"] == 5 and row["n_obs"] == 2800
    assert res.items.loc[("agreeableness", "A1"), "r_drop"] == pytest.approx(
        reference()["bfi"]["alpha"]["agreeableness"]["r_drop"]["A1"], abs=TOL
    )
    assert res.items.index.names == ["construct", "item"]
    with pytest.raises(ValueError, match="lack column"):
        reliability(keyed_items(raw, inst).drop(columns=["A1"]), inst)
