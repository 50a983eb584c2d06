"""The measurement steps: data quality, scores, reliability, adequacy, EFA, CFA, validity,
invariance and common-method bias.

Each step is a function ``step(ctx)`` of one :class:`~analysis.pipeline.context.AnalysisContext`:
it calls the statistics of :mod:`analysis.measurement`, :mod:`analysis.sem` and
:mod:`analysis.quality`, writes its part of ``ctx.results`` and adds its report section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from scipy import stats

from analysis.criteria import (
    ALPHA_MIN,
    AVE_MIN,
    DELTA_CFI_MIN,
    DELTA_RMSEA_MAX,
    HTMT_LIBERAL,
    KMO_MIN,
    MAX_LISTWISE_SHARE,
    RESPONDENTS_PER_PARAMETER,
    SIGNIFICANCE_LEVEL,
    fmt_cut,
    kmo_label,
)
from analysis.data.responses import (
    check_groups,
    check_respondent_count,
    minimum_respondents,
)
from analysis.measurement.adequacy import bartlett_sphericity, kmo
from analysis.measurement.common_method import harman_single_factor
from analysis.measurement.efa import efa, parallel_analysis
from analysis.measurement.reliability import reliability
from analysis.measurement.scoring import (
    score_respondents,
)
from analysis.measurement.validity import (
    average_variance_extracted,
    composite_reliability,
    fornell_larcker,
    htmt,
)
from analysis.pipeline.context import AnalysisContext
from analysis.quality.screens import flag_reasons, quality_flags
from analysis.sem.cfa import CFAResult, fit_cfa
from analysis.sem.invariance import measurement_invariance
from analysis.sem.model import ASSEMBLAGE_FACTOR, lavaan_syntax, model_from_instrument
from instrument import LEVELS


# --------------------------------------------------------------------------- steps
def quality_step(ctx: AnalysisContext) -> None:
    """Flag careless respondents; with ``exclude_flagged`` analyse only the others."""
    # runs before any exclusion, so the cached moments are those of all respondents
    result = quality_flags(ctx.responses.data, ctx.instrument, cov=ctx.moments().cov)
    ctx.quality = result
    for warning in result.warnings:
        ctx.warn(warning)
    summary = result.summary()
    flags = result.flags
    for col in flags.columns:
        ctx.assignments[col] = flags[col]
    n_flagged = int(flags["flagged"].sum())
    exclusions: dict[str, Any] = {"applied": False, "n_excluded": 0, "reasons": {}}
    if ctx.options.exclude_flagged and n_flagged:
        keep = ~flags["flagged"]
        why = f"after excluding {n_flagged} flagged respondent(s)"
        n_items = len(ctx.instrument.item_ids)
        check_respondent_count(int(keep.sum()), n_items, source=ctx.responses.source, why=why)
        if ctx.options.group is not None:
            kept = ctx.responses.data.loc[keep.to_numpy()]
            for w in check_groups(
                kept,
                ctx.options.group,
                n_items=n_items,
                source=ctx.responses.source,
                exclude=ctx.instrument.item_ids,
                drop_small=ctx.options.drop_small_groups,
                why=why,
            ):
                if w not in ctx.warnings:
                    ctx.warn(w)
        ctx.use_respondents(keep)
        exclusions = {
            "applied": True,
            "n_excluded": n_flagged,
            "reasons": flag_reasons(flags),
        }
    elif ctx.options.exclude_flagged:
        exclusions["applied"] = True
    summary["exclusions"] = exclusions
    ctx.results["quality"] = summary
    ctx.results["exclusions"] = exclusions


def scores_step(ctx: AnalysisContext) -> None:
    """Construct, level and axis scores, theory stage and quadrant for every respondent."""
    scores = score_respondents(ctx.responses.data, ctx.instrument)
    ctx.scores = scores
    parts = [
        scores.constructs,
        scores.levels.add_prefix("level_"),
        scores.axes.add_prefix("axis_"),
        scores.stage_theory.to_frame("stage_theory"),
        scores.stage_status.to_frame("stage_status"),
        scores.stage_margin.to_frame("stage_margin"),
        scores.quadrant.to_frame("quadrant"),
        scores.quadrant_margin.to_frame("quadrant_margin"),
    ]
    flags = ctx.assignments
    ctx.assignments = pd.concat([*parts, flags], axis=1)
    analysed = ctx.analysed.index
    ctx.results["scores"] = {
        "constructs": _describe(scores.constructs.loc[analysed]),
        "levels": _describe(scores.levels.loc[analysed]),
        "axes": _describe(scores.axes.loc[analysed]),
        "min_answered": 0.5,
    }


def reliability_step(ctx: AnalysisContext) -> None:
    """Cronbach's α with Feldt CI, standardised α, ω total, r.drop, α if dropped."""
    rel = reliability(ctx.keyed, ctx.instrument)
    out: dict[str, Any] = {}
    for construct, row in rel.constructs.iterrows():
        items = rel.items.loc[construct]
        out[str(construct)] = {
            "alpha": row["alpha"],
            "alpha_ci": [row["alpha_ci_low"], row["alpha_ci_high"]],
            "alpha_std": row["alpha_std"],
            "omega": row["omega"],
            "average_r": row["average_r"],
            "n_items": int(row["n_items"]),
            "n_obs": int(row["n_obs"]),
            "items": {
                str(item): {
                    "r_drop": s["r_drop"],
                    "alpha_if_dropped": s["alpha_if_dropped"],
                    "mean": s["mean"],
                    "sd": s["sd"],
                    "n": int(s["n"]),
                }
                for item, s in items.iterrows()
            },
        }
    ctx.results["reliability"] = out
    low = [c for c, r in out.items() if r["alpha"] is not None and r["alpha"] < ALPHA_MIN]
    if low:
        ctx.warn(f"construct(s) with Cronbach's α below {fmt_cut(ALPHA_MIN)}: {', '.join(low)}")


def adequacy_step(ctx: AnalysisContext) -> None:
    """KMO overall and per item, Bartlett's test of sphericity (not defined, with a warning
    naming the items, when the correlation matrix is singular)."""
    corr = ctx.correlation()
    k = kmo(ctx.keyed, corr=corr)
    b = bartlett_sphericity(ctx.keyed, corr=corr)
    out = {
        "kmo": k.overall,
        "kmo_label": kmo_label(k.overall),
        "kmo_items": {str(i): v for i, v in k.items.items()},
        "bartlett_chisq": b.chisq,
        "bartlett_df": b.df,
        "bartlett_p": b.pvalue,
        "n_obs": b.n_obs,
        "warnings": list(dict.fromkeys((*b.warnings, *k.warnings))),
    }
    ctx.results["sampling_adequacy"] = out
    for warning in out["warnings"]:
        ctx.warn(warning)
    if k.overall < KMO_MIN:
        ctx.warn(
            f"KMO = {k.overall:.2f} is below {fmt_cut(KMO_MIN)}: the items share little common "
            "variance"
        )


def efa_step(ctx: AnalysisContext) -> None:
    """Parallel analysis (seeded) and an oblimin minres EFA with its suggested factors."""
    corr = ctx.correlation()
    pa = parallel_analysis(ctx.keyed, random_state=ctx.options.seed, corr=corr)
    n_items = corr.shape[0]
    n_factors = min(max(pa.n_factors, 1), n_items - 1)
    if pa.n_factors < 1:
        ctx.warn("parallel analysis found no factor above random data; the EFA uses 1 factor")
    res = efa(ctx.keyed, n_factors, corr=corr)
    if not res.converged:
        ctx.warn(f"the {n_factors}-factor EFA did not converge; read its loadings with care")
    flags = res.cross_loadings
    out = {
        "n_factors_parallel": pa.n_factors,
        "n_components_parallel": pa.n_components,
        "n_factors": n_factors,
        "n_factors_theory": len(ctx.instrument.constructs),
        "method": "minres",
        "rotation": res.rotation,
        "n_iter": pa.n_iter,
        "quantile": pa.quantile,
        "eigenvalues": {c: pa.eigenvalues[c].tolist() for c in pa.eigenvalues.columns},
        "loadings": _nested(res.loadings),
        "factor_correlations": _nested(res.factor_correlations),
        "communalities": {str(i): v for i, v in res.communalities.items()},
        "variance": _nested(res.variance),
        "cross_loadings": [str(i) for i in flags.index[flags["cross_loading"]]],
        "weak_items": [str(i) for i in flags.index[flags["weak_primary"]]],
        "item_flags": {
            str(i): {
                "primary_factor": row["primary_factor"],
                "primary": row["primary"],
                "secondary_factor": row["secondary_factor"],
                "secondary": row["secondary"],
                "cross_loading": bool(row["cross_loading"]),
                "weak_primary": bool(row["weak_primary"]),
            }
            for i, row in flags.iterrows()
        },
        "converged": res.converged,
    }
    ctx.results["efa"] = out


def cfa_step(ctx: AnalysisContext) -> None:
    """ML CFA of all constructs (listwise), and the second-order model of the levels."""
    model = model_from_instrument(ctx.instrument)
    try:
        res = fit_cfa(ctx.keyed, model)
    except ValueError as exc:
        reason = f"the CFA could not be fitted: {exc}"
        ctx.results["cfa"] = {"status": "not run", "reason": reason}
        ctx.warn(reason)
        return
    ctx.cfa = res
    fit = res.fit_indices()
    out: dict[str, Any] = {
        "status": "ok",
        "model": "first order: each construct a factor of its items, factors correlated",
        "estimator": "ML",
        "missing": "listwise",
        **fit,
        "n_dropped": res.n_dropped,
        "std_loadings": {f"{f}.{i}": v for (f, i), v in res.std_loadings.items()},
        "r_squared": {str(i): v for i, v in res.r_squared.items()},
        "factor_correlations": _nested(res.factor_correlations),
        "iterations": res.iterations,
        "warnings": list(res.warnings),
        "lavaan_syntax": lavaan_syntax(model),
    }
    for warning in res.warnings:
        ctx.warn(f"CFA: {warning}")
    if not res.converged:
        ctx.warn("the CFA did not converge; its fit indices and loadings are not trustworthy")
    if res.n < RESPONDENTS_PER_PARAMETER * fit["npar"]:
        ctx.warn(
            f"the CFA estimates {fit['npar']} parameters from {res.n} complete respondents "
            f"(fewer than {RESPONDENTS_PER_PARAMETER} per parameter; Bentler & Chou, 1987): read "
            "its fit with care"
        )
    if res.n_dropped > MAX_LISTWISE_SHARE * (res.n + res.n_dropped):
        ctx.warn(
            f"the CFA left out {res.n_dropped} of {res.n + res.n_dropped} respondents with a "
            "missing answer (listwise deletion)"
        )
    second = model_from_instrument(ctx.instrument, second_order=True)
    if second.second_order:
        try:
            higher = fit_cfa(ctx.keyed, second)
        except ValueError as exc:
            out["second_order"] = {"status": "not run", "reason": str(exc)}
        else:
            out["second_order"] = {
                "status": "ok",
                "model": "each capability level a factor over its constructs",
                **higher.fit_indices(),
                "std_loadings": {
                    f"{f}.{i}": v
                    for (f, i), v in higher.std_loadings.items()
                    if f in second.second_order
                },
                "warnings": list(higher.warnings),
                "lavaan_syntax": lavaan_syntax(second),
            }
            if len(second.second_order) == len(LEVELS):
                out["networking_structure"] = _networking_structure(ctx, higher)
    ctx.results["cfa"] = out


def _networking_structure(ctx: AnalysisContext, four_tier: CFAResult) -> dict[str, Any]:
    """Networking as a fourth tier vs as an assemblage of the other capabilities (seed 001 §5).

    Both are second-order CFAs of the same constructs: the four-tier model has one correlated
    factor per level; the assemblage model one ``networking_capability`` factor over every
    capability construct. The assemblage is the four-tier model with the level factors
    correlating perfectly, so the two are compared by the χ² difference test (as lavaan's
    ``anova`` does for ML) and by BIC.
    """
    model = model_from_instrument(ctx.instrument, second_order="assemblage")
    try:
        assemblage = fit_cfa(ctx.keyed, model)
    except ValueError as exc:
        return {"status": "not run", "reason": str(exc)}
    general, nested = four_tier.fit_indices(), assemblage.fit_indices()
    d_chisq = float(nested["chisq"] - general["chisq"])
    d_df = int(nested["df"] - general["df"])
    p = float(stats.chi2.sf(max(d_chisq, 0.0), d_df)) if d_df > 0 else None
    d_bic = float(nested["bic"] - general["bic"])
    if p is not None and p >= SIGNIFICANCE_LEVEL:
        preferred = "assemblage"
        text = (
            "Networking as an assemblage of the other capabilities fits as well as four "
            f"separate tiers (Δχ²({d_df}) = {d_chisq:.1f}, p = {p:.3f}): the simpler structure "
            "the paper argues for is retained."
        )
    elif d_bic < 0:
        preferred = "assemblage"
        text = (
            f"The four tiers fit significantly better (Δχ²({d_df}) = {d_chisq:.1f}), but BIC "
            f"prefers the assemblage (ΔBIC = {d_bic:.1f}): the difference is small relative "
            "to the sample."
        )
    else:
        preferred = "four_tier"
        text = (
            f"Four separate tiers fit better than one assemblage (Δχ²({d_df}) = "
            f"{d_chisq:.1f}, ΔBIC = {d_bic:+.1f}): the levels are more distinct than the "
            "paper's assemblage reading implies."
        )
    keys = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
    return {
        "status": "ok",
        "four_tier": {k: general[k] for k in keys},
        "assemblage": {
            **{k: nested[k] for k in keys},
            "std_loadings": {
                f"{f}.{i}": v
                for (f, i), v in assemblage.std_loadings.items()
                if f == ASSEMBLAGE_FACTOR
            },
            "lavaan_syntax": lavaan_syntax(model),
        },
        "chisq_diff": d_chisq,
        "df_diff": d_df,
        "pvalue": p,
        "bic_diff": d_bic,
        "preferred": preferred,
        "summary": text,
    }


def validity_step(ctx: AnalysisContext) -> None:
    """Composite reliability, AVE, Fornell–Larcker and HTMT2 from the CFA."""
    if ctx.cfa is None:
        out: dict[str, Any] = {"status": "not run", "reason": "the CFA could not be fitted"}
    else:
        model = ctx.cfa.model
        out = {
            "status": "ok",
            "cr": {str(k): v for k, v in composite_reliability(ctx.cfa).items()},
            "ave": {str(k): v for k, v in average_variance_extracted(ctx.cfa).items()},
            "fornell_larcker": _nested(fornell_larcker(ctx.cfa)),
            "htmt": _nested(htmt(ctx.keyed, model, variant="htmt2")),
            "htmt_variant": "htmt2",
        }
        low = [k for k, v in out["ave"].items() if v is not None and v < AVE_MIN]
        if low:
            ctx.warn(f"construct(s) with AVE below {fmt_cut(AVE_MIN)}: {', '.join(low)}")
        pairs = _htmt_pairs(out["htmt"], HTMT_LIBERAL)
        if pairs:
            ctx.warn(
                f"construct pairs with HTMT ≥ {fmt_cut(HTMT_LIBERAL)} (may not be distinct): "
                + ", ".join(f"{a}–{b}" for a, b in pairs)
            )
    ctx.results["validity"] = out


def invariance_step(ctx: AnalysisContext) -> None:
    """Configural, metric and scalar invariance across ``options.group``."""
    group = ctx.options.group
    if group is None:
        out: dict[str, Any] = {
            "status": "not run",
            "reason": "no grouping column was given (--group COLUMN)",
        }
    else:
        model = model_from_instrument(ctx.instrument)
        data = ctx.keyed.copy()
        data[group] = ctx.analysed[group].astype("string")
        try:
            inv = measurement_invariance(
                data,
                model,
                group,
                min_group_size=minimum_respondents(len(ctx.instrument.item_ids)),
                small_groups="drop" if ctx.options.drop_small_groups else "error",
            )
        except ValueError as exc:
            reason = f"measurement invariance across '{group}' could not be tested: {exc}"
            out = {"status": "not run", "group": group, "reason": reason}
            ctx.warn(reason)
        else:
            out = {
                "status": "ok",
                "group": group,
                "group_sizes": {str(k): int(v) for k, v in inv.group_sizes.items()},
                "dropped_groups": {str(k): int(v) for k, v in inv.dropped_groups.items()},
                **inv.as_dict(),
                "warnings": list(inv.warnings),
            }
            for warning in _merge_model_warnings(inv.warnings):
                ctx.warn(f"invariance: {warning}")
            failed = [s for s in ("metric", "scalar") if out[s]["verdict"] != "invariant"]
            if failed:
                ctx.warn(
                    f"{' and '.join(failed)} invariance across '{group}' does not hold "
                    f"(ΔCFI < {fmt_cut(DELTA_CFI_MIN, 3)} or "
                    f"ΔRMSEA > {fmt_cut(DELTA_RMSEA_MAX, 3)})"
                )
    ctx.results["invariance"] = out


def common_method_step(ctx: AnalysisContext) -> None:
    """Harman's single-factor share (first unrotated component), reported as weak evidence."""
    res = harman_single_factor(ctx.keyed, corr=ctx.correlation())
    out = {
        "method": "Harman's single-factor test (first unrotated principal component)",
        "first_factor_share": res.first_factor_share,
        "first_eigenvalue": res.first_eigenvalue,
        "threshold": res.threshold,
        "exceeds_threshold": res.exceeds_threshold,
        "interpretation": (
            "warning sign of common-method variance"
            if res.exceeds_threshold
            else "no single dominant factor; weak evidence against common-method bias"
        ),
    }
    ctx.results["common_method"] = out
    if res.exceeds_threshold:
        ctx.warn(
            f"one factor explains {res.first_factor_share:.0%} of the item variance (Harman's "
            "test): common-method variance may be inflating correlations"
        )


def _describe(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {
        str(c): {
            "mean": frame[c].mean(),
            "sd": frame[c].std(),
            "n": int(frame[c].notna().sum()),
        }
        for c in frame.columns
    }


def _merge_model_warnings(warnings: Sequence[str]) -> list[str]:
    """Say once what all three invariance models warn about ("configural: x", "metric: x" …)."""
    by_text: dict[str, list[str]] = {}
    for warning in warnings:
        model, sep, text = warning.partition(": ")
        if not sep or model not in ("configural", "metric", "scalar"):
            model, text = "", warning
        by_text.setdefault(text, []).append(model)
    out = []
    for text, models in by_text.items():
        if len(models) == 3 or models == [""]:
            out.append(text)
        else:
            out.append(f"{text} ({', '.join(m for m in models if m)} model)")
    return out


def _htmt_pairs(matrix: Mapping[str, Mapping[str, Any]], cut: float) -> list[tuple[str, str]]:
    names = list(matrix)
    return [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if matrix[a].get(b) is not None and not math.isnan(matrix[a][b]) and matrix[a][b] >= cut
    ]


def _nested(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Row label → {column → value}."""
    return {str(i): {str(c): row[c] for c in frame.columns} for i, row in frame.iterrows()}
