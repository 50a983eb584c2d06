"""Measurement invariance: configural/metric/scalar pinned to lavaan, Δ tests, verdicts, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from analysis.sem import ml
from analysis.sem.invariance import TABLE_COLUMNS, InvarianceResult, measurement_invariance
from analysis.sem.model import CFAModel, model_from_instrument
from instrument import Instrument
from tests.lavaan_reference import (
    BFI_MODEL,
    HS_MODEL,
    bfi_keyed,
    holzinger39,
    reference,
    smcap_sim,
)

STEPS = ["configural", "metric", "scalar"]


def assert_steps_match(res: InvarianceResult, ref: dict) -> None:
    for step in STEPS:
        fit, r = res.fits[step].fit, ref[step]["fit"]
        assert fit.chisq == pytest.approx(r["chisq"], rel=1e-6), step
        assert fit.df == r["df"] and fit.npar == r["npar"], step
        for key in ("cfi", "tli", "rmsea", "srmr", "pvalue"):
            assert getattr(fit, key) == pytest.approx(r[key], abs=1e-4), (step, key)
        assert fit.rmsea_ci == pytest.approx((r["rmsea_ci_lower"], r["rmsea_ci_upper"]), abs=1e-4)
        assert fit.baseline_chisq == pytest.approx(r["baseline_chisq"], rel=1e-6)
        assert fit.aic == pytest.approx(r["aic"], rel=1e-6)
        assert fit.bic == pytest.approx(r["bic"], rel=1e-6)
        assert res.table.loc[step, "chisq"] == fit.chisq


@pytest.fixture(scope="module")
def hs() -> InvarianceResult:
    return measurement_invariance(holzinger39(), HS_MODEL, "school")


def test_hs_school_reproduces_the_published_chi_squares(hs: InvarianceResult) -> None:
    table = hs.table
    assert table.loc["configural", "chisq"] == pytest.approx(115.85, rel=0.01)
    assert table.loc["metric", "chisq"] == pytest.approx(124.04, rel=0.01)
    assert table.loc["scalar", "chisq"] == pytest.approx(164.10, rel=0.01)
    assert table["df"].tolist() == [48, 54, 60]
    assert hs.group_sizes.to_dict() == {"Pasteur": 156, "Grant-White": 145}


def test_hs_school_fit_of_every_step_matches_lavaan(hs: InvarianceResult) -> None:
    assert_steps_match(hs, reference()["holzinger39"]["invariance_school"])


def test_delta_tests_and_verdicts(hs: InvarianceResult) -> None:
    t = hs.table
    assert list(t.columns) == list(TABLE_COLUMNS) and list(t.index) == STEPS
    assert t.loc["configural"][["delta_chisq", "delta_df", "delta_cfi"]].isna().all()
    # lavTestLRT(configural, metric): Δχ² = 8.192, Δdf = 6, p = .224
    assert t.loc["metric", "delta_chisq"] == pytest.approx(8.192, abs=0.001)
    assert t.loc["metric", "delta_df"] == 6
    assert t.loc["metric", "delta_p"] == pytest.approx(0.2244, abs=0.0005)
    assert t.loc["scalar", "delta_chisq"] == pytest.approx(40.059, abs=0.001)
    assert t.loc["scalar", "delta_p"] == pytest.approx(stats.chi2.sf(40.059, 6), rel=1e-3)
    assert t.loc["metric", "delta_cfi"] == pytest.approx(0.921 - 0.923, abs=0.002)
    assert t.loc["scalar", "delta_cfi"] == pytest.approx(0.882 - 0.921, abs=0.002)
    # metric holds (ΔCFI −.002, ΔRMSEA −.004); scalar fails on ΔCFI (−.039)
    assert t["verdict"].tolist() == ["reference", "invariant", "not invariant"]


def test_as_dict_is_json_ready(hs: InvarianceResult) -> None:
    out = hs.as_dict()
    assert list(out) == STEPS
    assert out["configural"]["delta_chisq"] is None
    assert out["metric"]["df"] == 54 and isinstance(out["metric"]["delta_df"], int)
    assert {"chisq", "df", "cfi", "rmsea", "srmr"} <= set(out["scalar"])
    assert json.loads(json.dumps(out))["scalar"]["verdict"] == "not invariant"


def test_bfi_gender_matches_lavaan() -> None:
    res = measurement_invariance(bfi_keyed(), BFI_MODEL, "gender")
    assert res.group_sizes.to_dict() == {"1": 805, "2": 1631}
    assert_steps_match(res, reference()["bfi"]["invariance_gender"])


def test_smcap_three_offerings_match_lavaan(smcap_instrument: Instrument) -> None:
    res = measurement_invariance(smcap_sim(), model_from_instrument(smcap_instrument), "offering")
    assert res.group_sizes.to_dict() == {"service": 786, "product": 512, "both": 176}
    assert_steps_match(res, reference()["smcap_sim"]["invariance_offering"])
    assert res.table["verdict"].tolist() == ["reference", "invariant", "invariant"]


def test_group_errors_are_clear() -> None:
    data = holzinger39()
    with pytest.raises(ValueError, match="group column 'class' is not in the data"):
        measurement_invariance(data, HS_MODEL, "class")
    with pytest.raises(ValueError, match="has 1 usable group"):
        measurement_invariance(data.assign(cohort=1939), HS_MODEL, "cohort")
    small = data.assign(school=np.where(data.index < 25, "Small", data["school"]))
    with pytest.raises(ValueError, match=r"'Small' \(25 complete rows\) of column 'school'"):
        measurement_invariance(small, HS_MODEL, "school")
    with pytest.raises(ValueError, match="first-order models only"):
        measurement_invariance(
            data, CFAModel(HS_MODEL.factors, {"g": ("visual", "speed")}), "school"
        )


def test_small_group_can_be_dropped_with_a_warning() -> None:
    data = holzinger39()
    data["school"] = np.where(data.index < 25, "Small", data["school"])
    res = measurement_invariance(data, HS_MODEL, "school", small_groups="drop")
    assert res.dropped_groups.to_dict() == {"Small": 25}
    assert "Small" not in res.group_sizes.index
    assert res.warnings[0].startswith("configural: group(s) 'Small' (25 complete rows) dropped")


def test_non_converged_step_gets_that_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ml, "_CONVERGED_TOL", 0.0)
    res = measurement_invariance(holzinger39(), HS_MODEL, "school")
    assert set(res.table["verdict"]) == {"not converged"}
    assert any("did not converge" in w for w in res.warnings)
