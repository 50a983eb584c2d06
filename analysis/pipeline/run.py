"""Run the pipeline: put the steps in order and run each on one context.

:func:`run_analysis` checks the responses, then runs the steps of :func:`default_steps` (or those
passed as ``steps=``) in an order that satisfies what each step requires (see
:func:`order_steps`). Nothing here prints: progress goes through an optional callback
``progress(step_number, n_steps, label)``.

The steps run with single-threaded BLAS: every matrix here is items × items or a few
passes over the data, where BLAS threads cost more in synchronisation (and, on a shared
machine, in waiting for cores) than they save — the pairwise correlations of 100,000 × 63
answers took 1.6 s with two threads and 0.2 s with one. Work that does parallelise well
(bootstrap, simulation) uses processes (joblib).
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from analysis import DEFAULT_SEED
from analysis.data.responses import (
    ResponsesError,
    ValidatedResponses,
    check_groups,
    validate_responses,
)
from analysis.measurement.scoring import (
    keyed_items,
)
from analysis.pipeline.context import (
    AnalysisContext,
    AnalysisOptions,
    AnalysisResult,
    PipelineError,
    ProgressCallback,
    Step,
    jsonable,
)
from analysis.pipeline.measurement_steps import (
    adequacy_step,
    cfa_step,
    common_method_step,
    efa_step,
    invariance_step,
    quality_step,
    reliability_step,
    scores_step,
    validity_step,
)
from analysis.pipeline.structure_steps import stage_steps
from analysis.report.registry import Respondents, build_sections
from analysis.results import SCHEMA_VERSION
from instrument import Instrument


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
        :func:`analysis.data.responses.validate_responses`) or already validated ones (then
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
    plan = order_steps(default_steps() if steps is None else steps)
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
        incomplete: set[str] = set()
        for number, step in enumerate(plan, start=2):
            if progress:
                progress(number, n_steps, step.label)
            if not _run_step(ctx, step, incomplete):
                incomplete.add(step.name)
    ctx.results["n_respondents"] = len(ctx.analysed)
    ctx.results["warnings"] = list(ctx.warnings)
    results = jsonable(ctx.results)
    sections = [*build_sections(results, _respondents(ctx)), *ctx.sections]
    if progress:
        progress(n_steps, n_steps, "done")
    ordered = tuple(sorted(sections, key=lambda s: s.order))
    return AnalysisResult(
        results=results,
        assignments=ctx.assignments,
        sections=ordered,
        warnings=tuple(ctx.warnings),
    )


def default_steps() -> list[Step]:
    """The standard steps, each with what it requires and reads.

    The measurement steps run after the quality screen (which may exclude respondents);
    validity needs the CFA; the stage, quadrant and claims steps need the scores; the
    scorecard of :mod:`analysis.pipeline.structure_steps` runs last, as it reads every result.
    """
    after_quality = ("quality",)
    return [
        Step("quality", "Screening data quality", quality_step),
        Step("scores", "Scoring respondents", scores_step, after=after_quality),
        Step("reliability", "Reliability (alpha, omega)", reliability_step, after=after_quality),
        Step(
            "sampling_adequacy",
            "Sampling adequacy (KMO, Bartlett)",
            adequacy_step,
            after=after_quality,
        ),
        Step("efa", "Parallel analysis and EFA", efa_step, after=after_quality),
        Step("cfa", "Confirmatory factor analysis", cfa_step, after=after_quality),
        Step(
            "validity",
            "Convergent and discriminant validity",
            validity_step,
            requires=("cfa",),
        ),
        Step("invariance", "Measurement invariance", invariance_step, after=after_quality),
        Step(
            "common_method",
            "Common-method check (Harman)",
            common_method_step,
            after=after_quality,
        ),
        *stage_steps(),
    ]


def order_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps in an order that runs every step after what it requires and reads.

    Parameters
    ----------
    steps : sequence of Step
        The plan, in the preferred order (kept wherever the prerequisites allow).

    Returns
    -------
    list of Step
        The same steps, each after its ``requires`` and the ``after`` steps in the plan.

    Raises
    ------
    PipelineError
        When two steps share a name, a required step is not in the plan, or the steps wait
        for each other in a circle.

    Examples
    --------
    >>> def noop(ctx):
    ...     pass
    >>> plan = [Step("b", "B", noop, requires=("a",)), Step("a", "A", noop)]
    >>> [s.name for s in order_steps(plan)]
    ['a', 'b']
    >>> order_steps([Step("b", "B", noop, requires=("a",))])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.pipeline.context.PipelineError: step 'b' requires 'a', which is not among ...
    """
    names = [s.name for s in steps]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PipelineError(f"steps named twice: {', '.join(twice)}")
    waits: dict[str, set[str]] = {}
    for step in steps:
        for needed in step.requires:
            if needed not in names:
                raise PipelineError(
                    f"step '{step.name}' requires '{needed}', which is not among the steps "
                    f"to run ({', '.join(names)})"
                )
        after = set(names) - {step.name} if "*" in step.after else set(step.after) & set(names)
        waits[step.name] = set(step.requires) | after
    ordered: list[Step] = []
    done: set[str] = set()
    pending = list(steps)
    while pending:
        ready = next((s for s in pending if waits[s.name] <= done), None)
        if ready is None:
            circle = ", ".join(s.name for s in pending)
            raise PipelineError(f"these steps wait for each other in a circle: {circle}")
        ordered.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return ordered


def _run_step(ctx: AnalysisContext, step: Step, incomplete: set[str]) -> bool:
    """Run one step; a failure is recorded in its result, and the run goes on.

    Returns whether the step completed. A step whose prerequisite did not complete is not
    run. Problems with the responses themselves (:class:`ResponsesError`) still end the run.
    """
    missing = [name for name in step.requires if name in incomplete]
    if missing:
        reason = f"it needs the {' and '.join(missing)} step, which did not complete"
        ctx.results[step.name] = {"status": "not run", "reason": reason}
        return False
    try:
        step.run(ctx)
    except ResponsesError:
        raise
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        ctx.results[step.name] = {"status": "failed", "reason": reason}
        ctx.warn(f"The {step.label} step failed ({reason}); the other steps ran without it.")
        return False
    return True


# --------------------------------------------------------------------------- helpers
def _respondents(ctx: AnalysisContext) -> Respondents:
    """The analysed respondents' axis scores, quadrants and stages, for the quadrant map."""
    if ctx.scores is None:
        return Respondents(seed=ctx.options.seed)
    rows = ctx.analysed.index
    stage = ctx.assignments.get("stage_theory")
    return Respondents(
        axes=ctx.scores.axes.loc[rows],
        quadrant=ctx.scores.quadrant.loc[rows],
        stage=None if stage is None else stage.loc[rows],
        seed=ctx.options.seed,
    )


def _header(ctx: AnalysisContext) -> dict[str, Any]:
    inst = ctx.instrument
    return {
        "schema_version": SCHEMA_VERSION,
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
