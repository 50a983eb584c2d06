"""Shared fixtures: the shipped instrument, a minimal instrument and simulated data."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.data.simulate import Simulation, simulate
from instrument import DEFAULT_INSTRUMENT, INSTRUMENT_1_0, Instrument, load_instrument
from tests.dashboard_support import demo_analysis, demo_db_url  # noqa: F401  (dashboard fixtures)
from tests.db_support import postgres_url, survey_db_url, survey_engine  # noqa: F401  (survey DB fixtures)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
#: Instrument 2.0, the shipped one (declared stage models, don't-know code, bipolar labels).
INSTRUMENT_2_0 = DEFAULT_INSTRUMENT
#: The demo set of instrument 1.0 that the statistics tests are pinned to (R values).
DEMO_1_0_CSV = ROOT / "tests" / "data" / "simulated_demo_1_0.csv"

#: A small valid instrument using only the public keys of DESIGN §3.1 (line numbers matter).
MINIMAL_YAML = """\
id: mini
version: "0.1"
title: Minimal instrument
scale:
  min: 1
  max: 5
  labels: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
constructs:
  - id: extraversion
    label: Extraversion
    items:
      - {id: e1, text: "I talk to many people at parties."}
      - {id: e2, text: "I keep in the background.", reverse: true}
      - {id: e3, text: "I start conversations."}
  - id: conscientiousness
    label: Conscientiousness
    items:
      - {id: c1, text: "I get chores done right away."}
      - {id: c2, text: "I often forget to put things back.", reverse: true}
      - {id: c3, text: "I like order."}
"""


@pytest.fixture(scope="session")
def smcap_instrument() -> Instrument:
    """Instrument 1.0 of smcap-b2b: the levels-only format the statistics tests are pinned on.

    The engine's numbers (R-pinned reliability, CFA, stages) are tested on it; instrument 2.0
    (``instrument_2_0``) is what the app serves.
    """
    return load_instrument(INSTRUMENT_1_0)


@pytest.fixture(scope="session")
def instrument_2_0() -> Instrument:
    """Instrument 2.0 of smcap-b2b."""
    return load_instrument(INSTRUMENT_2_0)


@pytest.fixture(scope="session")
def sim_1200(smcap_instrument: Instrument) -> Simulation:
    """1,200 respondents from the stage model (seed 11)."""
    return simulate(smcap_instrument, 1200, random_state=11)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for screenshots and reports kept after the run (``test-artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
