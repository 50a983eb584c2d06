"""Exports: formula-safe CSV, clean data, and SPSS files that read back with their labels."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from analysis.cli.smcap import main
from analysis.data.export import (
    FORMULA_PREFIXES,
    clean_data,
    neutralise_formulas,
    safe_csv,
    sav_bytes,
    spss_data,
)
from analysis.data.responses import validate_responses
from analysis.pipeline import default_steps, run_analysis
from instrument import Instrument, parse_instrument
from tests.conftest import DEMO_1_0_CSV, MINIMAL_YAML
from tests.csv_support import HOSTILE_TEXT, assert_csv_safe


@pytest.fixture(scope="module")
def demo_clean(smcap_instrument: Instrument) -> pd.DataFrame:
    responses = pd.read_csv(DEMO_1_0_CSV, dtype={"channels": "string"}).head(120)
    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    result = run_analysis(responses, smcap_instrument, steps=steps)
    return clean_data(responses, result.assignments, id_column="respondent_id")


@pytest.fixture(scope="module")
def minimal_instrument() -> Instrument:
    return parse_instrument(MINIMAL_YAML)


def read_sav(data: bytes, tmp_path: Path) -> tuple[pd.DataFrame, object]:
    path = tmp_path / "out.sav"
    path.write_bytes(data)
    return pyreadstat.read_sav(str(path))


# --------------------------------------------------------------------------- CSV
@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_neutralised(prefix: str) -> None:
    frame = pd.DataFrame({"note": [f"{prefix}cmd|' /C calc'!A0", "plain"]})
    out = neutralise_formulas(frame)
    assert out["note"].tolist() == [f"'{prefix}cmd|' /C calc'!A0", "plain"]


def test_numbers_missing_values_and_the_input_are_left_alone() -> None:
    frame = pd.DataFrame(
        {"x": [-1.5, 2.0], "n": pd.array([-3, None], dtype="Int64"), "t": [None, "-2"]}
    )
    before = frame.copy()
    out = neutralise_formulas(frame)
    pd.testing.assert_frame_equal(frame, before)  # not mutated
    assert out["x"].tolist() == [-1.5, 2.0] and out["n"].tolist() == [-3, pd.NA]
    assert pd.isna(out.loc[0, "t"]) and out.loc[1, "t"] == "'-2"  # text, so neutralised


def test_column_names_and_text_index_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=evil()": [1]}, index=pd.Index(["@id"], name="rid"))
    out = neutralise_formulas(frame)
    assert list(out.columns) == ["'=evil()"] and list(out.index) == ["'@id"]


def test_safe_csv_reads_back_with_the_escapes() -> None:
    frame = pd.DataFrame({"a": ["=1+1", 'say "hi"'], "b": [1, 2]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8"))))
    assert rows == [["a", "b"], ["'=1+1", "1"], ['say "hi"', "2"]]


def test_line_breaks_in_text_are_quoted_and_blanks_do_not_hide_a_formula() -> None:
    frame = pd.DataFrame({"note": list(HOSTILE_TEXT), "x": range(len(HOSTILE_TEXT))})
    rows = assert_csv_safe(safe_csv(frame), n_rows=len(HOSTILE_TEXT))
    assert rows[1][0] == "ok\r=cmd|' /C calc'!A0"  # the text itself is kept
    assert rows[4][0] == "' =1+1"


def test_assignments_csv_reads_back_row_for_row(
    smcap_instrument: Instrument, tmp_path: Path
) -> None:
    responses = pd.read_csv(DEMO_1_0_CSV, dtype={"channels": "string"}).head(120)
    hostile = list(HOSTILE_TEXT)
    responses.loc[: len(hostile) - 1, "respondent_id"] = [f"{t} {i}" for i, t in enumerate(hostile)]
    validated = validate_responses(
        responses, smcap_instrument, source="hostile.csv", id_column="respondent_id"
    )
    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    result = run_analysis(validated, smcap_instrument, steps=steps)
    paths = result.write(tmp_path)
    rows = assert_csv_safe(paths["assignments"].read_bytes(), n_rows=120)
    ids = [row[0] for row in rows[1:]]
    assert ids[0] == "ok\r=cmd|' /C calc'!A0 0"  # the line break is quoted, not a new row
    assert ids[3] == "' =1+1 3"  # the id keeps its blank; the writer neutralises it anyway


def test_codebook_csv_of_the_cli_reads_back_row_for_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml = MINIMAL_YAML.replace("I start conversations.", "ok\\r=cmd|' /C calc'!A0").replace(
        "I like order.", " =1+1"
    )
    (tmp_path / "mini.yaml").write_text(yaml)
    out = tmp_path / "codebook.csv"
    code = main(["instrument", "codebook", str(tmp_path / "mini.yaml"), "--out", str(out)])
    capsys.readouterr()
    assert code == 0
    n_rows = len(pd.read_csv(out))
    rows = assert_csv_safe(out.read_bytes(), n_rows=n_rows)
    cells = {cell for row in rows for cell in row}
    assert "ok\r=cmd|' /C calc'!A0" in cells and "' =1+1" in cells


# --------------------------------------------------------------------------- clean data
def test_clean_data_joins_assignments_by_respondent(demo_clean: pd.DataFrame) -> None:
    assert demo_clean.columns[0] == "respondent_id"
    assert {"op_ai_1", "level_operational", "stage_theory", "quadrant", "flagged"} <= set(
        demo_clean.columns
    )
    assert demo_clean["level_operational"].notna().all()


def test_clean_data_needs_the_id_column_and_renames_collisions() -> None:
    responses = pd.DataFrame({"rid": ["a", "b"], "control": [1, 2]})
    assignments = pd.DataFrame({"control": [3.5, 4.5]}, index=pd.Index(["b", "a"]))
    out = clean_data(responses, assignments, id_column="rid")
    assert out["control_score"].tolist() == [4.5, 3.5]
    with pytest.raises(ValueError, match="id_column: 'respondent_id' is not a column"):
        clean_data(responses, assignments, id_column="respondent_id")
    indexed = clean_data(responses.set_index("rid"), assignments)
    assert indexed.columns[0] == "rid" and indexed["control_score"].tolist() == [4.5, 3.5]


# --------------------------------------------------------------------------- SPSS
def test_sav_reads_back_with_variable_and_value_labels(
    demo_clean: pd.DataFrame, smcap_instrument: Instrument, tmp_path: Path
) -> None:
    data, meta = read_sav(sav_bytes(demo_clean, smcap_instrument, file_label="demo"), tmp_path)
    labels = meta.column_names_to_labels
    values = meta.variable_value_labels
    item = smcap_instrument.constructs[0].items[0]
    assert labels[item.id] == item.text
    assert values[item.id] == dict(
        zip(map(float, smcap_instrument.scale.points), smcap_instrument.scale.labels, strict=True)
    )
    sector = smcap_instrument.firmographics[0]
    assert labels["sector"] == sector.text
    assert values["sector"][1.0] == sector.options[0].label
    # the codes stand for the answers given
    first = demo_clean["sector"].iloc[0]
    code = [o.value for o in sector.options].index(first) + 1
    assert data["sector"].iloc[0] == code
    assert values["quadrant"] == {
        1.0: "Call to Action",
        2.0: "Dissemination",
        3.0: "Thought Leadership",
        4.0: "Co-creation",
        5.0: "Mixed (on a cut)",
    }
    assert values["stage_status"][1.0] == "classified"
    assert values["stage_theory"][1.0] == smcap_instrument.feedback.stages[1].title
    assert values["flag_straightlining"] == {0.0: "no", 1.0: "yes"}
    assert labels["channels_linkedin"].endswith("– LinkedIn")
    linkedin = demo_clean["channels"].str.contains("linkedin").astype(float)
    assert data["channels_linkedin"].tolist() == linkedin.tolist()
    assert meta.variable_measure["employees"] == "ordinal"
    assert meta.file_label == "demo"
    assert len(data) == len(demo_clean)


def test_unknown_answers_and_awkward_names(smcap_instrument: Instrument) -> None:
    frame = pd.DataFrame(
        {
            "sector": ["manufacturing", "space_mining", None],
            "2nd wave": ["x", "y", "z"],
            "2nd_wave": [1, 2, 3],
            "note": ["a" * 400, "b", None],
        }
    )
    spss = spss_data(frame, smcap_instrument)
    assert spss.data["sector"].tolist()[:2] == [1.0, 9.0]  # after the 8 options
    assert spss.value_labels["sector"][9.0] == "space_mining"
    assert spss.renamed == {"2nd wave": "v2nd_wave", "2nd_wave": "v2nd_wave_2"}
    assert spss.data["note"].tolist()[2] is None


def test_text_in_an_item_column_is_named(smcap_instrument: Instrument) -> None:
    item = smcap_instrument.item_ids[0]
    with pytest.raises(ValueError, match=f"column '{item}': value 'agree' is not a number"):
        spss_data(pd.DataFrame({item: [1, "agree"]}), smcap_instrument)


def test_long_names_are_cut_to_what_spss_allows(
    minimal_instrument: Instrument, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"e1": [1, 5], "level_operational": [2.0, 3.0]})
    spss = spss_data(frame, minimal_instrument)
    assert spss.column_labels["e1"] == "I talk to many people at parties."
    assert spss.measures["e1"] == "ordinal"
    long = frame.rename(columns={"e1": "x" * 80})
    data, meta = read_sav(sav_bytes(long, minimal_instrument), tmp_path)
    assert list(data.columns) == ["x" * 64, "level_operational"]
    assert meta.column_names_to_labels["level_operational"] == "Capability level score: operational"


def test_the_csv_helpers_load_without_pyreadstat() -> None:
    """The command line imports the CSV helpers; only writing a .sav needs pyreadstat."""
    code = "import sys, analysis.data.export; print('pyreadstat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- don't know
def test_sav_labels_dont_know_and_declares_it_user_missing(
    instrument_2_0: Instrument, tmp_path: Path
) -> None:
    inst = instrument_2_0
    bipolar = inst.construct("orientation").items[0].id
    agree = inst.construct("audience_insight").items[0].id
    frame = pd.DataFrame(
        {"respondent_id": ["a", "b", "c"], bipolar: [1, 99, 7], agree: [99, 4, 5], "ac_1": 2}
    )
    spss = spss_data(frame, inst)
    assert spss.missing_values == {bipolar: [99.0], agree: [99.0]}
    path = tmp_path / "dk.sav"
    path.write_bytes(sav_bytes(frame, inst))
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    values = meta.variable_value_labels
    orientation = inst.construct("orientation").labels or ()
    assert values[bipolar][1.0] == orientation[0] and values[bipolar][7.0] == orientation[-1]
    assert values[bipolar][99.0] == "Don't know / not applicable"
    assert values[agree][6.0] == "Agree" and values[agree][99.0] == "Don't know / not applicable"
    assert 99.0 not in values["ac_1"]
    assert meta.missing_ranges[agree] == [{"lo": 99.0, "hi": 99.0}]
    assert "ac_1" not in meta.missing_ranges
    assert data[agree].tolist() == [99.0, 4.0, 5.0]  # kept as given
    plain, _ = pyreadstat.read_sav(str(path))
    assert pd.isna(plain[agree].iloc[0]) and pd.isna(plain[bipolar].iloc[1])  # user-missing


def test_without_a_code_nothing_is_user_missing(smcap_instrument: Instrument) -> None:
    spss = spss_data(pd.DataFrame({"op_ai_1": [1, 7]}), smcap_instrument)
    assert spss.missing_values == {} and 99.0 not in spss.value_labels["op_ai_1"]


def test_informant_and_validator_questions_export_with_their_labels(
    instrument_2_0: Instrument, tmp_path: Path
) -> None:
    ids = [q.id for q in instrument_2_0.firmographics if q.validates or q.measures == "informant"]
    assert len(ids) >= 5
    frame = pd.DataFrame(
        {qid: [instrument_2_0.firmographic(qid).options[-1].value, None] for qid in ids}
    )
    data, meta = read_sav(sav_bytes(frame, instrument_2_0), tmp_path)
    for qid in ids:
        q = instrument_2_0.firmographic(qid)
        assert meta.column_names_to_labels[qid] == q.text
        assert meta.variable_value_labels[qid] == {
            float(k): o.label for k, o in enumerate(q.options, start=1)
        }
        assert data[qid].iloc[0] == len(q.options) and pd.isna(data[qid].iloc[1])
