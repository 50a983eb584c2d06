"""Reference values from R (lavaan 0.6-14, semTools 0.5-6, psych 2.2.9) and the data behind them.

Everything here was produced by ``tests/r/cfa_reference.R``; see ``tests/data/README.md``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.sem.model import CFAModel

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

#: Holzinger & Swineford (1939) three-factor model (lavaan's tutorial model).
HS_MODEL = CFAModel(
    {"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6"), "speed": ("x7", "x8", "x9")}
)
#: psych's bfi Big Five model; reverse-keyed items are recoded as 7 - x first.
BFI_MODEL = CFAModel(
    {
        name: tuple(f"{letter}{k}" for k in range(1, 6))
        for name, letter in [
            ("agreeableness", "A"),
            ("conscientiousness", "C"),
            ("extraversion", "E"),
            ("neuroticism", "N"),
            ("openness", "O"),
        ]
    }
)
BFI_REVERSE = ("A1", "C4", "C5", "E1", "E2", "O2", "O5")


@cache
def reference() -> dict[str, Any]:
    """The parsed ``tests/data/cfa_reference.json``."""
    return json.loads((DATA / "cfa_reference.json").read_text())


@cache
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def holzinger39() -> pd.DataFrame:
    """A fresh copy of the Holzinger & Swineford data."""
    return _read("holzinger39.csv").copy()


def bfi_raw() -> pd.DataFrame:
    """A fresh copy of psych's bfi (raw answers, not keyed)."""
    return _read("bfi.csv").copy()


def bfi_keyed() -> pd.DataFrame:
    """bfi with the reverse-keyed items recoded (1–6 scale: 7 − x)."""
    data = bfi_raw()
    data[list(BFI_REVERSE)] = 7 - data[list(BFI_REVERSE)]
    return data


def smcap_sim() -> pd.DataFrame:
    """2,000 simulated smcap answers (keyed) with ``offering``."""
    return _read("smcap_sim.csv").copy()


def estimates(rows: list[dict[str, Any]], groups: list[str] | None = None) -> pd.DataFrame:
    """lavaan's parameter table indexed by (lhs, op, rhs) or (group, lhs, op, rhs)."""
    table = pd.DataFrame(rows)
    table["rhs"] = table["rhs"].fillna("")
    if groups is None:
        return table.set_index(["lhs", "op", "rhs"])
    table["group"] = [groups[g - 1] for g in table["group"]]
    return table.set_index(["group", "lhs", "op", "rhs"])


def matrix(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A matrix that jsonlite wrote row-wise (``_row`` holds the row name)."""
    return pd.DataFrame(rows).set_index("_row")
