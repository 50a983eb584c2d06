"""The steps that differ between the claims: coding, estimating, the verdict rule, the explanation.

:data:`analysis.generalisability.claim_definitions.CLAIMS` names, for each claim, one function
of each kind from this module; :func:`analysis.generalisability.claims.run_claim` calls them in
order. The effect sizes themselves are in :mod:`analysis.generalisability.effect_sizes`.

Verdict rules (``bound`` is the equivalence bound, .10):

* :func:`equivalence_verdict` — "no relation" claims: *supported* when the whole interval lies
  inside ±bound.
* :func:`minimum_effect_verdict` — "positive relation" claims: *supported* when the interval
  lies above bound.
* :func:`directed_association_verdict` — an association with a direction.
* :func:`trend_and_majority_verdict` — a trend and a majority at the top stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats

from analysis.generalisability.effect_sizes import (
    cramers_v,
    cramers_v_ci,
    ols_slope,
    spearman_ci,
    spearman_ci_method,
)
from analysis.structure.quadrants import wilson_interval
from instrument import QUADRANTS

#: Option values of the offering question meaning "mainly products" and "mainly services".
OFFERINGS: tuple[str, str] = ("product", "service")


@dataclass(frozen=True)
class ClaimInputs:
    """The two variables of a claim (same index) and the options its steps need.

    Attributes
    ----------
    x, y : Series
        The variables, as gathered (before coding).
    options : mapping
        E.g. ``size_order`` (size claim), ``cut`` (decentralisation claim).
    """

    x: pd.Series
    y: pd.Series
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimSettings:
    """Settings shared by the claims: bootstrap, confidence level, equivalence bound."""

    n_boot: int
    confidence: float
    random_state: int | None
    bound: float


@dataclass(frozen=True)
class Estimate:
    """An effect size with its interval, and what the verdict rule and explanation read.

    Attributes
    ----------
    value : float
    ci : tuple of float
    p_value : float
        p-value of the test of no relation.
    n : int
        Complete pairs used.
    details : dict
        Further numbers, kept in the claim (JSON-able).
    facts : mapping
        Values the verdict rule and the explanation read that are not kept.
    """

    value: float
    ci: tuple[float, float]
    p_value: float
    n: int
    details: dict
    facts: Mapping[str, Any] = field(default_factory=dict)


def _fmt_ci(ci: tuple[float, float]) -> str:
    return f"{ci[0]:.2f} to {ci[1]:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _spearman(
    x: pd.Series, y: pd.Series, settings: ClaimSettings
) -> tuple[float, tuple[float, float], float, int]:
    return spearman_ci(
        x,
        y,
        n_boot=settings.n_boot,
        confidence=settings.confidence,
        random_state=settings.random_state,
    )


# ---------------------------------------------------------------------- coding
def numeric_pair(inputs: ClaimInputs) -> pd.DataFrame:
    """Both variables as floats."""
    return pd.concat([inputs.x.astype(float), inputs.y.astype(float)], axis=1)


def size_band_ranks(inputs: ClaimInputs) -> pd.DataFrame:
    """Rank of the size band (1 = smallest of ``size_order``) and stage.

    Raises ``ValueError`` when an answer is not one of the size bands.
    """
    size, size_order = inputs.x, inputs.options["size_order"]
    unknown = sorted(set(size.dropna().astype(str)) - set(size_order))
    if unknown:
        raise ValueError(
            f"the size column has value(s) {unknown[:5]} that are not the question's size bands "
            f"{size_order}"
        )
    rank = size.astype("string").map({v: i + 1 for i, v in enumerate(size_order)})
    return pd.concat([rank.astype("Float64"), inputs.y.astype("Float64")], axis=1)


def product_or_service(inputs: ClaimInputs) -> pd.DataFrame:
    """Offering where it is product or service, quadrant where it is one of the four."""
    offering, quadrant = inputs.x, inputs.y
    product, service = inputs.options["product"], inputs.options["service"]
    return pd.concat(
        [
            offering.where(offering.isin([product, service])),
            quadrant.where(quadrant.isin(QUADRANTS)),
        ],
        axis=1,
    )


def one_offering(pair: pd.DataFrame) -> str | None:
    """Reason the offering claim cannot be tested when every firm has the same offering."""
    return "all firms have the same offering" if pair.iloc[:, 0].nunique() < 2 else None


# ---------------------------------------------------------------------- size vs stage
def size_stage_estimate(
    pair: pd.DataFrame, inputs: ClaimInputs, settings: ClaimSettings
) -> Estimate:
    """Spearman's rho of band rank and stage; Cramér's V, χ² p and stage shares per band."""
    rho, ci, p, n = _spearman(pair.iloc[:, 0], pair.iloc[:, 1], settings)
    table = pd.crosstab(pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy())
    size = inputs.x.loc[pair.index].astype(str)
    by_band = (
        pd.crosstab(size, inputs.y.loc[pair.index].astype(int), normalize="index")
        .reindex([s for s in inputs.options["size_order"] if s in set(size)])
        .round(4)
    )
    details = {
        "equivalence_bound": settings.bound,
        "ci_method": spearman_ci_method(n, settings.n_boot),
        "cramers_v": cramers_v(table),
        "cramers_v_ci": list(cramers_v_ci(table, confidence=settings.confidence)),
        "chi2_p_value": float(stats.chi2_contingency(table.to_numpy(), correction=False)[1]),
        "stage_share_by_size": {
            str(k): {str(s): float(x) for s, x in row.items()} for k, row in by_band.iterrows()
        },
    }
    return Estimate(rho, ci, p, n, details)


def equivalence_verdict(estimate: Estimate, bound: float) -> str:
    """*supported* if the interval lies inside ±bound (any relation is smaller than a small
    effect); *not supported* if it lies wholly outside; *inconclusive* otherwise."""
    lo, hi = estimate.ci
    if -bound < lo and hi < bound:
        return "supported"
    if lo >= bound or hi <= -bound:
        return "not supported"
    return "inconclusive"


def explain_size_stage(estimate: Estimate, verdict: str, bound: float) -> str:
    """The size claim's verdict in words, with rho and its interval."""
    rho, ci = estimate.value, _fmt_ci(estimate.ci)
    if verdict == "supported":
        return (
            f"Size and stage are practically unrelated: rho = {rho:.2f} (95% CI {ci}), "
            f"every value in the interval is within ±{bound:.2f}."
        )
    if verdict == "not supported":
        direction = "larger" if rho > 0 else "smaller"
        return (
            f"Size does go with stage: {direction} firms are at later stages, rho = {rho:.2f} "
            f"(95% CI {ci})."
        )
    return (
        f"rho = {rho:.2f} (95% CI {ci}): the interval reaches beyond ±{bound:.2f}, "
        "so the data cannot rule out a small relation; more respondents are needed."
    )


# ---------------------------------------------------------------------- offering vs quadrant
def offering_quadrant_estimate(
    pair: pd.DataFrame, inputs: ClaimInputs, settings: ClaimSettings
) -> Estimate:
    """Cramér's V of offering × quadrant; shares of the claimed offering in two quadrants."""
    product, service = inputs.options["product"], inputs.options["service"]
    off, quad = pair.iloc[:, 0].astype(str), pair.iloc[:, 1].astype(str)
    table = pd.crosstab(off, quad)
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    p_service = float((off == service).mean())
    details: dict = {
        "n_excluded_other_offering": int((~inputs.x.isin([product, service])).sum()),
        "overall_service_share": p_service,
        "overall_product_share": 1 - p_service,
        "chi2": float(chi2),
        "table": {q: {o: int(table.loc[o, q]) for o in table.index} for q in table.columns},
    }
    directions = []
    for quad_name, want in (("thought_leadership", service), ("dissemination", product)):
        members = off[quad == quad_name]
        if len(members) == 0:
            details[f"{want}_share_in_{quad_name}"] = None
            directions.append(None)
            continue
        count = int((members == want).sum())
        share = count / len(members)
        overall = p_service if want == service else 1 - p_service
        details[f"{want}_share_in_{quad_name}"] = share
        details[f"{want}_share_in_{quad_name}_ci"] = list(
            wilson_interval(count, len(members), confidence=settings.confidence)
        )
        directions.append(share > overall)
    facts = {
        "directions": tuple(directions),
        "service_share": p_service,
        "service_share_in_thought_leadership": details[f"{service}_share_in_thought_leadership"],
        "product_share_in_dissemination": details[f"{product}_share_in_dissemination"],
    }
    v_ci = cramers_v_ci(table, confidence=settings.confidence)
    return Estimate(cramers_v(table), v_ci, float(p), len(off), details, facts)


def directed_association_verdict(estimate: Estimate, bound: float) -> str:
    """Association in the claimed direction (Thought Leadership ↔ services, Dissemination ↔
    products): *supported* when V's interval lies above bound and both conditional shares
    exceed the overall share of that offering; *partly* when only one direction holds; *not
    supported* when V's interval lies below bound or the association runs the other way;
    *inconclusive* otherwise. The cases' strict form ("only") would need shares near 100 %."""
    lo, hi = estimate.ci
    tl_dir, dis_dir = estimate.facts["directions"]
    if lo >= bound and tl_dir and dis_dir:
        return "supported"
    if lo >= bound and (tl_dir or dis_dir):
        return "partly"
    if hi < bound or (lo >= bound and not (tl_dir or dis_dir)):
        return "not supported"
    return "inconclusive"


def explain_offering_quadrant(estimate: Estimate, verdict: str, bound: float) -> str:
    """The offering claim's verdict in words, with V and the conditional shares."""
    f = estimate.facts
    shares = (
        f"{_pct(f['service_share_in_thought_leadership'])} of Thought Leadership firms are "
        f"service providers and {_pct(f['product_share_in_dissemination'])} of Dissemination "
        f"firms make products (overall {f['service_share']:.0%} service)"
    )
    v, ci = estimate.value, _fmt_ci(estimate.ci)
    if verdict == "supported":
        return f"Offering and quadrant are associated in the claimed direction: {shares}."
    if verdict == "partly":
        return f"Associated, but only one of the two directions holds: {shares}."
    if verdict == "not supported" and estimate.ci[1] < bound:
        return (
            f"No meaningful link between offering and quadrant (V = {v:.2f}, 95% CI {ci}): "
            f"{shares}. The case pattern looks like a small-sample artefact, as the authors "
            "suspected."
        )
    if verdict == "not supported":
        return f"The association runs against the claim: {shares}."
    return f"V = {v:.2f} (95% CI {ci}) cannot separate a weak link from none: {shares}."


# ---------------------------------------------------------------------- stage vs decentralisation
def stage_control_estimate(
    pair: pd.DataFrame, inputs: ClaimInputs, settings: ClaimSettings
) -> Estimate:
    """Spearman's rho of stage and control score; share decentralised per stage (Wilson)."""
    st, ctl = pair.iloc[:, 0].astype(int), pair.iloc[:, 1]
    rho, ci, p, n = _spearman(st, ctl, settings)
    per_stage = {}
    for s in sorted(st.unique()):
        members = ctl[st == s]
        count = int((members >= inputs.options["cut"]).sum())
        lo, hi = wilson_interval(count, len(members), confidence=settings.confidence)
        per_stage[str(int(s))] = {
            "n": len(members),
            "share_decentralised": count / len(members),
            "ci": [lo, hi],
            "mean_control": float(members.mean()),
        }
    top = per_stage.get("4")
    trend = "yes" if ci[0] > 0 else ("no" if ci[1] <= 0 else "unclear")
    if top is None:
        majority = "unclear"
    else:
        majority = "yes" if top["ci"][0] > 0.5 else ("no" if top["ci"][1] < 0.5 else "unclear")
    details = {
        "cut": inputs.options["cut"],
        "by_stage": per_stage,
        "trend": trend,
        "stage4_majority": majority,
        "ci_method": spearman_ci_method(n, settings.n_boot),
    }
    return Estimate(rho, ci, p, n, details)


def trend_and_majority_verdict(estimate: Estimate, bound: float) -> str:
    """Two parts: the trend (rho's interval above 0) and the stage-4 majority (the share at
    stage 4 has an interval above 50 %). *supported* when both hold, *partly* when one holds,
    *not supported* when one is contradicted and neither holds, *inconclusive* otherwise.
    ``bound`` is not used."""
    parts = [estimate.details["trend"], estimate.details["stage4_majority"]]
    if parts == ["yes", "yes"]:
        return "supported"
    if "yes" in parts:
        return "partly"
    if "no" in parts:
        return "not supported"
    return "inconclusive"


def explain_stage_control(estimate: Estimate, verdict: str, bound: float) -> str:
    """The trend over the stages and the share decentralised at stage 4, in words."""
    top = estimate.details["by_stage"].get("4")
    top_text = (
        "no respondent is at stage 4"
        if top is None
        else f"{top['share_decentralised']:.0%} of stage-4 firms are decentralised "
        f"(95% CI {_fmt_ci(tuple(top['ci']))})"
    )
    trend_text = {
        "yes": "decentralisation rises with stage",
        "no": "decentralisation does not rise with stage",
        "unclear": "no clear trend over the stages",
    }[estimate.details["trend"]]
    rho, ci = estimate.value, _fmt_ci(estimate.ci)
    return f"{trend_text.capitalize()} (rho = {rho:.2f}, 95% CI {ci}); {top_text}."


# ---------------------------------------------------------------------- maturity vs performance
def maturity_performance_estimate(
    pair: pd.DataFrame, inputs: ClaimInputs, settings: ClaimSettings
) -> Estimate:
    """Spearman's rho; OLS slope of performance on maturity (R ``lm``); mean per stage."""
    x, y = pair.iloc[:, 0], pair.iloc[:, 1]
    rho, ci, p, n = _spearman(x, y, settings)
    fit = ols_slope(x, y, confidence=settings.confidence)
    details: dict = {
        "ci_method": spearman_ci_method(n, settings.n_boot),
        "slope": fit.slope,
        "slope_ci": list(fit.ci),
        "intercept": fit.intercept,
        "r_squared": fit.r_squared,
    }
    stage = inputs.options.get("stage")
    if stage is not None:
        means = y.groupby(stage.reindex(pair.index).astype("Float64")).mean()
        details["mean_outcome_by_stage"] = {str(int(k)): float(v) for k, v in means.items()}
    return Estimate(rho, ci, p, n, details)


def minimum_effect_verdict(estimate: Estimate, bound: float) -> str:
    """*supported* when the interval lies above bound (at least a small positive relation),
    *partly* when above 0 but reaching below bound, *not supported* when below bound,
    *inconclusive* otherwise."""
    lo, hi = estimate.ci
    if lo >= bound:
        return "supported"
    if lo > 0:
        return "partly"
    if hi < bound:
        return "not supported"
    return "inconclusive"


def explain_maturity_performance(estimate: Estimate, verdict: str, bound: float) -> str:
    """The performance claim's verdict in words, with rho and (if supported) the slope."""
    rho, ci = estimate.value, _fmt_ci(estimate.ci)
    if verdict == "supported":
        return (
            f"More capable firms report better performance on social media: rho = {rho:.2f} "
            f"(95% CI {ci}); each scale point of maturity goes with "
            f"{estimate.details['slope']:+.2f} points of performance. Cross-sectional data: "
            "association, not proof of cause."
        )
    if verdict == "partly":
        return f"A positive but possibly trivial relation: rho = {rho:.2f} (95% CI {ci})."
    if verdict == "not supported":
        return (
            f"No meaningful positive relation between capabilities and performance: "
            f"rho = {rho:.2f} (95% CI {ci})."
        )
    return f"rho = {rho:.2f} (95% CI {ci}): too uncertain to tell."
