"""Pipeline steps for stages, quadrants, the papers' claims and the scorecard.

Four steps run after the measurement steps of :func:`analysis.pipeline.run.default_steps`:

``stages``
    Latent profiles on the level scores, stability, ordering and agreement with the theory
    (:func:`analysis.structure.stages.assess_stages`) → ``results["stages"]`` and the
    ``stage_cluster`` column of the assignments.
``quadrants``
    Quadrant shares and the distinctness of the axes
    (:func:`analysis.structure.quadrants.quadrant_summary`)
    → ``results["quadrants"]``.
``claims``
    The source papers' four claims (:func:`analysis.generalisability.claims.paper_claims`) →
    ``results["claims"]``.
``generalisability``
    The scorecard over every criterion (:func:`analysis.generalisability.scorecard.scorecard`) →
    ``results["generalisability"]`` and the *first* section of the report.

Every step reads the respondents the other statistics use (``ctx.analysed``). The latent
profiles are, in addition, always fitted without the respondents the quality screens flag for
careless answering (straight-lining, speeding, failed attention checks; see
:data:`analysis.structure.stages.CARELESS_FLAGS`), whether or not ``--exclude-flagged`` was given:
their
flat or random answer patterns form a spurious profile of their own (in simulations, 5–6 %
careless respondents formed a fifth "stage" that failed the stability test). They still receive
the ``stage_cluster`` the fitted model predicts for them. Multivariate outliers and respondents
with many missing answers stay in: an unusual profile may be a genuinely unusual firm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.generalisability.claims import paper_claims
from analysis.generalisability.scorecard import scorecard, scorecard_dict
from analysis.measurement.scoring import (
    NON_CUMULATIVE,
    UNCLASSIFIED,
    Scores,
    StageClassification,
    classify_stages,
    requirement_scores,
    stage_dimensions,
)
from analysis.pipeline.context import AnalysisContext, Step, jsonable
from analysis.structure.ordering import guttman_scaling
from analysis.structure.quadrants import quadrant_summary
from analysis.structure.stages import CARELESS_FLAGS, StageAssessment, assess_stages
from analysis.structure.thresholds import (
    calibrate_thresholds,
    stage_pair_agreement,
    threshold_sensitivity,
)
from instrument import Instrument, StageModel


def stage_steps() -> list[Step]:
    """The four steps, each with what it requires and reads (after the measurement steps)."""
    return [
        Step(
            "stages",
            "Stages: latent profiles, stability, ordering",
            stages_step,
            requires=("scores",),
            after=("quality",),
        ),
        Step("quadrants", "Quadrants", quadrants_step, requires=("scores",), after=("cfa",)),
        Step(
            "claims",
            "The papers' claims",
            claims_step,
            requires=("scores",),
            after=("stages", "quadrants"),
        ),
        Step("generalisability", "Generalisability scorecard", generalisability_step, after=("*",)),
    ]


# --------------------------------------------------------------------------- steps
def stages_step(ctx: AnalysisContext) -> None:
    """Latent profiles and the evidence for a stage structure; adds ``stage_cluster``."""
    if ctx.scores is None:
        raise RuntimeError("the stages step needs the scores step to run first")
    if not ctx.instrument.has_stage_model:
        reason = "the instrument does not declare constructs for all four capability levels"
        _stages_not_run(ctx, reason, ctx.assignments.index)
        return
    index = ctx.scores.levels.index
    analysed = ctx.is_analysed(index)
    flagged = _careless(ctx, index)
    dims, dim_thresholds = stage_dimensions(ctx.scores, ctx.instrument)
    try:
        result = assess_stages(
            dims,
            thresholds=dim_thresholds,
            stage_theory=ctx.scores.stage_theory,
            exclude=flagged | ~analysed,
            random_state=ctx.options.seed,
            n_jobs=-1,
        )
    except ValueError as exc:  # e.g. too few respondents with all four level scores
        reason = f"the stage analysis could not be run: {exc}"
        ctx.warn(reason)
        _stages_not_run(ctx, reason, index)
        return
    cluster = result.stage_cluster if result.n_profiles >= 2 else None
    keep = analysed & ~flagged
    thresholds_out, calibrated = _threshold_evidence(ctx, cluster, keep=keep)
    ctx.results["stages"] = {
        "status": "ok",
        **result.to_dict(),
        "n_flagged_excluded": int((flagged & analysed).sum()),
        **thresholds_out,
        **_classified(ctx.scores, result, calibrated, analysed),
        "models": _model_comparison(ctx, cluster, keep=keep),
    }
    _add_stage_columns(ctx, result.stage_cluster, calibrated)
    if result.n_fitted < result.n_used:
        ctx.warn(
            f"stages: the mixtures were fitted on a random sample of {result.n_fitted:,} of "
            f"{result.n_used:,} respondents (all are assigned a profile)"
        )


def _stages_not_run(ctx: AnalysisContext, reason: str, index: pd.Index) -> None:
    """Say why in ``results["stages"]``; the ``stage_cluster`` column stays empty."""
    ctx.results["stages"] = {"status": "not run", "reason": reason}
    _insert_after(
        ctx, "stage_cluster", pd.Series(pd.NA, index=index, dtype="Int64"), "stage_theory"
    )


def _careless(ctx: AnalysisContext, index: pd.Index) -> pd.Series:
    """Respondents a careless-answering screen flags (:data:`CARELESS_FLAGS`), on ``index``."""
    if ctx.quality is None:
        return pd.Series(False, index=index)
    flags = ctx.quality.flags.reindex(index)
    present = [c for c in CARELESS_FLAGS if c in flags.columns]
    return flags[present].fillna(False).astype(bool).any(axis=1)


def _classified(
    scores: Scores,
    result: StageAssessment,
    calibrated: StageClassification | None,
    analysed: pd.Series,
) -> dict[str, Any]:
    """Stage counts of the analysed respondents by rule, calibrated cuts and profiles."""
    status = scores.stage_status.loc[analysed]
    return {
        "classified": {
            "theory": _stage_counts(scores.stage_theory.loc[analysed], status),
            "calibrated": None
            if calibrated is None
            else _stage_counts(calibrated.stage.loc[analysed], calibrated.status.loc[analysed]),
            "cluster": _stage_counts(result.stage_cluster.loc[analysed]),
        },
        "n_unclassified": int((status == UNCLASSIFIED).sum()),
        "n_non_cumulative": int((status == NON_CUMULATIVE).sum()),
    }


def _add_stage_columns(
    ctx: AnalysisContext, stage_cluster: pd.Series, calibrated: StageClassification | None
) -> None:
    """``stage_calibrated`` (when the cuts were calibrated) and ``stage_cluster`` after the
    theory's stage in the assignments."""
    after = "stage_theory"
    if calibrated is not None:
        stage_calibrated = calibrated.stage.rename("stage_calibrated")
        _insert_after(ctx, "stage_calibrated", stage_calibrated, after)
        after = "stage_calibrated"
    _insert_after(ctx, "stage_cluster", stage_cluster, after)


def _threshold_evidence(
    ctx: AnalysisContext, stage_cluster: pd.Series | None, *, keep: pd.Series
) -> tuple[dict[str, Any], StageClassification | None]:
    """The rule's thresholds, their sensitivity grid, the calibrated cuts and their stages.

    Uses the scores the default stage model reads (level scores for the 1.0 model, construct
    scores for a declared one), on the respondents the profiles were fitted to (``keep``); the
    calibrated stages are then given to every respondent.
    """
    inst = ctx.instrument
    assert ctx.scores is not None and inst.stage_model is not None
    model = inst.stage_model
    requirements = ctx.scores.requirements
    transitions = model.transition_keys()
    thresholds = inst.requirement_thresholds(model)
    fitted = requirements.loc[keep]
    reference = None if stage_cluster is None else stage_cluster.loc[keep]
    grid = threshold_sensitivity(
        lambda t: classify_stages(fitted, transitions, t).stage,
        thresholds,
        reference=reference,
        bounds=(inst.scale.min, inst.scale.max),
    )
    calibration = calibrate_thresholds(fitted, thresholds, random_state=ctx.options.seed)
    cuts = calibration["cut"]
    calibrated = None
    if cuts.notna().all():
        calibrated = classify_stages(requirements, transitions, cuts.to_dict())
        calibrated_status: dict[str, Any] = {"status": "ok"}
    else:
        missing = [k for k, c in cuts.items() if pd.isna(c)]
        calibrated_status = {
            "status": "not computed",
            "reason": f"no calibrated cut for {', '.join(missing)}: the score is not bimodal "
            "(see calibrated_thresholds)",
        }
    stages = {"theory": ctx.scores.stage_theory.loc[keep]}
    if calibrated is not None:
        stages["calibrated"] = calibrated.stage.loc[keep]
    if reference is not None:
        stages["cluster"] = reference
    comparison = {
        f"{a}_vs_{b}": stage_pair_agreement(stages[a], stages[b])
        for a, b in (("theory", "cluster"), ("calibrated", "cluster"), ("theory", "calibrated"))
        if a in stages and b in stages
    }
    out = {
        "model": model.id,
        "thresholds": thresholds,
        "threshold_origin": _threshold_origin(inst, model),
        "threshold_sensitivity": _grid_records(grid),
        "calibrated_thresholds": _calibration_records(calibration),
        "stage_calibrated": calibrated_status,
        "stage_comparison": comparison,
    }
    return out, calibrated


def _threshold_origin(inst: Instrument, model: StageModel) -> dict[str, str]:
    """Where each threshold of ``model`` comes from: the model, the instrument or the default."""
    levels = inst.stage_rule.thresholds
    out: dict[str, str] = {}
    for t in model.transitions:
        for r in t.requires:
            level = r.level if r.level is not None else inst.construct(str(r.construct_id)).level
            if r.threshold is not None or model.threshold is not None:
                origin = "stage model"
            elif level is not None and level in levels:
                origin = "instrument"
            else:
                origin = "default"
            out.setdefault(r.key, origin)
    return out


def _model_comparison(
    ctx: AnalysisContext, stage_cluster: pd.Series | None, *, keep: pd.Series
) -> list[dict[str, Any]]:
    """Every stage model the instrument declares, fitted to the same respondents side by side.

    For each: stage shares, how many profiles break its order (``non_cumulative``), how well its
    transitions form a cumulative scale (Loevinger's H of "transition met", Mokken) and its
    agreement with the data-driven stages.
    """
    inst = ctx.instrument
    assert ctx.scores is not None
    rows = []
    seeds = np.random.SeedSequence(ctx.options.seed).generate_state(len(inst.stage_model_list()))
    for i, model in enumerate(inst.stage_model_list()):
        scores = requirement_scores(ctx.scores.constructs, ctx.scores.levels, model).loc[keep]
        got = classify_stages(scores, model.transition_keys(), inst.requirement_thresholds(model))
        counts = got.counts()
        decided = int((got.status != UNCLASSIFIED).sum())
        n_non = counts[NON_CUMULATIVE]
        met = got.met.dropna().astype(int)
        h = None
        if met.shape[1] >= 2 and len(met) >= 2 and (met.nunique() > 1).sum() >= 2:
            h = _num(
                guttman_scaling(
                    met.loc[:, met.nunique() > 1], n_boot=0, random_state=int(seeds[i])
                ).h
            )
        row: dict[str, Any] = {
            "id": model.id,
            "label": model.label,
            "default": i == 0,
            "declared": inst.stage_model_declared,
            "n_stages": model.n_stages,
            "counts": counts,
            "non_cumulative_share": n_non / decided if decided else None,
            "h_transitions": h,
            "agreement_with_profiles": None
            if stage_cluster is None
            else stage_pair_agreement(got.stage, stage_cluster.loc[keep]),
        }
        rows.append(row)
    return rows


def _grid_records(grid: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for shift, row in grid.iterrows():
        rows.append(
            {
                "shift": float(shift),
                "thresholds": {
                    c.removeprefix("threshold_"): float(row[c])
                    for c in grid.columns
                    if c.startswith("threshold_")
                },
                "n_classified": int(row["n_classified"]),
                "shares": {
                    c.removeprefix("share_"): float(row[c])
                    for c in grid.columns
                    if c.startswith("share_")
                },
                **{k: _opt(row.get(k)) for k in ("ari", "kappa_linear", "exact") if k in row},
            }
        )
    return rows


def _calibration_records(cal: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for level, row in cal.iterrows():
        out[str(level)] = {
            "theory": _opt(row["theory"]),
            "cut": _opt(row["cut"]),
            "ci": None if pd.isna(row["ci_low"]) else [float(row["ci_low"]), float(row["ci_high"])],
            "bimodal": bool(row["bimodal"]),
            "delta_bic": _opt(row["delta_bic"]),
            "separation": _opt(row["separation"]),
            "share_developed": _opt(row["share_developed"]),
            "mean_low": _opt(row["mean_low"]),
            "mean_high": _opt(row["mean_high"]),
            "n": int(row["n"]),
            "boot_bimodal": _opt(row["boot_bimodal"]),
            "reason": str(row["reason"]) or None,
        }
    return out


def _stage_counts(stage: pd.Series, status: pd.Series | None = None) -> dict[str, int]:
    counts = stage.dropna().astype(int).value_counts().sort_index()
    out = {str(k): int(v) for k, v in counts.items()}
    if status is None:
        out[UNCLASSIFIED] = int(stage.isna().sum())
    else:
        out[NON_CUMULATIVE] = int((status == NON_CUMULATIVE).sum())
        out[UNCLASSIFIED] = int((status == UNCLASSIFIED).sum())
    return out


def _num(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _opt(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def quadrants_step(ctx: AnalysisContext) -> None:
    """Quadrant shares with CIs and whether the control and orientation axes are distinct."""
    inst = ctx.instrument
    if ctx.scores is None:
        raise RuntimeError("the quadrants step needs the scores step to run first")
    if not inst.has_quadrant_model:
        reason = "the instrument does not declare a control and an orientation axis"
        ctx.results["quadrants"] = {"status": "not run", "reason": reason}
        return
    rows = ctx.analysed.index
    items = {
        axis: ctx.keyed[[i.id for c in members for i in c.items]]
        for axis, members in inst.constructs_by_axis().items()
    }
    try:
        summary = quadrant_summary(
            ctx.scores.axes.loc[rows], ctx.scores.quadrant.loc[rows], items=items
        )
    except ValueError as exc:  # e.g. an axis item everybody answered alike (no HTMT)
        reason = f"the quadrant summary could not be computed: {exc}"
        ctx.warn(reason)
        ctx.results["quadrants"] = {"status": "not run", "reason": reason}
        return
    c_cut, o_cut = inst.quadrant_cuts()
    out = {
        "status": "ok",
        "control_cut": c_cut,
        "orientation_cut": o_cut,
        **summary.to_dict(),
        "names": inst.quadrant_names(),
    }
    ctx.results["quadrants"] = out


def claims_step(ctx: AnalysisContext) -> None:
    """The papers' four claims, each with a test, an effect size, a CI and a verdict."""
    if ctx.scores is None:
        raise RuntimeError("the claims step needs the scores step to run first")
    data = ctx.responses.data
    exclude = ~ctx.is_analysed(data.index)
    claims = paper_claims(
        ctx.instrument, ctx.scores, data, exclude=exclude, random_state=ctx.options.seed
    )
    out = {claim_id: claim.to_dict() for claim_id, claim in claims.items()}
    ctx.results["claims"] = out


def generalisability_step(ctx: AnalysisContext) -> None:
    """The scorecard over every criterion; its section comes first in the report."""
    rows = scorecard(jsonable(ctx.results))
    out = scorecard_dict(rows)
    ctx.results["generalisability"] = out


# --------------------------------------------------------------------------- helpers
def _insert_after(ctx: AnalysisContext, name: str, values: pd.Series, after: str) -> None:
    """Put a column into the assignments right after ``after`` (or at the end)."""
    table = ctx.assignments.drop(columns=[name], errors="ignore")
    column = values.reindex(table.index)
    pos = table.columns.get_loc(after) + 1 if after in table.columns else len(table.columns)
    table.insert(int(pos), name, column)
    ctx.assignments = table
