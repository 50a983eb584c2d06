"""Construct validity: CR, AVE, Fornell–Larcker and HTMT pinned to R (lavaan, semTools)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measurement.validity import (
    average_variance_extracted,
    composite_reliability,
    fornell_larcker,
    htmt,
)
from analysis.sem.cfa import CFAResult, fit_cfa, fit_multigroup_cfa
from analysis.sem.model import CFAModel, model_from_instrument
from instrument import Instrument
from tests.lavaan_reference import (
    BFI_MODEL,
    HS_MODEL,
    bfi_keyed,
    bfi_raw,
    holzinger39,
    matrix,
    reference,
    smcap_sim,
)


@pytest.fixture(scope="module")
def hs() -> CFAResult:
    return fit_cfa(holzinger39(), HS_MODEL)


def assert_matrix_matches(ours: pd.DataFrame, ref: pd.DataFrame, *, tol: float) -> None:
    assert list(ours.index) == list(ours.columns) == list(ref.index)
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index, ours.columns], atol=tol)


def test_hs_cr_and_ave_match_fornell_larcker_formulas_on_lavaan_loadings(hs: CFAResult) -> None:
    ref = reference()["holzinger39"]
    cr, ave = composite_reliability(hs), average_variance_extracted(hs)
    assert cr.to_dict() == pytest.approx(ref["cr"], abs=1e-5)
    assert ave.to_dict() == pytest.approx(ref["ave"], abs=1e-5)
    # by hand for 'speed' from its three std.all loadings
    lam = hs.std_loadings.loc["speed"].to_numpy()
    assert cr["speed"] == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))
    assert ave["speed"] == pytest.approx(np.mean(lam**2))
    assert ave["textual"] == pytest.approx(0.720, abs=0.003)


def test_fornell_larcker_table(hs: CFAResult) -> None:
    table = fornell_larcker(hs)
    ave = average_variance_extracted(hs)
    np.testing.assert_allclose(np.diag(table), np.sqrt(ave[table.index]))
    cor = matrix(reference()["holzinger39"]["cor_lv"])
    assert table.loc["visual", "speed"] == pytest.approx(cor.loc["visual", "speed"], abs=1e-5)
    assert table.loc["speed", "textual"] == table.loc["textual", "speed"]


def test_bfi_cr_ave_match_r() -> None:
    res = fit_cfa(bfi_keyed(), BFI_MODEL)
    ref = reference()["bfi"]
    assert composite_reliability(res).to_dict() == pytest.approx(ref["cr"], abs=1e-5)
    assert average_variance_extracted(res).to_dict() == pytest.approx(ref["ave"], abs=1e-5)


@pytest.mark.parametrize("variant", ["htmt2", "htmt"])
def test_htmt_matches_semtools(variant: str, smcap_instrument: Instrument) -> None:
    cases = [
        (holzinger39(), HS_MODEL, "holzinger39"),
        (bfi_keyed(), BFI_MODEL, "bfi"),
        (smcap_sim(), model_from_instrument(smcap_instrument), "smcap_sim"),
    ]
    for data, model, key in cases:
        ours = htmt(data, model, variant=variant)
        assert_matrix_matches(ours, matrix(reference()[key][variant]), tol=1e-10)
    hs2 = htmt(holzinger39(), HS_MODEL)
    assert hs2.loc["visual", "textual"] == pytest.approx(0.384, abs=0.001)


def test_htmt_and_reverse_keyed_items() -> None:
    keyed, raw = bfi_keyed(), bfi_raw()
    # semTools takes absolute correlations, so forgetting to key does not change HTMT(2) …
    pd.testing.assert_frame_equal(htmt(raw, BFI_MODEL), htmt(keyed, BFI_MODEL))
    pd.testing.assert_frame_equal(
        htmt(raw, BFI_MODEL, variant="htmt"), htmt(keyed, BFI_MODEL, variant="htmt")
    )
    # … but signed means over unkeyed items are meaningless: a negative within-construct
    # mean makes HTMT undefined, mixed signs push it above 1
    signed = htmt(raw, BFI_MODEL, variant="htmt", absolute=False)
    assert np.isnan(signed.loc["agreeableness", "openness"])
    assert signed.loc["conscientiousness", "openness"] > 1
    keyed_signed = htmt(keyed, BFI_MODEL, variant="htmt", absolute=False)
    assert keyed_signed.loc["agreeableness", "openness"] == pytest.approx(0.233, abs=0.001)


def test_htmt_uses_complete_rows_only() -> None:
    data = holzinger39()
    data.loc[:9, "x4"] = np.nan
    expected = htmt(holzinger39().iloc[10:], HS_MODEL)
    pd.testing.assert_frame_equal(htmt(data, HS_MODEL), expected)


def test_second_order_results_report_first_order_factors(smcap_instrument: Instrument) -> None:
    model = model_from_instrument(smcap_instrument, second_order=True)
    res = fit_cfa(smcap_sim(), model)
    cr = composite_reliability(res)
    assert list(cr.index) == list(model.first_order)
    assert fornell_larcker(res).shape == (16, 16)
    assert (cr > 0.7).all()


def test_validity_errors_are_clear(hs: CFAResult) -> None:
    with pytest.raises(TypeError, match="CFAResult from fit_cfa"):
        composite_reliability(fit_multigroup_cfa(holzinger39(), HS_MODEL, "school"))
    with pytest.raises(TypeError, match="CFAResult"):
        average_variance_extracted(hs.std_loadings)
    with pytest.raises(ValueError, match="variant must be 'htmt2' or 'htmt'"):
        htmt(holzinger39(), HS_MODEL, variant="htmt3")
    with pytest.raises(TypeError, match="model must be a CFAModel"):
        htmt(holzinger39(), HS_MODEL.factors)
    with pytest.raises(ValueError, match=r"no column\(s\) \['x9'\]"):
        htmt(holzinger39().drop(columns="x9"), HS_MODEL)
    with pytest.raises(ValueError, match="only 2 complete rows; HTMT needs at least 3"):
        htmt(holzinger39().head(2), HS_MODEL)
    with pytest.raises(ValueError, match=r"\['x1'\] are constant"):
        htmt(holzinger39().assign(x1=4.0), HS_MODEL)
    model = CFAModel({"a": ("x1", "x2"), "b": ("x3", "x4")})
    assert htmt(holzinger39(), model).shape == (2, 2)
