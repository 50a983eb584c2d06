"""The typed results schema: the demo's results.json reads back whole, the published JSON Schema
is the one the code generates, and a wrong value is named by its path."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from analysis.results import SCHEMA_VERSION, Results, json_schema_text, parse_results

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "docs" / "results.schema.json"
GOLDEN = ROOT / "tests" / "data" / "golden" / "demo_results.json"


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_published_schema_is_the_generated_one() -> None:
    assert PUBLISHED.read_text(encoding="utf-8") == json_schema_text(), (
        "docs/results.schema.json is out of date: python -m analysis.results > "
        "docs/results.schema.json"
    )


def test_the_demo_results_read_by_attribute_and_round_trip(golden: dict) -> None:
    res = parse_results(golden)
    assert isinstance(res, Results)
    assert res.cfa is not None and res.cfa.cfi == golden["cfa"]["cfi"]
    assert (
        res.reliability["stp"].items["op_stp_1"].alpha_if_dropped
        == (golden["reliability"]["stp"]["items"]["op_stp_1"]["alpha_if_dropped"])
    )
    assert res.quadrants is not None and res.quadrants.shares["co_creation"].n == 65
    assert res.generalisability is not None and len(res.generalisability.rows) == 16
    assert res.invariance is not None and res.invariance.status == "not run"
    # nothing is lost or changed on the way back to JSON, keys the schema does not list included
    assert res.model_dump(mode="json", exclude_unset=True) == golden


def test_other_tools_can_validate_results_with_the_published_schema(golden: dict) -> None:
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    jsonschema.validate(golden, schema)
    broken = {**golden, "cfa": {**golden["cfa"], "df": "twenty"}}
    with pytest.raises(jsonschema.ValidationError, match="twenty"):
        jsonschema.validate(broken, schema)


def test_a_value_of_the_wrong_kind_is_named_by_its_path() -> None:
    with pytest.raises(ValidationError, match=r"cfa\.cfi"):
        parse_results({"cfa": {"status": "ok", "cfi": "high"}})
    with pytest.raises(ValidationError, match=r"reliability\..*stp\.n_items"):
        parse_results({"reliability": {"stp": {"alpha": 0.8, "n_items": "four", "n_obs": 9}}})


def test_a_section_that_did_not_run_says_why(golden: dict) -> None:
    res = parse_results({**golden, "cfa": {"status": "failed", "reason": "ValueError: x"}})
    assert res.cfa is not None and res.cfa.status == "failed" and res.cfa.cfi is None
    assert res.schema_version == SCHEMA_VERSION
