"""The validation pipeline behind ``smcap analyze`` and the dashboards.

:func:`run_analysis` checks the responses, then runs an ordered list of named :class:`Step`s.
Each step is a function that reads from and writes to one mutable :class:`AnalysisContext`:
the instrument, the validated responses, the keyed items of the respondents analysed, their
scores, the JSON-ready ``results`` dict, the ``assignments`` frame (one row per respondent),
warnings and report sections. Further analyses are added the same way — write a function
``step(ctx)``, wrap it in a :class:`Step`, and add it to :func:`default_steps` (or pass
``steps=``). Report sections carry an explicit ``order`` (see
:data:`analysis.report.SECTION_ORDER`), so a step added later can still put its section first.

Nothing here prints: progress goes through an optional callback
``progress(step_number, n_steps, label)``.

The steps run with single-threaded BLAS: every matrix here is items × items or a few
passes over the data, where BLAS threads cost more in synchronisation (and, on a shared
machine, in waiting for cores) than they save — the pairwise correlations of 100,000 × 63
answers took 1.6 s with two threads and 0.2 s with one. Work that does parallelise well
(bootstrap, simulation) uses processes (joblib).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis import DEFAULT_SEED, report
from analysis.adequacy import bartlett_sphericity, kmo, kmo_label
from analysis.cfa import (
    ASSEMBLAGE_FACTOR,
    CFAResult,
    fit_cfa,
    lavaan_syntax,
    model_from_instrument,
)
from analysis.common_method import harman_single_factor
from analysis.correlation import PairwiseMoments, pairwise_moments
from analysis.efa import efa, parallel_analysis
from analysis.export import write_safe_csv
from analysis.invariance import measurement_invariance
from analysis.quality import FLAG_COLUMNS, QualityResult, flag_reasons, quality_flags
from analysis.reliability import reliability
from analysis.responses import (
    ResponsesError,
    ValidatedResponses,
    check_groups,
    check_respondent_count,
    minimum_respondents,
    validate_responses,
)
from analysis.scoring import (
    NON_CUMULATIVE,
    UNCLASSIFIED,
    Scores,
    keyed_items,
    score_respondents,
)
from analysis.validity import (
    average_variance_extracted,
    composite_reliability,
    fornell_larcker,
    htmt,
)
from instrument import LEVELS, Instrument

#: Progress callback: (step number starting at 1, number of steps, what is being done).
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of one analysis run (recorded in ``results["options"]``)."""

    group: str | None = None
    id_column: str | None = None
    seed: int = DEFAULT_SEED
    exclude_flagged: bool = False
    allow_missing_items: bool = False
    drop_small_groups: bool = False


@dataclass
class AnalysisContext:
    """Everything a pipeline step reads and writes.

    Attributes
    ----------
    responses : ValidatedResponses
        All respondents, validated.
    instrument : Instrument
        The instrument as analysed (``responses.instrument``).
    options : AnalysisOptions
        The run's options (``options.seed`` seeds every random step).
    analysed : DataFrame
        Responses of the respondents the statistics use (all, or the unflagged ones with
        ``exclude_flagged``), indexed by respondent id.
    keyed : DataFrame
        Their keyed Likert items (reverse-keyed items recoded).
    scores : Scores or None
        Construct, level and axis scores, theory stage and quadrant of *all* respondents (set by
        the ``scores`` step).
    quality : QualityResult or None
        Data-quality screening of all respondents (set by the ``quality`` step).
    cfa : CFAResult or None
        The first-order CFA of the analysed respondents (set by the ``cfa`` step when it
        could be fitted).
    results : dict
        The JSON-ready results; each step adds its own key.
    assignments : DataFrame
        One row per respondent (all of them), indexed by id; steps add columns.
    warnings : list of str
        Plain-language warnings collected along the way.
    sections : list of ReportSection
        Report sections; :func:`analysis.report.render_report` orders them by ``order``.
    """

    responses: ValidatedResponses
    options: AnalysisOptions
    analysed: pd.DataFrame
    keyed: pd.DataFrame
    results: dict[str, Any] = field(default_factory=dict)
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)
    sections: list[report.ReportSection] = field(default_factory=list)
    scores: Scores | None = None
    quality: QualityResult | None = None
    cfa: CFAResult | None = None
    _moments: PairwiseMoments | None = None

    @property
    def instrument(self) -> Instrument:
        """The instrument as analysed."""
        return self.responses.instrument

    def moments(self) -> PairwiseMoments:
        """Pairwise covariances and correlations of :attr:`keyed` (computed once, cached)."""
        if self._moments is None:
            self._moments = pairwise_moments(self.keyed)
        return self._moments

    def correlation(self) -> pd.DataFrame:
        """Pairwise correlation matrix of :attr:`keyed`."""
        return self.moments().corr

    def use_respondents(self, keep: pd.Series) -> None:
        """Restrict the statistics to the respondents where ``keep`` is true."""
        self.analysed = self.responses.data.loc[keep.reindex(self.responses.data.index)]
        self.keyed = keyed_items(self.analysed, self.instrument)
        self._moments = None

    def is_analysed(self, index: pd.Index) -> pd.Series:
        """Whether each respondent of ``index`` is among the analysed ones.

        Parameters
        ----------
        index : Index
            Respondent ids (a subset of the responses' ids, e.g. a score table's index).

        Returns
        -------
        Series
            Boolean, indexed by ``index``.
        """
        # A reindex of a marker, not Index.isin: isin on 100,000 string ids takes ~0.4 s.
        marker = pd.Series(True, index=self.analysed.index)
        return marker.reindex(index, fill_value=False).astype(bool)

    def warn(self, message: str) -> None:
        """Record a warning (shown by the CLI, listed in the report and results)."""
        self.warnings.append(message)

    def add_section(self, section: report.ReportSection) -> None:
        """Add a report section."""
        self.sections.append(section)


@dataclass(frozen=True)
class Step:
    """A named pipeline step.

    Attributes
    ----------
    name : str
        Stable identifier (``results`` key it writes, by convention).
    label : str
        What the progress display shows while it runs.
    run : callable
        ``run(ctx)``: reads and updates the :class:`AnalysisContext`.
    """

    name: str
    label: str
    run: Callable[[AnalysisContext], None]


@dataclass(frozen=True)
class AnalysisResult:
    """The outcome of :func:`run_analysis`.

    Attributes
    ----------
    results : dict
        JSON-ready (no NaN: missing values are None); what ``results.json`` holds.
    assignments : DataFrame
        One row per respondent, indexed by respondent id: construct scores, ``level_*``,
        ``axis_*``, ``stage_theory``, ``stage_calibrated``, ``stage_cluster``, ``quadrant``,
        ``flag_*`` and ``flagged``. Stage columns hold nullable integers; a missing stage is
        a respondent who could not be classified (a level score is missing).
    sections : tuple of ReportSection
        Report sections in display order.
    warnings : tuple of str
        Everything the analysis worked around.
    """

    results: dict[str, Any]
    assignments: pd.DataFrame
    sections: tuple[report.ReportSection, ...]
    warnings: tuple[str, ...]

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``results.json``, ``assignments.csv`` and ``report.html`` into ``folder``.

        Parameters
        ----------
        folder : str or Path
            An existing folder.

        Returns
        -------
        dict
            ``{"results": path, "assignments": path, "report": path}``.

        Notes
        -----
        ``assignments.csv`` starts with the respondent id column; scores are rounded to four
        decimals; missing scores are empty cells. Stage columns never hold an empty cell: a
        respondent without a stage reads ``unclassified``.
        """
        out = Path(folder)
        paths = {
            "results": out / "results.json",
            "assignments": out / "assignments.csv",
            "report": out / "report.html",
        }
        paths["results"].write_text(
            json.dumps(self.results, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        write_safe_csv(labelled_stages(self.assignments).round(4), paths["assignments"], index=True)
        paths["report"].write_text(self.report_html(), encoding="utf-8")
        return paths

    def report_html(self) -> str:
        """The self-contained HTML report."""
        inst = self.results["instrument"]
        software = self.results["software"]
        return report.render_report(
            self.sections,
            title=f"Validation report: {inst['title']}",
            subtitle=(
                f"{inst['id']} {inst['version']} · {self.results['n_respondents']:,} respondents "
                f"analysed · {report.source_name(self.results['source'])}"
            ),
            footer=(
                f"smcap {software['smcap']} · seed {self.results['seed']} · "
                + ", ".join(f"{k} {v}" for k, v in software.items() if k != "smcap")
            ),
        )


# --------------------------------------------------------------------------- running
def run_analysis(
    responses: pd.DataFrame | ValidatedResponses,
    instrument: Instrument,
    *,
    group: str | None = None,
    id_column: str | None = None,
    seed: int = DEFAULT_SEED,
    exclude_flagged: bool = False,
    allow_missing_items: bool = False,
    drop_small_groups: bool = False,
    source: str = "responses",
    progress: ProgressCallback | None = None,
    steps: Sequence[Step] | None = None,
) -> AnalysisResult:
    """Validate responses and run every analysis step.

    Parameters
    ----------
    responses : DataFrame or ValidatedResponses
        Raw responses (one row per respondent, a column per item id; validated here with
        :func:`analysis.responses.validate_responses`) or already validated ones (then
        ``id_column``, ``allow_missing_items`` and ``source`` are taken from them).
    instrument : Instrument
        The instrument the responses answer.
    group : str, optional
        Column defining groups for the measurement-invariance test.
    id_column : str, optional
        Column with respondent ids (default ``respondent_id`` if present, else row numbers).
    seed : int, default 2026
        Seeds every random step (parallel analysis); recorded in the results.
    exclude_flagged : bool, default False
        Compute the statistics without the respondents flagged by the quality screens (all
        respondents stay in the assignments, with their flags).
    allow_missing_items : bool, default False
        Analyse without instrument items absent from the data (with a warning).
    drop_small_groups : bool, default False
        Leave groups too small for invariance testing out (with a warning) instead of failing.
    source : str, default "responses"
        Name of the data in messages and the report (the file name).
    progress : callable, optional
        ``progress(step_number, n_steps, label)`` before each step; called once more with
        ``(n_steps, n_steps, "done")`` at the end.
    steps : sequence of Step, optional
        The steps to run (default :func:`default_steps`).

    Returns
    -------
    AnalysisResult
        Results dict, assignments, report sections and warnings.

    Raises
    ------
    ResponsesError
        When the responses fail validation, or too few respondents remain after excluding the
        flagged ones.
    """
    options = AnalysisOptions(
        group=group,
        id_column=id_column,
        seed=int(seed),
        exclude_flagged=exclude_flagged,
        allow_missing_items=allow_missing_items,
        drop_small_groups=drop_small_groups,
    )
    plan = list(default_steps() if steps is None else steps)
    n_steps = len(plan) + 1
    if progress:
        progress(1, n_steps, "Checking the responses")
    group_warnings: list[str] = []
    if isinstance(responses, ValidatedResponses):
        validated = responses
        if group is not None and group != validated.group:
            group_warnings = check_groups(
                validated.data,
                group,
                n_items=len(validated.item_ids),
                source=validated.source,
                exclude=validated.item_ids,
                drop_small=drop_small_groups,
            )
    else:
        validated = validate_responses(
            responses,
            instrument,
            source=source,
            id_column=id_column,
            allow_missing_items=allow_missing_items,
            group=group,
            drop_small_groups=drop_small_groups,
        )
    ctx = AnalysisContext(
        responses=validated,
        options=options,
        analysed=validated.data,
        keyed=keyed_items(validated.data, validated.instrument),
        assignments=pd.DataFrame(index=validated.data.index),
        warnings=[*validated.warnings, *group_warnings],
    )
    ctx.results.update(_header(ctx))
    with threadpool_limits(1, user_api="blas"):
        for number, step in enumerate(plan, start=2):
            if progress:
                progress(number, n_steps, step.label)
            step.run(ctx)
    ctx.results["n_respondents"] = len(ctx.analysed)
    ctx.results["warnings"] = list(ctx.warnings)
    ctx.add_section(report.overview_section(jsonable(ctx.results)))
    ctx.add_section(report.warnings_section(ctx.warnings))
    if progress:
        progress(n_steps, n_steps, "done")
    ordered = tuple(sorted(ctx.sections, key=lambda s: s.order))
    return AnalysisResult(
        results=jsonable(ctx.results),
        assignments=ctx.assignments,
        sections=ordered,
        warnings=tuple(ctx.warnings),
    )


def default_steps() -> list[Step]:
    """The standard steps, in the order they run (the stage, quadrant, claims and scorecard
    steps of :mod:`analysis.stage_steps` last: the scorecard reads every other result)."""
    from analysis.stage_steps import stage_steps

    return [
        Step("quality", "Screening data quality", quality_step),
        Step("scores", "Scoring respondents", scores_step),
        Step("reliability", "Reliability (alpha, omega)", reliability_step),
        Step("sampling_adequacy", "Sampling adequacy (KMO, Bartlett)", adequacy_step),
        Step("efa", "Parallel analysis and EFA", efa_step),
        Step("cfa", "Confirmatory factor analysis", cfa_step),
        Step("validity", "Convergent and discriminant validity", validity_step),
        Step("invariance", "Measurement invariance", invariance_step),
        Step("common_method", "Common-method check (Harman)", common_method_step),
        *stage_steps(),
    ]


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
    ctx.add_section(report.quality_section(jsonable(summary)))


#: Assignment columns that hold stage numbers.
STAGE_COLUMNS: tuple[str, ...] = ("stage_theory", "stage_calibrated", "stage_cluster")


def labelled_stages(assignments: pd.DataFrame) -> pd.DataFrame:
    """A copy with the stage columns as text: the stage number, or ``unclassified``.

    Parameters
    ----------
    assignments : DataFrame
        :attr:`AnalysisResult.assignments`.

    Returns
    -------
    DataFrame
        The same frame; every column of :data:`STAGE_COLUMNS` it has holds the stage number
        as text, ``"unclassified"`` (a score is missing) or ``"non_cumulative"`` (the profile
        breaks the stage model's order), never a missing value.
    """
    out = assignments.copy()
    status = out.get("stage_status")
    unclassified = (
        pd.Series(True, index=out.index)
        if status is None
        else status.astype("string").fillna(UNCLASSIFIED).eq(UNCLASSIFIED)
    )
    reason = pd.Series(
        np.where(unclassified, UNCLASSIFIED, NON_CUMULATIVE), index=out.index, dtype=object
    )
    for col in STAGE_COLUMNS:
        if col in out.columns:
            stage = out[col].astype("Int64")
            why = reason if col != "stage_cluster" else UNCLASSIFIED
            out[col] = stage.astype("string").astype(object).where(stage.notna(), why)
    return out


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
    low = [c for c, r in out.items() if r["alpha"] is not None and r["alpha"] < 0.7]
    if low:
        ctx.warn(f"construct(s) with Cronbach's α below .70: {', '.join(low)}")
    ctx.add_section(report.reliability_section(jsonable(out)))


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
    if k.overall < 0.6:
        ctx.warn(f"KMO = {k.overall:.2f} is below .60: the items share little common variance")
    ctx.add_section(report.sampling_adequacy_section(jsonable(out)))


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
    ctx.add_section(report.efa_section(jsonable(out)))


def cfa_step(ctx: AnalysisContext) -> None:
    """ML CFA of all constructs (listwise), and the second-order model of the levels."""
    model = model_from_instrument(ctx.instrument)
    try:
        res = fit_cfa(ctx.keyed, model)
    except ValueError as exc:
        reason = f"the CFA could not be fitted: {exc}"
        ctx.results["cfa"] = {"status": "not run", "reason": reason}
        ctx.warn(reason)
        ctx.add_section(report.cfa_section(ctx.results["cfa"]))
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
    if res.n < 5 * fit["npar"]:
        ctx.warn(
            f"the CFA estimates {fit['npar']} parameters from {res.n} complete respondents "
            f"(fewer than 5 per parameter; Bentler & Chou, 1987): read its fit with care"
        )
    if res.n_dropped > 0.2 * (res.n + res.n_dropped):
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
    ctx.add_section(report.cfa_section(jsonable(out)))


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
    if p is not None and p >= 0.05:
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
        low = [k for k, v in out["ave"].items() if v is not None and v < 0.5]
        if low:
            ctx.warn(f"construct(s) with AVE below .50: {', '.join(low)}")
        pairs = _htmt_pairs(out["htmt"], 0.90)
        if pairs:
            ctx.warn(
                "construct pairs with HTMT ≥ .90 (may not be distinct): "
                + ", ".join(f"{a}–{b}" for a, b in pairs)
            )
    ctx.results["validity"] = out
    ctx.add_section(report.validity_section(jsonable(out)))


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
                    "(ΔCFI < −.010 or ΔRMSEA > .015)"
                )
    ctx.results["invariance"] = out
    ctx.add_section(report.invariance_section(jsonable(out)))


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
    ctx.add_section(report.common_method_section(jsonable(out)))


# --------------------------------------------------------------------------- helpers
def _header(ctx: AnalysisContext) -> dict[str, Any]:
    inst = ctx.instrument
    return {
        "source": ctx.responses.source,
        "instrument": {
            "id": inst.id,
            "version": inst.version,
            "title": inst.title,
            "n_items": len(inst.item_ids),
            "n_constructs": len(inst.constructs),
            "dropped_items": list(ctx.responses.dropped_items),
            "skipped_constructs": list(ctx.responses.skipped_constructs),
        },
        "n_respondents": len(ctx.analysed),
        "n_respondents_total": ctx.responses.n_respondents,
        "dont_know": _dont_know_summary(ctx.responses),
        "seed": ctx.options.seed,
        "options": {
            "group": ctx.options.group,
            "id_column": ctx.responses.id_column,
            "exclude_flagged": ctx.options.exclude_flagged,
            "allow_missing_items": ctx.options.allow_missing_items,
            "drop_small_groups": ctx.options.drop_small_groups,
        },
        "software": software_versions(),
    }


def _dont_know_summary(validated: ValidatedResponses) -> dict[str, Any]:
    """The scale's don't-know code and how often it was given (all respondents, per item).

    ``code`` and ``label`` are ``None`` and ``items`` is empty when the scale has no code.
    """
    dk = validated.instrument.scale.dont_know
    counts = validated.dont_know_counts()
    given = validated.dont_know
    return {
        "code": None if dk is None else dk.code,
        "label": None if dk is None else dk.label,
        "n_answers": int(counts.sum()),
        "n_respondents": 0 if given is None else int(given.any(axis=1).sum()),
        "items": {str(item): int(n) for item, n in counts.items()},
    }


def software_versions() -> dict[str, str]:
    """Versions of Python, smcap and the numerical libraries, for the record."""
    out = {"python": platform.python_version()}
    for key, dist in (
        ("smcap", "smcap"),
        ("numpy", "numpy"),
        ("scipy", "scipy"),
        ("pandas", "pandas"),
        ("pingouin", "pingouin"),
        ("factor_analyzer", "factor-analyzer"),
        ("scikit-learn", "scikit-learn"),
        ("plotly", "plotly"),
    ):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = "not installed"
    return out


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


def jsonable(value: Any) -> Any:
    """A copy of ``value`` that ``json.dumps`` accepts: NaN/inf/NA → None, numpy → Python."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (pd.Series, pd.Index)):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


__all__ = [
    "DEFAULT_SEED",
    "FLAG_COLUMNS",
    "AnalysisContext",
    "AnalysisOptions",
    "AnalysisResult",
    "ResponsesError",
    "Step",
    "default_steps",
    "jsonable",
    "run_analysis",
    "software_versions",
]
