"""``smcap power`` on the command line: table, files and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.smcap import main
from instrument import DEFAULT_INSTRUMENT
from tests.conftest import MINIMAL_YAML

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

FAST = ["--reps", "1", "--boot", "3", "--splits", "2", "--jobs", "1", "--seed", "1"]


def test_power_prints_a_table_and_writes_csv_and_json(tmp_path: Path, capsys) -> None:
    csv = tmp_path / "power.csv"
    code = main(
        [
            "power",
            "--instrument",
            str(DEFAULT_INSTRUMENT),
            "--n",
            "100",
            "150",
            *FAST,
            "--out",
            str(csv),
        ]
    )
    assert code == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["N", "reps", "ARI"]
    assert [line.split()[0] for line in lines[1:]] == ["100", "150"]
    assert "false-positive rate" in err and "written to" in err
    table = pd.read_csv(csv, index_col="n")
    assert list(table.index) == [100, 150]
    assert {"median_ari_cluster", "supported_rate", "null_supported_rate"} <= set(table.columns)
    js = tmp_path / "power.json"
    assert (
        main(
            [
                "power",
                "--instrument",
                str(DEFAULT_INSTRUMENT),
                "--n",
                "100",
                *FAST,
                "--no-null",
                "--out",
                str(js),
            ]
        )
        == 0
    )
    payload = json.loads(js.read_text())
    assert payload["settings"]["include_null"] is False
    assert {r["model"] for r in payload["runs"]} == {"stage"}
    assert "null supported" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--n", "100", "--reps", "0"], "--reps must be at least 1"),
        (["--n", "100", "--boot", "0"], "--boot and --splits"),
        (["--n", "100", "--jobs", "0"], "--jobs must be"),
        (["--n", "10"], "sample sizes must be at least 50"),
        (["--n", "100", "--out", "power.txt"], "--out must name a .csv or .json"),
        (["--n", "100", "--out", "/nonexistent/dir/p.csv"], "does not exist"),
    ],
)
def test_clear_errors(extra: list[str], message: str, capsys) -> None:
    assert main(["power", "--instrument", str(DEFAULT_INSTRUMENT), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smcap: error:") and message in err
    assert len(err.strip().splitlines()) == 1


def test_instrument_without_stage_model_is_an_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINIMAL_YAML)
    assert main(["power", "--instrument", str(path), "--n", "100", *FAST]) == 2
    assert "no stage model" in capsys.readouterr().err
