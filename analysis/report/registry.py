"""The report's sections as a registry: which part of the results each one shows, in which order.

Each entry names a key of ``results.json`` and the function that turns that part into a
:class:`~analysis.report.html.ReportSection`; :func:`build_sections` walks the registry over
finished results, so the report is a function of the results (plus, for the quadrant map, the
respondents' scores) and never of how the pipeline ran. A part that did not run
(``{"status": "not run" | "failed", "reason": …}``) becomes a note saying why. Sections are
placed by their ``order`` (:data:`analysis.report.html.SECTION_ORDER`); a step added to the
pipeline later can still add a section of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.report.html import ReportSection, not_run_section
from analysis.report.measurement import (
    cfa_section,
    common_method_section,
    efa_section,
    invariance_section,
    overview_section,
    quality_section,
    reliability_section,
    sampling_adequacy_section,
    validity_section,
    warnings_section,
)
from analysis.report.structure import (
    claims_section,
    quadrants_section,
    scorecard_section,
    stages_section,
)


@dataclass(frozen=True)
class Respondents:
    """Respondent-level scores that some figures draw (the analysed respondents only).

    Attributes
    ----------
    axes : DataFrame or None
        Control and orientation axis scores, indexed by respondent id.
    quadrant : Series or None
        Each respondent's quadrant.
    stage : Series or None
        Each respondent's theory stage.
    seed : int
        Seeds the jitter of the quadrant map.
    """

    axes: pd.DataFrame | None = None
    quadrant: pd.Series | None = None
    stage: pd.Series | None = None
    seed: int = 0


#: ``build(part, results, respondents)``: the section of one part of the results.
Builder = Callable[[Any, Mapping[str, Any], Respondents], ReportSection]


@dataclass(frozen=True)
class SectionSpec:
    """One entry of the registry.

    Attributes
    ----------
    key : str
        The key of ``results`` the section shows (``""``: the whole results).
    title : str
        The heading of the note shown when that part did not run.
    build : callable
        ``build(part, results, respondents)`` → :class:`ReportSection`.
    """

    key: str
    title: str
    build: Builder


def _part(function: Callable[[Any], ReportSection]) -> Builder:
    """A builder that needs only its own part of the results."""
    return lambda part, results, respondents: function(part)


def _scorecard(part: Any, results: Mapping[str, Any], respondents: Respondents) -> ReportSection:
    return scorecard_section(part, n_respondents=results.get("n_respondents"))


def _quadrants(part: Any, results: Mapping[str, Any], respondents: Respondents) -> ReportSection:
    return quadrants_section(
        part,
        axes=respondents.axes,
        quadrant=respondents.quadrant,
        stage=respondents.stage,
        seed=respondents.seed,
    )


#: Every section of the report, with the part of the results it shows.
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("generalisability", "Generalisability scorecard", _scorecard),
    SectionSpec("", "What was analysed", _part(overview_section)),
    SectionSpec("reliability", "Reliability of each construct", _part(reliability_section)),
    SectionSpec("sampling_adequacy", "Sampling adequacy", _part(sampling_adequacy_section)),
    SectionSpec("efa", "Exploratory factor analysis", _part(efa_section)),
    SectionSpec("cfa", "Confirmatory factor analysis", _part(cfa_section)),
    SectionSpec("validity", "Convergent and discriminant validity", _part(validity_section)),
    SectionSpec("invariance", "Measurement invariance across groups", _part(invariance_section)),
    SectionSpec("common_method", "Common-method bias", _part(common_method_section)),
    SectionSpec("quality", "Data quality", _part(quality_section)),
    SectionSpec("stages", "Stages", _part(stages_section)),
    SectionSpec("quadrants", "Quadrants", _quadrants),
    SectionSpec("claims", "The papers' claims", _part(claims_section)),
    SectionSpec("warnings", "Warnings", _part(warnings_section)),
)


def did_not_run(part: Any) -> str | None:
    """Why a part of the results has no numbers, or None when it has them.

    Examples
    --------
    >>> did_not_run({"status": "failed", "reason": "ValueError: x"})
    'it failed (ValueError: x)'
    >>> did_not_run({"status": "ok", "cfi": 0.95}) is None
    True
    """
    if not isinstance(part, Mapping) or set(part) != {"status", "reason"}:
        return None
    if part["status"] == "failed":
        return f"it failed ({part['reason']})"
    return str(part["reason"]) if part["status"] != "ok" else None


def build_sections(
    results: Mapping[str, Any], respondents: Respondents | None = None
) -> list[ReportSection]:
    """The report's sections for finished results, in the registry's order.

    Parameters
    ----------
    results : mapping
        JSON-ready results (``AnalysisResult.results`` or a loaded ``results.json``).
    respondents : Respondents, optional
        Scores for the figures that draw respondents (the quadrant map); without them those
        figures are left out.

    Returns
    -------
    list of ReportSection
        One per part of the results the registry knows and the results hold; a part that did
        not run gives a note with its reason.
    """
    who = respondents if respondents is not None else Respondents()
    sections = []
    for spec in SECTIONS:
        part = results if spec.key == "" else results.get(spec.key)
        if part is None:
            continue
        reason = did_not_run(part)
        if reason is not None:
            sections.append(not_run_section(spec.key, spec.title, reason))
        else:
            sections.append(spec.build(part, results, who))
    return sections
