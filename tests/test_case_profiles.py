"""Known-groups answer profiles of the twelve case firms (``tests/data/cases/``).

Each profile scores one case firm of seed 001's Table 1 on the capability constructs and the two
strategy axes, citing the seed passages each score rests on. These tests check the files' shape,
the Table 1 and Table 2 facts transcribed into them, and that every cited quote really occurs in
the named paper (seeds in ``../shared/seeds/`` relative to the repository root).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "data" / "cases"
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
SEED_FILES = {"001": "001_*.txt", "002": "002_*.txt"}

CASE_NUMBERS = range(1, 13)

CAPABILITIES = (
    "audience_insight",
    "stp",
    "channel_planning",
    "content_planning",
    "sm_metrics",
    "sensing",
    "seizing",
    "reconfiguring",
    "market_learning",
    "experimentation",
    "open_marketing",
    "network_development",
    "network_management",
    "employee_engagement",
)
AXES = ("control", "orientation")
CONSTRUCTS = CAPABILITIES + AXES

EVIDENCE = {"direct", "stage-description", "inferred"}
STRATEGIES = {"call_to_action", "dissemination", "thought_leadership", "co_creation"}
OFFERINGS = {"product", "service", "both"}
TOP_KEYS = {"case", "table1", "offering", "case_002", "strategy", "strategy_source", "constructs"}
OPTIONAL_TOP_KEYS = {"notes"}
MAX_QUOTE_WORDS = 30

#: Seed 001, Table 1, as transcribed: case -> (employees, business, interviews, stage).
TABLE1 = {
    1: (200, "Mobile marketing applications developer and service provider", 4, 4),
    2: (265, "Media, digital and communications service provider", 6, 4),
    3: (1338, "Advertising, marketing, and corporate communication service provider", 5, 2),
    4: (850, "Social media customer engagement service provider", 3, 1),
    5: (10, "Media Consultancy", 2, 3),
    6: (30, "Social media customer engagement service provider", 3, 1),
    7: (250, "Office products manufacturer", 7, 1),
    8: (450, "Pottery manufacturer", 6, 2),
    9: (50, "Raw material manufacturer", 3, 1),
    10: (30, "Pharmaceutical machinery manufacturer", 3, 1),
    11: (800, "Catering supplier", 3, 3),
    12: (150, "Electronics manufacturer", 2, 3),
}

#: Seed 002, Table 1 (case letter -> employees, sector, interviews) and Table 2 (strategy).
TABLE1_002 = {
    "A": (200, "Mobile marketing", 4),
    "B": (850, "Digital customer engagement", 3),
    "C": (23000, "Digital communications", 6),
    "D": (1338, "Corporate communication", 5),
    "E": (10, "Consultancy", 2),
    "F": (30, "Digital advertising", 3),
    "G": (250, "Office product manufacturer", 7),
    "H": (450, "Potteries manufacturer", 6),
    "I": (50, "Raw material manufacturer", 3),
    "J": (30, "Pharmaceutical machinery manufacturer", 3),
    "K": (800, "Catering supplier", 3),
    "L": (150, "Electronics manufacturer", 2),
}
STRATEGY_002 = {
    "A": "thought_leadership",
    "C": "thought_leadership",
    "B": "call_to_action",
    "D": "call_to_action",
    "F": "call_to_action",
    "J": "call_to_action",
    "G": "dissemination",
    "H": "dissemination",
    "I": "dissemination",
    "E": "co_creation",
    "K": "co_creation",
    "L": "co_creation",
}
#: How each strategy's row starts in seed 002's Table 2.
TABLE2_ROW_START = {
    "call_to_action": "Call to Action",
    "dissemination": "Dissemination Strategy",
    "thought_leadership": "Thought Leadership Strategy",
    "co_creation": "Co-creation Strategy",
}

_QUOTE_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)


def normalise(text: str) -> str:
    """Curly quotes to straight ones and every run of whitespace to one space."""
    return " ".join(text.translate(_QUOTE_CHARS).split())


def quote_found(quote: str, paper_text: str) -> bool:
    return normalise(quote) in normalise(paper_text)


@cache
def seed_text(paper: str) -> str | None:
    """The seed paper's text, or None when the seed folder (or the file) is not there."""
    if not SEEDS_DIR.is_dir():
        return None
    matches = sorted(SEEDS_DIR.glob(SEED_FILES[paper]))
    return matches[0].read_text(encoding="utf-8") if matches else None


def require_seed(paper: str) -> str:
    text = seed_text(paper)
    if text is None:
        pytest.skip(f"seed {paper} not found under {SEEDS_DIR}: nothing to check the text against")
    return text


@cache
def normalised_seed(paper: str) -> str:
    return normalise(require_seed(paper))


def case_path(number: int) -> Path:
    return CASES_DIR / f"case_{number:02d}.yaml"


@cache
def load_case(number: int) -> dict:
    path = case_path(number)
    if not path.is_file():
        pytest.fail(f"{path} is missing")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        pytest.fail(f"{path} does not hold a mapping")
    return data


def all_sources(profile: dict) -> list[tuple[str, dict]]:
    """(where, source) for every cited passage: the strategy source and each construct's."""
    found = []
    if profile.get("strategy_source") is not None:
        found.append(("strategy_source", profile["strategy_source"]))
    for name, entry in profile["constructs"].items():
        found.extend((name, source) for source in entry.get("sources") or [])
    return found


# ----------------------------------------------------------------------------- the file set


def test_exactly_the_twelve_case_files() -> None:
    names = sorted(path.name for path in CASES_DIR.glob("*.yaml"))
    assert names == [case_path(n).name for n in CASE_NUMBERS]
    assert (CASES_DIR / "README.md").is_file()


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_profile_shape(number: int) -> None:
    profile = load_case(number)
    keys = set(profile)
    assert keys >= TOP_KEYS, f"case {number}: missing {sorted(TOP_KEYS - keys)}"
    assert keys <= TOP_KEYS | OPTIONAL_TOP_KEYS, (
        f"case {number}: unknown keys {sorted(keys - TOP_KEYS - OPTIONAL_TOP_KEYS)}"
    )
    assert profile["case"] == number
    assert profile["offering"] in OFFERINGS
    assert set(profile["table1"]) == {"employees", "business", "interviews", "stage"}
    assert set(profile["case_002"]) == {"label", "employees", "sector", "interviews", "match"}
    assert str(profile["case_002"]["match"]).strip(), f"case {number}: say why the cases match"


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_every_construct_scored_with_sources(number: int) -> None:
    constructs = load_case(number)["constructs"]
    assert set(constructs) == set(CONSTRUCTS), (
        f"case {number}: missing {sorted(set(CONSTRUCTS) - set(constructs))}, "
        f"unknown {sorted(set(constructs) - set(CONSTRUCTS))}"
    )
    for name in CONSTRUCTS:
        entry = constructs[name]
        where = f"case {number}, {name}"
        score = entry.get("score")
        assert isinstance(score, int | float) and not isinstance(score, bool), where
        assert 1 <= score <= 7, f"{where}: score {score} outside 1..7"
        assert float(score * 2).is_integer(), f"{where}: score {score} is not a whole or half"
        assert entry.get("evidence") in EVIDENCE, f"{where}: evidence {entry.get('evidence')!r}"
        assert isinstance(entry.get("basis"), str) and entry["basis"].strip(), f"{where}: basis"
        sources = entry.get("sources")
        assert isinstance(sources, list) and sources, f"{where}: no sources"


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_sources_are_short_citations(number: int) -> None:
    for where, source in all_sources(load_case(number)):
        label = f"case {number}, {where}"
        assert set(source) == {"paper", "section", "quote"}, f"{label}: keys {sorted(source)}"
        assert source["paper"] in SEED_FILES, f"{label}: paper {source['paper']!r}"
        assert str(source["section"]).strip(), f"{label}: no section"
        quote = source["quote"]
        assert isinstance(quote, str) and quote.strip(), f"{label}: empty quote"
        n_words = len(quote.split())
        assert n_words <= MAX_QUOTE_WORDS, f"{label}: quote of {n_words} words is too long"


# ----------------------------------------------------------------------------- transcribed facts


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_table1_stage_and_size_as_transcribed(number: int) -> None:
    table1 = load_case(number)["table1"]
    employees, business, interviews, stage = TABLE1[number]
    assert table1["stage"] == stage
    assert table1["employees"] == employees
    assert table1["business"] == business
    assert table1["interviews"] == interviews


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_strategy_is_seed_002s_for_the_matched_case(number: int) -> None:
    profile = load_case(number)
    case_002 = profile["case_002"]
    label = case_002["label"]
    assert (case_002["employees"], case_002["sector"], case_002["interviews"]) == TABLE1_002[label]
    assert profile["strategy"] == STRATEGY_002[label]
    source = profile["strategy_source"]
    assert source["paper"] == "002"
    assert label in re.split(r"\s*,\s*", source["quote"].strip()), (
        f"case {number}: strategy quote {source['quote']!r} does not list case {label}"
    )


def test_case_002_labels_are_one_to_one() -> None:
    labels = [load_case(n)["case_002"]["label"] for n in CASE_NUMBERS]
    assert sorted(labels) == sorted(TABLE1_002)


def test_table1_transcription_matches_seed_001() -> None:
    text = require_seed("001")
    rows = re.findall(r"^(\d+)\t([\d,]+) employees\t(.+?)\t(\d+)\tStage (\d)\s*$", text, re.M)
    parsed = {
        int(case): (int(size.replace(",", "")), business.strip(), int(interviews), int(stage))
        for case, size, business, interviews, stage in rows
    }
    assert parsed == TABLE1


def test_table1_and_table2_transcription_match_seed_002() -> None:
    text = require_seed("002")
    rows = re.findall(r"^([A-L])\t([\d,]+)\t(.+?)\t(\d+)\t", text, re.M)
    parsed = {
        label: (int(size.replace(",", "")), sector.strip(), int(interviews))
        for label, size, sector, interviews in rows
    }
    assert parsed == TABLE1_002
    for strategy, row_start in TABLE2_ROW_START.items():
        row = next(line for line in text.splitlines() if line.startswith(row_start))
        companies = set(re.split(r"\s*,\s*", row.rsplit("\t", 1)[-1].strip()))
        assert companies == {k for k, v in STRATEGY_002.items() if v == strategy}, strategy


# ----------------------------------------------------------------------------- quotes


@pytest.mark.parametrize("number", CASE_NUMBERS)
def test_quotes_occur_in_the_named_paper(number: int) -> None:
    texts = {paper: normalised_seed(paper) for paper in SEED_FILES}
    missing = [
        f"{where} ({source['paper']} {source['section']}): {source['quote']!r}"
        for where, source in all_sources(load_case(number))
        if normalise(source["quote"]) not in texts[source["paper"]]
    ]
    assert not missing, f"case {number}: quotes not found in the seed text:\n" + "\n".join(missing)


def test_quote_check_rejects_an_altered_quote() -> None:
    text = require_seed("001")
    genuine = "Re-tweeting and reposting are not the way forward"
    assert quote_found(genuine, text)
    assert quote_found(genuine.replace(" ", "\n  "), text)
    assert not quote_found(genuine.replace("not", "now"), text)


def test_normalise_straightens_quotes_and_whitespace() -> None:
    assert normalise("\u201cWe\u2019re  here\u201d\n now") == '"We\'re here" now'
