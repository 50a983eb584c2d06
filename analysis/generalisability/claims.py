"""The source papers' own claims, tested with effect sizes, confidence intervals and verdicts.

Four claims from the case studies (seed 001: Cartwright & Davies 2022; seed 002: Cartwright,
Davies & Archer-Brown 2021):

1. ``size_vs_stage`` — firm size does not determine maturity (seed 001).
2. ``offering_vs_quadrant`` — Thought Leadership firms were service providers and Dissemination
   firms product manufacturers (seed 002; the authors suspect a small-sample artefact).
3. ``stage_vs_decentralisation`` — stage 4 firms decentralise (seeds 001 and 002).
4. ``stage_vs_performance`` — capabilities raise perceived competitive performance on social
   media (seed 001).

Each claim is a row of the table :data:`~analysis.generalisability.claim_definitions.CLAIMS`;
:func:`run_claim` runs any row with the same steps — code the two variables, drop missing
pairs, check there are at least :data:`MIN_N`, estimate the effect with its interval
(:mod:`analysis.generalisability.effect_sizes`), apply the claim's verdict rule and explain it
(:mod:`analysis.generalisability.claim_rules`). :func:`paper_claims` runs the whole table on
the instrument, scores and responses; :func:`size_vs_stage` and its three siblings run one
claim on two series.

Each claim is a :class:`Claim` with a verdict from :data:`VERDICTS`. When the data or the
instrument cannot answer a claim the verdict is ``not testable`` and the explanation says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analysis.criteria import EQUIVALENCE_BOUND, MIN_N
from analysis.generalisability.claim_definitions import (
    CLAIMS,
    ClaimDefinition,
    ClaimInputs,
    ClaimSettings,
    ClaimSource,
    Estimate,
)
from analysis.measurement.scoring import Scores
from instrument import Instrument

#: Possible verdicts of a claim.
VERDICTS: tuple[str, ...] = ("supported", "partly", "inconclusive", "not supported", "not testable")


@dataclass(frozen=True)
class Claim:
    """One claim of the source papers and what the data say about it.

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
    estimate : float or None
        The effect size.
    ci : tuple of float or None
        Its confidence interval.
    p_value : float or None
        p-value of the test of no relation.
    n : int
        Respondents used.
    verdict : str
        One of :data:`VERDICTS`.
    explanation : str
        One or two plain-language sentences.
    details : dict
        Further numbers (conditional shares, per-stage values) as plain JSON-able values.
    """

    id: str
    claim: str
    test: str
    effect: str
    estimate: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    n: int
    verdict: str
    explanation: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able dictionary (``ci`` as a two-element list)."""
        out = asdict(self)
        out["ci"] = list(self.ci) if self.ci is not None else None
        return out


#: Claim id → the claim in words with its source, in the order of :data:`CLAIMS`.
CLAIM_TEXT: dict[str, str] = {d.id: d.claim for d in CLAIMS}
_DEFINITION: dict[str, ClaimDefinition] = {d.id: d for d in CLAIMS}


# ---------------------------------------------------------------------- the runner
def run_claim(
    definition: ClaimDefinition,
    inputs: ClaimInputs,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
    bound: float = EQUIVALENCE_BOUND,
) -> Claim:
    """Test one claim on its two variables: the steps every claim shares.

    Parameters
    ----------
    definition : ClaimDefinition
        The claim (a row of :data:`CLAIMS`, or one of your own).
    inputs : ClaimInputs
        Its two variables (same index) and the options its steps need.
    n_boot, confidence, random_state
        Bootstrap settings and confidence level of the intervals.
    bound : float, default 0.10
        Equivalence bound handed to the verdict rule (:data:`EQUIVALENCE_BOUND`).

    Returns
    -------
    Claim
        ``not testable`` with the reason when fewer than :data:`MIN_N` pairs are complete or
        the definition's ``check`` objects; otherwise the estimate, its interval, the verdict
        and its explanation.

    Raises
    ------
    ValueError
        From the definition's coding step, e.g. answers that are not the question's options.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.Series(rng.normal(size=200))
    >>> inputs = ClaimInputs(x, x + rng.normal(size=200))
    >>> claim = run_claim(CLAIMS[3], inputs, n_boot=200, random_state=0)
    >>> claim.id, claim.verdict, claim.n
    ('stage_vs_performance', 'supported', 200)
    >>> run_claim(CLAIMS[3], ClaimInputs(x[:10], x[:10])).explanation
    'Not testable: only 10 respondents have both scores.'
    """
    settings = ClaimSettings(n_boot, confidence, random_state, bound)
    pair = complete_pairs(definition, inputs)
    why = why_not_testable(definition, pair)
    if why is not None:
        return not_testable(definition, why, n=len(pair))
    estimate = definition.estimator(pair, inputs, settings)
    verdict = definition.verdict_rule(estimate, bound)
    return judged(definition, estimate, verdict, definition.explain(estimate, verdict, bound))


def complete_pairs(definition: ClaimDefinition, inputs: ClaimInputs) -> pd.DataFrame:
    """The two variables coded by the definition, rows with a missing value dropped."""
    return definition.code(inputs).dropna()


def why_not_testable(definition: ClaimDefinition, pair: pd.DataFrame) -> str | None:
    """Why the complete pairs cannot answer the claim, or ``None``."""
    if len(pair) < MIN_N:
        return f"only {len(pair)} {definition.complete}"
    return definition.check(pair) if definition.check is not None else None


def not_testable(definition: ClaimDefinition, why: str, *, n: int = 0) -> Claim:
    """The claim with verdict ``not testable`` and the reason as its explanation."""
    return Claim(
        id=definition.id,
        claim=definition.claim,
        test=definition.test,
        effect=definition.effect,
        estimate=None,
        ci=None,
        p_value=None,
        n=n,
        verdict="not testable",
        explanation=f"Not testable: {why}.",
    )


def judged(definition: ClaimDefinition, estimate: Estimate, verdict: str, text: str) -> Claim:
    """The claim with its estimate, verdict and explanation."""
    return Claim(
        id=definition.id,
        claim=definition.claim,
        test=definition.test,
        effect=definition.effect,
        estimate=estimate.value,
        ci=estimate.ci,
        p_value=estimate.p_value,
        n=estimate.n,
        verdict=verdict,
        explanation=text,
        details=estimate.details,
    )


# ---------------------------------------------------------------------- all claims
def paper_claims(
    instrument: Instrument,
    scores: Scores,
    responses: pd.DataFrame,
    *,
    exclude: pd.Series | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> dict[str, Claim]:
    """Test the four claims with whatever the instrument and the data provide.

    Parameters
    ----------
    instrument : Instrument
        Supplies the ``measures:`` tags (``firm_size``, ``offering``), the outcome constructs
        and the quadrant cut.
    scores : Scores
        From :func:`analysis.measurement.scoring.score_respondents` (same index as ``responses``).
    responses : DataFrame
        Holds the firmographic columns.
    exclude : Series of bool, optional
        Respondents to leave out (e.g. flagged by the quality screen).
    n_boot, confidence, random_state
        Bootstrap settings, shared by all claims (each claim gets its own seed).

    Returns
    -------
    dict
        Claim id → :class:`Claim`, in the order of :data:`CLAIMS`. A claim whose variables
        the instrument or the responses lack, or whose answers are not the question's options,
        is ``not testable`` with the reason.
    """
    keep = pd.Series(True, index=responses.index)
    if exclude is not None:
        if not exclude.index.equals(responses.index):
            raise ValueError("exclude must have the same index as responses")
        keep = ~exclude.astype(bool)
    source = ClaimSource(instrument, scores, responses, keep)
    seeds = np.random.SeedSequence(random_state).generate_state(len(CLAIMS))
    out: dict[str, Claim] = {}
    for definition, seed in zip(CLAIMS, seeds, strict=True):
        try:
            out[definition.id] = run_claim(
                definition,
                definition.gather(source),
                n_boot=n_boot,
                confidence=confidence,
                random_state=int(seed),
            )
        except ValueError as exc:  # NotTestableError, or data that do not fit the question
            out[definition.id] = not_testable(definition, str(exc))
    return out


# ---------------------------------------------------------------------- one claim on two series
def size_vs_stage(
    size: pd.Series,
    stage: pd.Series,
    *,
    size_order: list[str],
    bound: float = EQUIVALENCE_BOUND,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> Claim:
    """Firm size vs stage: Spearman's rho with an equivalence verdict.

    ``size`` holds the size band of each firm (options of the ``measures: firm_size``
    question, ``size_order`` from smallest to largest), ``stage`` the stage 1–4. ``estimate``
    is Spearman's rho of band rank and stage; ``details`` has Cramér's V of the size × stage
    table with its interval, the χ² p-value and the stage distribution per band. Verdict:
    :func:`~analysis.generalisability.claim_rules.equivalence_verdict` with ``bound``.
    Raises ``ValueError`` when a size is not one of ``size_order``.
    """
    inputs = ClaimInputs(size, stage, {"size_order": size_order})
    return run_claim(
        _DEFINITION["size_vs_stage"],
        inputs,
        bound=bound,
        n_boot=n_boot,
        confidence=confidence,
        random_state=random_state,
    )


def offering_vs_quadrant(
    offering: pd.Series,
    quadrant: pd.Series,
    *,
    product: str = "product",
    service: str = "service",
    confidence: float = 0.95,
) -> Claim:
    """Product vs service providers across quadrants: χ², Cramér's V and conditional shares.

    Only firms whose ``offering`` is ``product`` or ``service`` are compared (e.g. "both" is
    left out). ``estimate`` is Cramér's V (noncentral-χ² interval); ``details`` has the share of
    service providers among Thought Leadership firms and of product makers among Dissemination
    firms (Wilson intervals) and the overall shares. Verdict:
    :func:`~analysis.generalisability.claim_rules.directed_association_verdict`.
    """
    inputs = ClaimInputs(offering, quadrant, {"product": product, "service": service})
    return run_claim(_DEFINITION["offering_vs_quadrant"], inputs, confidence=confidence)


def stage_vs_decentralisation(
    stage: pd.Series,
    control: pd.Series,
    *,
    cut: float,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> Claim:
    """Decentralisation over the stages: trend (Spearman) and the share decentralised at stage 4.

    ``control`` is the control-axis score (high = decentralised); a firm at or above ``cut``
    counts as decentralised. ``estimate`` is Spearman's rho of stage and control score;
    ``details`` has the share decentralised per stage (Wilson intervals) and the mean control
    score per stage. Verdict:
    :func:`~analysis.generalisability.claim_rules.trend_and_majority_verdict`.
    """
    return run_claim(
        _DEFINITION["stage_vs_decentralisation"],
        ClaimInputs(stage, control, {"cut": cut}),
        n_boot=n_boot,
        confidence=confidence,
        random_state=random_state,
    )


def stage_vs_performance(
    maturity: pd.Series,
    outcome: pd.Series,
    *,
    stage: pd.Series | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> Claim:
    """Capabilities vs perceived performance: Spearman's rho and the OLS slope.

    ``maturity`` is the mean of the four level scores, ``outcome`` the performance score;
    ``stage`` (optional) adds the mean outcome per stage to ``details``, next to the OLS slope
    with its t interval and R² (R ``lm(outcome ~ maturity)``). Verdict:
    :func:`~analysis.generalisability.claim_rules.minimum_effect_verdict`. The data are
    cross-sectional: a positive relation is consistent with the claim but does not show that
    capabilities *cause* performance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> maturity = pd.Series(rng.normal(size=200))
    >>> outcome = maturity + rng.normal(size=200)
    >>> claim = stage_vs_performance(maturity, outcome, n_boot=200, random_state=0)
    >>> claim.verdict, claim.n
    ('supported', 200)
    """
    return run_claim(
        _DEFINITION["stage_vs_performance"],
        ClaimInputs(maturity, outcome, {"stage": stage}),
        n_boot=n_boot,
        confidence=confidence,
        random_state=random_state,
    )
