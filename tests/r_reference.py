"""The public data sets and the R reference values the analysis tests are pinned to.

``tests/r/analysis_reference.R`` exports the data (``tests/data/holzinger39.csv``,
``tests/data/bfi.csv``) and writes ``tests/data/analysis_reference.json`` with R psych 2.2.9, so
the tests never need R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"

HS_ITEMS = [f"x{i}" for i in range(1, 10)]
HS_FACTORS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
BFI_FACTORS = {
    name: [f"{letter}{i}" for i in range(1, 6)]
    for name, letter in (
        ("agreeableness", "A"),
        ("conscientiousness", "C"),
        ("extraversion", "E"),
        ("neuroticism", "N"),
        ("openness", "O"),
    )
}
BFI_ITEMS = [item for cols in BFI_FACTORS.values() for item in cols]
#: psych's keys for bfi (scale 1–6): these items are reverse keyed as 7 - x.
BFI_REVERSE = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@cache
def reference() -> dict:
    """All reference values (see ``tests/r/analysis_reference.R``)."""
    return json.loads((DATA / "analysis_reference.json").read_text())


@cache
def _holzinger39() -> pd.DataFrame:
    return pd.read_csv(DATA / "holzinger39.csv")


def holzinger39() -> pd.DataFrame:
    """Holzinger & Swineford (1939): 301 pupils, 9 ability tests x1–x9, school, grade."""
    return _holzinger39().copy()


@cache
def _bfi() -> pd.DataFrame:
    return pd.read_csv(DATA / "bfi.csv")


def bfi_keyed() -> pd.DataFrame:
    """psych's bfi: 2,800 respondents × 25 items (1–6) with missing answers, reverse-keyed."""
    items = _bfi()[BFI_ITEMS].astype(float)
    items[BFI_REVERSE] = 7 - items[BFI_REVERSE]
    return items


def bfi_raw() -> pd.DataFrame:
    """psych's bfi as distributed (items not reverse keyed, plus gender, education, age)."""
    return _bfi().copy()


BFI_YAML = "\n".join(
    [
        "id: bfi",
        'version: "1"',
        "title: Big Five Inventory (psych::bfi, IPIP items)",
        "scale:",
        "  min: 1",
        "  max: 6",
        "  labels: [Very inaccurate, Moderately inaccurate, Slightly inaccurate, "
        "Slightly accurate, Moderately accurate, Very accurate]",
        "constructs:",
    ]
    + [
        line
        for name, cols in BFI_FACTORS.items()
        for line in [f"  - id: {name}", f"    label: {name.capitalize()}", "    items:"]
        + [
            f'      - {{id: {c}, text: "Item {c}", reverse: {str(c in BFI_REVERSE).lower()}}}'
            for c in cols
        ]
    ]
)

#: Holzinger & Swineford's three factors as an instrument (test scores lie between 0 and 10;
#: non-integer answers inside the scale are accepted).
HS_YAML = "\n".join(
    [
        "id: holzinger39",
        'version: "1939"',
        "title: Holzinger & Swineford (1939) mental ability tests",
        "scale:",
        "  min: 0",
        "  max: 10",
        "  labels: [" + ", ".join(f'"{k}"' for k in range(11)) + "]",
        "constructs:",
    ]
    + [
        line
        for name, cols in HS_FACTORS.items()
        for line in [f"  - id: {name}", f"    label: {name.capitalize()}", "    items:"]
        + [f'      - {{id: {c}, text: "Test {c}"}}' for c in cols]
    ]
)
