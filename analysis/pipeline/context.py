"""What every pipeline step shares: the options, the context it reads and writes, the step
description and the result of a run.

A step is a function ``step(ctx)`` that reads from and writes to one mutable
:class:`AnalysisContext`: the instrument, the validated responses, the keyed items of the
respondents analysed, their scores, the JSON-ready ``results`` dict, the ``assignments`` frame
(one row per respondent), warnings and report sections. A :class:`Step` names the results it
requires and provides, so that :func:`analysis.pipeline.run.order_steps` can order the steps;
report sections carry an explicit ``order`` so a step added later can still put its section
first.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import DEFAULT_SEED
from analysis.data.export import write_safe_csv
from analysis.data.responses import (
    ValidatedResponses,
)
from analysis.measurement.correlation import PairwiseMoments, pairwise_moments
from analysis.measurement.scoring import (
    NON_CUMULATIVE,
    UNCLASSIFIED,
    Scores,
    keyed_items,
)
from analysis.quality.screens import QualityResult
from analysis.report import html as report
from analysis.results import Results, parse_results
from analysis.sem.cfa import (
    CFAResult,
)
from instrument import Instrument

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
        Sections added by steps the report's registry does not know
        (:mod:`analysis.report.registry` builds the others from the finished results);
        :func:`analysis.report.html.render_report` orders all of them by ``order``.
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
    """A named pipeline step and what it needs.

    Attributes
    ----------
    name : str
        Stable identifier: the ``results`` key it writes.
    label : str
        What the progress display shows while it runs.
    run : callable
        ``run(ctx)``: reads and updates the :class:`AnalysisContext`.
    requires : tuple of str
        Steps whose results it cannot do without: they must be in the plan (else
        :class:`PipelineError`), run before it, and have completed (else it is not run and
        its result says which prerequisite failed).
    after : tuple of str
        Steps it reads when they are in the plan, so it runs after them (``"*"``: after every
        other step, as the scorecard that reads every result).
    """

    name: str
    label: str
    run: Callable[[AnalysisContext], None]
    requires: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


class PipelineError(ValueError):
    """A plan of steps that cannot run: a prerequisite missing, a name twice, a circle."""


@dataclass(frozen=True)
class AnalysisResult:
    """The outcome of :func:`analysis.pipeline.run.run_analysis`.

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

    @functools.cached_property
    def typed(self) -> Results:
        """:attr:`results` checked against the schema and read by attribute.

        Raises ``pydantic.ValidationError`` (naming the key) if a step wrote a value of the
        wrong kind.
        """
        return parse_results(self.results)

    def report_html(self) -> str:
        """The self-contained HTML report."""
        res = self.typed
        inst = res.instrument
        if inst is None or res.n_respondents is None:
            raise ValueError("the results have no instrument or respondent count to report on")
        return report.render_report(
            self.sections,
            title=f"Validation report: {inst.title}",
            subtitle=(
                f"{inst.id} {inst.version} · {res.n_respondents:,} respondents "
                f"analysed · {report.source_name(res.source or 'responses')}"
            ),
            footer=(
                f"smcap {res.software.get('smcap', '?')} · seed {res.seed} · "
                + ", ".join(f"{k} {v}" for k, v in res.software.items() if k != "smcap")
            ),
        )


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
