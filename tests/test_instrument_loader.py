"""Loading instrument files: every clear error names the file, the place and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from instrument import DEFAULT_INSTRUMENT, InstrumentError, load_instrument, parse_instrument
from tests.conftest import MINIMAL_YAML


def write(tmp_path: Path, text: str, name: str = "inst.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert str(path) in message, "the error must name the file"
    return message


def test_minimal_instrument_loads(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, MINIMAL_YAML))
    assert inst.item_ids == ("e1", "e2", "e3", "c1", "c2", "c3")
    assert inst.reverse_item_ids == ("e2", "c2")
    assert not inst.has_stage_model
    # without pages, one page per construct
    assert [p.id for p in inst.page_list()] == ["p_extraversion", "p_conscientiousness"]


def test_shipped_instrument_loads() -> None:
    inst = load_instrument(DEFAULT_INSTRUMENT)
    assert inst.has_stage_model and inst.has_quadrant_model


def test_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InstrumentError, match="file not found") as info:
        load_instrument(missing)
    assert str(missing) in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    assert "file is empty" in error_of(tmp_path, "\n# nothing here\n")


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    broken = MINIMAL_YAML.replace("  - id: conscientiousness", "  - id: [conscientiousness")
    message = error_of(tmp_path, broken)
    assert "YAML syntax error" in message
    assert "line 1" in message  # the unclosed bracket is reported around lines 15-19


def test_missing_required_key(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL_YAML.replace("title: Minimal instrument\n", ""))
    assert "title" in message and "required key 'title' is missing" in message


def test_missing_item_text(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace('{id: e3, text: "I start conversations."}', "{id: e3}")
    message = error_of(tmp_path, text)
    assert "constructs[0].items[2].text" in message and "(line 14)" in message


def test_unknown_key_names_path_and_line(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace("    label: Extraversion\n", "    lable: Extraversion\n")
    message = error_of(tmp_path, text)
    assert "constructs[0].lable (line 10)" in message
    assert "unknown key 'lable'" in message


def test_duplicate_item_id(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace("{id: c1,", "{id: e1,")
    message = error_of(tmp_path, text)
    assert "constructs[1].items[0].id (line 18)" in message
    assert "duplicate item id 'e1' (first used at constructs[0].items[0].id)" in message


def test_duplicate_construct_id(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace("id: conscientiousness", "id: extraversion")
    message = error_of(tmp_path, text)
    assert "constructs[1].id (line 15)" in message
    assert "duplicate construct id 'extraversion'" in message


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("level", "strategic", "'operational'"),
        ("axis", "vertical", "'control'"),
        ("role", "predictor", "'outcome'"),
    ],
)
def test_unknown_level_axis_role(tmp_path: Path, key: str, value: str, allowed: str) -> None:
    text = MINIMAL_YAML.replace(
        "    label: Extraversion\n", f"    label: Extraversion\n    {key}: {value}\n"
    )
    message = error_of(tmp_path, text)
    assert f"constructs[0].{key} (line 11)" in message
    assert allowed in message and repr(value) in message


def test_scale_label_count(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace(
        "[Strongly disagree, Disagree, Neutral, Agree, Strongly agree]",
        "[Disagree, Neutral, Agree]",
    )
    message = error_of(tmp_path, text)
    assert "scale.labels (line 7)" in message
    assert "5 points (1..5) but 3 labels" in message


def test_scale_min_not_below_max(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace("  min: 1\n  max: 5\n", "  min: 5\n  max: 5\n")
    message = error_of(tmp_path, text)
    assert "scale.min (line 5)" in message and "must be lower than max" in message


def test_construct_with_one_item(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace(
        '      - {id: e2, text: "I keep in the background.", reverse: true}\n', ""
    )
    text = text.replace('      - {id: e3, text: "I start conversations."}\n', "")
    message = error_of(tmp_path, text)
    assert "constructs[0].items (line 11)" in message
    assert "1 item(s); a construct needs at least 2 items" in message


def test_attention_check_answer_outside_scale(tmp_path: Path) -> None:
    text = MINIMAL_YAML + "attention_checks:\n  - {id: ac1, text: Choose Agree, answer: 7}\n"
    message = error_of(tmp_path, text)
    assert "attention_checks[0].answer (line 22)" in message
    assert "outside the scale 1..5" in message


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in error_of(tmp_path, "- a\n- b\n")


def test_page_referring_to_unknown_construct(tmp_path: Path) -> None:
    text = MINIMAL_YAML + (
        "pages:\n  - {id: p1, title: One, constructs: [extraversion, openness]}\n"
    )
    message = error_of(tmp_path, text)
    assert "pages[0].constructs[1]" in message and "unknown construct 'openness'" in message


def test_construct_not_on_any_page(tmp_path: Path) -> None:
    text = MINIMAL_YAML + "pages:\n  - {id: p1, title: One, constructs: [extraversion]}\n"
    assert "['conscientiousness'] are not placed on any page" in error_of(tmp_path, text)


def test_several_problems_reported_together(tmp_path: Path) -> None:
    text = MINIMAL_YAML.replace("title: Minimal instrument\n", "").replace("lable", "label")
    text = text.replace("    label: Extraversion\n", "    colour: blue\n")
    message = error_of(tmp_path, text)
    assert "required key 'title'" in message
    assert "unknown key 'colour'" in message
    assert "constructs[0].label" in message


def test_parse_instrument_names_source() -> None:
    with pytest.raises(InstrumentError, match="my-source"):
        parse_instrument("id: x\n", source="my-source")


def test_models_are_frozen(tmp_path: Path) -> None:
    inst = load_instrument(write(tmp_path, MINIMAL_YAML))
    with pytest.raises(ValueError, match="frozen"):
        inst.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    ["[" * 5000, "id: x\nversion: '1'\ntitle: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 3000],
    ids=["open-lists", "closed-lists-in-a-key", "mappings"],
)
def test_deep_nesting_is_a_clear_error(tmp_path: Path, text: str) -> None:
    message = error_of(tmp_path, text)
    assert "the file nests too deeply" in message
