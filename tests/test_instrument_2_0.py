"""Instrument 2.0 (``instrument/smcap-b2b.yaml``): the properties its design promises.

The constructs and levels the case profiles and the stage model read, 3–4 items per construct,
reverse-keyed items at every level, a don't-know code, definitions, sources and advice for every
construct, the outcome on a page after every predictor, the informant and validator questions,
bipolar labels for the aim, credit to seed 002 in the quadrant texts, and no item wording taken
from the source papers (seeds in ``../shared/seeds/`` relative to the repository root).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.cli.smcap import summarise_instrument
from instrument import LEVELS, Instrument

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
SEED_GLOBS = ("001_*.txt", "002_*.txt")

#: Capability constructs and their levels, as the case profiles (tests/data/cases/) use them.
CAPABILITIES = {
    "audience_insight": "operational",
    "stp": "operational",
    "channel_planning": "operational",
    "content_planning": "operational",
    "sm_metrics": "operational",
    "sensing": "dynamic",
    "seizing": "dynamic",
    "reconfiguring": "dynamic",
    "market_learning": "adaptive",
    "experimentation": "adaptive",
    "open_marketing": "adaptive",
    "network_development": "networking",
    "network_management": "networking",
    "employee_engagement": "networking",
}
#: Longest run of consecutive words an item may share with a source paper.
MAX_SHARED_RUN = 5
QUADRANT_CREDIT = "Cartwright, Davies & Archer-Brown 2021"


@pytest.fixture(scope="module")
def inst(instrument_2_0: Instrument) -> Instrument:
    return instrument_2_0


def test_identity_and_size(inst: Instrument) -> None:
    assert (inst.id, inst.version) == ("smcap-b2b", "2.0")
    assert 55 <= len(inst.items) <= 65
    assert inst.estimated_minutes() <= 15
    assert "estimated time to complete" in summarise_instrument(inst)


def test_capability_constructs_and_levels(inst: Instrument) -> None:
    levels = {c.id: c.level for c in inst.constructs if c.level is not None}
    assert levels == CAPABILITIES


def test_axes_and_outcome(inst: Instrument) -> None:
    assert {a: [c.id for c in cs] for a, cs in inst.constructs_by_axis().items()} == {
        "control": ["control"],
        "orientation": ["orientation"],
    }
    assert [c.id for c in inst.outcome_constructs] == ["sm_performance"]
    assert len(inst.constructs) == len(CAPABILITIES) + 3


def test_three_or_four_items_per_construct(inst: Instrument) -> None:
    counts = {c.id: len(c.items) for c in inst.constructs}
    assert all(3 <= n <= 4 for n in counts.values()), counts


def test_reverse_keyed_item_in_every_level_and_in_control(inst: Instrument) -> None:
    by_level = inst.constructs_by_level()
    assert set(by_level) == set(LEVELS)
    for level, constructs in by_level.items():
        assert any(i.reverse for c in constructs for i in c.items), level
    assert any(i.reverse for i in inst.construct("control").items)


def test_dont_know_code_off_the_scale(inst: Instrument) -> None:
    dk = inst.scale.dont_know
    assert dk is not None
    assert dk.code == 99
    assert dk.code not in inst.scale.points
    assert dk.label.startswith("Don't know")


def test_every_construct_has_definition_source_and_advice(inst: Instrument) -> None:
    for c in inst.constructs:
        for field in ("description", "source", "advice"):
            assert (getattr(c, field) or "").strip(), f"{c.id} has no {field}"
        assert "seed" in c.source, c.id


def test_advice_never_prescribes_a_number_of_channels(inst: Instrument) -> None:
    # seed 001 §4.1.2: a choice of "Twitter and LinkedIn" was a hunch, not evidence
    for c in inst.constructs:
        assert not re.search(r"\b(two|three|2|3) (or|to) (three|four|3|4) channels", c.advice)


def test_outcome_page_comes_after_every_predictor(inst: Instrument) -> None:
    pages = inst.page_list()
    where = {cid: i for i, p in enumerate(pages) for cid in p.constructs}
    outcome_page = where["sm_performance"]
    assert pages[outcome_page].constructs == ("sm_performance",)
    predictors = [c.id for c in inst.constructs if c.role != "outcome"]
    assert all(where[cid] < outcome_page for cid in predictors)


def test_first_page_holds_the_firm_and_informant_questions(inst: Instrument) -> None:
    first = inst.page_list()[0]
    assert not first.constructs
    informant = inst.firmographic_measuring("informant")
    assert informant is not None and informant.id in first.firmographics
    assert [o.value for o in informant.options] == ["decide", "shape", "informed", "not_involved"]


def test_firmographics_of_1_0_are_kept(inst: Instrument) -> None:
    ids = {q.id for q in inst.firmographics}
    kept = {"sector", "offering", "employees", "b2b_share", "country", "respondent_role"}
    assert kept | {"sm_years", "channels", "sm_headcount"} <= ids
    size = inst.firmographic_measuring("firm_size")
    assert size is not None and size.options[0].value == "e1_9"


def test_non_scored_indicators(inst: Instrument) -> None:
    validators = {q.id: q.validates for q in inst.firmographics if q.validates}
    assert sum(v == "stage" for v in validators.values()) >= 3
    assert "orientation" in validators.values()
    scored = set(inst.item_ids)
    assert not scored & set(validators)


def test_two_attention_checks_on_different_pages(inst: Instrument) -> None:
    pages = [p.id for p in inst.page_list() for _ in p.attention_checks]
    assert len(pages) == 2 and len(set(pages)) == 2


def test_orientation_is_bipolar(inst: Instrument) -> None:
    labels = inst.construct("orientation").labels
    assert labels is not None and len(labels) == len(inst.scale.points)
    assert "new contacts" in labels[0] and "existing relationships" in labels[-1]
    assert inst.construct("control").labels is None


def test_feedback_stages_and_quadrants(inst: Instrument) -> None:
    assert set(inst.feedback.stages) == {1, 2, 3, 4}
    assert all(s.looks_like for s in inst.feedback.stages.values())
    assert len(inst.feedback.quadrants) == 4
    for key, q in inst.feedback.quadrants.items():
        assert QUADRANT_CREDIT in q.summary, key


def test_introduction_defines_the_organisation_and_addresses_agencies(inst: Instrument) -> None:
    intro = inst.study.introduction or ""
    assert '"Your organisation" means' in intro
    assert "agency's own social media" in intro


def test_the_stage_models_are_declared_with_sources(inst: Instrument) -> None:
    assert inst.stage_model_declared and inst.stage_model.id == "seed001"
    assert not inst.stage_rule.thresholds
    for transition in inst.stage_model.transitions:
        assert all(req.source is not None for req in transition.requires)


# ------------------------------------------------------------------ wording from the papers
def _words(text: str) -> list[str]:
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def shared_runs(text: str, source_words: list[str], *, length: int) -> set[str]:
    """Runs of ``length`` consecutive words of ``text`` that also occur in ``source_words``."""
    grams = {tuple(source_words[i : i + length]) for i in range(len(source_words) - length + 1)}
    words = _words(text)
    return {
        " ".join(words[i : i + length])
        for i in range(len(words) - length + 1)
        if tuple(words[i : i + length]) in grams
    }


def test_shared_runs_finds_a_copied_phrase() -> None:
    source = _words("Re-tweeting and reposting are not the way forward, said one firm.")
    copied = "We agree that reposting are not the way forward for us."
    assert shared_runs(copied, source, length=6) == {"reposting are not the way forward"}
    assert not shared_runs("We rarely re-post other people's material.", source, length=6)


def _seed_words() -> list[str]:
    paths = [p for g in SEED_GLOBS for p in sorted(SEEDS_DIR.glob(g))]
    if len(paths) < len(SEED_GLOBS):
        pytest.skip(f"source papers not found in {SEEDS_DIR} (seeds 001 and 002 are needed)")
    return [w for p in paths for w in _words(p.read_text(encoding="utf-8"))]


def test_no_item_shares_six_words_with_the_papers(inst: Instrument) -> None:
    source = _seed_words()
    copied = {
        item.id: runs
        for item in inst.items
        if (runs := shared_runs(item.text, source, length=MAX_SHARED_RUN + 1))
    }
    assert not copied
