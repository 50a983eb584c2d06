"""Reading and validating a responses file: every user error has a clear message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.responses import (
    ResponsesError,
    load_responses,
    minimum_respondents,
    read_responses_csv,
    validate_responses,
)
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML

ITEMS = ["e1", "e2", "e3", "c1", "c2", "c3"]


@pytest.fixture(scope="module")
def mini() -> Instrument:
    return parse_instrument(MINIMAL_YAML)


def frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """n respondents answering the minimal instrument (scale 1–5), with a group column."""
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(n, len(ITEMS)))
    out = pd.DataFrame(answers, columns=ITEMS)
    out.insert(0, "respondent_id", [f"r{i + 1}" for i in range(n)])
    out["team"] = np.where(np.arange(n) % 2 == 0, "north", "south")
    return out


def write(tmp_path: Path, data: pd.DataFrame | str, name: str = "responses.csv") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        data.to_csv(path, index=False)
    return path


def error(path: Path, inst: Instrument, **options: object) -> str:
    with pytest.raises(ResponsesError) as info:
        load_responses(path, inst, **options)
    return str(info.value)


def test_a_valid_file_is_indexed_by_respondent_id(tmp_path: Path, mini: Instrument) -> None:
    data = frame()
    data.loc[3, "e1"] = np.nan
    res = load_responses(write(tmp_path, data), mini)
    assert res.n_respondents == 60 and res.warnings == ()
    assert res.data.index.name == "respondent_id" and res.data.index[0] == "r1"
    assert res.items().columns.tolist() == ITEMS and np.isnan(res.items().loc["r4", "e1"])
    assert res.data["team"].iloc[1] == "south" and "respondent_id" not in res.data.columns
    assert res.instrument is mini and res.id_column == "respondent_id"


def test_file_not_found_or_a_folder(tmp_path: Path, mini: Instrument) -> None:
    assert "responses file" in error(tmp_path / "nope.csv", mini)
    assert "not found" in error(tmp_path / "nope.csv", mini)
    assert "is a folder" in error(tmp_path, mini)


def test_empty_binary_and_non_utf8_files(tmp_path: Path, mini: Instrument) -> None:
    assert "is empty" in error(write(tmp_path, "\n\n"), mini)
    xlsx = tmp_path / "book.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))
    assert "not a CSV text file" in error(xlsx, mini)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("respondent_id,e1\nr1,1\nr\xe9,2\n".encode("latin-1"))
    message = error(latin, mini)
    assert "not UTF-8" in message and "line 3" in message


def test_unparsable_csv_names_the_line(tmp_path: Path, mini: Instrument) -> None:
    text = "respondent_id,e1,e2\nr1,1,2\nr2,1,2,3,4\n"
    message = error(write(tmp_path, text), mini)
    assert "not a readable CSV file" in message and "line 3" in message


def test_repeated_column_names(tmp_path: Path, mini: Instrument) -> None:
    text = "respondent_id,e1,e1,e2\nr1,1,2,3\n"
    assert "repeats column name(s) 'e1'" in error(write(tmp_path, text), mini)


def test_no_item_columns_at_all(tmp_path: Path, mini: Instrument) -> None:
    message = error(write(tmp_path, '{"not": "a csv"}\n', "data.csv"), mini)
    assert "none of the instrument's 6 item columns" in message
    assert "e1, e2, e3" in message and "right file" in message


def test_missing_items_are_an_error_unless_allowed(tmp_path: Path, mini: Instrument) -> None:
    path = write(tmp_path, frame().drop(columns=["e2", "e3", "c3"]))
    message = error(path, mini)
    assert "3 of the instrument's 6 item columns are missing: e2, e3, c3" in message
    assert "--allow-missing-items" in message
    res = load_responses(path, mini, allow_missing_items=True)
    assert res.dropped_items == ("e2", "e3", "c3")
    assert res.skipped_constructs == ("extraversion",)
    assert res.item_ids == ("c1", "c2") and [c.id for c in res.instrument.constructs] == [
        "conscientiousness"
    ]
    assert any("left out of the analysis: e2, e3, c3" in w for w in res.warnings)
    assert any("'extraversion' have fewer than 2 items" in w for w in res.warnings)
    none_left = write(tmp_path, frame().drop(columns=["e2", "e3", "c2", "c3"]), "b.csv")
    assert "no construct has two or more" in error(none_left, mini, allow_missing_items=True)


def test_non_numeric_cells_name_respondent_line_column_value_and_count(
    tmp_path: Path, mini: Instrument
) -> None:
    data = frame().astype({"e1": object, "c2": object})
    data.loc[4, "e1"] = "agree"
    data.loc[9, "c2"] = "3 or 4"
    data.loc[11, "c2"] = "n/a"  # a missing-value marker, not an error
    message = error(write(tmp_path, data), mini)
    assert "2 non-numeric cell(s) in item columns" in message
    assert "respondent 'r5' (line 6), column 'e1': 'agree'" in message
    assert "respondent 'r10' (line 11), column 'c2': '3 or 4'" in message


def test_values_outside_the_scale_are_errors_but_fractions_inside_are_fine(
    tmp_path: Path, mini: Instrument
) -> None:
    data = frame().astype({"e1": float, "c3": float})
    data.loc[0, "e1"] = 2.5
    res = load_responses(write(tmp_path, data), mini)
    assert res.items().loc["r1", "e1"] == 2.5
    (warning,) = res.warnings
    assert "1 answer(s) fall between the scale points" in warning
    assert "respondent 'r1' (line 2), column 'e1': 2.5" in warning
    data.loc[2, "c3"] = 7
    data.loc[5, "e1"] = 0
    message = error(write(tmp_path, data, "b.csv"), mini)
    assert "2 answer(s) outside the scale 1–5" in message
    assert "respondent 'r3' (line 4), column 'c3': 7" in message
    assert "respondent 'r6' (line 7), column 'e1': 0" in message


def test_duplicate_and_missing_respondent_ids(tmp_path: Path, mini: Instrument) -> None:
    data = frame()
    data.loc[[3, 8], "respondent_id"] = "r1"
    data.loc[5, "respondent_id"] = "r2"
    message = error(write(tmp_path, data), mini)
    assert "duplicate respondent id(s)" in message
    assert "'r1' (3 times)" in message and "'r2' (2 times)" in message
    data = frame().astype({"respondent_id": object})
    data.loc[6, "respondent_id"] = None
    assert "have no respondent id in column 'respondent_id': line 8" in error(
        write(tmp_path, data, "b.csv"), mini
    )


def test_id_column_option(tmp_path: Path, mini: Instrument) -> None:
    data = frame().rename(columns={"respondent_id": "case"})
    path = write(tmp_path, data)
    res = load_responses(path, mini, id_column="case")
    assert res.data.index.name == "case" and res.data.index[1] == "r2" and not res.warnings
    numbered = load_responses(path, mini)
    assert numbered.data.index[:2].tolist() == ["row1", "row2"] and numbered.id_column is None
    assert "respondents are numbered row1" in numbered.warnings[0]
    assert "id column 'caseid' not found" in error(path, mini, id_column="caseid")


def test_too_few_respondents_says_how_many_are_needed(tmp_path: Path, mini: Instrument) -> None:
    message = error(write(tmp_path, frame(n=30)), mini)
    assert "30 respondent(s)" in message and "needs at least 50" in message
    assert minimum_respondents(6) == 50 and minimum_respondents(63) == 64


def test_constant_and_unanswered_items_are_named(tmp_path: Path, mini: Instrument) -> None:
    data = frame().astype({"c1": float})
    data["e3"] = 4
    data["c1"] = np.nan
    message = error(write(tmp_path, data), mini)
    assert "item 'e3' has the same answer (4) from all 60 respondents" in message
    assert "item 'c1' has no answers at all" in message


def test_group_column_checks(tmp_path: Path, mini: Instrument) -> None:
    data = frame(n=130)
    path = write(tmp_path, data)
    res = load_responses(path, mini, group="team")
    assert res.group == "team" and not res.warnings
    message = error(path, mini, group="region")
    assert "group column 'region' not found" in message and "could define groups: team" in message
    assert "e1" not in message.split("could define groups:")[1]
    data.loc[:9, "team"] = "west"
    data.loc[10:12, "team"] = None
    message = error(write(tmp_path, data, "b.csv"), mini, group="team")
    assert "'west' has 10 respondent(s)" in message and "needs at least 50" in message
    res = load_responses(tmp_path / "b.csv", mini, group="team", drop_small_groups=True)
    assert any("'west' (10)" in w for w in res.warnings)
    assert any("3 respondent(s) have no value" in w for w in res.warnings)
    data["team"] = "north"
    message = error(write(tmp_path, data, "c.csv"), mini, group="team")
    assert "fewer than two groups" in message and "'north' (130)" in message


def test_semicolon_separated_files_are_read(tmp_path: Path, mini: Instrument) -> None:
    path = tmp_path / "excel.csv"
    frame().to_csv(path, index=False, sep=";")
    assert load_responses(path, mini).n_respondents == 60


def test_blank_rows_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "respondent_id,e1\nr1,1\n,\nr2,x\n")
    table = read_responses_csv(path)
    assert table.index.tolist() == [2, 4]


def test_page_timings_must_be_numeric(tmp_path: Path, mini: Instrument) -> None:
    data = frame()
    data["page_time_p1"] = ["fast"] + [30.0] * 59
    message = error(write(tmp_path, data), mini)
    assert "page-timing columns" in message and "'fast'" in message


def test_dataframe_input_cites_rows_and_is_not_modified(mini: Instrument) -> None:
    data = frame().astype({"e1": object})
    data.loc[2, "e1"] = "?"
    before = data.copy()
    with pytest.raises(ResponsesError, match=r"respondent 'r3' \(row 3\), column 'e1'"):
        validate_responses(data, mini, source="database")
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(TypeError, match="DataFrame"):
        validate_responses(data.to_numpy(), mini)  # type: ignore[arg-type]
    with pytest.raises(ResponsesError, match="no respondents"):
        validate_responses(data.iloc[:0], mini)


# ------------------------------------------------------------------ the don't-know code
DK_YAML = (
    MINIMAL_YAML.replace(
        "  labels: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]\n",
        "  labels: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]\n"
        "  dont_know: {code: 99}\n",
    )
    + "attention_checks:\n  - {id: ac1, text: 'Choose Agree.', answer: 4}\n"
)


@pytest.fixture(scope="module")
def mini_dk() -> Instrument:
    return parse_instrument(DK_YAML)


def test_dont_know_becomes_missing_and_is_counted_per_item(
    tmp_path: Path, mini_dk: Instrument
) -> None:
    assert mini_dk.scale.dont_know is not None
    data = frame()
    data.loc[[0, 4, 7], "e1"] = 99
    data.loc[2, "c2"] = 99
    data["ac1"] = 4
    res = load_responses(write(tmp_path, data), mini_dk)
    items = res.items()
    assert items["e1"].isna().sum() == 3 and np.isnan(items.loc["r3", "c2"])
    assert (items.max() <= 5).all()
    counts = res.dont_know_counts()
    assert counts.to_dict() == {"e1": 3, "e2": 0, "e3": 0, "c1": 0, "c2": 1, "c3": 0}
    assert res.dont_know is not None and bool(res.dont_know.loc["r5", "e1"])
    (warning,) = res.warnings
    assert warning.startswith("4 don't-know answer(s) (code 99, \"Don't know / not applicable\")")
    assert "from 4 respondent(s) in 2 item(s) are treated as missing: 'e1' (3), 'c2' (1)" in warning
    restored = res.data_with_dont_know()
    assert restored.loc["r1", "e1"] == 99 and restored.loc["r3", "c2"] == 99
    assert restored.loc["r2", "e1"] == data.loc[1, "e1"]
    assert np.isnan(res.data.loc["r1", "e1"])  # the analysed data keep it missing


def test_no_dont_know_code_means_no_counts(tmp_path: Path, mini: Instrument) -> None:
    res = load_responses(write(tmp_path, frame()), mini)
    assert res.dont_know is None and res.dont_know_counts().empty
    pd.testing.assert_frame_equal(res.data_with_dont_know(), res.data)
    data = frame()
    data.loc[0, "e1"] = 99
    message = error(write(tmp_path, data, "b.csv"), mini)
    assert "1 answer(s) outside the scale 1–5, e.g. respondent 'r1' (line 2), column 'e1': 99" in (
        message
    )


def test_values_neither_on_the_scale_nor_the_code_are_errors(
    tmp_path: Path, mini_dk: Instrument
) -> None:
    data = frame()
    data.loc[1, "e2"] = 98
    data.loc[3, "e1"] = 99
    message = error(write(tmp_path, data), mini_dk)
    assert "1 answer(s) outside the scale 1–5 (or the don't-know code 99 in item columns)" in (
        message
    )
    assert "respondent 'r2' (line 3), column 'e2': 98" in message


def test_dont_know_is_no_answer_to_an_attention_check(tmp_path: Path, mini_dk: Instrument) -> None:
    data = frame()
    data["ac1"] = [99] + [4] * 59
    message = error(write(tmp_path, data), mini_dk)
    assert "outside the scale" in message and "column 'ac1': 99" in message


def test_an_item_answered_only_dont_know_is_named(tmp_path: Path, mini_dk: Instrument) -> None:
    data = frame()
    data["c3"] = 99
    message = error(write(tmp_path, data), mini_dk)
    assert "item 'c3' has no answers at all (only 60 don't-know)" in message


def test_answers_between_points_and_unknown_options_are_named(
    tmp_path: Path, instrument_2_0: Instrument
) -> None:
    from analysis.data.simulate import simulate

    data = simulate(instrument_2_0, 120, random_state=3).responses
    data = data.astype({"op_ai_1": float})
    data.loc[data.index[4], "op_ai_1"] = 3.5
    data.loc[data.index[6], "sector"] = "[banking](http://x)"
    data.loc[data.index[7], "op_ai_3"] = 99  # the don't-know code: no new warning
    res = validate_responses(data, instrument_2_0, source="wave.csv", id_column="respondent_id")
    ids = res.data.index
    between = [w for w in res.warnings if "between the scale points" in w]
    assert between == [
        f"wave.csv: 1 answer(s) fall between the scale points, e.g. respondent '{ids[4]}' "
        "(row 5), column 'op_ai_1': 3.5. They are analysed as given; if the file should hold "
        "single answers, check the export"
    ]
    (unknown,) = [w for w in res.warnings if "not among its options" in w]
    assert unknown.startswith("wave.csv: column 'sector' has 1 value(s) that are not among")
    assert f"respondent '{ids[6]}' (row 7): '[banking](http://x)'" in unknown
    assert any("don't-know answer(s) (code 99" in w for w in res.warnings)
