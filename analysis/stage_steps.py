"""Pipeline steps and report sections for stages, quadrants, the papers' claims and the scorecard.

Four steps run after the measurement steps of :func:`analysis.pipeline.default_steps`:

``stages``
    Latent profiles on the level scores, stability, ordering and agreement with the theory
    (:func:`analysis.stages.assess_stages`) → ``results["stages"]`` and the
    ``stage_cluster`` column of the assignments.
``quadrants``
    Quadrant shares and the distinctness of the axes (:func:`analysis.quadrants.quadrant_summary`)
    → ``results["quadrants"]``.
``claims``
    The source papers' four claims (:func:`analysis.claims.paper_claims`) → ``results["claims"]``.
``generalisability``
    The scorecard over every criterion (:func:`analysis.generalisability.scorecard`) →
    ``results["generalisability"]`` and the *first* section of the report.

Every step reads the respondents the other statistics use (``ctx.analysed``). The latent
profiles are, in addition, always fitted without the respondents the quality screens flag for
careless answering (straight-lining, speeding, failed attention checks; see
:data:`analysis.stages.CARELESS_FLAGS`), whether or not ``--exclude-flagged`` was given: their
flat or random answer patterns form a spurious profile of their own (in simulations, 5–6 %
careless respondents formed a fifth "stage" that failed the stability test). They still receive
the ``stage_cluster`` the fitted model predicts for them. Multivariate outliers and respondents
with many missing answers stay in: an unusual profile may be a genuinely unusual firm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import report
from analysis.claims import paper_claims
from analysis.generalisability import scorecard, scorecard_dict
from analysis.ordering import guttman_scaling
from analysis.quadrants import quadrant_summary
from analysis.scoring import (
    NON_CUMULATIVE,
    UNCLASSIFIED,
    StageClassification,
    classify_stages,
    requirement_scores,
    stage_dimensions,
)
from analysis.stages import CARELESS_FLAGS, assess_stages
from analysis.thresholds import calibrate_thresholds, stage_pair_agreement, threshold_sensitivity
from instrument import QUADRANTS, Instrument, StageModel

if TYPE_CHECKING:
    from analysis.pipeline import AnalysisContext, Step

#: Plain names of the quadrants and levels for tables and figures.
QUADRANT_NAMES: dict[str, str] = {
    "call_to_action": "Call to Action",
    "dissemination": "Dissemination",
    "thought_leadership": "Thought Leadership",
    "co_creation": "Co-creation",
}
#: Badge class of each verdict (the report's colours: good / acceptable / poor / na).
VERDICT_BADGE: dict[str, str] = {
    "supported": "good",
    "partly": "acceptable",
    "inconclusive": "na",
    "not supported": "poor",
    "not run": "na",
    "not testable": "na",
}
#: Respondents drawn in the quadrant map (a sample keeps the report small).
MAP_POINTS = 2000


def stage_steps() -> list[Step]:
    """The four steps, in the order they run (after the measurement steps)."""
    from analysis.pipeline import Step

    return [
        Step("stages", "Stages: latent profiles, stability, ordering", stages_step),
        Step("quadrants", "Quadrants", quadrants_step),
        Step("claims", "The papers' claims", claims_step),
        Step("generalisability", "Generalisability scorecard", generalisability_step),
    ]


# --------------------------------------------------------------------------- steps
def stages_step(ctx: AnalysisContext) -> None:
    """Latent profiles and the evidence for a stage structure; adds ``stage_cluster``."""
    inst = ctx.instrument
    if ctx.scores is None:
        raise RuntimeError("the stages step needs the scores step to run first")
    if not inst.has_stage_model:
        reason = "the instrument does not declare constructs for all four capability levels"
        ctx.results["stages"] = {"status": "not run", "reason": reason}
        _insert_after(
            ctx,
            "stage_cluster",
            pd.Series(pd.NA, index=ctx.assignments.index, dtype="Int64"),
            "stage_theory",
        )
        ctx.add_section(report.not_run_section("stages", "Stages", reason))
        return
    index = ctx.scores.levels.index
    analysed = ctx.is_analysed(index)
    flagged = pd.Series(False, index=index)
    if ctx.quality is not None:
        flags = ctx.quality.flags.reindex(index)
        present = [c for c in CARELESS_FLAGS if c in flags.columns]
        flagged = flags[present].fillna(False).astype(bool).any(axis=1)
    dims, dim_thresholds = stage_dimensions(ctx.scores, inst)
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
        ctx.results["stages"] = {"status": "not run", "reason": reason}
        _insert_after(
            ctx, "stage_cluster", pd.Series(pd.NA, index=index, dtype="Int64"), "stage_theory"
        )
        ctx.add_section(report.not_run_section("stages", "Stages", reason))
        return
    out: dict[str, Any] = {
        "status": "ok",
        **result.to_dict(),
        "n_flagged_excluded": int((flagged & analysed).sum()),
    }
    cluster = result.stage_cluster if result.n_profiles >= 2 else None
    keep = analysed & ~flagged
    thresholds_out, calibrated = _threshold_evidence(ctx, cluster, keep=keep)
    out.update(thresholds_out)
    stage_calibrated = None if calibrated is None else calibrated.stage.rename("stage_calibrated")
    status = ctx.scores.stage_status.loc[analysed]
    out["classified"] = {
        "theory": _stage_counts(ctx.scores.stage_theory.loc[analysed], status),
        "calibrated": None
        if calibrated is None
        else _stage_counts(calibrated.stage.loc[analysed], calibrated.status.loc[analysed]),
        "cluster": _stage_counts(result.stage_cluster.loc[analysed]),
    }
    out["n_unclassified"] = int((status == UNCLASSIFIED).sum())
    out["n_non_cumulative"] = int((status == NON_CUMULATIVE).sum())
    out["models"] = _model_comparison(ctx, cluster, keep=keep)
    ctx.results["stages"] = out
    if stage_calibrated is not None:
        _insert_after(ctx, "stage_calibrated", stage_calibrated, "stage_theory")
    _insert_after(
        ctx,
        "stage_cluster",
        result.stage_cluster,
        "stage_calibrated" if stage_calibrated is not None else "stage_theory",
    )
    if result.n_fitted < result.n_used:
        ctx.warn(
            f"stages: the mixtures were fitted on a random sample of {result.n_fitted:,} of "
            f"{result.n_used:,} respondents (all are assigned a profile)"
        )
    ctx.add_section(stages_section(_jsonable(out)))


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
        ctx.add_section(report.not_run_section("quadrants", "Quadrants", reason))
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
        ctx.add_section(report.not_run_section("quadrants", "Quadrants", reason))
        return
    c_cut, o_cut = inst.quadrant_cuts()
    out = {"status": "ok", "control_cut": c_cut, "orientation_cut": o_cut, **summary.to_dict()}
    ctx.results["quadrants"] = out
    stage = ctx.assignments.get("stage_theory")
    ctx.add_section(
        quadrants_section(
            _jsonable(out),
            axes=ctx.scores.axes.loc[rows],
            quadrant=ctx.scores.quadrant.loc[rows],
            stage=None if stage is None else stage.loc[rows],
            seed=ctx.options.seed,
        )
    )


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
    ctx.add_section(claims_section(_jsonable(out)))


def generalisability_step(ctx: AnalysisContext) -> None:
    """The scorecard over every criterion; its section comes first in the report."""
    rows = scorecard(_jsonable(ctx.results))
    out = scorecard_dict(rows)
    ctx.results["generalisability"] = out
    ctx.add_section(scorecard_section(out, n_respondents=len(ctx.analysed)))


# --------------------------------------------------------------------------- sections
def scorecard_section(card: Mapping[str, Any], *, n_respondents: int | None = None) -> Any:
    """The generalisability scorecard: one row per criterion, verdict first."""
    counts = card["counts"]
    tested = [v for v in ("supported", "partly", "inconclusive", "not supported") if counts[v]]
    tally = ", ".join(f"{counts[v]} {v}" for v in tested) or "nothing could be tested"
    if counts["not run"]:
        tally += f"; {counts['not run']} not run"
    who = f" on {n_respondents:,} respondents" if n_respondents else ""
    parts = [
        report.paragraph(
            "The stage model and the strategy quadrants come from 12 case studies. This table "
            f"says, criterion by criterion, how far they hold in this survey{who}: whether the "
            "items measure what they should, whether firms fall into ordered stages, whether "
            "the four strategies occur, and whether the papers' specific claims hold. "
            f"Summary: {tally}."
        ),
    ]
    rows = []
    area = None
    for r in card["rows"]:
        if r["area"] != area:
            area = r["area"]
            rows.append([f"<b>{report.esc(area)}</b>", "", "", ""])
        rows.append(
            [
                report.badge(VERDICT_BADGE.get(r["verdict"], "na"), r["verdict"]),
                f"<b>{report.esc(r['criterion'])}</b><br>{report.esc(r['question'])}",
                f"{report.esc(r['value'])}<br><span class='ci'>needs: "
                f"{report.esc(r['threshold'])}</span>",
                report.esc(r["explanation"]),
            ]
        )
    parts.append(report.table(rows, ["Verdict", "Criterion", "Evidence", "What it means"]))
    parts.append(
        report.note(
            "Verdicts: supported — the criterion is met; partly — met in part (see the "
            "explanation); inconclusive — the data cannot decide, more respondents are needed; "
            "not supported — the data contradict it; not run — the analysis could not be done "
            "with this instrument or data (the reason is given). The sections below hold the "
            "details of each row."
        )
    )
    return report.section("scorecard", "How far does the model generalise?", parts)


def stages_section(st: Mapping[str, Any]) -> Any:
    """Profiles, the k rule, stability, ordering and agreement with the theory."""
    verdict = st["verdict"]
    parts = [
        f"<p>{report.badge(VERDICT_BADGE[verdict], verdict)} {report.esc(st['summary'])}</p>",
        report.paragraph(
            f"Latent profiles (Gaussian mixtures with k = 1–{len(st['fit_table'])}) were fitted "
            f"to the scores {', '.join(profile_dimensions(st['profiles'])) or 'of the levels'} "
            f"of {st['n_fitted']:,} respondents"
            + (
                f" ({st['n_flagged_excluded']:,} respondents flagged for careless answering "
                "were left out of the fit and assigned afterwards)"
                if st.get("n_flagged_excluded")
                else ""
            )
            + ". A data-driven stage is a profile; stages are numbered by mean maturity "
            "(column stage_cluster in assignments.csv)."
        ),
    ]
    crit_rows = []
    for name, c in st["criteria"].items():
        met = c["met"]
        cls = "na" if met is None else ("good" if met else "poor")
        word = "not applicable" if met is None else ("met" if met else "not met")
        crit_rows.append(
            [
                report.esc(name),
                report.badge(cls, word),
                report.esc(c["text"]),
                report.esc(c["threshold"]),
            ]
        )
    parts.append(
        report.table(
            crit_rows,
            ["Evidence", "", "Finding", "Needed"],
            caption="A stage structure is supported when all four are met.",
        )
    )
    figures = []
    if st["profiles"]:
        fig = profile_figure(st["profiles"])
        figures.append(fig)
        parts.append(report.figure_html(fig))
        dims = profile_dimensions(st["profiles"])
        prof_rows = [
            [f"stage {p['stage']}", f"{p['share']:.0%}"] + [report.fmt(p.get(d), 2) for d in dims]
            for p in st["profiles"]
        ]
        parts.append(
            report.table(
                prof_rows,
                ["Profile", "Share", *dims],
                numeric=range(1, len(dims) + 2),
                caption="Mean score of each profile on the dimensions it was fitted to.",
            )
        )
    rule = st["k_rule"]
    parts.append(
        report.paragraph(
            "How the number of profiles was chosen: a profile is added only if BIC falls by at "
            f"least {rule['min_bic_gain']:g}, the log-likelihood rises by at least "
            f"{rule['min_gain_per_respondent']:g} nats per respondent, no profile holds fewer "
            f"than {rule['min_class_share']:.0%} of the respondents and the entropy stays at "
            f"least {rule['min_entropy']:.2f}; the search stops at the first k that fails. "
            "Plain BIC alone keeps adding profiles in large samples of Likert data."
        )
    )
    fit_rows = []
    for row in st["fit_table"]:
        fit_rows.append(
            [
                str(row["k"]),
                report.fmt(row["bic"], 1),
                report.fmt(row["delta_bic"], 1),
                report.fmt(row["gain_per_respondent"], 3),
                report.fmt(row["entropy"], 2),
                "—" if row["smallest_share"] is None else f"{row['smallest_share']:.1%}",
                report.esc(row["reason"]),
            ]
        )
    parts.append(
        report.table(
            fit_rows,
            ["k", "BIC", "ΔBIC", "gain / respondent", "entropy", "smallest", "decision"],
            numeric=range(1, 6),
            caption=f"BIC = −2 lnL + p ln N, lower is better (R mclust reports the negative). "
            f"Plain BIC would choose k = {st['bic_best_k']}.",
        )
    )
    if st.get("kmeans_ari") is not None:
        parts.append(
            report.note(
                f"Check: k-means with the same k groups respondents like the mixture (ARI = "
                f"{st['kmeans_ari']:.2f})."
            )
        )
    order = st.get("ordering")
    if order:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in order["developed_share"].items())
        parts.append(
            report.paragraph(
                f"Cumulative ordering: share of firms with each level developed (score at or "
                f"above the stage rule's threshold): {shares}. Loevinger's H = {order['h']:.2f} "
                f"({order['band']}; < .30 not a scale, .30–.40 weak, .40–.50 medium, ≥ .50 "
                f"strong); {order['perfect_pattern_share']:.0%} of firms follow a perfect "
                f"cumulative pattern; coefficient of reproducibility {order['reproducibility']:.3f}"
                f" (Goodenough–Edwards; marginals alone give "
                f"{order['minimal_marginal_reproducibility']:.3f})."
            )
        )
    agree = st.get("agreement")
    if agree:
        parts.append(
            report.paragraph(
                f"Theory vs data: ARI = {agree['ari']:.2f} [{agree['ari_ci'][0]:.2f}, "
                f"{agree['ari_ci'][1]:.2f}], Cohen's weighted kappa (linear, reported) = "
                f"{agree['kappa_linear']:.2f} [{agree['kappa_linear_ci'][0]:.2f}, "
                f"{agree['kappa_linear_ci'][1]:.2f}], quadratic = {agree['kappa_quadratic']:.2f}; "
                f"{agree['exact']:.0%} of firms get the same stage number from both."
            )
        )
        cross = agree["crosstab"]
        cols = sorted({c for row in cross.values() for c in row}, key=int)
        rows = [[f"theory stage {t}"] + [str(cross[t].get(c, 0)) for c in cols] for t in cross]
        parts.append(
            report.table(
                rows,
                ["", *[f"profile {c}" for c in cols]],
                numeric=range(1, len(cols) + 1),
                caption="Respondents by theory stage (rows) and profile.",
            )
        )
    if st.get("models"):
        parts.extend(_model_parts(st))
    if st.get("threshold_sensitivity"):
        threshold_parts, threshold_figures = _threshold_parts(st)
        parts.extend(threshold_parts)
        figures.extend(threshold_figures)
    return report.section("stages", "Stages", parts, figures=figures)


def _model_parts(st: Mapping[str, Any]) -> list[Any]:
    """The declared stage models side by side, and the firms whose profile breaks the order."""
    models = st["models"]
    default = next(m for m in models if m["default"])
    intro = (
        f"The theory stage comes from the stage model '{default['id']}' ({default['label']})"
        + (
            ", declared in the instrument file."
            if default["declared"]
            else ": the instrument only tags constructs with levels (the 1.0 format), so the "
            "1.0 cumulative four-level model applies."
        )
        + " A firm that meets a later transition in full but not an earlier one breaks the "
        "model's order: it is counted as non_cumulative (evidence about the theory) and given "
        "no stage."
    )
    rows = []
    for m in models:
        counts = m["counts"]
        stages = " / ".join(str(counts.get(str(k), 0)) for k in range(1, m["n_stages"] + 1))
        agree = m.get("agreement_with_profiles") or {}
        share = m.get("non_cumulative_share")
        rows.append(
            [
                f"<b>{report.esc(m['id'])}</b>"
                + (" (default)" if m["default"] else "")
                + f"<br><span class='ci'>{report.esc(m['label'])}</span>",
                stages,
                f"{counts.get(NON_CUMULATIVE, 0):,}"
                + ("" if share is None else f" <span class='ci'>({share:.1%})</span>"),
                f"{counts.get(UNCLASSIFIED, 0):,}",
                report.fmt(m.get("h_transitions"), 2),
                report.fmt(agree.get("ari"), 2),
                report.fmt(agree.get("kappa_linear"), 2),
            ]
        )
    return [
        "<h3>Stage models</h3>",
        report.paragraph(intro),
        report.table(
            rows,
            ["Model", "Firms per stage", "Break the order", "Unclassified", "H", "ARI", "κ"],
            numeric=range(1, 7),
            caption="Each model on the same firms. H: Loevinger's H of the transitions met "
            "(≥ .30 a cumulative scale); ARI and κ (linear): agreement with the data-driven "
            "profiles. Fewer firms breaking the order and higher agreement mean a better fit.",
        ),
    ]


def _threshold_parts(st: Mapping[str, Any]) -> tuple[list[Any], list[go.Figure]]:
    """Where "developed" begins: the rule's cut, the sensitivity grid and the data's cuts."""
    thresholds = st["thresholds"]
    origin = st.get("threshold_origin", {})
    rule = ", ".join(
        f"{lv} {t:g}" + (" (default)" if origin.get(lv) == "default" else "")
        for lv, t in thresholds.items()
    )
    counts = st.get("classified", {}).get("theory", {})
    parts: list[Any] = [
        "<h3>Where does “developed” begin?</h3>",
        report.paragraph(
            "The case studies say which capabilities a firm must have built to move on, not how "
            f"high a score means “built”. The stage rule counts a level as developed at: {rule}. "
            "The figure re-runs the rule with every threshold moved by −1 to +1 scale point: "
            "the bars are the shares of firms in each theory stage, the lines the agreement "
            "with the data-driven stages."
            + (
                f" {counts.get(UNCLASSIFIED, 0):,} respondent(s) miss a level score and are "
                "unclassified (no theory, calibrated or data-driven stage)."
                if counts.get(UNCLASSIFIED)
                else ""
            )
        ),
    ]
    fig = sensitivity_figure(st["threshold_sensitivity"])
    parts.append(report.figure_html(fig))
    cal = st.get("calibrated_thresholds") or {}
    rows = []
    for lv, c in cal.items():
        if c["cut"] is None:
            cut, why = "—", report.esc(c.get("reason") or "")
        else:
            ci = c.get("ci")
            cut = f"{c['cut']:.2f}" + (
                f" <span class='ci'>[{ci[0]:.2f}, {ci[1]:.2f}]</span>" if ci else ""
            )
            why = (
                f"two groups (ΔBIC {c['delta_bic']:,.0f}, D = {c['separation']:.1f}); "
                f"{c['share_developed']:.0%} developed"
            )
        rows.append([report.esc(lv), report.fmt(c.get("theory"), 2), cut, why])
    parts.append(
        report.table(
            rows,
            ["Requirement", "Rule's threshold", "Data's cut [95% CI]", "Evidence"],
            numeric=(1, 2),
            caption="The data's cut: where a two-component mixture of the level score puts "
            "firms equally likely to be in the developed and the undeveloped group. "
            "stage_calibrated in assignments.csv applies the same rule with these cuts.",
        )
    )
    comp = st.get("stage_comparison") or {}
    names = {
        "theory_vs_cluster": "theory rule vs data-driven profiles",
        "calibrated_vs_cluster": "calibrated rule vs data-driven profiles",
        "theory_vs_calibrated": "theory rule vs calibrated rule",
    }
    comp_rows = [
        [
            names[key],
            f"{c['n']:,}",
            report.fmt(c.get("ari"), 2),
            report.fmt(c.get("kappa_linear"), 2),
            "—" if c.get("exact") is None else f"{c['exact']:.0%}",
        ]
        for key, c in comp.items()
    ]
    if comp_rows:
        parts.append(
            report.table(
                comp_rows,
                ["Stages compared", "Firms", "ARI", "κ (linear)", "Same stage"],
                numeric=(1, 2, 3, 4),
                caption="Agreement of the three stage assignments, side by side.",
            )
        )
    return parts, [fig]


def sensitivity_figure(grid: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Theory-stage shares (bars) and agreement with the profiles (lines) over the grid."""
    x = [_grid_label(r) for r in grid]
    stages = sorted({s for r in grid for s in r["shares"]}, key=int)
    fig = go.Figure()
    for s in stages:
        fig.add_trace(
            go.Bar(x=x, y=[r["shares"].get(s, 0.0) for r in grid], name=f"stage {s}", opacity=0.55)
        )
    for key, label in (("ari", "ARI with profiles"), ("kappa_linear", "κ (linear)")):
        if any(r.get(key) is not None for r in grid):
            fig.add_trace(
                go.Scatter(x=x, y=[r.get(key) for r in grid], name=label, mode="lines+markers")
            )
    rule = next((_grid_label(r) for r in grid if r["shift"] == 0), None)
    if rule is not None:
        fig.add_vline(x=rule, line={"color": "#888", "dash": "dash"})
    fig.update_layout(
        title={"text": "Theory stages as the threshold moves (dashed: the rule's)", "x": 0},
        barmode="stack",
        xaxis={"title": "threshold (all levels)", "type": "category"},
        yaxis={"title": "share of firms / agreement", "range": [0, 1]},
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def _grid_label(row: Mapping[str, Any]) -> str:
    values = list(row["thresholds"].values())
    if len({round(v, 4) for v in values}) == 1:
        return f"{values[0]:.2f}"
    return f"{row['shift']:+.2f}"


def profile_dimensions(profiles: Sequence[Mapping[str, Any]]) -> list[str]:
    """The score dimensions the profiles were fitted to (levels, or a model's transitions)."""
    if not profiles:
        return []
    return [k for k in profiles[0] if k not in ("stage", "share", "maturity")]


def profile_figure(profiles: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Mean scores of each profile, one line per profile."""
    fig = go.Figure()
    dims = profile_dimensions(profiles)
    for p in profiles:
        fig.add_trace(
            go.Scatter(
                x=dims,
                y=[p.get(d) for d in dims],
                mode="lines+markers",
                name=f"stage {p['stage']} ({p['share']:.0%})",
            )
        )
    fig.update_layout(
        title={"text": "Profiles: mean score on each dimension", "x": 0},
        yaxis={"title": "mean score"},
        height=360,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def quadrants_section(
    q: Mapping[str, Any],
    *,
    axes: pd.DataFrame | None = None,
    quadrant: pd.Series | None = None,
    stage: pd.Series | None = None,
    seed: int = 0,
) -> Any:
    """Quadrant shares, the quadrant map and the distinctness of the axes."""
    rows = []
    for name in QUADRANTS:
        s = q["shares"][name]
        rows.append(
            [
                report.esc(QUADRANT_NAMES[name]),
                f"{s['n']:,}",
                f"{s['share']:.1%} <span class='ci'>[{s['ci'][0]:.1%}, {s['ci'][1]:.1%}]</span>",
            ]
        )
    parts = [
        report.paragraph(
            f"Each firm's quadrant comes from its control score (cut at {q['control_cut']:g}: "
            f"higher = decentralised) and its orientation score (cut at "
            f"{q['orientation_cut']:g}: higher = relationship-oriented)."
        ),
        report.table(rows, ["Quadrant", "Firms", "Share [95% CI]"], numeric=(1, 2)),
    ]
    htmt = "" if q.get("htmt") is None else f"; HTMT2 of their items = {q['htmt']:.2f}"
    parts.append(
        report.paragraph(
            f"The two axes correlate r = {q['correlation']:.2f} [{q['correlation_ci'][0]:.2f}, "
            f"{q['correlation_ci'][1]:.2f}]{htmt}. They count as distinct when both stay below "
            f".85: {'yes' if q['distinct'] else 'no'}. All four quadrants hold at least "
            f"{q['min_share']:.0%} of the firms: {'yes' if q['all_populated'] else 'no'}."
        )
    )
    figures = []
    if axes is not None and quadrant is not None:
        fig = quadrant_figure(
            axes,
            quadrant,
            control_cut=q["control_cut"],
            orientation_cut=q["orientation_cut"],
            seed=seed,
        )
        figures.append(fig)
        parts.append(report.figure_html(fig))
    if stage is not None and quadrant is not None:
        both = pd.concat([stage.rename("stage"), quadrant.rename("quadrant")], axis=1).dropna()
        if len(both):
            cross = pd.crosstab(both["stage"].astype(int), both["quadrant"]).reindex(
                columns=list(QUADRANTS), fill_value=0
            )
            rows = [[f"stage {s}"] + [str(v) for v in row] for s, row in cross.iterrows()]
            parts.append(
                report.table(
                    rows,
                    ["Theory stage", *QUADRANT_NAMES.values()],
                    numeric=range(1, 5),
                    caption="Firms by theory stage and quadrant.",
                )
            )
    return report.section("quadrants", "Quadrants", parts, figures=figures)


def quadrant_figure(
    axes: pd.DataFrame,
    quadrant: pd.Series,
    *,
    control_cut: float,
    orientation_cut: float,
    seed: int = 0,
) -> go.Figure:
    """Orientation × control scores of (a sample of) the firms, with the cuts and names."""
    both = axes[["orientation", "control"]].assign(quadrant=quadrant).dropna()
    if len(both) > MAP_POINTS:
        both = both.sample(MAP_POINTS, random_state=seed)
    fig = go.Figure()
    for name in QUADRANTS:
        part = both[both["quadrant"] == name]
        fig.add_trace(
            go.Scatter(
                x=part["orientation"],
                y=part["control"],
                mode="markers",
                name=QUADRANT_NAMES[name],
                marker={"size": 5, "opacity": 0.6},
            )
        )
    fig.add_vline(x=orientation_cut, line={"color": "#888", "dash": "dash"})
    fig.add_hline(y=control_cut, line={"color": "#888", "dash": "dash"})
    fig.update_layout(
        title={
            "text": "Quadrant map"
            + (f" (random {MAP_POINTS:,} firms)" if len(axes) > MAP_POINTS else ""),
            "x": 0,
        },
        xaxis={"title": "orientation (acquisition → relationship)"},
        yaxis={"title": "control (centralised → decentralised)"},
        height=420,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def claims_section(claims: Mapping[str, Mapping[str, Any]]) -> Any:
    """Each claim with its test, effect size, CI and plain-language verdict."""
    rows = []
    for c in claims.values():
        if c["estimate"] is None:
            effect = "—"
        else:
            effect = f"{report.esc(c['effect'])} = {c['estimate']:.2f}"
            if c.get("ci"):
                effect += f" <span class='ci'>[{c['ci'][0]:.2f}, {c['ci'][1]:.2f}]</span>"
            if c.get("p_value") is not None:
                effect += f"<br><span class='ci'>p {report.fmt_p(c['p_value'])}, n = {c['n']:,}"
                effect += "</span>"
        rows.append(
            [
                report.badge(VERDICT_BADGE.get(c["verdict"], "na"), c["verdict"]),
                f"{report.esc(c['claim'])}<br><span class='ci'>{report.esc(c['test'])}</span>",
                effect,
                report.esc(c["explanation"]),
            ]
        )
    parts = [
        report.paragraph(
            "The case studies make four specific claims. Each is tested with an effect size and "
            "a 95% confidence interval; the verdict says what the interval allows. Stages here "
            "are the theory stages (the instrument's stage rule)."
        ),
        report.table(rows, ["Verdict", "Claim (test)", "Effect [95% CI]", "What the data say"]),
    ]
    dec = claims.get("stage_vs_decentralisation", {}).get("details", {}).get("by_stage")
    if dec:
        drows = [
            [
                f"stage {s}",
                f"{d['n']:,}",
                f"{d['share_decentralised']:.0%} "
                f"<span class='ci'>[{d['ci'][0]:.0%}, {d['ci'][1]:.0%}]</span>",
                report.fmt(d["mean_control"], 2),
            ]
            for s, d in dec.items()
        ]
        parts.append(
            report.table(
                drows,
                ["Theory stage", "Firms", "Decentralised [95% CI]", "Mean control score"],
                numeric=(1, 2, 3),
            )
        )
    return report.section("claims", "The papers' claims", parts)


# --------------------------------------------------------------------------- helpers
def _insert_after(ctx: AnalysisContext, name: str, values: pd.Series, after: str) -> None:
    """Put a column into the assignments right after ``after`` (or at the end)."""
    table = ctx.assignments.drop(columns=[name], errors="ignore")
    column = values.reindex(table.index)
    pos = table.columns.get_loc(after) + 1 if after in table.columns else len(table.columns)
    table.insert(int(pos), name, column)
    ctx.assignments = table


def _jsonable(value: Any) -> Any:
    from analysis.pipeline import jsonable

    return jsonable(value)
