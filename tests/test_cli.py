"""The smcap command line: instrument check, codebook, simulate; clear errors, no tracebacks."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.smcap import main
from instrument import DEFAULT_INSTRUMENT
from tests.conftest import MINIMAL_YAML

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_summarises_the_shipped_instrument(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["instrument", "check", str(DEFAULT_INSTRUMENT)], capsys)
    assert code == 0
    assert "64 Likert items (11 reverse-keyed)" in out
    for label in (
        "level operational",
        "level dynamic",
        "level adaptive",
        "level networking",
        "axis control",
        "axis orientation",
        "role outcome",
    ):
        assert label in out
    assert "stage model (all four levels): yes" in out
    assert "estimated time to complete: 10.7 minutes" in out


def test_check_reports_invalid_file_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL_YAML.replace("label: Extraversion", "lable: Extraversion"))
    code, out, err = run(["instrument", "check", str(bad)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("smcap: error: invalid instrument file")
    assert "constructs[0].lable (line 10)" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_codebook_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out_file = tmp_path / f"codebook.{fmt}"
    code, _, _ = run(
        [
            "instrument",
            "codebook",
            str(DEFAULT_INSTRUMENT),
            "--format",
            fmt,
            "--out",
            str(out_file),
        ],
        capsys,
    )
    assert code == 0
    text = out_file.read_text()
    if fmt == "csv":
        table = pd.read_csv(io.StringIO(text))
        likert = table[table["kind"] == "likert"]
        assert len(likert) == 64 and likert["source"].str.contains("seed 00").all()
        row = table.set_index("variable").loc["ax_ct_5"]
        assert row["construct"] == "control" and row["axis"] == "control" and bool(row["reverse"])
        assert set(table["kind"]) >= {"likert", "attention_check", "firmographic (single)"}
    else:
        assert text.startswith("# Codebook: Social media capabilities in B2B firms")
        assert "| op_ai_1 | likert |" in text


def test_simulate_writes_responses_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.csv"
    code, _, err = run(
        [
            "simulate",
            "--instrument",
            str(DEFAULT_INSTRUMENT),
            "--n",
            "120",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0 and "simulated 120 respondents" in err
    responses = pd.read_csv(out)
    truth = pd.read_csv(tmp_path / "sim_truth.csv")
    assert len(responses) == len(truth) == 120
    assert set(truth["stage"].dropna().unique()) <= {1, 2, 3, 4}
    again = tmp_path / "again.csv"
    main(
        [
            "simulate",
            "--instrument",
            str(DEFAULT_INSTRUMENT),
            "--n",
            "120",
            "--seed",
            "3",
            "--out",
            str(again),
        ]
    )
    assert again.read_bytes() == out.read_bytes()


def test_simulate_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "null.csv"
    code, _, err = run(
        [
            "simulate",
            "--instrument",
            str(DEFAULT_INSTRUMENT),
            "--n",
            "50",
            "--null",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0 and "null model" in err
    assert pd.read_csv(tmp_path / "null_truth.csv")["stage"].isna().all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n", "0", "--out", "x.csv"], "--n must be at least 1"),
        (["--n", "5", "--out", "x.txt"], "--out must name a .csv file"),
        (["--n", "5", "--out", "no/such/dir/x.csv"], "output folder 'no/such/dir' does not exist"),
    ],
)
def test_simulate_bad_arguments(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(["simulate", "--instrument", str(DEFAULT_INSTRUMENT), *args], capsys)
    assert code == 2 and message in err


def test_console_script_is_installed() -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("smcap")),
            "instrument",
            "check",
            str(DEFAULT_INSTRUMENT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "smcap-b2b 2.0" in done.stdout


def test_building_the_command_line_does_not_load_the_statistics_stack() -> None:
    """`smcap --help` and `smcap instrument ...` start without SciPy, scikit-learn or Plotly."""
    code = (
        "import sys, analysis.cli.smcap as cli; cli.build_parser(); "
        "print(sorted(m for m in ('scipy.stats', 'sklearn', 'plotly', 'analysis.pipeline') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
