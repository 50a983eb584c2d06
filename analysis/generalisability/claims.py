"""The source papers' own claims, tested with effect sizes, confidence intervals and verdicts.

Four claims from the case studies (seed 001: Cartwright & Davies 2022; seed 002: Cartwright,
Davies & Archer-Brown 2021):

1. ``size_vs_stage`` — firm size does not determine maturity (seed 001).
2. ``offering_vs_quadrant`` — Thought Leadership firms were service providers and Dissemination
   firms product manufacturers (seed 002; the authors suspect a small-sample artefact).
3. ``stage_vs_decentralisation`` — stage 4 firms decentralise (seeds 001 and 002).
4. ``stage_vs_performance`` — capabilities raise perceived competitive performance on social
   media (seed 001).

Each test returns a :class:`Claim` with a verdict from :data:`VERDICTS`. When the data or the
instrument cannot answer a claim the verdict is ``not testable`` and the explanation says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.criteria import EQUIVALENCE_BOUND, MIN_N
from analysis.measurement.scoring import Scores
from analysis.structure.quadrants import wilson_interval
from instrument import QUADRANTS, Instrument

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


CLAIM_TEXT: dict[str, str] = {
    "size_vs_stage": "Firm size does not determine social-media maturity (seed 001).",
    "offering_vs_quadrant": (
        "Thought Leadership firms are service providers and Dissemination firms are product "
        "manufacturers (seed 002, in 12 cases)."
    ),
    "stage_vs_decentralisation": (
        "Firms at stage 4 decentralise content creation (seeds 001 and 002)."
    ),
    "stage_vs_performance": (
        "Social-media capabilities raise perceived competitive performance on social media "
        "(seed 001)."
    ),
}


# ---------------------------------------------------------------------- statistics
def spearman_ci(
    x: pd.Series,
    y: pd.Series,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
    max_boot_n: int = 5000,
) -> tuple[float, tuple[float, float], float, int]:
    """Spearman's rho with a confidence interval (percentile bootstrap, or Bonett–Wright).

    Parameters
    ----------
    x, y : Series
        Paired values (same index); pairs with a missing value are dropped.
    n_boot : int, default 2000
        Bootstrap replicates.
    confidence : float, default 0.95
    random_state : int, optional
    max_boot_n : int, default 5000
        Above this many pairs the interval is Bonett & Wright's (2000) normal approximation,
        :math:`\\tanh(\\operatorname{atanh} r_s \\pm z \\sqrt{(1 + r_s^2/2)/(n - 3)})`:
        re-ranking every replicate costs O(B n log n), and at such sizes the approximation is
        accurate.

    Returns
    -------
    rho, (low, high), p_value, n
        rho and p-value as R ``cor.test(method = "spearman", exact = FALSE)``
        (``scipy.stats.spearmanr``); ties get mid-ranks.

    References
    ----------
    Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson,
    Kendall and Spearman correlations. *Psychometrika*, 65(1), 23–28.
    """
    pair = pd.concat([x, y], axis=1).dropna().astype(float).to_numpy()
    n = len(pair)
    if n < 4:
        raise ValueError(f"Spearman's rho needs at least 4 complete pairs, got {n}")
    res = stats.spearmanr(pair[:, 0], pair[:, 1])
    rho, p = float(res.statistic), float(res.pvalue)
    if n > max_boot_n:
        z = stats.norm.ppf(0.5 + confidence / 2)
        half = z * np.sqrt((1 + rho**2 / 2) / (n - 3))
        centre = np.arctanh(np.clip(rho, -0.999999, 0.999999))
        return rho, (float(np.tanh(centre - half)), float(np.tanh(centre + half))), p, n
    rng = np.random.default_rng(random_state)
    # Dense codes of the distinct values: a replicate's mid-ranks then come from counting
    # (O(n) per replicate) instead of sorting, and equal scipy's rankdata(method="average").
    x_codes = np.unique(pair[:, 0], return_inverse=True)[1].ravel()
    y_codes = np.unique(pair[:, 1], return_inverse=True)[1].ravel()
    chunk = max(1, 1_000_000 // n)  # replicates per block: bounded memory
    reps = []
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, (min(chunk, n_boot - start), n))
        rx = _midranks(x_codes[idx])
        ry = _midranks(y_codes[idx])
        rx -= rx.mean(axis=1, keepdims=True)
        ry -= ry.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            reps.append((rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1)))
    return rho, _percentile(np.concatenate(reps), confidence), p, n


def _midranks(codes: np.ndarray) -> np.ndarray:
    """Mid-ranks of each row of a matrix of dense integer codes (ties share their mean rank).

    For a value with code :math:`v` in a row, rank = (number of smaller values) + (number of
    values equal to :math:`v` + 1) / 2 — ``scipy.stats.rankdata(row, method="average")``.
    """
    n_rows = codes.shape[0]
    n_levels = int(codes.max()) + 1
    flat = codes + n_levels * np.arange(n_rows)[:, None]
    counts = np.bincount(flat.ravel(), minlength=n_rows * n_levels).reshape(n_rows, n_levels)
    below = np.cumsum(counts, axis=1) - counts
    ranks = below + (counts + 1) / 2.0
    return np.take_along_axis(ranks, codes, axis=1)


def cramers_v(table: pd.DataFrame | np.ndarray) -> float:
    """Cramér's V of a contingency table: :math:`\\sqrt{\\chi^2 / (N (\\min(r, c) - 1))}`.

    Notes
    -----
    Pearson's :math:`\\chi^2` without continuity correction (R ``chisq.test(correct = FALSE)``).
    Rows or columns with no counts are dropped first.

    Examples
    --------
    >>> round(cramers_v([[30, 10], [10, 30]]), 3)
    0.5
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return float("nan")
    chi2 = stats.chi2_contingency(t, correction=False)[0]
    return float(np.sqrt(chi2 / (t.sum() * (min(t.shape) - 1))))


def cramers_v_ci(
    table: pd.DataFrame | np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Confidence interval of Cramér's V from the noncentral χ² distribution.

    Parameters
    ----------
    table : DataFrame or array
        Contingency table of counts.
    confidence : float, default 0.95

    Returns
    -------
    tuple of float
        :math:`\\sqrt{\\lambda / (N (\\min(r, c) - 1))}` at the lower and upper limits of the
        noncentrality :math:`\\lambda`, which solve
        :math:`P(\\chi^2_{df}(\\lambda) \\ge \\chi^2_{obs}) = \\alpha/2` and
        :math:`1 - \\alpha/2`; a limit is 0 when even :math:`\\lambda = 0` is too large.

    Notes
    -----
    Smithson (2003), as R's ``effectsize::cramers_v`` (without small-sample adjustment).
    Unlike a bootstrap interval it reaches 0 when the data are compatible with no association.

    References
    ----------
    Smithson, M. (2003). *Confidence intervals*. Sage (ch. 4).
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return (float("nan"), float("nan"))
    chi2, _, df, _ = stats.chi2_contingency(t, correction=False)
    scale = t.sum() * (min(t.shape) - 1)
    alpha = 1 - confidence

    def ncp_for(tail: float) -> float:
        # P(X >= chi2 | ncp) rises with ncp; find ncp where it equals `tail`.
        def f(ncp: float) -> float:
            upper = stats.ncx2.sf(chi2, df, ncp) if ncp > 0 else stats.chi2.sf(chi2, df)
            return float(upper) - tail

        if f(0.0) >= 0:
            return 0.0
        hi = max(10.0, 2 * chi2)
        while f(hi) < 0:
            hi *= 2
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-10))

    lo, hi = ncp_for(alpha / 2), ncp_for(1 - alpha / 2)
    return float(np.sqrt(lo / scale)), float(np.sqrt(hi / scale))


def _ci_method(n: int, n_boot: int, max_boot_n: int = 5000) -> str:
    """How :func:`spearman_ci` built the interval for ``n`` pairs."""
    if n > max_boot_n:
        return "Bonett–Wright normal approximation (large sample)"
    return f"percentile bootstrap, {n_boot} replicates"


def _percentile(reps: np.ndarray, confidence: float) -> tuple[float, float]:
    reps = reps[np.isfinite(reps)]
    if len(reps) == 0:
        return (float("nan"), float("nan"))
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(reps, [alpha, 1 - alpha])
    return float(lo), float(hi)


def _fmt_ci(ci: tuple[float, float]) -> str:
    return f"{ci[0]:.2f} to {ci[1]:.2f}"


def _not_testable(claim_id: str, test: str, effect: str, why: str, n: int = 0) -> Claim:
    return Claim(
        id=claim_id,
        claim=CLAIM_TEXT[claim_id],
        test=test,
        effect=effect,
        estimate=None,
        ci=None,
        p_value=None,
        n=n,
        verdict="not testable",
        explanation=f"Not testable: {why}.",
    )


# ---------------------------------------------------------------------- the four claims
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
    """Firm size vs stage: Spearman's rho with an equivalence-style verdict.

    Parameters
    ----------
    size : Series
        Size band of each firm (option values of the ``measures: firm_size`` question).
    stage : Series
        Stage 1–4 (the theory stage), same index.
    size_order : list of str
        The size bands from smallest to largest (the question's options).
    bound : float, default 0.10
        Equivalence bound: the claim "size does not matter" is supported when the whole
        confidence interval of rho lies inside ``±bound``.
    n_boot, confidence, random_state
        Bootstrap settings.

    Returns
    -------
    Claim
        ``estimate`` = Spearman's rho between the band's rank and the stage; ``details`` has
        Cramér's V of the size × stage table with its interval, the χ² p-value and the
        stage distribution per size band.

    Notes
    -----
    Verdict: *supported* if the interval lies inside ±``bound`` (any relation is smaller
    than a small effect); *not supported* if it lies wholly outside (a relation of at least
    small size); *inconclusive* otherwise (too few respondents to tell).
    """
    claim_id = "size_vs_stage"
    test = "Spearman's rho (size band rank × stage), percentile bootstrap CI; χ², Cramér's V"
    effect = "Spearman's rho"
    unknown = sorted(set(size.dropna().astype(str)) - set(size_order))
    if unknown:
        raise ValueError(
            f"the size column has value(s) {unknown[:5]} that are not the question's size bands "
            f"{size_order}"
        )
    rank = size.astype("string").map({v: i + 1 for i, v in enumerate(size_order)})
    pair = pd.concat([rank.astype("Float64"), stage.astype("Float64")], axis=1).dropna()
    if len(pair) < MIN_N:
        return _not_testable(
            claim_id, test, effect, f"only {len(pair)} respondents have size and stage", len(pair)
        )
    rho, ci, p, n = spearman_ci(
        pair.iloc[:, 0],
        pair.iloc[:, 1],
        n_boot=n_boot,
        confidence=confidence,
        random_state=random_state,
    )
    a, b = pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy()
    table = pd.crosstab(a, b)
    v = cramers_v(table)
    chi2_p = float(stats.chi2_contingency(table.to_numpy(), correction=False)[1])
    v_ci = cramers_v_ci(table, confidence=confidence)
    by_band = (
        pd.crosstab(
            size.loc[pair.index].astype(str), stage.loc[pair.index].astype(int), normalize="index"
        )
        .reindex([s for s in size_order if s in set(size.loc[pair.index].astype(str))])
        .round(4)
    )
    if -bound < ci[0] and ci[1] < bound:
        verdict = "supported"
        text = (
            f"Size and stage are practically unrelated: rho = {rho:.2f} (95% CI {_fmt_ci(ci)}), "
            f"every value in the interval is within ±{bound:.2f}."
        )
    elif ci[0] >= bound or ci[1] <= -bound:
        verdict = "not supported"
        direction = "larger" if rho > 0 else "smaller"
        text = (
            f"Size does go with stage: {direction} firms are at later stages, rho = {rho:.2f} "
            f"(95% CI {_fmt_ci(ci)})."
        )
    else:
        verdict = "inconclusive"
        text = (
            f"rho = {rho:.2f} (95% CI {_fmt_ci(ci)}): the interval reaches beyond ±{bound:.2f}, "
            "so the data cannot rule out a small relation; more respondents are needed."
        )
    return Claim(
        id=claim_id,
        claim=CLAIM_TEXT[claim_id],
        test=test,
        effect=effect,
        estimate=rho,
        ci=ci,
        p_value=p,
        n=n,
        verdict=verdict,
        explanation=text,
        details={
            "equivalence_bound": bound,
            "ci_method": _ci_method(n, n_boot),
            "cramers_v": v,
            "cramers_v_ci": list(v_ci),
            "chi2_p_value": chi2_p,
            "stage_share_by_size": {
                str(k): {str(s): float(x) for s, x in row.items()} for k, row in by_band.iterrows()
            },
        },
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

    Parameters
    ----------
    offering : Series
        Option value of the ``measures: offering`` question; only ``product`` and ``service``
        firms are compared (e.g. "both" is left out).
    quadrant : Series
        Quadrant of each firm, same index.
    product, service : str
        The option values meaning "mainly products" and "mainly services".
    confidence : float, default 0.95
        Level of the intervals (V: noncentral χ², :func:`cramers_v_ci`; shares: Wilson).

    Returns
    -------
    Claim
        ``estimate`` = Cramér's V of the offering × quadrant table; ``details`` has the share
        of service providers among Thought Leadership firms, of product providers among
        Dissemination firms (Wilson intervals) and the overall shares.

    Notes
    -----
    The cases suggest an association with a direction: Thought Leadership ↔ services,
    Dissemination ↔ products. Verdict: *supported* when V's interval lies above .10 and both
    conditional shares exceed the overall share of that offering; *partly* when V's interval
    lies above .10 but only one direction holds; *not supported* when V's interval lies below
    .10 (no meaningful association) or the association runs the other way; *inconclusive*
    otherwise. The cases' strict form ("only") would need the conditional shares near 100 %.
    """
    claim_id = "offering_vs_quadrant"
    test = "χ² test of offering (product/service) × quadrant, Cramér's V (noncentral χ² CI)"
    effect = "Cramér's V"
    keep = offering.isin([product, service]) & quadrant.notna() & quadrant.isin(QUADRANTS)
    off = offering[keep].astype(str)
    quad = quadrant[keep].astype(str)
    n = len(off)
    if n < MIN_N:
        return _not_testable(
            claim_id, test, effect, f"only {n} product or service firms have a quadrant", n
        )
    if off.nunique() < 2:
        return _not_testable(claim_id, test, effect, "all firms have the same offering", n)
    table = pd.crosstab(off, quad)
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    v = cramers_v(table)
    v_ci = cramers_v_ci(table, confidence=confidence)
    p_service = float((off == service).mean())
    details: dict = {
        "n_excluded_other_offering": int((~offering.isin([product, service])).sum()),
        "overall_service_share": p_service,
        "overall_product_share": 1 - p_service,
        "chi2": float(chi2),
        "table": {q: {o: int(table.loc[o, q]) for o in table.index} for q in table.columns},
    }
    directions = []
    for quad_name, want in (
        ("thought_leadership", service),
        ("dissemination", product),
    ):
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
            wilson_interval(count, len(members), confidence=confidence)
        )
        directions.append(share > overall)
    tl_dir, dis_dir = directions
    shares_text = (
        f"{_pct(details.get(f'{service}_share_in_thought_leadership'))} of Thought Leadership "
        f"firms are service providers and {_pct(details.get(f'{product}_share_in_dissemination'))}"
        f" of Dissemination firms make products (overall {p_service:.0%} service)"
    )
    if v_ci[0] >= EQUIVALENCE_BOUND and tl_dir and dis_dir:
        verdict = "supported"
        text = f"Offering and quadrant are associated in the claimed direction: {shares_text}."
    elif v_ci[0] >= EQUIVALENCE_BOUND and (tl_dir or dis_dir):
        verdict = "partly"
        text = f"Associated, but only one of the two directions holds: {shares_text}."
    elif v_ci[1] < EQUIVALENCE_BOUND or (v_ci[0] >= EQUIVALENCE_BOUND and not (tl_dir or dis_dir)):
        verdict = "not supported"
        text = (
            f"No meaningful link between offering and quadrant (V = {v:.2f}, 95% CI "
            f"{_fmt_ci(v_ci)}): {shares_text}. The case pattern looks like a small-sample "
            "artefact, as the authors suspected."
            if v_ci[1] < EQUIVALENCE_BOUND
            else f"The association runs against the claim: {shares_text}."
        )
    else:
        verdict = "inconclusive"
        text = (
            f"V = {v:.2f} (95% CI {_fmt_ci(v_ci)}) cannot separate a weak link from none: "
            f"{shares_text}."
        )
    return Claim(
        id=claim_id,
        claim=CLAIM_TEXT[claim_id],
        test=test,
        effect=effect,
        estimate=v,
        ci=v_ci,
        p_value=float(p),
        n=n,
        verdict=verdict,
        explanation=text,
        details=details,
    )


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

    Parameters
    ----------
    stage : Series
        Stage 1–4 (theory stage).
    control : Series
        Control-axis score (high = decentralised), same index.
    cut : float
        Control score at or above which a firm counts as decentralised (the quadrant cut).
    n_boot, confidence, random_state
        Bootstrap settings for the interval of rho.

    Returns
    -------
    Claim
        ``estimate`` = Spearman's rho of stage and control score; ``details`` has the share
        decentralised per stage with Wilson intervals and the mean control score per stage.

    Notes
    -----
    Two parts: the trend (rho's interval above 0) and the stage-4 majority (the share
    decentralised at stage 4 has an interval above 50 %). *Supported* when both hold,
    *partly* when one holds, *not supported* when one is contradicted (rho's interval below 0
    or the stage-4 share's interval below 50 %) and neither holds, *inconclusive* otherwise.
    """
    claim_id = "stage_vs_decentralisation"
    test = "Spearman's rho (stage × control score), bootstrap CI; share decentralised at stage 4"
    effect = "Spearman's rho"
    pair = pd.concat([stage.astype("Float64"), control.astype("Float64")], axis=1).dropna()
    if len(pair) < MIN_N:
        return _not_testable(
            claim_id,
            test,
            effect,
            f"only {len(pair)} respondents have stage and control score",
            len(pair),
        )
    st = pair.iloc[:, 0].astype(int)
    ctl = pair.iloc[:, 1].astype(float)
    rho, ci, p, n = spearman_ci(
        st, ctl, n_boot=n_boot, confidence=confidence, random_state=random_state
    )
    per_stage = {}
    for s in sorted(st.unique()):
        members = ctl[st == s]
        count = int((members >= cut).sum())
        lo, hi = wilson_interval(count, len(members), confidence=confidence)
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
    parts = [trend, majority]
    if parts == ["yes", "yes"]:
        verdict = "supported"
    elif "yes" in parts:
        verdict = "partly"
    elif "no" in parts:
        verdict = "not supported"
    else:
        verdict = "inconclusive"
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
    }[trend]
    text = f"{trend_text.capitalize()} (rho = {rho:.2f}, 95% CI {_fmt_ci(ci)}); {top_text}."
    return Claim(
        id=claim_id,
        claim=CLAIM_TEXT[claim_id],
        test=test,
        effect=effect,
        estimate=rho,
        ci=ci,
        p_value=p,
        n=n,
        verdict=verdict,
        explanation=text,
        details={
            "cut": cut,
            "by_stage": per_stage,
            "trend": trend,
            "stage4_majority": majority,
            "ci_method": _ci_method(n, n_boot),
        },
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

    Parameters
    ----------
    maturity : Series
        Overall capability (mean of the four level scores).
    outcome : Series
        Perceived performance score (mean of the outcome constructs), same index.
    stage : Series, optional
        Stage 1–4, for the mean outcome per stage in ``details``.
    n_boot, confidence, random_state
        Bootstrap settings for rho's interval.

    Returns
    -------
    Claim
        ``estimate`` = Spearman's rho; ``details`` has the OLS slope of outcome on maturity
        with its t interval, R² (R ``lm(outcome ~ maturity)``) and the mean outcome per stage.

    Notes
    -----
    *Supported* when rho's interval lies above .10 (at least a small positive relation),
    *partly* when it lies above 0 but reaches below .10, *not supported* when it lies below
    .10, *inconclusive* otherwise. The data are cross-sectional: a positive relation is
    consistent with the claim but does not show that capabilities *cause* performance.
    """
    claim_id = "stage_vs_performance"
    test = "Spearman's rho (maturity × performance), bootstrap CI; OLS slope with t CI"
    effect = "Spearman's rho"
    pair = pd.concat([maturity.astype(float), outcome.astype(float)], axis=1).dropna()
    if len(pair) < MIN_N:
        return _not_testable(
            claim_id, test, effect, f"only {len(pair)} respondents have both scores", len(pair)
        )
    x, y = pair.iloc[:, 0], pair.iloc[:, 1]
    rho, ci, p, n = spearman_ci(
        x, y, n_boot=n_boot, confidence=confidence, random_state=random_state
    )
    reg = stats.linregress(x.to_numpy(), y.to_numpy())
    t = stats.t.ppf(0.5 + confidence / 2, n - 2)
    details: dict = {
        "ci_method": _ci_method(n, n_boot),
        "slope": float(reg.slope),
        "slope_ci": [float(reg.slope - t * reg.stderr), float(reg.slope + t * reg.stderr)],
        "intercept": float(reg.intercept),
        "r_squared": float(reg.rvalue**2),
    }
    if stage is not None:
        st = stage.reindex(pair.index)
        means = y.groupby(st.astype("Float64")).mean()
        details["mean_outcome_by_stage"] = {str(int(k)): float(v) for k, v in means.items()}
    if ci[0] >= EQUIVALENCE_BOUND:
        verdict = "supported"
        text = (
            f"More capable firms report better performance on social media: rho = {rho:.2f} "
            f"(95% CI {_fmt_ci(ci)}); each scale point of maturity goes with "
            f"{reg.slope:+.2f} points of performance. Cross-sectional data: association, not "
            "proof of cause."
        )
    elif ci[0] > 0:
        verdict = "partly"
        text = f"A positive but possibly trivial relation: rho = {rho:.2f} (95% CI {_fmt_ci(ci)})."
    elif ci[1] < EQUIVALENCE_BOUND:
        verdict = "not supported"
        text = (
            f"No meaningful positive relation between capabilities and performance: "
            f"rho = {rho:.2f} (95% CI {_fmt_ci(ci)})."
        )
    else:
        verdict = "inconclusive"
        text = f"rho = {rho:.2f} (95% CI {_fmt_ci(ci)}): too uncertain to tell."
    return Claim(
        id=claim_id,
        claim=CLAIM_TEXT[claim_id],
        test=test,
        effect=effect,
        estimate=rho,
        ci=ci,
        p_value=p,
        n=n,
        verdict=verdict,
        explanation=text,
        details=details,
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


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
        Claim id → :class:`Claim`, in the order of :data:`CLAIM_TEXT`.
    """
    keep = pd.Series(True, index=responses.index)
    if exclude is not None:
        if not exclude.index.equals(responses.index):
            raise ValueError("exclude must have the same index as responses")
        keep = ~exclude.astype(bool)
    seeds = np.random.SeedSequence(random_state).generate_state(len(CLAIM_TEXT))
    boot = {"n_boot": n_boot, "confidence": confidence}
    stage = scores.stage_theory[keep]
    out: dict[str, Claim] = {}
    tests: dict[str, Callable[[int], Claim]] = {
        "size_vs_stage": lambda seed: _size_claim(instrument, responses[keep], stage, seed, boot),
        "offering_vs_quadrant": lambda seed: _offering_claim(
            instrument, responses[keep], scores.quadrant[keep], seed, boot
        ),
        "stage_vs_decentralisation": lambda seed: _decentral_claim(
            instrument, stage, scores.axes[keep], seed, boot
        ),
        "stage_vs_performance": lambda seed: _performance_claim(
            instrument, scores, keep, seed, boot
        ),
    }
    for (claim_id, run), seed in zip(tests.items(), seeds, strict=True):
        try:
            out[claim_id] = run(int(seed))
        except ValueError as exc:  # data that do not fit the question, e.g. unknown size bands
            test, effect = _TEST_OF[claim_id]
            out[claim_id] = _not_testable(claim_id, test, effect, str(exc))
    return out


#: (test, effect) of each claim, for claims that cannot be tested.
_TEST_OF: dict[str, tuple[str, str]] = {
    "size_vs_stage": ("Spearman's rho (size band rank × stage)", "Spearman's rho"),
    "offering_vs_quadrant": ("χ² test of offering × quadrant", "Cramér's V"),
    "stage_vs_decentralisation": ("Spearman's rho (stage × control score)", "Spearman's rho"),
    "stage_vs_performance": ("Spearman's rho (maturity × performance)", "Spearman's rho"),
}


def _size_claim(inst: Instrument, resp: pd.DataFrame, stage: pd.Series, seed: int, boot: dict):
    test, effect = _TEST_OF["size_vs_stage"]
    if not inst.has_stage_model:
        return _not_testable("size_vs_stage", test, effect, "the instrument has no stage model")
    q = inst.firmographic_measuring("firm_size")
    if q is None or not q.options:
        return _not_testable(
            "size_vs_stage",
            test,
            effect,
            "the instrument has no size question (a firmographic with measures: firm_size)",
        )
    if q.id not in resp.columns:
        why = f"the responses have no '{q.id}' column"
        return _not_testable("size_vs_stage", test, effect, why)
    return size_vs_stage(
        resp[q.id], stage, size_order=[o.value for o in q.options], random_state=seed, **boot
    )


def _offering_claim(inst: Instrument, resp: pd.DataFrame, quad: pd.Series, seed: int, boot: dict):
    test, effect = _TEST_OF["offering_vs_quadrant"]
    if not inst.has_quadrant_model:
        return _not_testable(
            "offering_vs_quadrant", test, effect, "the instrument has no control/orientation axes"
        )
    q = inst.firmographic_measuring("offering")
    if q is None:
        return _not_testable(
            "offering_vs_quadrant",
            test,
            effect,
            "the instrument has no offering question (a firmographic with measures: offering)",
        )
    values = {o.value for o in q.options}
    if not {"product", "service"} <= values:
        return _not_testable(
            "offering_vs_quadrant",
            test,
            effect,
            f"the offering question '{q.id}' has no 'product' and 'service' options",
        )
    if q.id not in resp.columns:
        return _not_testable(
            "offering_vs_quadrant", test, effect, f"the responses have no '{q.id}' column"
        )
    return offering_vs_quadrant(resp[q.id], quad, confidence=boot["confidence"])


def _decentral_claim(inst: Instrument, stage: pd.Series, axes: pd.DataFrame, seed: int, boot: dict):
    test, effect = _TEST_OF["stage_vs_decentralisation"]
    if not inst.has_stage_model:
        return _not_testable(
            "stage_vs_decentralisation", test, effect, "the instrument has no stage model"
        )
    if "control" not in axes.columns:
        return _not_testable(
            "stage_vs_decentralisation",
            test,
            effect,
            "the instrument has no control axis (a construct with axis: control)",
        )
    cut, _ = inst.quadrant_cuts()
    return stage_vs_decentralisation(stage, axes["control"], cut=cut, random_state=seed, **boot)


def _performance_claim(inst: Instrument, scores: Scores, keep: pd.Series, seed: int, boot: dict):
    test, effect = _TEST_OF["stage_vs_performance"]
    if not inst.outcome_constructs:
        return _not_testable(
            "stage_vs_performance",
            test,
            effect,
            "the instrument has no outcome construct (role: outcome)",
        )
    if scores.levels.shape[1] == 0:
        return _not_testable(
            "stage_vs_performance", test, effect, "the instrument has no capability levels"
        )
    outcome_ids = [c.id for c in inst.outcome_constructs]
    outcome = scores.constructs.loc[keep, outcome_ids].mean(axis=1, skipna=False)
    maturity = scores.levels[keep].mean(axis=1, skipna=False)
    stage = scores.stage_theory[keep] if inst.has_stage_model else None
    return stage_vs_performance(maturity, outcome, stage=stage, random_state=seed, **boot)
