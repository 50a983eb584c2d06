"""The questionnaire as data: YAML instrument files and the models that load and check them."""

from pathlib import Path

from instrument.loader import InstrumentError, load_instrument, parse_instrument
from instrument.models import (
    AXES,
    LEVELS,
    LEVELS_1_0,
    QUADRANT_TITLES,
    QUADRANTS,
    AttentionCheck,
    Construct,
    DontKnow,
    Firmographic,
    Instrument,
    Item,
    Page,
    Requirement,
    Scale,
    Source,
    StageModel,
    Transition,
)

#: The smcap B2B social-media capabilities instrument shipped with the package (version 2.0).
DEFAULT_INSTRUMENT = Path(__file__).with_name("smcap-b2b.yaml")
#: Version 1.0 of the same instrument (levels-only format), kept so 1.0 responses stay analysable.
INSTRUMENT_1_0 = Path(__file__).with_name("smcap-b2b-1.0.yaml")

__all__ = [
    "AXES",
    "DEFAULT_INSTRUMENT",
    "INSTRUMENT_1_0",
    "LEVELS",
    "LEVELS_1_0",
    "QUADRANTS",
    "QUADRANT_TITLES",
    "AttentionCheck",
    "Construct",
    "DontKnow",
    "Firmographic",
    "Instrument",
    "InstrumentError",
    "Item",
    "Page",
    "Requirement",
    "Scale",
    "Source",
    "StageModel",
    "Transition",
    "load_instrument",
    "parse_instrument",
]
