"""The stage model as data: declared models, the implied 1.0 model, located errors."""

from __future__ import annotations

import pytest

from instrument import LEVELS_1_0, InstrumentError, parse_instrument

BASE = """\
id: sm
version: "2.0"
title: Stage model test
scale:
  min: 1
  max: 7
  labels: [a, b, c, d, e, f, g]
  dont_know: {code: 99}
constructs:
  - {id: ops, label: Ops, level: operational, items: [{id: o1, text: x}, {id: o2, text: y}]}
  - {id: dyn, label: Dyn, level: dynamic, items: [{id: d1, text: x}, {id: d2, text: y}]}
  - {id: ada, label: Ada, level: adaptive, items: [{id: a1, text: x}, {id: a2, text: y}]}
  - {id: net, label: Net, level: networking, items: [{id: n1, text: x}, {id: n2, text: y}]}
"""

MODEL = """\
stage_models:
  - id: reading
    label: A reading
    transitions:
      - to: 2
        requires:
          - construct: ops
            source: {paper: "001", section: "4.1", quote: "integrate existing operational"}
      - to: 3
        requires: [{construct: dyn}, {construct: net, threshold: 4.5}]
      - to: 4
        requires: [{construct: {last}}]
"""


def test_a_declared_model_is_the_default_and_keeps_its_sources() -> None:
    inst = parse_instrument(BASE + MODEL.replace("{last}", "ada"))
    model = inst.stage_model
    assert inst.stage_model_declared and model.id == "reading" and model.n_stages == 4
    assert model.transition_keys() == (("ops",), ("dyn", "net"), ("ada",))
    assert model.transitions[0].requires[0].source.cite() == (
        "seed 001 §4.1: “integrate existing operational”"
    )
    assert inst.requirement_thresholds(model) == {"ops": 5.0, "dyn": 5.0, "net": 4.5, "ada": 5.0}


def test_levels_only_instrument_gets_the_1_0_model() -> None:
    inst = parse_instrument(BASE)
    assert inst.stage_model is LEVELS_1_0 and not inst.stage_model_declared
    assert inst.stage_model.transition_keys() == (
        ("operational",),
        ("dynamic", "adaptive"),
        ("networking",),
    )


def test_unknown_construct_in_a_model_names_the_path() -> None:
    with pytest.raises(InstrumentError) as err:
        parse_instrument(BASE + MODEL.replace("{last}", "nope"))
    text = str(err.value)
    assert "stage_models[0].transitions[2].requires[0].construct" in text
    assert "unknown construct 'nope'" in text


def test_transitions_out_of_order_are_an_error() -> None:
    bad = MODEL.replace("{last}", "ada").replace("- to: 3", "- to: 5")
    with pytest.raises(InstrumentError, match=r"transitions\[1\]\.to.*expected 3"):
        parse_instrument(BASE + bad)


def test_requirement_needs_exactly_one_target() -> None:
    bad = MODEL.replace("{construct: {last}}", "{construct: ada, level: adaptive}")
    with pytest.raises(InstrumentError, match="exactly one of 'construct' or 'level'"):
        parse_instrument(BASE + bad)


def test_dont_know_code_on_the_scale_is_an_error() -> None:
    with pytest.raises(InstrumentError, match=r"scale\.dont_know\.code.*lies on the scale"):
        parse_instrument(BASE.replace("code: 99", "code: 4"))


def test_construct_labels_must_match_the_scale() -> None:
    bad = BASE.replace("label: Net,", "label: Net, labels: [new, old],")
    with pytest.raises(InstrumentError, match=r"constructs\[3\]\.labels.*2 labels.*7 points"):
        parse_instrument(bad)


def test_instrument_check_prints_every_transition_with_its_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from analysis.cli.smcap import main
    from instrument import DEFAULT_INSTRUMENT, load_instrument

    assert main(["instrument", "check", str(DEFAULT_INSTRUMENT)]) == 0
    out = capsys.readouterr().out
    model = load_instrument(DEFAULT_INSTRUMENT).stage_model
    assert f"stage model '{model.id}' (default, declared in the file)" in out
    for transition in model.transitions:
        assert f"stage {transition.to - 1} → {transition.to} needs" in out
        for req in transition.requires:
            assert req.source is not None, req.key  # the shipped model cites every placement
            line = next(ln for ln in out.splitlines() if ln.strip().startswith(req.key + " "))
            assert req.source.cite() in line and "≥ 4.50" in line
    assert "stage model 'levels_1_0' (alternative" in out


def test_instrument_check_on_an_unknown_construct_names_the_path(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from analysis.cli.smcap import main

    path = tmp_path / "bad.yaml"
    path.write_text(BASE + MODEL.replace("{last}", "nope"), encoding="utf-8")
    assert main(["instrument", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "stage_models[0].transitions[2].requires[0].construct" in err
    assert "unknown construct 'nope'" in err and str(path) in err
