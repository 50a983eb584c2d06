"""Sample-size planning by simulation: recovery and false positives per N."""

from __future__ import annotations

import json

import pytest

from analysis.generalisability.power import RUN_COLUMNS, stage_power
from instrument import Instrument, parse_instrument
from tests.conftest import MINIMAL_YAML

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def study(smcap_instrument: Instrument):
    return stage_power(smcap_instrument, [400, 100], reps=2, random_state=4, n_boot=10, n_splits=4)


def test_study_runs_and_summary(study) -> None:
    runs, summary = study.runs, study.summary
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert len(runs) == 2 * 2 * 2  # models × sizes × reps
    assert list(summary.index) == [400, 100]
    stage = runs[runs["model"] == "stage"]
    null = runs[runs["model"] == "null"]
    assert stage["ari_cluster"].notna().all() and null["ari_cluster"].isna().all()
    # at N = 400 the stages are recovered and the null is not mistaken for stages
    big = summary.loc[400]
    assert big["median_ari_cluster"] >= 0.6 and big["median_ari_theory"] >= 0.6
    assert big["supported_rate"] == 1.0
    assert big["null_supported_rate"] == 0.0
    assert summary.loc[400, "median_ari_cluster"] == pytest.approx(
        stage.loc[stage["n"] == 400, "ari_cluster"].median()
    )
    assert (runs["seconds"] > 0).all()
    payload = json.loads(json.dumps(study.to_dict(), allow_nan=False))
    assert payload["settings"]["reps"] == 2 and len(payload["runs"]) == 8


def test_same_seed_same_table_whatever_the_workers(smcap_instrument: Instrument, study) -> None:
    again = stage_power(
        smcap_instrument, [400, 100], reps=2, random_state=4, n_boot=10, n_splits=4, n_jobs=2
    )
    cols = [c for c in RUN_COLUMNS if c != "seconds"]
    assert again.runs[cols].equals(study.runs[cols])


def test_clear_errors(smcap_instrument: Instrument) -> None:
    with pytest.raises(ValueError, match="no stage model"):
        stage_power(parse_instrument(MINIMAL_YAML), [100])
    with pytest.raises(ValueError, match="at least 50"):
        stage_power(smcap_instrument, [100, 20])
    with pytest.raises(ValueError, match="at least one sample size"):
        stage_power(smcap_instrument, [])
    with pytest.raises(ValueError, match="reps"):
        stage_power(smcap_instrument, [100], reps=0)
