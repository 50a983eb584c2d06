"""Content validity from an expert panel: rating sheets, I-CVI, S-CVI, modified kappa, CVR.

The round trip exports sheets with the command line, fills them in as five experts would and
checks every statistic against a hand computation; the CVR's critical values are checked
against Ayre & Scally's (2014) table; every problem a filled sheet can have ends in one clear
error naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.smcap import main
from instrument import load_instrument
from instrument.content_validity import (
    ESSENTIAL_VALUES,
    SHEET_COLUMNS,
    content_validity_ratio,
    cvr_critical,
    default_i_cvi_cut,
    essential_needed,
    item_cvi,
    kappa_rating,
    modified_kappa,
    read_panel,
)
from tests.csv_support import HOSTILE_TEXT, assert_csv_safe

#: A tiny instrument: one construct with a definition, one without.
TINY_YAML = """\
id: tiny
version: "1.0"
title: Tiny instrument
scale:
  min: 1
  max: 5
  labels: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
constructs:
  - id: extraversion
    label: Extraversion
    description: "Seeking company and stimulation, being outgoing and energetic."
    items:
      - {id: e1, text: "I talk to many people at parties."}
      - {id: e2, text: "I keep in the background.", reverse: true}
      - {id: e3, text: "I start conversations."}
  - id: conscientiousness
    label: Conscientiousness
    items:
      - {id: c1, text: "I get chores done right away."}
      - {id: c2, text: "I often forget to put things back.", reverse: true}
      - {id: c3, text: "=1+1 I like order."}
"""

RATERS = ("ann", "ben", "cat", "dan", "eve")
#: Relevance per item, one rating per rater in RATERS order ("" = left blank).
RELEVANCE = {
    "e1": ("4", "4", "3", "4", "3"),
    "e2": ("4", "3", "2", "4", "4"),
    "e3": ("2", "1", "3", "2", "2"),
    "c1": ("4", "4", "4", "4", "4"),
    "c2": ("3", "4", "4", "", "4"),
    "c3": ("3", "2", "4", "2", "3"),
}
E, U, N = "essential", "useful", "not necessary"
#: Lawshe's judgement per item, in RATERS order ("" = left blank).
ESSENTIAL = {
    "e1": (E, E, E, E, E),
    "e2": (E, E, E, E, U),
    "e3": (N, N, U, N, U),
    "c1": (E, E, E, E, E),
    "c2": (E, E, U, "", E),
    "c3": (U, N, E, U, E),
}
HEADER_ROW = 10  # spreadsheet row of the table header; e1 is on row 11, c3 on row 16
ITEM_ROW = {item_id: HEADER_ROW + 1 + i for i, item_id in enumerate(RELEVANCE)}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def read_cells(path: Path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[list[str]]:
    text = path.read_text(encoding=encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_cells(
    path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding=encoding, newline="")


def fill(path: Path, rater_index: int, *, comments: dict[str, str] | None = None) -> None:
    """Fill in the sheet at ``path`` as the rater at ``rater_index`` of the panel."""
    rows = read_cells(path)
    header = rows[HEADER_ROW - 1]
    col = {name: header.index(name) for name in ("item_id", "relevance", "essential", "comment")}
    for row in rows[HEADER_ROW:]:
        item_id = row[col["item_id"]]
        row[col["relevance"]] = RELEVANCE[item_id][rater_index]
        row[col["essential"]] = ESSENTIAL[item_id][rater_index]
        row[col["comment"]] = (comments or {}).get(item_id, "")
    write_cells(path, rows)


def edit(path: Path, row: int, column: str | int, value: str) -> None:
    """Set one cell: ``row`` as a spreadsheet counts (1-based), ``column`` a table column name
    or a 0-based position."""
    rows = read_cells(path)
    at = rows[HEADER_ROW - 1].index(column) if isinstance(column, str) else column
    rows[row - 1][at] = value
    write_cells(path, rows)


@pytest.fixture()
def tiny_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_YAML)
    return path


@pytest.fixture()
def panel_sheets(tmp_path: Path, tiny_yaml: Path, capsys: pytest.CaptureFixture[str]) -> list[Path]:
    """Five filled sheets. Dan's went through a spreadsheet that saves semicolon-separated
    Windows-1252 text and turned the version 1.0 into 1; Eve left the rater row empty and
    wrote Lawshe's full wording once."""
    sheets = []
    for i, rater in enumerate(RATERS):
        path = tmp_path / f"{rater}.csv"
        name = [] if rater == "eve" else ["--rater", rater]
        code, _, _ = run(
            ["instrument", "rating-sheet", str(tiny_yaml), "--out", str(path), *name], capsys
        )
        assert code == 0
        fill(path, i, comments={"e3": "Too close to e1, café"} if rater == "ann" else None)
        sheets.append(path)
    dan = tmp_path / "dan.csv"
    rows = read_cells(dan)
    rows[2][1] = "1"
    write_cells(dan, rows, delimiter=";", encoding="cp1252")
    edit(tmp_path / "eve.csv", ITEM_ROW["e2"], "essential", " Useful but  not essential")
    return sheets


# --------------------------------------------------------------------------- the sheet
def test_rating_sheet_lists_every_item_with_its_construct(
    tmp_path: Path, tiny_yaml: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sheet.csv"
    code, _, err = run(
        ["instrument", "rating-sheet", str(tiny_yaml), "--out", str(out), "--rater", "=Ann"],
        capsys,
    )
    assert code == 0 and "rating sheet for 6 items" in err
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = read_cells(out)
    assert rows[1][:2] == ["instrument", "tiny"] and rows[2][:2] == ["version", "1.0"]
    assert rows[3][:2] == ["rater", "'=Ann"]  # formula-safe
    instructions = " ".join(r[1] for r in rows[4:8])
    assert "1 = not relevant; 2 = somewhat relevant; 3 = quite relevant; 4 = highly relevant" in (
        instructions
    )
    assert "essential, useful (useful but not essential) or not necessary" in instructions
    table = pd.DataFrame(rows[HEADER_ROW:], columns=rows[HEADER_ROW - 1]).set_index("item_id")
    assert list(rows[HEADER_ROW - 1]) == list(SHEET_COLUMNS)
    assert list(table.index) == list(RELEVANCE)
    assert table.loc["e2", "construct_definition"] == (
        "Seeking company and stimulation, being outgoing and energetic."
    )
    assert table.loc["c1", "construct_definition"] == "Conscientiousness"  # no description
    assert table.loc["c3", "item_text"] == "'=1+1 I like order."
    assert (table[["relevance", "essential", "comment"]] == "").all().all()


# --------------------------------------------------------------------------- round trip
def test_cvi_items_csv_reads_back_row_for_row_whatever_the_comments(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for item_id, text in zip(("e1", "e2", "c1", "c2"), HOSTILE_TEXT, strict=False):
        edit(panel_sheets[1], ITEM_ROW[item_id], "comment", text)
    out = tmp_path / "cvi"
    code, _, err = run(
        ["instrument", "cvi", str(tiny_yaml), *map(str, panel_sheets), "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    assert_csv_safe((out / "cvi_items.csv").read_bytes(), n_rows=6)


def test_round_trip_reproduces_the_hand_computation(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cvi"
    code, report, err = run(
        ["instrument", "cvi", str(tiny_yaml), *map(str, panel_sheets), "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    items = pd.read_csv(out / "cvi_items.csv", index_col="item_id")
    # I-CVI = experts rating 3 or 4 / experts who rated; dan left c2 blank.
    expected_i_cvi = {
        "e1": 1.0,  # 5/5
        "e2": 0.8,  # 4/5
        "e3": 0.2,  # 1/5
        "c1": 1.0,  # 5/5
        "c2": 1.0,  # 4/4
        "c3": 0.6,  # 3/5
    }
    assert items["n_experts"].to_dict() == {"e1": 5, "e2": 5, "e3": 5, "c1": 5, "c2": 4, "c3": 5}
    assert items["i_cvi"].to_dict() == pytest.approx(expected_i_cvi)
    # 5 experts: every one must agree (cut 1.00)
    assert items.index[items["i_cvi_below_cut"]].tolist() == ["e2", "e3", "c3"]
    # Pc = C(N, A) * 0.5^N; k* = (I-CVI - Pc) / (1 - Pc)
    expected_kappa = {
        "e1": 1.0,  # Pc = 1/32; (1 - 1/32) / (1 - 1/32)
        "e2": 0.762963,  # Pc = 5/32 = .15625; (.8 - .15625) / .84375 = .64375 / .84375
        "e3": 0.051852,  # Pc = 5/32; (.2 - .15625) / .84375 = .04375 / .84375
        "c1": 1.0,
        "c2": 1.0,  # Pc = 1/16; (1 - 1/16) / (1 - 1/16)
        "c3": 0.418182,  # Pc = 10/32 = .3125; (.6 - .3125) / .6875 = .2875 / .6875
    }
    assert items["kappa"].to_dict() == pytest.approx(expected_kappa, abs=1e-6)
    assert items["p_chance"].to_dict() == pytest.approx(
        {"e1": 1 / 32, "e2": 5 / 32, "e3": 5 / 32, "c1": 1 / 32, "c2": 1 / 16, "c3": 10 / 32}
    )
    assert items["kappa_rating"].tolist() == [
        "excellent",  # .76 > .74
        "excellent",
        "poor",  # .05 < .40
        "excellent",
        "excellent",
        "fair",  # .40 <= .42 < .60
    ]
    # CVR = (n_e - N/2) / (N/2); dan left c2's judgement blank too.
    expected_cvr = {
        "e1": 1.0,  # (5 - 2.5) / 2.5
        "e2": 0.6,  # (4 - 2.5) / 2.5
        "e3": -1.0,  # (0 - 2.5) / 2.5
        "c1": 1.0,  # (5 - 2.5) / 2.5
        "c2": 0.5,  # (3 - 2) / 2, N = 4
        "c3": -0.2,  # (2 - 2.5) / 2.5
    }
    assert items["cvr"].to_dict() == pytest.approx(expected_cvr)
    # critical CVR: 1.00 for 5 judges; none exists for 4 (1/16 = .0625 > .05)
    assert items["cvr_critical"].iloc[[0, 1, 2, 3, 5]].tolist() == [1.0] * 5
    assert math.isnan(items.loc["c2", "cvr_critical"])
    assert items["cvr_below_critical"].astype("string").tolist() == [
        "False",
        "True",
        "True",
        "False",
        pd.NA,
        "True",
    ]
    assert items.loc["e3", "comments"] == "ann: Too close to e1, café"
    assert items.loc["e1", "construct"] == "extraversion"

    summary = json.loads((out / "cvi_summary.json").read_text())
    assert summary["n_experts"] == 5
    assert summary["raters"] == ["ann", "ben", "cat", "dan", "eve"]  # eve from the file name
    assert summary["i_cvi_cut"] == 1.0 and summary["cvr_critical"] == 1.0
    constructs = summary["constructs"]
    # S-CVI/Ave = mean I-CVI; S-CVI/UA = share of items with I-CVI = 1
    assert constructs["extraversion"]["s_cvi_ave"] == pytest.approx(2.0 / 3)  # (1 + .8 + .2) / 3
    assert constructs["extraversion"]["s_cvi_ua"] == pytest.approx(1 / 3)  # e1
    assert constructs["conscientiousness"]["s_cvi_ave"] == pytest.approx(2.6 / 3)  # (1 + 1 + .6)/3
    assert constructs["conscientiousness"]["s_cvi_ua"] == pytest.approx(2 / 3)  # c1, c2
    assert constructs["conscientiousness"]["below_ave_cut"]  # .87 < .90
    whole = summary["instrument_scale"]
    assert whole["s_cvi_ave"] == pytest.approx(4.6 / 6)  # (1 + .8 + .2 + 1 + 1 + .6) / 6
    assert whole["s_cvi_ua"] == pytest.approx(0.5) and whole["n_items"] == 6  # 3 of 6
    assert summary["items_below_cut"] == ["e2", "e3", "c3"]
    assert summary["items_below_cvr_critical"] == ["e2", "e3", "c3"]
    assert [(b["rater"], b["row"], b["item_id"], b["column"]) for b in summary["blank_cells"]] == [
        ("dan", ITEM_ROW["c2"], "c2", "relevance"),
        ("dan", ITEM_ROW["c2"], "c2", "essential"),
    ]

    assert "Content validity of tiny 1.0: 5 experts (ann, ben, cat, dan, eve)" in report
    assert "I-CVI cut 1.00 (Lynn 1986" in report
    assert "e2    extraversion        5   0.80   0.76  excellent    4   0.60   1.00" in report
    assert "I-CVI below cut, CVR below critical" in report
    assert "instrument             6       0.77      0.50  S-CVI/Ave below 0.90" in report
    assert (
        "c2    conscientiousness   4   1.00   1.00  excellent    3   0.50      —  no CVR" in report
    )
    assert f"dan.csv (dan), row {ITEM_ROW['c2']}, item c2: relevance, essential" in report
    assert "2 blank cell(s), not counted" in report


def test_cut_option_overrides_the_default(
    tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = run(
        ["instrument", "cvi", str(tiny_yaml), *map(str, panel_sheets), "--cut", "0.78"], capsys
    )
    assert code == 0
    assert "I-CVI cut 0.78 (set by the user)" in report
    assert "3 item(s) below the I-CVI cut" not in report
    assert "2 item(s) below the I-CVI cut" in report  # e3 (.20) and c3 (.60); e2 has .80


def test_panel_frames_are_labelled(tiny_yaml: Path, panel_sheets: list[Path]) -> None:
    panel = read_panel(panel_sheets, load_instrument(tiny_yaml))
    assert list(panel.relevance.columns) == list(RATERS)
    assert list(panel.relevance.index) == list(RELEVANCE)
    assert str(panel.relevance.dtypes.iloc[0]) == "Int64"
    assert pd.isna(panel.relevance.loc["c2", "dan"]) and panel.relevance.loc["c2", "ann"] == 3
    assert panel.essential.loc["e3", "cat"] == "useful"


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize(
    ("n_experts", "critical"),
    [
        (5, 1.0),  # P(X >= 5) = 1/32 = .031; P(X >= 4) = 6/32 = .19 -> 5 needed: (5-2.5)/2.5
        (6, 1.0),
        (7, 1.0),
        (8, 0.75),  # P(X >= 7) = 9/256 = .035; P(X >= 6) = 37/256 = .145 -> 7: (7-4)/4
        (9, 0.778),
        (10, 0.8),  # P(X >= 9) = 11/1024 = .011; P(X >= 8) = 56/1024 = .055 -> 9: (9-5)/5
        (11, 0.636),
        (12, 0.667),
        (15, 0.6),
        (20, 0.5),
        (30, 0.333),
        (40, 0.3),
    ],
)
def test_cvr_critical_values_match_ayre_and_scally(n_experts: int, critical: float) -> None:
    """Ayre & Scally (2014), Table 2 (Lawshe's 1975 table printed .99 for 5 and .62 for 10)."""
    assert round(cvr_critical(n_experts), 3) == critical


def test_no_cvr_is_significant_with_fewer_than_five_experts() -> None:
    # P(X >= 4 | N = 4) = 1/16 = .0625 > .05
    assert essential_needed(4) is None and math.isnan(cvr_critical(4))
    assert essential_needed(5) == 5 and essential_needed(4, alpha=0.1) == 4


def test_modified_kappa_and_its_rating() -> None:
    # 7 of 9: Pc = C(9, 7) / 512 = 36/512 = .0703; (.7778 - .0703) / .9297 = .761
    assert modified_kappa(7, 9) == pytest.approx(0.7610, abs=1e-4)
    # 4 of 6: Pc = 15/64 = .2344; (.6667 - .2344) / .7656 = .5646
    assert modified_kappa(4, 6) == pytest.approx(0.5646, abs=1e-4)
    assert math.isnan(modified_kappa(0, 0))
    assert [kappa_rating(k) for k in (0.746, 0.744, 0.60, 0.599, 0.40, 0.3949)] == [
        "excellent",  # rounds to .75, above .74
        "good",  # rounds to .74
        "good",
        "good",  # rounds to .60
        "fair",
        "poor",  # rounds to .39
    ]
    with pytest.raises(ValueError, match="n_relevant <= n_experts"):
        modified_kappa(6, 5)


def test_seven_of_nine_experts_meet_the_78_cut() -> None:
    """Polit & Beck (2006): with 9 experts an I-CVI of .78 (7 of 9) is acceptable."""
    relevance = pd.DataFrame(
        {f"r{k}": [4 if k < 7 else 2, 4 if k < 6 else 1] for k in range(9)}, index=["x", "y"]
    )
    table = item_cvi(relevance)
    assert default_i_cvi_cut(9) == 0.78 and default_i_cvi_cut(5) == 1.0
    assert table["below_cut"].tolist() == [False, True]  # 7/9 = .78 passes; 6/9 = .67 not


def test_statistics_reject_values_off_the_scales() -> None:
    relevance = pd.DataFrame({"a": [4, 5], "b": [3, 3]}, index=["x", "y"])
    with pytest.raises(ValueError, match="item 'y', expert 'a' has 5"):
        item_cvi(relevance)
    essential = pd.DataFrame({"a": ["essential", "yes"]}, index=["x", "y"])
    with pytest.raises(ValueError, match="'yes'; expected one of"):
        content_validity_ratio(essential)
    with pytest.raises(ValueError, match="cut must be above 0"):
        item_cvi(relevance.replace(5, 4), cut=1.2)
    assert ESSENTIAL_VALUES == ("essential", "useful", "not necessary")


# --------------------------------------------------------------------------- clear errors
def cvi_error(
    tiny_yaml: Path, sheets: list[Path], capsys: pytest.CaptureFixture[str], *extra: str
) -> str:
    code, out, err = run(["instrument", "cvi", str(tiny_yaml), *map(str, sheets), *extra], capsys)
    assert code == 2 and out == "", err
    assert err.startswith("smcap: error: ") and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (ITEM_ROW["e1"], "item_id", "e9", "row 11, column A (item_id): unknown item 'e9'"),
        (ITEM_ROW["e2"], "item_id", "e1", "row 12, column A (item_id): item 'e1' appears again"),
        (ITEM_ROW["e2"], "item_id", "", "row 12, column A (item_id): the row has no item id"),
        (ITEM_ROW["e3"], "relevance", "5", "row 13, column F (relevance): rating 5 is outside 1–4"),
        (ITEM_ROW["e3"], "relevance", "0", "row 13, column F (relevance): rating 0 is outside 1–4"),
        (
            ITEM_ROW["e3"],
            "relevance",
            "3.5",
            "row 13, column F (relevance): rating 3.5 is not a whole",
        ),
        (ITEM_ROW["c1"], "relevance", "high", "row 14, column F (relevance): 'high' is not a"),
        (ITEM_ROW["c2"], "essential", "yes", "row 15, column G (essential): 'yes' is not one of"),
        (2, 1, "other", "row 2, column B (instrument): the sheet is for instrument 'other'"),
        (3, 1, "2.0", "row 3, column B (version): the sheet is for version '2.0' of tiny"),
    ],
)
def test_bad_cells_are_named_by_file_row_and_column(
    tiny_yaml: Path,
    panel_sheets: list[Path],
    capsys: pytest.CaptureFixture[str],
    row: int,
    column: str | int,
    value: str,
    message: str,
) -> None:
    ben = panel_sheets[1]
    edit(ben, row, column, value)
    err = cvi_error(tiny_yaml, panel_sheets, capsys)
    assert f"{ben}, {message}" in err


def test_a_missing_item_is_named(
    tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ben = panel_sheets[1]
    rows = read_cells(ben)
    write_cells(ben, rows[: ITEM_ROW["c2"] - 1] + rows[ITEM_ROW["c2"] :])
    err = cvi_error(tiny_yaml, panel_sheets, capsys)
    assert f"{ben}, column A (item_id): no row for item(s) c2" in err


def test_an_unknown_item_is_also_a_missing_one(
    tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ben, cat = panel_sheets[1], panel_sheets[2]
    edit(ben, ITEM_ROW["c3"], "item_id", "c4")
    edit(cat, ITEM_ROW["e1"], "essential", "maybe")
    err = cvi_error(tiny_yaml, panel_sheets, capsys)
    assert f"{ben}, row 16, column A (item_id): unknown item 'c4' (not in tiny 1.0)" in err
    assert f"{ben}, column A (item_id): no row for item(s) c3" in err
    assert f"{cat}, row 11, column G (essential): 'maybe'" in err  # every sheet's problems


def test_fewer_than_two_raters(
    tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    err = cvi_error(tiny_yaml, panel_sheets[:1], capsys)
    assert f"at least 2 experts; got 1 ({panel_sheets[0]})" in err


def test_the_same_sheet_twice_and_the_same_rater_twice(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ann = panel_sheets[0]
    err = cvi_error(tiny_yaml, [ann, panel_sheets[1], ann], capsys)
    assert f"{ann}: the same file as {ann}" in err
    copy = tmp_path / "copy.csv"
    copy.write_bytes(ann.read_bytes())
    err = cvi_error(tiny_yaml, [ann, copy], capsys)
    assert f"{copy}: rater 'ann' also rated {ann}" in err


def test_an_empty_sheet_is_not_counted_as_an_expert(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    unfilled = tmp_path / "unfilled.csv"
    code, _, _ = run(["instrument", "rating-sheet", str(tiny_yaml), "--out", str(unfilled)], capsys)
    assert code == 0
    err = cvi_error(tiny_yaml, [*panel_sheets, unfilled], capsys)
    assert f"{unfilled}, column F (relevance): no item is rated" in err


def test_files_that_are_not_rating_sheets(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "responses.csv"
    other.write_text("respondent_id,e1,e2\nr1,4,5\n")
    err = cvi_error(tiny_yaml, [panel_sheets[0], other], capsys)
    assert f"{other}: no table with an 'item_id' column; is this a rating sheet?" in err
    missing = tmp_path / "nowhere.csv"
    err = cvi_error(tiny_yaml, [panel_sheets[0], missing], capsys)
    assert f"{missing}: file not found" in err
    ben = panel_sheets[1]
    rows = read_cells(ben)
    write_cells(ben, [r for i, r in enumerate(rows) if i != 2])  # version row deleted
    err = cvi_error(tiny_yaml, panel_sheets, capsys)
    assert f"{ben}: no 'version' row above the table" in err


def test_a_table_without_the_relevance_column(
    tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ben = panel_sheets[1]
    edit(ben, HEADER_ROW, "relevance", "rating")
    err = cvi_error(tiny_yaml, panel_sheets, capsys)
    assert f"{ben}, row 10: the table has no column 'relevance'" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cut", "1.5"], "--cut must be above 0 and at most 1, got 1.5"),
        (["--cut", "0"], "--cut must be above 0 and at most 1, got 0.0"),
    ],
)
def test_bad_cvi_options(
    tiny_yaml: Path,
    panel_sheets: list[Path],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert message in cvi_error(tiny_yaml, panel_sheets, capsys, *extra)


def test_out_must_be_a_folder(
    tmp_path: Path, tiny_yaml: Path, panel_sheets: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    err = cvi_error(tiny_yaml, panel_sheets, capsys, "--out", str(a_file))
    assert f"--out '{a_file}' is a file; give a folder" in err


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("sheet.xlsx", "--out must name a .csv file, got"),
        ("no/such/dir/sheet.csv", "output folder 'no/such/dir' does not exist"),
    ],
)
def test_bad_rating_sheet_output(
    tiny_yaml: Path, capsys: pytest.CaptureFixture[str], out: str, message: str
) -> None:
    code, _, err = run(["instrument", "rating-sheet", str(tiny_yaml), "--out", out], capsys)
    assert code == 2 and message in err


def test_the_module_stays_out_of_the_app_and_the_statistics_stack() -> None:
    import ast

    import instrument.content_validity

    tree = ast.parse(Path(instrument.content_validity.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"streamlit", "sqlalchemy", "analysis", "scipy", "survey"}
