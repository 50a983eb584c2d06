"""The validation pipeline behind ``smcap analyze`` and the dashboards: steps and their order.

:mod:`~analysis.pipeline.context` holds what the steps share (the context, the step
description, the result of a run); :mod:`~analysis.pipeline.measurement_steps` and
:mod:`~analysis.pipeline.structure_steps` the steps themselves; :mod:`~analysis.pipeline.run`
orders and runs them. The pipeline is the only package that imports all the statistics
packages and the report; nothing below it imports the pipeline.
"""

from analysis.pipeline.context import (
    AnalysisContext,
    AnalysisOptions,
    AnalysisResult,
    PipelineError,
    ProgressCallback,
    Step,
    jsonable,
    labelled_stages,
)
from analysis.pipeline.run import default_steps, order_steps, run_analysis, software_versions

__all__ = [
    "AnalysisContext",
    "AnalysisOptions",
    "AnalysisResult",
    "PipelineError",
    "ProgressCallback",
    "Step",
    "default_steps",
    "jsonable",
    "labelled_stages",
    "order_steps",
    "run_analysis",
    "software_versions",
]
