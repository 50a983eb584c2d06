"""The codebook: one row per variable, with scale, values, page and source."""

from __future__ import annotations

import pytest

from instrument import Instrument
from instrument.codebook import CODEBOOK_COLUMNS, codebook, codebook_markdown


@pytest.fixture(scope="module")
def cb2(instrument_2_0: Instrument):
    return codebook(instrument_2_0).set_index("variable")


def test_every_variable_once_with_the_documented_columns(instrument_2_0: Instrument) -> None:
    table = codebook(instrument_2_0)
    assert tuple(table.columns) == CODEBOOK_COLUMNS
    expected = (
        len(instrument_2_0.items)
        + len(instrument_2_0.attention_checks)
        + len(instrument_2_0.firmographics)
    )
    assert len(table) == expected and table["variable"].is_unique


def test_likert_values_end_with_the_dont_know_code(cb2, instrument_2_0: Instrument) -> None:
    row = cb2.loc[instrument_2_0.construct("sm_metrics").items[0].id]
    assert row["values"].startswith("1 = Strongly disagree; ")
    assert row["values"].endswith(
        "; 7 = Strongly agree; 99 = Don't know / not applicable (missing)"
    )
    assert "99" not in cb2.loc["ac_1", "values"]


def test_bipolar_items_list_their_own_point_labels(cb2, instrument_2_0: Instrument) -> None:
    labels = instrument_2_0.construct("orientation").labels or ()
    row = cb2.loc[instrument_2_0.construct("orientation").items[0].id]
    assert row["scale"] == f"1-7 (1 = {labels[0]}, 7 = {labels[-1]})"
    assert f"4 = {labels[3]}" in row["values"]
    assert cb2.loc["ax_ct_5", "scale"] == "1-7 (1 = Strongly disagree, 7 = Strongly agree)"


def test_without_a_code_no_dont_know_is_listed(smcap_instrument: Instrument) -> None:
    table = codebook(smcap_instrument).set_index("variable")
    assert table.loc["op_ai_1", "values"].endswith("7 = Strongly agree")
    assert "Don't know" not in codebook_markdown(smcap_instrument)


def test_background_questions_carry_what_they_measure_or_validate(cb2) -> None:
    informant = cb2.loc["sm_involvement"]
    assert informant["role"] == "informant" and informant["validates"] == ""
    assert informant["values"].startswith("decide = I make or share the final decisions; ")
    validators = cb2[cb2["validates"] != ""]
    assert set(validators.loc[validators["validates"] == "stage"].index) >= {
        "active_channels",
        "content_creator",
        "dialogue_share",
    }
    assert "orientation" in set(validators["validates"])
    assert (validators["kind"] == "firmographic (single)").all()
    assert cb2.loc["employees", "role"] == "firm_size"
    assert (cb2.loc[cb2["kind"] == "likert", "validates"] == "").all()
