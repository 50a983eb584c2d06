"""The typed schema of an analysis' results: what ``results.json`` holds, section by section.

The pipeline fills a plain JSON-ready dict (one key per step); :func:`parse_results` checks it
against the models here and returns a :class:`Results` whose sections are read by attribute
(``results.cfa.cfi``, ``results.reliability["stp"].alpha``). ``results.json`` is the dict's
serialisation, stamped with :data:`SCHEMA_VERSION`; ``docs/results.schema.json`` is the JSON
Schema generated from these models (:func:`json_schema`), so other tools can read our results.

Rules of the schema, so that scripts written against one version keep working:

* keys keep their names; a new statistic is a new key (a minor version), a renamed or removed
  key a major version;
* every section is optional (a run may leave steps out), and a section that did not run holds
  ``status`` (``"not run"`` or ``"failed"``) and ``reason`` instead of its numbers;
* a section may hold keys the schema does not list yet (``extra="allow"``): they are kept and
  serialised, never dropped;
* a number that could not be computed is ``null``, never ``NaN``.

This module imports nothing of :mod:`analysis` and nothing heavier than pydantic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Version of the results schema (major.minor): a minor version adds keys, a major one
#: renames or removes them.
SCHEMA_VERSION = "1.0"

#: How a section that did not produce its numbers says so.
Status = Literal["ok", "not run", "failed", "not computed"]


class Section(BaseModel):
    """A part of the results; unknown keys are kept (see the module's rules)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class StepSection(Section):
    """A section written by one pipeline step, which may not have run."""

    status: Status | None = None
    reason: str | None = None


class NotRun(BaseModel):
    """A section that holds only why it has no numbers (a step that did not run or failed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["not run", "failed"]
    reason: str


# --------------------------------------------------------------------------- header
class InstrumentInfo(Section):
    """The instrument as analysed."""

    id: str
    version: str
    title: str
    n_items: int
    n_constructs: int
    dropped_items: list[str] = Field(default_factory=list)
    skipped_constructs: list[str] = Field(default_factory=list)


class DontKnow(Section):
    """How often the instrument's "don't know" answer was given (treated as missing)."""

    code: int | None = None
    label: str | None = None
    n_answers: int = 0
    n_respondents: int = 0
    items: dict[str, int] = Field(default_factory=dict)


class Options(Section):
    """The options of the run."""

    group: str | None = None
    id_column: str | None = None
    exclude_flagged: bool = False
    allow_missing_items: bool = False
    drop_small_groups: bool = False


# --------------------------------------------------------------------------- quality
class Exclusions(Section):
    """Respondents left out of the statistics because the quality screens flagged them."""

    applied: bool
    n_excluded: int
    reasons: dict[str, int] = Field(default_factory=dict)


class Quality(Section):
    """Data-quality screening of every respondent."""

    n_respondents: int
    n_flagged: int
    flag_counts: dict[str, int]
    checks: dict[str, str]
    thresholds: dict[str, float | int | None]
    mean_missing_share: float | None = None
    item_missing: dict[str, float | None] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    exclusions: Exclusions | None = None


# --------------------------------------------------------------------------- measurement
class Describe(Section):
    """Mean, spread and count of one score."""

    mean: float | None = None
    sd: float | None = None
    n: int | None = None


class ScoreSummary(Section):
    """Descriptives of construct, level and axis scores of the respondents analysed."""

    constructs: dict[str, Describe]
    levels: dict[str, Describe]
    axes: dict[str, Describe]
    min_answered: float


class ItemReliability(Section):
    """One item of a construct: item–rest correlation, α without it, mean, SD, n."""

    r_drop: float | None = None
    alpha_if_dropped: float | None = None
    mean: float | None = None
    sd: float | None = None
    n: int | None = None


class Reliability(Section):
    """Reliability of one construct (R ``psych::alpha`` and ``psych::omega``)."""

    alpha: float | None = None
    alpha_ci: list[float | None] | None = None
    alpha_std: float | None = None
    omega: float | None = None
    average_r: float | None = None
    n_items: int
    n_obs: int
    items: dict[str, ItemReliability] = Field(default_factory=dict)


class SamplingAdequacy(StepSection):
    """KMO overall and per item, and Bartlett's test (null when the matrix is singular)."""

    kmo: float | None = None
    kmo_label: str | None = None
    kmo_items: dict[str, float | None] = Field(default_factory=dict)
    bartlett_chisq: float | None = None
    bartlett_df: int | None = None
    bartlett_p: float | None = None
    n_obs: int | None = None
    warnings: list[str] = Field(default_factory=list)


class EFA(StepSection):
    """Parallel analysis and the exploratory factor solution."""

    n_factors_parallel: int | None = None
    n_components_parallel: int | None = None
    n_factors: int | None = None
    n_factors_theory: int | None = None
    method: str | None = None
    rotation: str | None = None
    loadings: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    communalities: dict[str, float | None] = Field(default_factory=dict)
    converged: bool | None = None


class Fit(StepSection):
    """Fit measures of one fitted model (lavaan's ``fitMeasures`` names)."""

    n: int | None = None
    chisq: float | None = None
    df: int | None = None
    pvalue: float | None = None
    cfi: float | None = None
    tli: float | None = None
    rmsea: float | None = None
    rmsea_ci: list[float | None] | None = None
    rmsea_pvalue: float | None = None
    srmr: float | None = None
    aic: float | None = None
    bic: float | None = None
    loglik: float | None = None
    converged: bool | None = None


class SecondOrder(Fit):
    """The second-order model: the four capability levels above their constructs."""

    model: str | None = None
    std_loadings: dict[str, float | None] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    lavaan_syntax: str | None = None


class CFA(Fit):
    """The first-order CFA, with the second-order and networking-structure comparisons."""

    model: str | None = None
    estimator: str | None = None
    missing: str | None = None
    npar: int | None = None
    n_groups: int | None = None
    n_dropped: int | None = None
    std_loadings: dict[str, float | None] = Field(default_factory=dict)
    r_squared: dict[str, float | None] = Field(default_factory=dict)
    factor_correlations: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    lavaan_syntax: str | None = None
    second_order: SecondOrder | None = None
    networking_structure: StepSection | None = None


class Validity(StepSection):
    """Composite reliability, AVE, Fornell–Larcker and HTMT per construct."""

    cr: dict[str, float | None] = Field(default_factory=dict)
    ave: dict[str, float | None] = Field(default_factory=dict)
    fornell_larcker: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    htmt: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    htmt_variant: str | None = None


class Invariance(StepSection):
    """Configural, metric and scalar models across the groups of one column."""

    group: str | None = None
    configural: Fit | None = None
    metric: Fit | None = None
    scalar: Fit | None = None


class CommonMethod(StepSection):
    """Harman's single-factor test."""

    method: str | None = None
    first_factor_share: float | None = None
    first_eigenvalue: float | None = None
    threshold: float | None = None
    exceeds_threshold: bool | None = None
    interpretation: str | None = None


# --------------------------------------------------------------------------- structure
class Stages(StepSection):
    """Latent profiles, their stability, ordering and agreement with the theory's stages."""

    supported: bool | None = None
    verdict: str | None = None
    summary: str | None = None
    n_used: int | None = None
    n_profiles: int | None = None
    theory_stages: int | None = None
    matches_theory_k: bool | None = None
    entropy: float | None = None
    model: str | None = None
    profiles: list[dict[str, Any]] = Field(default_factory=list)
    agreement: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    threshold_sensitivity: list[dict[str, Any]] = Field(default_factory=list)
    calibrated_thresholds: dict[str, dict[str, Any]] = Field(default_factory=dict)
    n_unclassified: int | None = None
    n_non_cumulative: int | None = None
    models: list[dict[str, Any]] = Field(default_factory=list)


class QuadrantShare(Section):
    """How many respondents fall in one quadrant, their share and its Wilson interval."""

    n: int
    share: float | None = None
    ci: list[float | None] | None = None


class Quadrants(StepSection):
    """Quadrant shares and whether the control and orientation axes are distinct."""

    control_cut: float | None = None
    orientation_cut: float | None = None
    n: int | None = None
    n_mixed: int | None = None
    shares: dict[str, QuadrantShare] = Field(default_factory=dict)
    all_populated: bool | None = None
    correlation: float | None = None
    correlation_ci: list[float | None] | None = None
    htmt: float | None = None
    distinct: bool | None = None
    names: dict[str, str] = Field(default_factory=dict)


class Claim(Section):
    """One of the source papers' claims, tested."""

    id: str
    claim: str
    test: str
    effect: str
    estimate: float | None = None
    ci: list[float | None] | None = None
    p_value: float | None = None
    n: int
    verdict: str
    explanation: str
    details: dict[str, Any] = Field(default_factory=dict)


class ScorecardRow(Section):
    """One criterion of the generalisability scorecard."""

    key: str
    area: str
    criterion: str
    question: str
    value: str | None = None
    threshold: str | None = None
    verdict: str
    explanation: str


class Generalisability(StepSection):
    """The scorecard: one row per criterion, and how many rows got each verdict."""

    rows: list[ScorecardRow] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


# --------------------------------------------------------------------------- the whole
class Results(Section):
    """Everything one run of the analysis found: the content of ``results.json``."""

    schema_version: str = SCHEMA_VERSION
    source: str | None = None
    instrument: InstrumentInfo | None = None
    n_respondents: int | None = None
    n_respondents_total: int | None = None
    dont_know: DontKnow | None = None
    seed: int | None = None
    options: Options | None = None
    software: dict[str, str] = Field(default_factory=dict)
    quality: Quality | NotRun | None = None
    exclusions: Exclusions | None = None
    scores: ScoreSummary | NotRun | None = None
    reliability: dict[str, Reliability] | NotRun | None = None
    sampling_adequacy: SamplingAdequacy | None = None
    efa: EFA | None = None
    cfa: CFA | None = None
    validity: Validity | None = None
    invariance: Invariance | None = None
    common_method: CommonMethod | None = None
    stages: Stages | None = None
    quadrants: Quadrants | None = None
    claims: dict[str, Claim] | NotRun | None = None
    generalisability: Generalisability | None = None
    warnings: list[str] = Field(default_factory=list)


def parse_results(results: Mapping[str, Any]) -> Results:
    """Check a results dict (or a loaded ``results.json``) and return it typed.

    Parameters
    ----------
    results : mapping
        What :func:`analysis.pipeline.run_analysis` returns as ``.results``, or
        ``json.load`` of a ``results.json``.

    Returns
    -------
    Results
        The same content, read by attribute; keys the schema does not list are kept.

    Raises
    ------
    pydantic.ValidationError
        When a key the schema lists holds a value of the wrong kind; the message names the
        path (``cfa.cfi``) and what was found.

    Examples
    --------
    >>> r = parse_results({"cfa": {"status": "ok", "cfi": 0.951, "df": 24}, "warnings": []})
    >>> r.cfa.cfi, r.cfa.df, r.schema_version
    (0.951, 24, '1.0')
    """
    return Results.model_validate(dict(results))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``results.json`` (draft 2020-12), as published in ``docs/``.

    Returns
    -------
    dict
        The schema, with ``$id``-free, stable key order (pydantic's output).
    """
    schema = Results.model_json_schema(mode="serialization")
    schema["title"] = f"smcap results.json, schema {SCHEMA_VERSION}"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    """:func:`json_schema` as the text of ``docs/results.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - `python -m analysis.results > docs/...`
    print(json_schema_text(), end="")
