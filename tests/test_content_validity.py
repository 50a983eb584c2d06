"""Content validity statistics: I-CVI, modified kappa and CVR against their sources."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from instrument.content_validity import (
    ESSENTIAL_VALUES,
    content_validity_ratio,
    cvr_critical,
    default_i_cvi_cut,
    essential_needed,
    item_cvi,
    kappa_rating,
    modified_kappa,
)


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize(
    ("n_experts", "critical"),
    [
        (5, 1.0),  # P(X >= 5) = 1/32 = .031; P(X >= 4) = 6/32 = .19 -> 5 needed: (5-2.5)/2.5
        (6, 1.0),
        (7, 1.0),
        (8, 0.75),  # P(X >= 7) = 9/256 = .035; P(X >= 6) = 37/256 = .145 -> 7: (7-4)/4
        (9, 0.778),
        (10, 0.8),  # P(X >= 9) = 11/1024 = .011; P(X >= 8) = 56/1024 = .055 -> 9: (9-5)/5
        (11, 0.636),
        (12, 0.667),
        (15, 0.6),
        (20, 0.5),
        (30, 0.333),
        (40, 0.3),
    ],
)
def test_cvr_critical_values_match_ayre_and_scally(n_experts: int, critical: float) -> None:
    """Ayre & Scally (2014), Table 2 (Lawshe's 1975 table printed .99 for 5 and .62 for 10)."""
    assert round(cvr_critical(n_experts), 3) == critical


def test_no_cvr_is_significant_with_fewer_than_five_experts() -> None:
    # P(X >= 4 | N = 4) = 1/16 = .0625 > .05
    assert essential_needed(4) is None and math.isnan(cvr_critical(4))
    assert essential_needed(5) == 5 and essential_needed(4, alpha=0.1) == 4


def test_modified_kappa_and_its_rating() -> None:
    # 7 of 9: Pc = C(9, 7) / 512 = 36/512 = .0703; (.7778 - .0703) / .9297 = .761
    assert modified_kappa(7, 9) == pytest.approx(0.7610, abs=1e-4)
    # 4 of 6: Pc = 15/64 = .2344; (.6667 - .2344) / .7656 = .5646
    assert modified_kappa(4, 6) == pytest.approx(0.5646, abs=1e-4)
    assert math.isnan(modified_kappa(0, 0))
    assert [kappa_rating(k) for k in (0.746, 0.744, 0.60, 0.599, 0.40, 0.3949)] == [
        "excellent",  # rounds to .75, above .74
        "good",  # rounds to .74
        "good",
        "good",  # rounds to .60
        "fair",
        "poor",  # rounds to .39
    ]
    with pytest.raises(ValueError, match="n_relevant <= n_experts"):
        modified_kappa(6, 5)


def test_seven_of_nine_experts_meet_the_78_cut() -> None:
    """Polit & Beck (2006): with 9 experts an I-CVI of .78 (7 of 9) is acceptable."""
    relevance = pd.DataFrame(
        {f"r{k}": [4 if k < 7 else 2, 4 if k < 6 else 1] for k in range(9)}, index=["x", "y"]
    )
    table = item_cvi(relevance)
    assert default_i_cvi_cut(9) == 0.78 and default_i_cvi_cut(5) == 1.0
    assert table["below_cut"].tolist() == [False, True]  # 7/9 = .78 passes; 6/9 = .67 not


def test_statistics_reject_values_off_the_scales() -> None:
    relevance = pd.DataFrame({"a": [4, 5], "b": [3, 3]}, index=["x", "y"])
    with pytest.raises(ValueError, match="item 'y', expert 'a' has 5"):
        item_cvi(relevance)
    essential = pd.DataFrame({"a": ["essential", "yes"]}, index=["x", "y"])
    with pytest.raises(ValueError, match="'yes'; expected one of"):
        content_validity_ratio(essential)
    with pytest.raises(ValueError, match="cut must be above 0"):
        item_cvi(relevance.replace(5, 4), cut=1.2)
    assert ESSENTIAL_VALUES == ("essential", "useful", "not necessary")


def test_docstring_examples_run() -> None:
    import doctest

    import instrument.content_validity

    outcome = doctest.testmod(instrument.content_validity)
    assert outcome.attempted > 0 and outcome.failed == 0


def test_the_module_stays_out_of_the_app_and_the_statistics_stack() -> None:
    import ast

    import instrument.content_validity

    tree = ast.parse(Path(instrument.content_validity.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"streamlit", "sqlalchemy", "analysis", "scipy", "survey"}
