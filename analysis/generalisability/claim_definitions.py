"""The source papers' four claims as a table of definitions: what each needs and how it is judged.

A :class:`ClaimDefinition` holds everything that differs between the claims — the claim and its
source, the test, where its two variables come from, how they are coded, the estimator and the
verdict rule with its explanation. :data:`CLAIMS` is the table of the four;
:func:`analysis.generalisability.claims.run_claim` runs any definition with the shared steps.

References
----------
Seed 001: Cartwright & Davies (2022). *Industrial Marketing Management* (the stage
model and the capabilities).
Seed 002: Cartwright, Davies & Archer-Brown (2021). *Journal of Business
Research* (the control × orientation quadrants).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.generalisability import claim_rules as rules
from analysis.generalisability.claim_rules import ClaimInputs, ClaimSettings, Estimate
from analysis.measurement.scoring import Scores
from instrument import Firmographic, Instrument
from instrument.models import Measures

__all__ = [
    "CLAIMS",
    "ClaimDefinition",
    "ClaimInputs",
    "ClaimSettings",
    "ClaimSource",
    "Estimate",
    "NotTestableError",
]


class NotTestableError(ValueError):
    """The instrument or the responses cannot answer a claim; the message says why."""


@dataclass(frozen=True)
class ClaimSource:
    """Where the claims find their variables.

    Attributes
    ----------
    instrument : Instrument
        Supplies the ``measures:`` tags, the outcome constructs and the quadrant cut.
    scores : Scores
        Scores of the respondents (same index as ``responses``).
    responses : DataFrame
        Holds the firmographic columns.
    keep : Series of bool
        Respondents to use.
    """

    instrument: Instrument
    scores: Scores
    responses: pd.DataFrame
    keep: pd.Series


@dataclass(frozen=True)
class ClaimDefinition:
    """One claim of the source papers and how the data are asked about it.

    Attributes
    ----------
    id : str
        Stable key (``size_vs_stage``, ...).
    claim : str
        The claim in words, with its source.
    test : str
        The statistical test used.
    effect : str
        Name of the effect size.
    needs : tuple of str
        The two variables, in words, and where they come from.
    gather : callable
        ``gather(source) -> ClaimInputs``: the two variables from the instrument, scores and
        responses; raises :class:`NotTestableError` when the instrument or the data lack one.
    complete : str
        Who counts towards n, for the message "only n <complete>".
    estimator : callable
        ``estimator(pair, inputs, settings) -> Estimate`` on the complete pairs.
    verdict_rule : callable
        ``verdict_rule(estimate, bound) -> verdict`` (one of the claims' verdicts).
    explain : callable
        ``explain(estimate, verdict, bound) -> str``: one or two plain-language sentences.
    code : callable, default :func:`~analysis.generalisability.claim_rules.numeric_pair`
        ``code(inputs) -> DataFrame``: the two variables coded for the test, missing where a
        value cannot be used (rows with a missing value are then dropped).
    check : callable, optional
        ``check(pair) -> reason or None``: a further reason the complete pairs cannot answer
        the claim.
    """

    id: str
    claim: str
    test: str
    effect: str
    needs: tuple[str, str]
    gather: Callable[[ClaimSource], ClaimInputs]
    complete: str
    estimator: Callable[[pd.DataFrame, ClaimInputs, ClaimSettings], Estimate]
    verdict_rule: Callable[[Estimate, float], str]
    explain: Callable[[Estimate, str, float], str]
    code: Callable[[ClaimInputs], pd.DataFrame] = rules.numeric_pair
    check: Callable[[pd.DataFrame], str | None] | None = None


# ---------------------------------------------------------------------- where the variables are
def _stage(source: ClaimSource) -> pd.Series:
    if not source.instrument.has_stage_model:
        raise NotTestableError("the instrument has no stage model")
    return source.scores.stage_theory[source.keep]


def _question(source: ClaimSource, measures: Measures, name: str, *, options: bool) -> Firmographic:
    q = source.instrument.firmographic_measuring(measures)
    if q is None or (options and not q.options):
        raise NotTestableError(
            f"the instrument has no {name} question (a firmographic with measures: {measures})"
        )
    return q


def _answers(source: ClaimSource, question: Firmographic) -> pd.Series:
    if question.id not in source.responses.columns:
        raise NotTestableError(f"the responses have no '{question.id}' column")
    return source.responses[source.keep][question.id]


def size_and_stage(source: ClaimSource) -> ClaimInputs:
    """Size band (the ``measures: firm_size`` question) and stage, with the bands in order."""
    stage = _stage(source)
    q = _question(source, "firm_size", "size", options=True)
    return ClaimInputs(_answers(source, q), stage, {"size_order": [o.value for o in q.options]})


def offering_and_quadrant(source: ClaimSource) -> ClaimInputs:
    """Offering (the ``measures: offering`` question with product and service) and quadrant."""
    if not source.instrument.has_quadrant_model:
        raise NotTestableError("the instrument has no control/orientation axes")
    q = _question(source, "offering", "offering", options=False)
    product, service = rules.OFFERINGS
    if not {product, service} <= {o.value for o in q.options}:
        raise NotTestableError(
            f"the offering question '{q.id}' has no 'product' and 'service' options"
        )
    options: Mapping[str, Any] = {"product": product, "service": service}
    return ClaimInputs(_answers(source, q), source.scores.quadrant[source.keep], options)


def stage_and_control(source: ClaimSource) -> ClaimInputs:
    """Stage and control-axis score, with the quadrant cut of the control axis."""
    stage = _stage(source)
    axes = source.scores.axes[source.keep]
    if "control" not in axes.columns:
        raise NotTestableError(
            "the instrument has no control axis (a construct with axis: control)"
        )
    cut, _ = source.instrument.quadrant_cuts()
    return ClaimInputs(stage, axes["control"], {"cut": cut})


def maturity_and_performance(source: ClaimSource) -> ClaimInputs:
    """Mean of the level scores and mean of the outcome constructs (stage for the details)."""
    inst, scores, keep = source.instrument, source.scores, source.keep
    if not inst.outcome_constructs:
        raise NotTestableError("the instrument has no outcome construct (role: outcome)")
    if scores.levels.shape[1] == 0:
        raise NotTestableError("the instrument has no capability levels")
    outcome_ids = [c.id for c in inst.outcome_constructs]
    outcome = scores.constructs.loc[keep, outcome_ids].mean(axis=1, skipna=False)
    maturity = scores.levels[keep].mean(axis=1, skipna=False)
    stage = scores.stage_theory[keep] if inst.has_stage_model else None
    return ClaimInputs(maturity, outcome, {"stage": stage})


# ---------------------------------------------------------------------- the table
#: The four claims of the case studies (seed 001: Cartwright & Davies 2022; seed 002:
#: Cartwright, Davies & Archer-Brown 2021), in the order they are reported.
CLAIMS: tuple[ClaimDefinition, ...] = (
    ClaimDefinition(
        id="size_vs_stage",
        claim="Firm size does not determine social-media maturity (seed 001).",
        test="Spearman's rho (size band rank × stage), percentile bootstrap CI; χ², Cramér's V",
        effect="Spearman's rho",
        needs=("size band (firmographic with measures: firm_size)", "stage (stage model)"),
        gather=size_and_stage,
        code=rules.size_band_ranks,
        complete="respondents have size and stage",
        estimator=rules.size_stage_estimate,
        verdict_rule=rules.equivalence_verdict,
        explain=rules.explain_size_stage,
    ),
    ClaimDefinition(
        id="offering_vs_quadrant",
        claim=(
            "Thought Leadership firms are service providers and Dissemination firms are product "
            "manufacturers (seed 002, in 12 cases)."
        ),
        test="χ² test of offering (product/service) × quadrant, Cramér's V (noncentral χ² CI)",
        effect="Cramér's V",
        needs=("offering (firmographic with measures: offering)", "quadrant (both axes)"),
        gather=offering_and_quadrant,
        code=rules.product_or_service,
        complete="product or service firms have a quadrant",
        check=rules.one_offering,
        estimator=rules.offering_quadrant_estimate,
        verdict_rule=rules.directed_association_verdict,
        explain=rules.explain_offering_quadrant,
    ),
    ClaimDefinition(
        id="stage_vs_decentralisation",
        claim="Firms at stage 4 decentralise content creation (seeds 001 and 002).",
        test="Spearman's rho (stage × control score), bootstrap CI; share decentralised at stage 4",
        effect="Spearman's rho",
        needs=("stage (stage model)", "control score (construct with axis: control)"),
        gather=stage_and_control,
        complete="respondents have stage and control score",
        estimator=rules.stage_control_estimate,
        verdict_rule=rules.trend_and_majority_verdict,
        explain=rules.explain_stage_control,
    ),
    ClaimDefinition(
        id="stage_vs_performance",
        claim=(
            "Social-media capabilities raise perceived competitive performance on social media "
            "(seed 001)."
        ),
        test="Spearman's rho (maturity × performance), bootstrap CI; OLS slope with t CI",
        effect="Spearman's rho",
        needs=("maturity (mean level score)", "performance (constructs with role: outcome)"),
        gather=maturity_and_performance,
        complete="respondents have both scores",
        estimator=rules.maturity_performance_estimate,
        verdict_rule=rules.minimum_effect_verdict,
        explain=rules.explain_maturity_performance,
    ),
)
