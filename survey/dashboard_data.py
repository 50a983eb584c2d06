"""Services behind the researcher and reviewer dashboards (no Streamlit here).

The pages call these functions (through the caching in :mod:`survey.cache`) and draw what they
return; every number comes from :mod:`analysis`:

- :func:`monitor_data` — fieldwork: activity, completion funnel, page times, quality flags;
- :func:`analyse` — the full validation (:func:`analysis.pipeline.run_analysis`) of the
  stored responses or of an uploaded file (:func:`read_upload`);
- :func:`cluster_data` — what the cluster dashboard filters and aggregates;
- the ``*_bytes`` functions — the downloads; :func:`browser_download_html` hands files with
  respondent rows to the browser without giving them a URL.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from analysis.data.export import clean_data, safe_csv, sav_bytes
from analysis.data.responses import (
    ResponsesError,
    ValidatedResponses,
    check_groups,
    minimum_respondents,
    read_responses_csv,
    validate_responses,
)
from analysis.pipeline import AnalysisResult, ProgressCallback, run_analysis
from analysis.quality.fieldwork import activity, completion_funnel, page_times, quality_counts
from analysis.quality.screens import FLAG_COLUMNS, quality_flags
from analysis.sem.model import lavaan_syntax, model_from_instrument
from analysis.structure.stages import CARELESS_FLAGS
from instrument import Instrument, InstrumentError, parse_instrument
from instrument.codebook import codebook, codebook_markdown
from survey import store
from survey.questionnaire import Questionnaire

#: Name of the stored responses as a data source (in messages and the report).
STORED_SOURCE = "stored survey responses"
#: The firmographics the cluster dashboard filters by (``measures:`` tag → filter label).
CLUSTER_FILTERS: dict[str, str] = {
    "sector": "Sector",
    "offering": "Products or services",
    "firm_size": "Size (employees)",
    "country": "Country",
}
#: Columns of the respondents' table of :class:`ClusterData` besides the filters.
CLUSTER_COLUMNS: tuple[str, ...] = (
    "level_operational",
    "level_dynamic",
    "level_adaptive",
    "level_networking",
    "axis_control",
    "axis_orientation",
    "stage_theory",
    "stage_calibrated",
    "stage_cluster",
    "stage_status",
    "quadrant",
)
#: Most distinct values a column may have to be offered as an invariance group.
MAX_GROUPS = 12


# --------------------------------------------------------------------------- monitor
@dataclass(frozen=True)
class MonitorData:
    """Everything the response monitor shows.

    Attributes
    ----------
    n_consented, n_started, n_completed : int
        Respondents who gave consent, saved at least one answer, finished.
    n_demo : int
        Of those who consented, how many are simulated demo responses.
    declines : int
        People who declined consent (an anonymous count).
    activity : DataFrame
        :func:`analysis.quality.fieldwork.activity` per day.
    funnel : DataFrame
        :func:`analysis.quality.fieldwork.completion_funnel`.
    page_times : DataFrame
        :func:`analysis.quality.fieldwork.page_times` with the page ``title``.
    quality : DataFrame or None
        :func:`analysis.quality.fieldwork.quality_counts` of the completed responses (None: fewer
        than
        two completed).
    flagged : DataFrame
        Completed respondents flagged by any screen: their ``flag_*`` columns.
    include_demo : bool
        Whether demo responses are counted.
    """

    n_consented: int
    n_started: int
    n_completed: int
    n_demo: int
    declines: int
    activity: pd.DataFrame
    funnel: pd.DataFrame
    page_times: pd.DataFrame
    quality: pd.DataFrame | None
    flagged: pd.DataFrame
    include_demo: bool


def monitor_data(
    engine: Engine, questionnaire: Questionnaire, *, include_demo: bool = True
) -> MonitorData:
    """Fieldwork statistics of the study served by ``questionnaire``.

    Parameters
    ----------
    engine : Engine
        The study database.
    questionnaire : Questionnaire
        The questionnaire (its instrument id selects the responses).
    include_demo : bool, default True
        Count the simulated demo responses too.
    """
    inst = questionnaire.instrument
    progress = store.progress_frame(engine, instrument_id=inst.id)
    timings = store.page_timings(engine, instrument_id=inst.id)
    n_demo = int(progress["is_demo"].sum())
    if not include_demo:
        progress = progress[~progress["is_demo"]]
        timings = timings[timings["respondent_id"].isin(progress.index)]
    titles = {p.id: p.title for p in questionnaire.pages}
    times = page_times(timings, questionnaire.page_ids)
    times.insert(0, "title", [titles[p] for p in times.index])
    responses = store.responses_frame(
        engine, questionnaire, completed_only=True, include_demo=include_demo
    ).set_index("respondent_id")
    quality = None
    flagged = pd.DataFrame(columns=list(FLAG_COLUMNS))
    if len(responses) >= 2:
        screened = quality_flags(responses, inst)
        quality = quality_counts(screened)
        flags = screened.flags
        flagged = flags.loc[flags["flagged"], list(FLAG_COLUMNS)]
    return MonitorData(
        n_consented=len(progress),
        n_started=int(progress["started_at"].notna().sum()),
        n_completed=int(progress["completed_at"].notna().sum()),
        n_demo=n_demo if include_demo else 0,
        declines=store.decline_count(engine, instrument_id=inst.id),
        activity=activity(progress),
        funnel=completion_funnel(progress, timings, questionnaire.page_ids, page_titles=titles),
        page_times=times,
        quality=quality,
        flagged=flagged,
        include_demo=include_demo,
    )


# --------------------------------------------------------------------------- analysis
@dataclass(frozen=True)
class StudyAnalysis:
    """A validation run and the data it ran on.

    Attributes
    ----------
    validated : ValidatedResponses
        The responses as analysed.
    result : AnalysisResult
        Results, assignments and report sections.
    note : str
        Why invariance was not tested when the group was chosen automatically.
    """

    validated: ValidatedResponses
    result: AnalysisResult
    note: str = ""

    @property
    def instrument(self) -> Instrument:
        """The instrument as analysed."""
        return self.validated.instrument


#: ``group`` of :func:`analyse` meaning "the products-or-services question, if it can be tested".
AUTO_GROUP = "auto"


def default_group(instrument: Instrument, responses: pd.DataFrame) -> tuple[str | None, str]:
    """The invariance group analysed by default, and a note when there is none.

    The papers contrast product and service firms, so measurement should hold across them
    before their scores are compared: the question tagged ``measures: offering`` is the
    default group when at least two of its groups are large enough for the test
    (:func:`analysis.data.responses.check_groups`, small groups left out).

    Returns
    -------
    (str or None, str)
        The column, or None with a sentence saying why invariance is not tested.
    """
    question = instrument.firmographic_measuring("offering")
    if question is None or question.id not in responses.columns:
        return None, "The instrument has no products-or-services question to compare groups."
    try:
        check_groups(
            responses,
            question.id,
            n_items=len(instrument.item_ids),
            source="responses",
            drop_small=True,
        )
    except ResponsesError:
        need = minimum_respondents(len(instrument.item_ids))
        return None, (
            f"Invariance across '{question.id}' is not tested yet: fewer than two of its groups "
            f"have the {need} respondents the test needs."
        )
    return question.id, ""


def stored_responses(engine: Engine, questionnaire: Questionnaire) -> pd.DataFrame:
    """The completed responses (demo ones included) in the survey-export layout."""
    return store.responses_frame(engine, questionnaire, completed_only=True)


def analyse(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    source: str,
    id_column: str | None = None,
    group: str | None = None,
    exclude_flagged: bool = False,
    progress: ProgressCallback | None = None,
) -> StudyAnalysis:
    """Validate responses and run the full analysis.

    Groups too small for the invariance test are left out with a warning (rather than
    stopping the run), as ``smcap analyze --drop-small-groups`` does. With
    ``group=AUTO_GROUP`` the group is :func:`default_group`.

    Raises
    ------
    ResponsesError
        When the responses cannot be analysed (the message names the row or column).
    """
    note = ""
    if group == AUTO_GROUP:
        group, note = default_group(instrument, responses)
    validated = validate_responses(
        responses,
        instrument,
        source=source,
        id_column=id_column,
        group=group,
        drop_small_groups=True,
    )
    result = run_analysis(
        validated,
        validated.instrument,
        group=group,
        exclude_flagged=exclude_flagged,
        drop_small_groups=True,
        progress=progress,
    )
    return StudyAnalysis(validated, result, note)


def read_upload(
    data: bytes,
    file_name: str,
    *,
    instrument_text: str | None = None,
    instrument_name: str = "instrument.yaml",
    default_instrument: Instrument,
) -> tuple[pd.DataFrame, Instrument]:
    """Read an uploaded responses CSV and, optionally, an uploaded instrument YAML.

    Parameters
    ----------
    data : bytes
        The CSV file's content.
    file_name : str
        Its name (for messages).
    instrument_text : str, optional
        The YAML text; default: ``default_instrument``.
    instrument_name : str
        The YAML file's name (for messages).
    default_instrument : Instrument
        The study's instrument.

    Raises
    ------
    ResponsesError
        When the CSV cannot be read (messages name the file, not a temporary folder).
    InstrumentError
        When the YAML is not a valid instrument.
    """
    name = Path(file_name).name or "responses.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            frame = read_responses_csv(path)
        except ResponsesError as exc:
            raise ResponsesError(str(exc).replace(f"{folder}/", "")) from None
    if instrument_text is None:
        return frame, default_instrument
    return frame, parse_instrument(instrument_text, source=Path(instrument_name).name)


def group_columns(data: pd.DataFrame, instrument: Instrument) -> list[str]:
    """Columns that can define groups for the invariance test: 2 to 12 distinct values.

    Items, attention checks, page timings and date-times are left out.

    Parameters
    ----------
    data : DataFrame
        Responses, validated (``ValidatedResponses.data``) or as uploaded.
    instrument : Instrument
        The instrument they answer.

    Returns
    -------
    list of str
        The columns, in the data's order.
    """
    skip = {*instrument.item_ids, *(a.id for a in instrument.attention_checks)}
    out = []
    for column in data.columns:
        series = data[column]
        if column in skip or str(column).startswith("page_time_"):
            continue
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        if 2 <= series.nunique(dropna=True) <= MAX_GROUPS:
            out.append(str(column))
    return out


# --------------------------------------------------------------------------- downloads
def report_bytes(analysis: StudyAnalysis) -> bytes:
    """The self-contained HTML report."""
    return analysis.result.report_html().encode("utf-8")


def results_bytes(analysis: StudyAnalysis) -> bytes:
    """``results.json``: every number, stable keys."""
    return (json.dumps(analysis.result.results, indent=2, allow_nan=False) + "\n").encode()


def clean_frame(analysis: StudyAnalysis) -> pd.DataFrame:
    """The analysed responses with scores, stages, quadrant and quality flags.

    Don't-know answers keep their code (labelled in the codebook and the ``.sav`` file), so
    that they stay distinguishable from skipped items.
    """
    return clean_data(analysis.validated.data_with_dont_know(), analysis.result.assignments)


def clean_csv_bytes(analysis: StudyAnalysis) -> bytes:
    """The clean data as CSV, spreadsheet formulas neutralised."""
    return safe_csv(clean_frame(analysis))


def clean_sav_bytes(analysis: StudyAnalysis) -> bytes:
    """The clean data as an SPSS ``.sav`` file with variable and value labels."""
    inst = analysis.instrument
    return sav_bytes(clean_frame(analysis), inst, file_label=f"{inst.id} {inst.version}")


def codebook_csv_bytes(instrument: Instrument) -> bytes:
    """The codebook as CSV (formulas neutralised)."""
    return safe_csv(codebook(instrument))


def codebook_md_bytes(instrument: Instrument) -> bytes:
    """The codebook as Markdown."""
    return codebook_markdown(instrument).encode("utf-8")


def lavaan_bytes(analysis: StudyAnalysis) -> bytes:
    """An R script with the CFA's lavaan model syntax and the code that fits it.

    The clean-data CSV holds the answers as given; the script makes the don't-know code
    missing and recodes the reverse-keyed items (``min + max - x``) before fitting, as smcap
    does. Text from the instrument (title, labels) appears only in comments, on one line each,
    and every string is an R string literal with its quotes and backslashes escaped, so no
    instrument text can become R code.
    """
    inst = analysis.instrument
    cfa = analysis.result.typed.cfa
    fitted = cfa.lavaan_syntax if cfa is not None else None
    first = fitted or lavaan_syntax(model_from_instrument(inst))
    second = cfa.second_order.lavaan_syntax if cfa is not None and cfa.second_order else None
    reverse = ", ".join(_r_string(i) for i in inst.reverse_item_ids)
    dk = inst.scale.dont_know
    dont_know = (
        [] if dk is None else [f"data[data == {int(dk.code)}] <- NA  # {_r_comment(dk.label)}"]
    )
    data_file = _r_string(download_name(analysis, "clean_data.csv"))
    lines = [
        f"# CFA of {_r_comment(f'{inst.title} ({inst.id} {inst.version})')}, as fitted by smcap:",
        "# ML estimation, listwise deletion of respondents with a missing answer.",
        "library(lavaan)",
        f"model <- {_r_string(chr(10) + first + chr(10))}",
        f"data <- read.csv({data_file})",
        "# the items only (the file also holds construct scores named like the factors)",
        'data <- data[lavNames(model, "ov")]',
        *dont_know,
        f"reverse <- intersect(c({reverse}), names(data))",
        f"data[reverse] <- ({float(inst.scale.min):g} + {float(inst.scale.max):g}) - data[reverse]",
        'fit <- cfa(model, data = data, estimator = "ML", missing = "listwise")',
        "summary(fit, fit.measures = TRUE, standardized = TRUE)",
    ]
    if second:
        lines += [
            "",
            "# Second-order model: each capability level a factor over its constructs",
            f"model2 <- {_r_string(chr(10) + second + chr(10))}",
            'fit2 <- cfa(model2, data = data, estimator = "ML", missing = "listwise")',
            "summary(fit2, fit.measures = TRUE, standardized = TRUE)",
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def browser_download_html(data: bytes, file_name: str, mime: str, *, nonce: str) -> str:
    """A script that saves ``data`` as ``file_name`` in the browser that runs it.

    Files with respondent rows (the clean data as CSV or ``.sav``, stage assignments) must not
    get a URL: Streamlit serves ``st.download_button`` data at ``/media/<hash>``, readable
    by anyone who has the address while the session lasts, with no log-in. This HTML carries
    the bytes itself (base64) and, run by ``st.html(..., unsafe_allow_javascript=True)``,
    turns them into a ``Blob`` and saves it: the file travels only over the logged-in
    session's websocket, and the ``blob:`` URL exists only inside that browser tab.

    Parameters
    ----------
    data : bytes
        The file.
    file_name : str
        Name to save it under.
    mime : str
        Its media type.
    nonce : str
        Different for each request, so that asking again for the same file saves it again.

    Returns
    -------
    str
        A ``<script>`` element; file name and type are JSON string literals, with ``<``
        escaped so that no text can close the script.
    """

    def literal(text: str) -> str:
        return json.dumps(text).replace("<", "\\u003c")

    payload = base64.b64encode(data).decode("ascii")
    return (
        f"<script>(() => {{ const request = {literal(nonce)};"
        f"const bytes = Uint8Array.from(atob({literal(payload)}), (c) => c.charCodeAt(0));"
        f"const url = URL.createObjectURL(new Blob([bytes], {{type: {literal(mime)}}}));"
        "const link = document.createElement('a');"
        f"link.href = url; link.download = {literal(file_name)}; link.style.display = 'none';"
        "document.body.appendChild(link); link.click(); link.remove();"
        "setTimeout(() => URL.revokeObjectURL(url), 60000);"
        "})();</script>"
    )


#: Characters that end a line for R or for an editor (CR, LF, other controls, U+2028/2029).
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def _r_comment(text: str) -> str:
    """``text`` for the rest of an R comment line: every line break or control a space."""
    return _LINE_BREAKS.sub(" ", text)


def _r_string(text: str) -> str:
    """``text`` as a double-quoted R string literal (line feeds kept, all else escaped)."""
    escaped = text.replace("\x00", "").replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x01-\x09\x0b-\x1f\x7f]", _r_escape, escaped) + '"'


def _r_escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def download_name(analysis: StudyAnalysis, suffix: str) -> str:
    """A file name for a download: ``<instrument id>_<suffix>``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", analysis.instrument.id)
    return f"{stem}_{suffix}"


# --------------------------------------------------------------------------- clusters
@dataclass(frozen=True)
class ClusterFilter:
    """One filter of the cluster dashboard.

    Attributes
    ----------
    column : str
        The firmographic question id (a column of :attr:`ClusterData.respondents`).
    label : str
        What the filter is called on the page.
    options : tuple of (value, label)
        The answer options, in questionnaire order.
    """

    column: str
    label: str
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ClusterData:
    """What the cluster dashboard filters and aggregates.

    Attributes
    ----------
    respondents : DataFrame
        One row per analysed respondent: the filter columns, ``level_*``, ``axis_*``,
        ``stage_theory``, ``stage_calibrated``, ``stage_cluster`` and ``quadrant`` (where the
        analysis has them), and ``careless``: flagged for careless answering
        (:data:`analysis.structure.stages.CARELESS_FLAGS`), so left out of the stage statistics.
    filters : tuple of ClusterFilter
        The filters the instrument allows (questions tagged sector, offering, firm_size,
        country).
    stages, quadrants, generalisability : dict or None
        The ``results.json`` sections (None when not run).
    scale : tuple of float
        Lowest and highest scale point.
    quadrant_names : dict
        The instrument's name of each quadrant.
    quadrant_cuts : tuple of float
        Control and orientation cuts.
    sector_labels : dict
        Sector value → label (for the map's colours).
    """

    respondents: pd.DataFrame
    filters: tuple[ClusterFilter, ...]
    stages: dict[str, Any] | None
    quadrants: dict[str, Any] | None
    generalisability: dict[str, Any] | None
    scale: tuple[float, float]
    quadrant_cuts: tuple[float, float]
    quadrant_names: dict[str, str]
    sector_labels: dict[str, str]

    @property
    def n_total(self) -> int:
        """Respondents analysed."""
        return len(self.respondents)


def cluster_data(analysis: StudyAnalysis) -> ClusterData:
    """Gather the cluster dashboard's data from a validation run."""
    inst = analysis.instrument
    results = analysis.result.results
    assignments = analysis.result.assignments
    filters = []
    for measures, label in CLUSTER_FILTERS.items():
        q = inst.firmographic_measuring(measures)
        if q is not None and q.options and q.id in analysis.validated.data.columns:
            filters.append(ClusterFilter(q.id, label, tuple((o.value, o.label) for o in q.options)))
    columns = [c for c in CLUSTER_COLUMNS if c in assignments.columns]
    frame = assignments[columns].copy()
    for f in filters:
        frame[f.column] = analysis.validated.data[f.column].reindex(frame.index).astype("string")
    careless = [c for c in CARELESS_FLAGS if c in assignments.columns]
    frame["careless"] = assignments[careless].fillna(False).astype(bool).any(axis=1)
    exclusions = analysis.result.typed.exclusions
    if exclusions is not None and exclusions.applied:  # analysed without the flagged ones
        flagged = analysis.result.assignments.get("flagged")
        if flagged is not None:
            frame = frame.loc[~flagged.reindex(frame.index).fillna(False).astype(bool)]
    sector = inst.firmographic_measuring("sector")
    return ClusterData(
        respondents=frame,
        filters=tuple(filters),
        stages=_section(results, "stages"),
        quadrants=_section(results, "quadrants"),
        generalisability=results.get("generalisability"),
        scale=(float(inst.scale.min), float(inst.scale.max)),
        quadrant_cuts=inst.quadrant_cuts(),
        quadrant_names=inst.quadrant_names(),
        sector_labels={o.value: o.label for o in sector.options} if sector else {},
    )


def _section(results: dict[str, Any], key: str) -> dict[str, Any] | None:
    section = results.get(key)
    if not isinstance(section, dict) or section.get("status") != "ok":
        return None
    return section


__all__ = [
    "AUTO_GROUP",
    "CLUSTER_FILTERS",
    "STORED_SOURCE",
    "ClusterData",
    "ClusterFilter",
    "InstrumentError",
    "MonitorData",
    "ResponsesError",
    "StudyAnalysis",
    "analyse",
    "browser_download_html",
    "clean_csv_bytes",
    "clean_sav_bytes",
    "cluster_data",
    "codebook_csv_bytes",
    "codebook_md_bytes",
    "default_group",
    "download_name",
    "group_columns",
    "lavaan_bytes",
    "monitor_data",
    "read_upload",
    "report_bytes",
    "results_bytes",
    "stored_responses",
]
