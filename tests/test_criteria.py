"""Tests for analysis.criteria: the published values, the verdicts at their cut-offs, and a scan
of analysis/ and survey/ proving that no other module spells a cut-off out again."""

from __future__ import annotations

import ast
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from analysis import criteria
from analysis.criteria import (
    ACCEPTABLE,
    GOOD,
    NA,
    POOR,
    agreement_verdict,
    alpha_verdict,
    cluster_stable,
    convergent_valid,
    cumulative_verdict,
    efa_loading_flags,
    fit_verdict,
    fmt_cut,
    h_band,
    invariant,
    item_rest_ok,
    kmo_label,
    kmo_verdict,
    prediction_strength_ok,
    scalable,
    significant,
)

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- (a) published values
PUBLISHED: dict[str, float] = {
    # Hu & Bentler (1999); Bentler & Bonett (1980); Browne & Cudeck (1993); Kline (2016)
    "CFI_GOOD": 0.95,
    "TLI_GOOD": 0.95,
    "CFI_ACCEPTABLE": 0.90,
    "TLI_ACCEPTABLE": 0.90,
    "RMSEA_GOOD": 0.06,
    "RMSEA_ACCEPTABLE": 0.08,
    "SRMR_GOOD": 0.08,
    "SRMR_ACCEPTABLE": 0.10,
    "SIGNIFICANCE_LEVEL": 0.05,
    "RESPONDENTS_PER_PARAMETER": 5,  # Bentler & Chou (1987)
    "MIN_CFA_RESPONDENTS": 50,  # Anderson & Gerbing (1984)
    "MAX_LISTWISE_SHARE": 0.20,
    # Nunnally (1978); George & Mallery (2003); Nunnally & Bernstein (1994)
    "ALPHA_GOOD": 0.80,
    "ALPHA_MIN": 0.70,
    "ALPHA_QUESTIONABLE": 0.60,
    "ITEM_REST_MIN": 0.30,
    # Kaiser (1974)
    "KMO_MARVELLOUS": 0.90,
    "KMO_MERITORIOUS": 0.80,
    "KMO_MIDDLING": 0.70,
    "KMO_MEDIOCRE": 0.60,
    "KMO_MISERABLE": 0.50,
    "KMO_GOOD": 0.80,
    "KMO_MIN": 0.60,
    # Hair et al. (2010); Howard (2016)
    "LOADING_GOOD": 0.70,
    "LOADING_MIN": 0.50,
    "EFA_PRIMARY_MIN": 0.40,
    "EFA_CROSS_MAX": 0.30,
    "EFA_GAP_MIN": 0.20,
    # Fornell & Larcker (1981); Henseler et al. (2015)
    "CR_MIN": 0.70,
    "AVE_MIN": 0.50,
    "HTMT_STRICT": 0.85,
    "HTMT_LIBERAL": 0.90,
    "HTMT_DISTINCT": 0.85,
    # Cheung & Rensvold (2002); Chen (2007)
    "DELTA_CFI_MIN": -0.010,
    "DELTA_RMSEA_MAX": 0.015,
    # Podsakoff et al. (2003)
    "HARMAN_MAX_SHARE": 0.50,
    # Mokken (1971); Guttman (1950)
    "H_SCALABLE": 0.30,
    "H_MEDIUM": 0.40,
    "H_STRONG": 0.50,
    "NON_CUMULATIVE_OK": 0.10,
    "NON_CUMULATIVE_PARTLY": 0.20,
    # Hennig (2007); Tibshirani & Walther (2005); Landis & Koch (1977)
    "JACCARD_STABLE": 0.75,
    "JACCARD_DISSOLVED": 0.50,
    "PREDICTION_STRENGTH_CUTOFF": 0.80,
    "AGREEMENT_GOOD": 0.60,
    "AGREEMENT_FAIR": 0.40,
    # Raftery (1995); Ashman et al. (1994); Kass & Raftery (1995); Celeux & Soromenho (1996)
    "BIMODAL_MIN_DELTA_BIC": 10.0,
    "BIMODAL_MIN_SEPARATION": 2.5,
    "BIMODAL_MIN_WEIGHT": 0.05,
    "PROFILE_MIN_BIC_GAIN": 10.0,
    "PROFILE_MIN_GAIN_PER_RESPONDENT": 0.03,
    "PROFILE_MIN_CLASS_SHARE": 0.05,
    "PROFILE_MIN_ENTROPY": 0.80,
    "MIN_QUADRANT_SHARE": 0.05,
    # Cohen (1988)
    "EQUIVALENCE_BOUND": 0.10,
    "MIN_N": 30,
    # Curran (2016); Huang et al. (2012); Tabachnick & Fidell (2013); Meade & Craig (2012)
    "LONGSTRING_SHARE": 0.50,
    "LONGSTRING_MIN": 6,
    "MIN_ANSWERED_FOR_SD": 5,
    "SPEED_RATIO": 1 / 3,
    "MIN_SECONDS_PER_ITEM": 2.0,
    "OUTLIER_P": 0.001,
    "OUTLIER_MIN_RATIO": 2.0,
    "MAX_MISSING_SHARE": 0.20,
    "MIN_ANSWERED_SHARE": 0.50,  # Newman (2014)
    "PARALLEL_ANALYSIS_QUANTILE": 0.95,  # Glorfeld (1995)
}


def _constants() -> dict[str, float]:
    """Every numeric upper-case constant of analysis.criteria."""
    return {
        name: value
        for name, value in vars(criteria).items()
        if name.isupper() and isinstance(value, int | float) and not isinstance(value, bool)
    }


@pytest.mark.parametrize(("name", "value"), sorted(PUBLISHED.items()))
def test_constant_has_its_published_value(name: str, value: float) -> None:
    assert getattr(criteria, name) == pytest.approx(value, abs=1e-12)


def test_every_constant_is_pinned() -> None:
    assert set(_constants()) == set(PUBLISHED)


def test_fit_cutoffs_and_bands_are_built_from_the_constants() -> None:
    assert criteria.FIT_CUTOFFS == (
        ("cfi", 0.95, 0.90, True),
        ("tli", 0.95, 0.90, True),
        ("rmsea", 0.06, 0.08, False),
        ("srmr", 0.08, 0.10, False),
    )
    assert [b for b, _ in criteria.KMO_BANDS] == [0.90, 0.80, 0.70, 0.60, 0.50]
    assert [b for b, _ in criteria.H_BANDS][:3] == [0.50, 0.40, 0.30]
    assert (GOOD, ACCEPTABLE, POOR, NA) == ("good", "acceptable", "poor", "na")


def test_criteria_imports_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "analysis" / "criteria.py").read_text(encoding="utf-8"))
    modules = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}


def test_module_docstring_cites_every_reference_named_in_a_comment() -> None:
    source = (ROOT / "analysis" / "criteria.py").read_text(encoding="utf-8")
    references = source.split("References\n----------", 1)[1].split("Examples\n", 1)[0]
    body = source.split('"""\n\nfrom __future__', 1)[1]
    cited = set(re.findall(r"([A-Z][a-zà-ü]+)(?: et al\.)?,? \(?(?:\d{4})", body))
    missing = sorted(name for name in cited if name not in references)
    assert not missing, f"cited in criteria.py but not in its References: {missing}"


# --------------------------------------------------------------------------- (b) verdicts
@pytest.mark.parametrize(
    ("index", "value", "verdict"),
    [
        ("cfi", 0.951, GOOD),
        ("cfi", 0.95, GOOD),
        ("cfi", 0.949, ACCEPTABLE),
        ("cfi", 0.90, ACCEPTABLE),
        ("cfi", 0.899, POOR),
        ("tli", 0.95, GOOD),
        ("tli", 0.899, POOR),
        ("rmsea", 0.06, GOOD),
        ("rmsea", 0.061, ACCEPTABLE),
        ("rmsea", 0.08, ACCEPTABLE),
        ("rmsea", 0.081, POOR),
        ("srmr", 0.08, GOOD),
        ("srmr", 0.081, ACCEPTABLE),
        ("srmr", 0.10, ACCEPTABLE),
        ("srmr", 0.101, POOR),
        ("cfi", None, NA),
        ("rmsea", math.nan, NA),
    ],
)
def test_fit_verdict_at_and_around_its_cutoffs(index: str, value: float, verdict: str) -> None:
    assert fit_verdict(index, value)[0] == verdict


def test_fit_verdict_refuses_an_index_without_cutoffs() -> None:
    with pytest.raises(ValueError, match="gfi"):
        fit_verdict("gfi", 0.9)


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (0.80, (GOOD, "good")),
        (0.799, (ACCEPTABLE, "acceptable")),
        (0.70, (ACCEPTABLE, "acceptable")),
        (0.699, (POOR, "questionable")),
        (0.60, (POOR, "questionable")),
        (0.599, (POOR, "poor")),
        (None, (NA, "not available")),
        (math.nan, (NA, "not available")),
    ],
)
def test_alpha_verdict_bands(value: float | None, verdict: tuple[str, str]) -> None:
    assert alpha_verdict(value) == verdict


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.90, "marvellous"),
        (0.899, "meritorious"),
        (0.80, "meritorious"),
        (0.70, "middling"),
        (0.60, "mediocre"),
        (0.50, "miserable"),
        (0.499, "unacceptable"),
        (math.nan, "not available"),
    ],
)
def test_kmo_label_follows_kaiser(value: float, label: str) -> None:
    assert kmo_label(value) == label


def test_kmo_verdict() -> None:
    assert [kmo_verdict(v) for v in (0.80, 0.799, 0.60, 0.599, None)] == [
        GOOD,
        ACCEPTABLE,
        ACCEPTABLE,
        POOR,
        POOR,
    ]


def test_significance_loadings_and_item_rest() -> None:
    assert [significant(p) for p in (0.049, 0.05, 0.2, None, math.nan)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert item_rest_ok(0.30) and not item_rest_ok(0.299)


def test_validity_verdicts() -> None:
    assert convergent_valid(0.70, 0.50)
    assert not convergent_valid(0.699, 0.50)
    assert not convergent_valid(0.70, 0.499)


@pytest.mark.parametrize(
    ("d_cfi", "d_rmsea", "holds"),
    [
        (-0.010, 0.015, True),
        (0.0, 0.0, True),
        (-0.0101, 0.0, False),
        (0.0, 0.0151, False),
    ],
)
def test_invariance_follows_chen(d_cfi: float, d_rmsea: float, holds: bool) -> None:
    assert invariant(d_cfi, d_rmsea) is holds


def test_efa_loading_flags_follow_howard() -> None:
    assert efa_loading_flags(0.40, 0.19) == (False, False)
    assert efa_loading_flags(0.399, None) == (False, True)
    assert efa_loading_flags(0.70, 0.30) == (True, False)
    assert efa_loading_flags(0.45, 0.26) == (True, False)  # within .20 of the primary
    assert efa_loading_flags(0.50, 0.29) == (False, False)
    cross, weak = efa_loading_flags(np.array([0.40, 0.70]), np.array([0.19, 0.30]))
    assert cross.tolist() == [False, True] and weak.tolist() == [False, False]


def test_mokken_bands() -> None:
    assert [h_band(h) for h in (0.50, 0.499, 0.40, 0.30, 0.299, math.nan)] == [
        "strong",
        "medium",
        "medium",
        "weak",
        "not scalable",
        "not scalable",
    ]
    assert scalable(0.30) and not scalable(0.299) and not scalable(None)


def test_stability_agreement_and_cumulative_verdicts() -> None:
    assert cluster_stable(0.75) and not cluster_stable(0.749)
    assert prediction_strength_ok(0.80) and not prediction_strength_ok(0.799)
    assert [agreement_verdict(v) for v in (0.60, 0.599, 0.40, 0.399)] == [
        "supported",
        "partly",
        "partly",
        "not supported",
    ]
    assert [cumulative_verdict(v) for v in (0.10, 0.101, 0.20, 0.201)] == [
        "supported",
        "partly",
        "partly",
        "not supported",
    ]


def test_fmt_cut_prints_cutoffs_as_the_literature_does() -> None:
    assert fmt_cut(0.70) == ".70"
    assert fmt_cut(-0.010, 3) == "−.010"
    assert fmt_cut(0.015, 3) == ".015"
    assert fmt_cut(2.5) == "2.50"


# --------------------------------------------------------------------------- (c) the source scan
#: Values of every float cut-off (integer counts such as MIN_N are not scanned: small integers
#: are everywhere): a literal with one of these values in a comparison, a default,
#: a constant definition or a caption string is a second definition of a cut-off.
CUTOFF_VALUES: frozenset[float] = frozenset(
    round(float(v), 6)
    for v in _constants().values()
    if isinstance(v, float) and v != criteria.SPEED_RATIO
)

#: Integer cut-offs large enough to be told apart from counting (MIN_N, MIN_CFA_RESPONDENTS);
#: an integer literal with one of these values in a comparison is a copy. Smaller integer
#: cut-offs (5 respondents per parameter, 6 items in a row) are not scanned: small integers are
#: everywhere.
INT_CUTOFF_VALUES: frozenset[int] = frozenset({criteria.MIN_N, criteria.MIN_CFA_RESPONDENTS})

#: Literals that equal a cut-off but are not one: (file, enclosing function or "<module>",
#: value) → why it is legitimate.
ALLOWED: dict[tuple[str, str, float], str] = {
    # p-values are printed "< .001" below one in a thousand (APA style): a display rule.
    ("analysis/report/html.py", "fmt_p", 0.001): "APA display of small p-values",
    ("analysis/report/measurement.py", "_p_phrase", 0.001): "APA display of small p-values",
    ("analysis/generalisability/scorecard.py", "_fmt_p", 0.001): "APA display of small p-values",
    ("survey/dashboard_tables.py", "p_value", 0.001): "APA display of small p-values",
    # Argument checks: a share of the smaller class cannot reach one half.
    # Argument checks: the smaller class's share cannot reach one half.
    ("analysis/structure/profiles.py", "LatentProfiles._check_params", 0.5): "range of a share",
    # EM's numerical floor on variances, a regulariser (scikit-learn's reg_covar), not a verdict.
    ("analysis/structure/profiles.py", "LatentProfiles.__init__", 0.01): "numerical regulariser",
    # "More than half" is what a majority is.
    ("analysis/generalisability/claim_rules.py", "stage_control_estimate", 0.5): "a majority",
    # Linear programming: a cell whose bounds differ by less than half a firm is pinned.
    ("analysis/structure/aggregates.py", "rounding_hides_small_counts", 0.5): "half a firm",
    # A version number: semTools 0.5-6.
    ("analysis/report/measurement.py", "_htmt_note", 0.5): "semTools version 0.5-6",
    # The CFA engine's numerics, matched to lavaan: log(2π), start-value floors and scales.
    ("analysis/sem/ml.py", "<module>", 2.0): "the 2 of log(2π)",
    ("analysis/sem/start.py", "_make_pd", 0.05): "eigenvalue floor of start values",
    ("analysis/sem/start.py", "_to_marker", 0.001): "relative size of a usable marker loading",
    # RMSEA's test of close fit is defined by its null value (lavaan's rmsea.h0.closefit);
    # the p-value it gives is reported, not judged.
    (
        "analysis/sem/fit_measures.py",
        "_rmsea_pvalue",
        0.05,
    ): "null value of lavaan's close-fit test",
    # A colour.
    ("survey/charts.py", "_quadrant_frame", 0.75): "opacity of rgba(255,255,255,0.75)",
}

#: Arguments that take a confidence (or coverage) level, such as the 0.95 of a 95 % interval: a
#: level of confidence is a convention of reporting, not a cut-off a result is judged against.
CONFIDENCE_ARGUMENTS: frozenset[str] = frozenset({"ci", "level", "confidence", "coverage"})

#: Files whose numbers are not judgements of a result at all.
ALLOWED_FILES: dict[str, str] = {
    "analysis/data/simulate.py": "population values of the data simulator, not cut-offs",
}

_FORMAT_SPEC = re.compile(r"(?<![\w.])[-−]?0?\.\d+(?![\w%])")


def _python_files() -> Iterator[Path]:
    for root in ("analysis", "survey"):
        for path in sorted((ROOT / root).rglob("*.py")):
            if path.name == "criteria.py" and path.parent.name == "analysis":
                continue
            if "migrations" in path.parts:
                continue
            yield path


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module, its classes and functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (doc := ast.get_docstring(node, clean=False)):
            first = node.body[0]
            if isinstance(first, ast.Expr) and getattr(first.value, "value", None) == doc:
                out.add(id(first.value))
    return out


def _numeric(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _numeric(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return node.value
    return None


def cutoff_literals(source: str, filename: str = "<source>") -> list[tuple[str, int, float, str]]:
    """(enclosing scope, line, value, context) of each literal in ``source`` that equals a
    cut-off and sits where a cut-off would: a comparison, a default argument, a module- or
    class-level assignment, or the text of a (non-docstring) string."""
    tree = ast.parse(source, filename)
    docstrings = _docstrings(tree)
    hits: list[tuple[str, int, float, str]] = []

    def hit(scope: str, node: ast.AST, value: float, context: str) -> None:
        if round(value, 6) in CUTOFF_VALUES or round(-value, 6) in CUTOFF_VALUES:
            hits.append((scope, getattr(node, "lineno", 0), value, context))

    def numbers(node: ast.AST) -> Iterator[tuple[ast.AST, float]]:
        for sub in ast.walk(node):
            if (value := _numeric(sub)) is not None and not (
                isinstance(sub, ast.Constant) and value < 0
            ):
                yield sub, value

    def visit(node: ast.AST, scope: str, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = child.name if scope == "<module>" else f"{scope}.{child.name}"
                if not isinstance(child, ast.ClassDef):
                    args = child.args
                    positional = [*args.posonlyargs, *args.args]
                    with_default = positional[len(positional) - len(args.defaults) :]
                    pairs = [
                        *zip(with_default, args.defaults, strict=True),
                        *zip(args.kwonlyargs, args.kw_defaults, strict=True),
                    ]
                    for arg, default in pairs:
                        if default is not None and arg.arg not in CONFIDENCE_ARGUMENTS:
                            for sub, value in numbers(default):
                                hit(inner, sub, value, "default argument")
                visit(child, inner, isinstance(child, ast.ClassDef))
                continue
            if isinstance(child, ast.Compare):
                for sub, value in numbers(child):
                    hit(scope, sub, value, "comparison")
                for sub in ast.walk(child):
                    if (
                        isinstance(sub, ast.Constant)
                        and type(sub.value) is int
                        and sub.value in INT_CUTOFF_VALUES
                    ):
                        hits.append((scope, sub.lineno, float(sub.value), "comparison"))
            elif top and isinstance(child, ast.Assign | ast.AnnAssign) and child.value:
                for sub, value in numbers(child.value):
                    hit(scope, sub, value, "constant definition")
            elif (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and id(child) not in docstrings
                and not isinstance(node, ast.FormattedValue)
            ):
                for match in _FORMAT_SPEC.findall(child.value):
                    hit(scope, child, float(match.replace("−", "-")), "text")
            visit(child, scope, top and not isinstance(child, ast.stmt | ast.expr))

    visit(tree, "<module>", True)
    return hits


def test_the_scan_finds_a_cutoff_spelled_out() -> None:
    planted = '''
"""A docstring may say CFI ≥ .95."""
LIMIT = 0.95
def judge(x, cut=0.06):
    """Also here: .08."""
    if x >= 0.90:
        return f"fit ≥ .90 ({x:.2f})"
    return "RMSEA ≤ .08"
class Rules:
    share: float = 0.05
def enough(n):
    return n >= 30 and n > 3
'''
    found = {(scope, value, context) for scope, _, value, context in cutoff_literals(planted)}
    assert found == {
        ("<module>", 0.95, "constant definition"),
        ("judge", 0.06, "default argument"),
        ("judge", 0.90, "comparison"),
        ("judge", 0.90, "text"),
        ("judge", 0.08, "text"),
        ("Rules", 0.05, "constant definition"),
        ("enough", 30.0, "comparison"),
    }


def test_the_scan_ignores_format_specs_and_docstrings() -> None:
    source = '''
"""Cut-offs .70 and .50 in prose."""
def show(x):
    """α ≥ .70."""
    return f"{x:.2f} {x:.1%}" + format(x, ".3f")
'''
    assert cutoff_literals(source) == []


def test_no_module_but_criteria_spells_out_a_cutoff() -> None:
    offenders = []
    used = set()
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED_FILES:
            continue
        for scope, line, value, context in cutoff_literals(path.read_text(encoding="utf-8"), rel):
            key = (rel, scope, round(value, 6))
            if key in ALLOWED:
                used.add(key)
                continue
            offenders.append(f"{rel}:{line} ({scope}, {context}): {value:g}")
    assert not offenders, (
        "cut-off literals outside analysis/criteria.py (import the named constant, or allow-list "
        "with a reason):\n" + "\n".join(offenders)
    )
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"allow-list entries that no longer match anything (remove them): {stale}"
