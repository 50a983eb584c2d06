"""Bad inputs from every door — files, uploads, URL parameters, log-in — each with its clear
error: no traceback, and nothing stored changes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text

from analysis.cli.smcap import main
from analysis.data.responses import validate_responses
from instrument import DEFAULT_INSTRUMENT, load_instrument, parse_instrument
from survey import dashboard_data, flow
from survey.auth import User, attempt_login
from survey.config import Settings
from survey.questionnaire import Questionnaire
from tests.conftest import MINIMAL_YAML
from tests.csv_support import HOSTILE_TEXT, assert_csv_safe

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

ITEMS = ["e1", "e2", "e3", "c1", "c2", "c3"]
PASSWORD = "a long test passphrase"
Q = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))


def responses(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    out = pd.DataFrame(rng.integers(1, 6, size=(n, len(ITEMS))), columns=ITEMS)
    out.insert(0, "respondent_id", [f"r{i + 1}" for i in range(n)])
    out["team"] = np.where(np.arange(n) % 2 == 0, "north", "south")
    return out


def csv_of(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\r\n").encode()


def edited(**cells: object) -> bytes:
    frame = responses().astype(object)
    for where, value in cells.items():
        column, row = where.rsplit("_", 1)
        frame.loc[int(row), column] = value
    return csv_of(frame)


@dataclass(frozen=True)
class Case:
    """A file (YAML or CSV) given to the command line and the error it must get."""

    name: str
    yaml: bytes | None
    csv: bytes | None
    expected: str
    extra: tuple[str, ...] = ()


GOOD_YAML = MINIMAL_YAML.encode()
GOOD_CSV = csv_of(responses())

CASES = [
    # instrument files
    Case("yaml-empty", b"", None, "file is empty"),
    Case("yaml-a-list", b"- a\n- b\n", None, "expected a mapping of keys at the top"),
    Case("yaml-syntax", b"id: [unclosed\n", None, "YAML syntax error"),
    Case("yaml-deep-lists", b"[" * 5000, None, "the file nests too deeply"),
    Case("yaml-deep-maps", b"a: " + b"{b: " * 3000, None, "the file nests too deeply"),
    Case("yaml-not-utf8", "title: café".encode("latin-1"), None, "cannot be read"),
    Case("yaml-typo", MINIMAL_YAML.replace("label:", "lable:", 1).encode(), None, "unknown key"),
    Case(
        "yaml-no-title",
        MINIMAL_YAML.replace("title: Minimal instrument\n", "").encode(),
        None,
        "required key 'title' is missing",
    ),
    Case("yaml-bad-id", MINIMAL_YAML.replace("id: e1", "id: 'e 1'").encode(), None, "items[0].id"),
    Case("yaml-binary", b"\x00\x01\x02\xff", None, "invalid instrument file"),
    # responses files
    Case("csv-empty", GOOD_YAML, b"\n\n", "is empty"),
    Case("csv-binary", GOOD_YAML, b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
    Case("csv-not-utf8", GOOD_YAML, "respondent_id,e1\nr1,é\n".encode("latin-1"), "not UTF-8"),
    Case("csv-json", GOOD_YAML, b'{"not": "a csv"}\n', "none of the instrument's 6 item columns"),
    Case("csv-repeated-columns", GOOD_YAML, b"e1,e1\n1,2\n", "repeats column name(s) 'e1'"),
    Case(
        "csv-missing-items",
        GOOD_YAML,
        csv_of(responses().drop(columns=["e2"])),
        "of the instrument's 6 item columns are missing",
    ),
    Case("csv-text-answer", GOOD_YAML, edited(e1_4="agree"), "non-numeric cell(s)"),
    Case("csv-formula", GOOD_YAML, edited(e1_4="=1+1"), "non-numeric cell(s)"),
    Case("csv-outside-scale", GOOD_YAML, edited(c3_2=7), "outside the scale 1–5"),
    Case("csv-negative", GOOD_YAML, edited(c3_2=-1), "outside the scale 1–5"),
    Case("csv-infinite", GOOD_YAML, edited(c3_2="inf"), "outside the scale"),
    Case("csv-duplicate-ids", GOOD_YAML, edited(respondent_id_1="r1"), "duplicate respondent id"),
    Case("csv-missing-id", GOOD_YAML, edited(respondent_id_6=""), "have no respondent id"),
    Case("csv-too-few", GOOD_YAML, csv_of(responses(30)), "needs at least 50"),
    Case(
        "csv-constant-item",
        GOOD_YAML,
        csv_of(responses().assign(e3=4)),
        "has the same answer (4) from all 60",
    ),
    Case(
        "csv-unknown-group",
        GOOD_YAML,
        GOOD_CSV,
        "group column 'region' not found",
        ("--group", "region"),
    ),
    Case(
        "csv-unknown-id-column",
        GOOD_YAML,
        GOOD_CSV,
        "id column 'caseid' not found",
        ("--id-column", "caseid"),
    ),
    Case("csv-ragged", GOOD_YAML, b"e1,e2\n1,2\n1,2,3,4\n", "not a readable CSV file"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_command_line_names_the_problem(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_path = tmp_path / "instrument.yaml"
    yaml_path.write_bytes(case.yaml or b"")
    if case.csv is None:
        args = ["instrument", "check", str(yaml_path)]
    else:
        csv_path = tmp_path / "responses.csv"
        csv_path.write_bytes(case.csv)
        out = tmp_path / "out"
        args = ["analyze", "--instrument", str(yaml_path), "--responses", str(csv_path)]
        args += ["--out", str(out), *case.extra]
    code = main(args)
    _, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("smcap: error:") and case.expected in err, err
    assert "Traceback" not in err
    if case.csv is not None:
        assert not (tmp_path / "out" / "results.json").exists()  # nothing written


UPLOADS = [
    ("upload-binary", b"PK\x03\x04\x00binary", None, "not a CSV text file"),
    ("upload-empty", b"", None, "is empty"),
    ("upload-deep-yaml", GOOD_CSV, "[" * 5000, "the file nests too deeply"),
    ("upload-yaml-syntax", GOOD_CSV, "id: [", "YAML syntax error"),
]


@pytest.mark.parametrize(
    ("data", "yaml", "expected"), [u[1:] for u in UPLOADS], ids=[u[0] for u in UPLOADS]
)
def test_uploads_name_the_file_not_a_server_folder(
    data: bytes, yaml: str | None, expected: str
) -> None:
    with pytest.raises((dashboard_data.ResponsesError, dashboard_data.InstrumentError)) as info:
        dashboard_data.read_upload(
            data,
            "../../etc/wave.csv",
            instrument_text=yaml,
            instrument_name="/srv/secret/inst.yaml",
            default_instrument=Q.instrument,
        )
    message = str(info.value)
    assert expected in message
    assert "/tmp" not in message and "/srv" not in message and "etc/" not in message


def counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("respondents", "answers")
        )


@pytest.mark.parametrize(
    "token",
    ["x", "' OR 1=1 --", "../../etc/passwd", "%00", "a" * 5000, "<script>alert(1)</script>"],
)
def test_a_bad_resume_link_is_refused_and_stores_nothing(survey_engine: Engine, token: str) -> None:
    before = counts(survey_engine)
    settings = Settings(instrument_path=DEFAULT_INSTRUMENT, database_url="sqlite://")
    where = flow.route(survey_engine, Q, settings, token, count_completed=lambda: 0)
    assert where.kind == "invalid"
    assert counts(survey_engine) == before


@pytest.mark.parametrize(
    ("name", "password", "expected"),
    [
        ("", "", "Please enter your user name and password."),
        ("alice", "", "Please enter your user name and password."),
        ("x" * 10_000, "guess", "Wrong user name or password."),
        ("alice'; DROP TABLE login_attempts; --", "guess", "Wrong user name or password."),
        ("\x00alice", "guess", "Wrong user name or password."),
        ("alice", "p" * 100_000, "Wrong user name or password."),
    ],
    ids=["empty", "no-password", "very-long-name", "sql", "nul", "very-long-password"],
)
def test_odd_log_in_input_is_refused_plainly(
    survey_engine: Engine, name: str, password: str, expected: str
) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    users = {"alice": User("alice", "researcher", cheap)}
    before = counts(survey_engine)
    result = attempt_login(survey_engine, users, name, password)
    assert not result.ok and result.message.startswith(expected)
    assert counts(survey_engine) == before


# --------------------------------------------------------------------------- files written
def hostile_ids(n: int = 60) -> pd.DataFrame:
    frame = responses(n).astype(object)
    for i, hostile in enumerate(HOSTILE_TEXT):
        frame.loc[i, "respondent_id"] = f"{hostile} {i}"
    return frame


def test_respondent_ids_are_not_stripped_into_formulas() -> None:
    frame = hostile_ids()
    frame.loc[10, "respondent_id"] = "  r11  "  # blanks around a plain id still go
    validated = validate_responses(
        frame,
        parse_instrument(MINIMAL_YAML, source="mini.yaml"),
        source="ids.csv",
        id_column="respondent_id",
    )
    ids = list(validated.data.index)
    assert ids[3] == " =1+1 3" and ids[4] == "\t=1+1 4"  # as given, not "=1+1 3"
    assert ids[10] == "r11"


def test_analyze_writes_assignments_that_read_back_row_for_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mini.yaml").write_text(MINIMAL_YAML)
    (tmp_path / "responses.csv").write_bytes(csv_of(hostile_ids()))
    args = ["analyze", "--instrument", str(tmp_path / "mini.yaml")]
    args += ["--responses", str(tmp_path / "responses.csv"), "--out", str(tmp_path / "out")]
    code = main(args)
    _, err = capsys.readouterr()
    assert code == 0, err
    rows = assert_csv_safe((tmp_path / "out" / "assignments.csv").read_bytes(), n_rows=60)
    ids = [row[0] for row in rows[1:]]
    assert ids[0] == "ok\r=cmd|' /C calc'!A0 0"  # a bare CR stays inside its quoted cell
    assert ids[3] == "' =1+1 3" and ids[5] == '\'=HYPERLINK("http://x") 5'


def test_rating_sheet_with_line_breaks_in_item_text_reads_back_row_for_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml = MINIMAL_YAML.replace("I start conversations.", "ok\\r=cmd|' /C calc'!A0")
    (tmp_path / "mini.yaml").write_text(yaml)
    out = tmp_path / "sheet.csv"
    assert main(["instrument", "rating-sheet", str(tmp_path / "mini.yaml"), "--out", str(out)]) == 0
    capsys.readouterr()
    data = out.read_bytes()
    with out.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(pd.read_csv(io.BytesIO(data), header=None, dtype=str))
    assert_csv_safe(data, n_rows=len(rows), header=False)
    assert any("ok\r=cmd|' /C calc'!A0" in row for row in rows)
