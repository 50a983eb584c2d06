"""Is there a stage structure at all? Profiles, stability, replicability, ordering, agreement.

:func:`assess_stages` brings the pieces together for the level scores of a sample:

- latent profiles with a k rule that does not overfit large samples
  (:class:`analysis.structure.profiles.LatentProfiles`) → the data-driven stage ``stage_cluster``;
- clusterwise bootstrap Jaccard stability and split-half prediction strength
  (:mod:`analysis.structure.stability`);
- the cumulative (Guttman/Mokken) ordering of the dichotomised levels
(:mod:`analysis.structure.ordering`);
- agreement with the theory's stage rule (:mod:`analysis.structure.agreement`).

``supported`` is true only when all four kinds of evidence agree. When one continuous maturity
fits better than separate profiles, the answer is a null result — "maturity looks like a
continuum" — and is reported as such rather than forced into four groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.base import clone

from analysis.criteria import H_SCALABLE, JACCARD_STABLE, PREDICTION_STRENGTH_CUTOFF
from analysis.structure.agreement import HEADLINE_KAPPA, StageAgreement, stage_agreement
from analysis.structure.ordering import GuttmanScaling, developed_levels, guttman_scaling
from analysis.structure.profiles import LatentProfiles
from analysis.structure.stability import (
    JaccardStability,
    PredictionStrength,
    bootstrap_jaccard,
    prediction_strength,
)
from instrument import LEVELS

#: Number of stages in the theory (seed 001, Fig. 2).
THEORY_STAGES: int = 4
#: Quality flags (``analysis.quality.screens``) that mark careless answering. Respondents with these
#: are left out of the profile fit: flat or random answer patterns form spurious profiles.
CARELESS_FLAGS: tuple[str, ...] = ("flag_straightlining", "flag_speeding", "flag_attention")


@dataclass(frozen=True)
class Criterion:
    """One piece of evidence for a stage structure."""

    name: str
    value: float | None
    threshold: str
    met: bool | None
    text: str


@dataclass(frozen=True)
class StageAssessment:
    """Everything the data say about stages.

    Attributes
    ----------
    supported : bool
        A stage structure is supported: at least two profiles by the k rule, every profile
        stable (bootstrap Jaccard ≥ .75), prediction strength ≥ .80 and the levels cumulative
        (Loevinger's H ≥ .30).
    verdict : str
        ``supported``, ``partly`` (profiles found, some other evidence missing) or ``not
        supported`` (one profile: maturity is a continuum, or no stage model).
    summary : str
        One plain-language sentence.
    criteria : tuple of Criterion
        ``profiles``, ``stability``, ``replicability``, ``ordering``.
    stage_cluster : Series
        Data-driven stage (1 = least mature profile) for every respondent with complete level
        scores, named ``stage_cluster``.
    profiles : LatentProfiles
        The fitted profile model (fit table, profile means, k-means check).
    jaccard : JaccardStability or None
        ``None`` with one profile.
    prediction : PredictionStrength or None
        ``None`` with one profile.
    ordering : GuttmanScaling or None
        ``None`` when fewer than two levels vary.
    agreement : StageAgreement or None
        Theory stage vs data-driven stage; ``None`` without a theory stage or with one
        profile (nothing to compare).
    n_used : int
        Respondents analysed (complete level scores, not excluded).
    n_excluded : int
        Respondents left out of the fit (``exclude``).
    n_fitted : int
        Respondents the mixtures were fitted on (``n_used`` or the ``max_fit_n`` subsample).
    n_stability : int
        Respondents resampled for the Jaccard bootstrap and the prediction strength (0 with
        one profile).
    """

    supported: bool
    verdict: str
    summary: str
    criteria: tuple[Criterion, ...]
    stage_cluster: pd.Series
    profiles: LatentProfiles
    jaccard: JaccardStability | None
    prediction: PredictionStrength | None
    ordering: GuttmanScaling | None
    agreement: StageAgreement | None
    n_used: int
    n_excluded: int
    n_fitted: int
    n_stability: int

    @property
    def n_profiles(self) -> int:
        """Number of profiles the k rule chose."""
        return int(self.profiles.n_profiles_)

    def to_dict(self) -> dict:
        """JSON-able summary for ``results.json`` (section ``stages``)."""
        return {
            "supported": self.supported,
            "verdict": self.verdict,
            "summary": self.summary,
            "n_used": self.n_used,
            "n_excluded": self.n_excluded,
            "n_fitted": self.n_fitted,
            "n_stability": self.n_stability,
            **_profiles_section(self.profiles),
            "criteria": {c.name: _criterion_section(c) for c in self.criteria},
            "jaccard": _optional(_jaccard_section, self.jaccard),
            "prediction_strength": _optional(_prediction_section, self.prediction),
            "ordering": _optional(_ordering_section, self.ordering),
            "agreement": _optional(_agreement_section, self.agreement),
        }


_T = TypeVar("_T")


def _optional(section: Callable[[_T], dict], value: _T | None) -> dict | None:
    """``section(value)``, or ``None`` for a statistic that was not computed."""
    return None if value is None else section(value)


def _profiles_section(lp: LatentProfiles) -> dict:
    """The k rule's choice, BIC margins, fit table and profile means."""
    k = int(lp.n_profiles_)
    bic1 = float(lp.fit_table_.loc[1, "bic"])
    bick = float(lp.fit_table_.loc[k, "bic"])
    return {
        "n_profiles": k,
        "theory_stages": THEORY_STAGES,
        "matches_theory_k": k == THEORY_STAGES,
        "bic_convention": "-2 lnL + p ln N (lower is better; mclust reports the negative)",
        "bic_margin_over_k1": bic1 - bick,
        "bic_margin_per_respondent": (bic1 - bick) / lp.n_fitted_,
        "bic_best_k": int(lp.bic_best_k_),
        "entropy": _num(lp.entropy_),
        "kmeans_ari": _num(lp.kmeans_ari_),
        "k_rule": {
            "min_bic_gain": lp.min_bic_gain,
            "min_gain_per_respondent": lp.min_gain_per_respondent,
            "min_class_share": lp.min_class_share,
            "min_entropy": lp.min_entropy,
        },
        "fit_table": json_records(lp.fit_table_.reset_index()),
        "profiles": json_records(lp.profiles_.reset_index()),
    }


def _criterion_section(c: Criterion) -> dict:
    """One criterion's value, threshold, verdict and sentence."""
    return {"value": _num(c.value), "threshold": c.threshold, "met": c.met, "text": c.text}


def _jaccard_section(jaccard: JaccardStability) -> dict:
    """Clusterwise bootstrap Jaccard, per stage."""
    per = jaccard.per_cluster.reset_index()
    return {
        "n_boot": jaccard.n_boot,
        "min": jaccard.min_jaccard,
        "stable": jaccard.stable,
        "per_stage": json_records(per.rename(columns={"cluster": "stage"})),
    }


def _prediction_section(prediction: PredictionStrength) -> dict:
    """Prediction strength and its spread over the split halves."""
    per_split = prediction.per_split
    return {
        "value": prediction.value,
        "strong": prediction.strong,
        "n_splits": len(per_split),
        "sd": float(per_split.std(ddof=1)) if len(per_split) > 1 else None,
    }


def _ordering_section(o: GuttmanScaling) -> dict:
    """Loevinger's H and the Guttman statistics of the dichotomised levels."""
    return {
        "n": o.n_respondents,
        "h": _num(o.h),
        "h_ci": [_num(v) for v in o.h_ci],
        "band": o.band,
        "h_levels": {k: _num(v) for k, v in o.h_items.items()},
        "developed_share": {k: float(v) for k, v in o.popularity.items()},
        "order_matches_theory": o.order_matches_theory,
        "guttman_errors": o.guttman_errors,
        "reproducibility": o.reproducibility,
        "reproducibility_formula": "Goodenough–Edwards: 1 - errors / (N × levels)",
        "minimal_marginal_reproducibility": o.minimal_marginal_reproducibility,
        "perfect_pattern_share": o.perfect_share,
    }


def _agreement_section(a: StageAgreement) -> dict:
    """Theory stage vs data-driven stage: ARI, kappas and the cross-table."""
    return {
        "n": a.n,
        "ari": a.ari,
        "ari_ci": list(a.ari_ci),
        "kappa_linear": a.kappa_linear,
        "kappa_linear_ci": list(a.kappa_linear_ci),
        "kappa_quadratic": a.kappa_quadratic,
        "kappa_quadratic_ci": list(a.kappa_quadratic_ci),
        "kappa_reported": HEADLINE_KAPPA,
        "exact": a.exact,
        "crosstab": {
            str(r): {str(c): int(v) for c, v in row.items()} for r, row in a.crosstab.iterrows()
        },
    }


def assess_stages(
    levels: pd.DataFrame,
    *,
    thresholds: dict[str, float],
    stage_theory: pd.Series | None = None,
    exclude: pd.Series | None = None,
    profiles: LatentProfiles | None = None,
    n_boot: int = 100,
    n_splits: int = 20,
    refit_n_init: int | None = None,
    max_fit_n: int | None = 10_000,
    max_stability_n: int | None = 2_000,
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> StageAssessment:
    """Fit profiles to the level scores and weigh the evidence for a stage structure.

    Parameters
    ----------
    levels : DataFrame
        Level scores (``operational``, ``dynamic``, ``adaptive``, ``networking``), one row per
        respondent.
    thresholds : dict
        The stage rule's threshold per level (for the Guttman ordering).
    stage_theory : Series, optional
        Theory stage per respondent (same index), for the agreement statistics.
    exclude : Series of bool, optional
        Respondents to leave out of every statistic (e.g. flagged by the quality screen:
        straight-lining, speeding, failed attention checks). They still receive the
        ``stage_cluster`` the fitted model predicts for them.
    profiles : LatentProfiles, optional
        Unfitted profile estimator with the settings to use; default
        ``LatentProfiles(random_state=random_state)``.
    n_boot : int, default 100
        Bootstrap replicates for the Jaccard stability and the interval of H and the agreement.
    n_splits : int, default 20
        Random halvings for the prediction strength.
    refit_n_init : int, optional
        EM starts of each refit in the bootstrap and the split halves (default: the profile
        estimator's ``n_init``). Fewer starts are faster but land in poorer local optima
        more often, which lowers both stability measures.
    max_fit_n : int or None, default 10,000
        Fit the mixtures on a random sample of at most this many respondents (every
        respondent is then assigned by the fitted model). The k rule's criteria are per
        respondent or shares, so a large sample chooses the same k; BIC values then refer to
        the sample. ``None``: always fit on everyone.
    max_stability_n : int or None, default 2,000
        Run the Jaccard bootstrap and the prediction strength on a random sample of at most
        this many respondents (they refit the mixture 100+ times). Stability measured on
        fewer respondents is, if anything, conservative.
    random_state : int, optional
        Seed; the whole assessment is reproducible from it.
    n_jobs : int, optional
        Parallel workers for the bootstrap and the splits (joblib; -1 = all cores).

    Returns
    -------
    StageAssessment

    Notes
    -----
    ``supported`` requires all four:

    ========== ============================================== =========================
    criterion  statistic                                      threshold
    ========== ============================================== =========================
    profiles   number of profiles chosen by the k rule        ≥ 2
    stability  smallest clusterwise bootstrap Jaccard         ≥ .75 (Hennig, 2007)
    replicable split-half prediction strength                 ≥ .80 (Tibshirani & Walther)
    ordering   Loevinger's H of the dichotomised levels        ≥ .30 (Mokken)
    ========== ============================================== =========================

    With one profile the stability and replicability criteria do not apply and the verdict is
    *not supported*: the data are better described by one continuous maturity. A continuum can
    still be cumulative (H is high whenever the levels rise together), which is why ordering
    alone is not evidence of stages.
    """
    frame, keep = _check_inputs(
        levels, stage_theory, exclude, max_fit_n=max_fit_n, max_stability_n=max_stability_n
    )
    seeds = _Seeds.from_state(random_state)
    used = frame.loc[keep]
    complete = used.dropna()
    estimator = _fit_profiles(complete, profiles, max_fit_n=max_fit_n, seeds=seeds)
    stage_cluster = estimator.predict(frame).rename("stage_cluster")
    k = estimator.n_profiles_
    stable_rows = _at_most(complete, max_stability_n, seeds.stability_sample)
    jaccard, prediction = (
        _stability(
            stable_rows,
            stage_cluster,
            estimator,
            n_boot=n_boot,
            n_splits=n_splits,
            refit_n_init=refit_n_init,
            seeds=seeds,
            n_jobs=n_jobs,
        )
        if k >= 2
        else (None, None)
    )
    ordering = _ordering(used, thresholds, n_boot, seeds.ordering)
    agreement = (
        _agreement(stage_theory.loc[keep], stage_cluster.loc[keep], n_boot, seeds.agreement)
        if stage_theory is not None and k >= 2
        else None
    )
    criteria = _criteria(estimator, jaccard, prediction, ordering)
    verdict = _verdict(k, criteria)
    return StageAssessment(
        supported=verdict == "supported",
        verdict=verdict,
        summary=_summary(verdict, k, criteria),
        criteria=criteria,
        stage_cluster=stage_cluster,
        profiles=estimator,
        jaccard=jaccard,
        prediction=prediction,
        ordering=ordering,
        agreement=agreement,
        n_used=len(complete),
        n_excluded=int((~keep).sum()),
        n_fitted=int(estimator.n_fitted_),
        n_stability=len(stable_rows) if k >= 2 else 0,
    )


@dataclass(frozen=True)
class _Seeds:
    """One seed per random step of the assessment, all drawn from its ``random_state``."""

    profiles: int
    jaccard: int
    prediction: int
    ordering: int
    agreement: int
    fit_sample: int
    stability_sample: int

    @classmethod
    def from_state(cls, random_state: int | None) -> _Seeds:
        """Seven seeds from ``random_state`` (in this order, so results stay reproducible)."""
        return cls(*(int(s) for s in np.random.SeedSequence(random_state).generate_state(7)))


def _check_inputs(
    levels: object,
    stage_theory: pd.Series | None,
    exclude: pd.Series | None,
    *,
    max_fit_n: int | None,
    max_stability_n: int | None,
) -> tuple[pd.DataFrame, pd.Series]:
    """The level scores, and which respondents to keep; every argument checked."""
    frame = _check_levels(levels)
    keep = pd.Series(True, index=frame.index)
    if exclude is not None:
        if not isinstance(exclude, pd.Series) or not exclude.index.equals(frame.index):
            raise ValueError("exclude must be a boolean Series with the same index as levels")
        keep = ~exclude.fillna(False).astype(bool)
    if stage_theory is not None and not stage_theory.index.equals(frame.index):
        raise ValueError("stage_theory must have the same index as levels")
    for name, cap in (("max_fit_n", max_fit_n), ("max_stability_n", max_stability_n)):
        if cap is not None and cap < 100:
            raise ValueError(f"{name} must be at least 100 (or None for no cap), got {cap}")
    return frame, keep


def _fit_profiles(
    complete: pd.DataFrame, profiles: LatentProfiles | None, *, max_fit_n: int | None, seeds: _Seeds
) -> LatentProfiles:
    """Fit the profile model (a copy of ``profiles``) on at most ``max_fit_n`` rows."""
    estimator = clone(profiles) if profiles is not None else LatentProfiles()
    if estimator.get_params()["random_state"] is None:
        estimator.set_params(random_state=seeds.profiles)
    return estimator.fit(_at_most(complete, max_fit_n, seeds.fit_sample))


def _stability(
    rows: pd.DataFrame,
    stage_cluster: pd.Series,
    estimator: LatentProfiles,
    *,
    n_boot: int,
    n_splits: int,
    refit_n_init: int | None,
    seeds: _Seeds,
    n_jobs: int | None,
) -> tuple[JaccardStability, PredictionStrength]:
    """Bootstrap Jaccard and split-half prediction strength of the profiles on ``rows``."""
    n_init = refit_n_init if refit_n_init is not None else estimator.n_init
    refit = clone(estimator.model_).set_params(n_init=n_init)
    labels = stage_cluster.loc[rows.index].astype(int)
    jaccard = bootstrap_jaccard(
        rows, labels, clusterer=refit, n_boot=n_boot, random_state=seeds.jaccard, n_jobs=n_jobs
    )
    prediction = prediction_strength(
        rows, clusterer=refit, n_splits=n_splits, random_state=seeds.prediction, n_jobs=n_jobs
    )
    return jaccard, prediction


def _agreement(
    theory: pd.Series, cluster: pd.Series, n_boot: int, seed: int
) -> StageAgreement | None:
    """Theory stage vs data-driven stage, when at least two respondents have both."""
    if (theory.notna() & cluster.notna()).sum() < 2:
        return None
    return stage_agreement(theory, cluster, n_boot=max(n_boot, 200), random_state=seed)


def _verdict(k: int, criteria: tuple[Criterion, ...]) -> str:
    """``supported`` when every criterion is met, else ``partly`` with profiles, else not."""
    if all(c.met is True for c in criteria):
        return "supported"
    return "partly" if k >= 2 else "not supported"


def _at_most(frame: pd.DataFrame, cap: int | None, seed: int) -> pd.DataFrame:
    """``frame`` itself, or a random sample of ``cap`` of its rows (in their original order)."""
    if cap is None or len(frame) <= cap:
        return frame
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), cap, replace=False))
    return frame.iloc[rows]


def _check_levels(levels: object) -> pd.DataFrame:
    """The four level scores in stage order, or (without level columns) the given dimensions.

    A declared stage model is fitted on one score per transition (the mean of its
    requirements) rather than on the level scores; any frame of two or more score columns
    without level names is taken as such dimensions, in its column order.
    """
    if not isinstance(levels, pd.DataFrame):
        raise TypeError(f"levels must be a DataFrame of level scores, got {type(levels).__name__}")
    named = [lv for lv in LEVELS if lv in levels.columns]
    if named:
        missing = [lv for lv in LEVELS if lv not in levels.columns]
        if missing:
            raise ValueError(f"levels lacks the level score column(s) {missing}")
        return levels.loc[:, list(LEVELS)].astype(float)
    if levels.shape[1] < 2:
        raise ValueError("the stage analysis needs at least two score columns")
    return levels.astype(float)


def _ordering(
    used: pd.DataFrame, thresholds: dict[str, float], n_boot: int, seed: int
) -> GuttmanScaling | None:
    developed = developed_levels(used, thresholds).dropna()
    varying = [c for c in developed.columns if developed[c].nunique() > 1]
    if len(varying) < 2 or len(developed) < 2:
        return None
    return guttman_scaling(developed, n_boot=max(n_boot, 200), random_state=seed)


def _criteria(
    lp: LatentProfiles,
    jaccard: JaccardStability | None,
    prediction: PredictionStrength | None,
    ordering: GuttmanScaling | None,
) -> tuple[Criterion, ...]:
    """The four pieces of evidence: profiles, stability, replicability, ordering."""
    return (
        _profiles_criterion(lp),
        _stability_criterion(jaccard),
        _replicability_criterion(prediction),
        _ordering_criterion(ordering),
    )


def _profiles_criterion(lp: LatentProfiles) -> Criterion:
    """At least two profiles by the k rule, with the BIC margin or why one was kept."""
    k = lp.n_profiles_
    table = lp.fit_table_
    if k >= 2:
        margin = table.loc[1, "bic"] - table.loc[k, "bic"]
        profile_text = (
            f"{k} profiles fit better than one (BIC lower by {margin:,.0f}, "
            f"entropy {lp.entropy_:.2f})"
        )
    else:
        reason = table.loc[2, "reason"] if 2 in table.index else "only one profile fitted"
        profile_text = f"one profile: adding a second was not worth it ({reason})"
    return Criterion("profiles", float(k), "≥ 2 profiles by the k rule", k >= 2, profile_text)


def _stability_criterion(jaccard: JaccardStability | None) -> Criterion:
    """Every profile recovered in the bootstrap (not applicable with one profile)."""
    threshold = f"every profile Jaccard ≥ {JACCARD_STABLE}"
    if jaccard is None:
        return Criterion("stability", None, threshold, None, "not applicable with one profile")
    weakest = jaccard.per_cluster["jaccard"].idxmin()
    return Criterion(
        "stability",
        jaccard.min_jaccard,
        threshold,
        jaccard.stable,
        f"least stable profile (stage {weakest}) is recovered with mean Jaccard "
        f"{jaccard.min_jaccard:.2f} in {jaccard.n_boot} bootstrap samples",
    )


def _replicability_criterion(prediction: PredictionStrength | None) -> Criterion:
    """Profiles of one half predict the other's (not applicable with one profile)."""
    threshold = f"prediction strength ≥ {PREDICTION_STRENGTH_CUTOFF}"
    if prediction is None:
        return Criterion("replicability", None, threshold, None, "not applicable with one profile")
    return Criterion(
        "replicability",
        prediction.value,
        threshold,
        prediction.strong,
        f"profiles found in one half of the sample predict those of the other half "
        f"with strength {prediction.value:.2f}",
    )


def _ordering_criterion(ordering: GuttmanScaling | None) -> Criterion:
    """The levels are developed cumulatively (Loevinger's H), in the theory's order or not."""
    threshold = f"Loevinger's H ≥ {H_SCALABLE}"
    if ordering is None:
        return Criterion(
            "ordering", None, threshold, False, "fewer than two levels vary between respondents"
        )
    order_text = (
        "in the theory's order"
        if ordering.order_matches_theory
        else "but not in the theory's order"
        if ordering.order_matches_theory is False
        else ""
    )
    return Criterion(
        "ordering",
        ordering.h,
        threshold,
        ordering.h >= H_SCALABLE,
        f"levels are developed cumulatively {order_text}: H = {ordering.h:.2f} "
        f"({ordering.band}), {ordering.perfect_share:.0%} of firms fit a perfect "
        "Guttman pattern".replace("  ", " "),
    )


def _summary(verdict: str, k: int, criteria: tuple[Criterion, ...]) -> str:
    if verdict == "supported":
        return f"The data show {k} distinct, stable and ordered stages" + (
            " as the theory says." if k == THEORY_STAGES else f" (the theory has {THEORY_STAGES})."
        )
    if verdict == "not supported":
        return (
            "No stage structure: one continuous maturity describes the firms better than "
            "separate stages (a null result, not a failure of the analysis)."
        )
    failed = [c.name for c in criteria if c.met is False]
    return f"{k} profiles were found, but they fail on: {', '.join(failed)}."


def _num(value: object) -> float | None:
    """A float for JSON (``None`` for missing or non-finite values)."""
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-able dicts (NaN → None, numpy scalars → Python)."""
    rows = []
    for rec in frame.to_dict(orient="records"):
        clean = {}
        for key, value in rec.items():
            if isinstance(value, bool | np.bool_):
                clean[str(key)] = bool(value)
            elif isinstance(value, int | np.integer):
                clean[str(key)] = int(value)
            elif isinstance(value, float | np.floating):
                clean[str(key)] = _num(value)
            else:
                clean[str(key)] = value
        rows.append(clean)
    return rows
