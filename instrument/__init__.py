"""The questionnaire as data: YAML instrument files and the models that load and check them."""

from pathlib import Path

from instrument.loader import InstrumentError, load_instrument, parse_instrument
from instrument.models import (
    AXES,
    LEVELS,
    LEVELS_1_0,
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

#: The smcap B2B social-media capabilities instrument shipped with the package.
DEFAULT_INSTRUMENT = Path(__file__).with_name("smcap-b2b.yaml")

__all__ = [
    "AXES",
    "DEFAULT_INSTRUMENT",
    "LEVELS",
    "LEVELS_1_0",
    "QUADRANTS",
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
