"""Exports of the analysed data: formula-safe CSV and SPSS ``.sav`` with labels.

:func:`clean_data` joins the responses with the analysis' assignments (scores, stages,
quadrant, quality flags) into one row per respondent. :func:`safe_csv` writes any table as CSV
with spreadsheet formulas neutralised (:func:`neutralise_formulas`), and :func:`sav_bytes`
writes the clean data as an SPSS file whose variable and value labels come from the
instrument (:func:`spss_data` builds them).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.measurement.scoring import CLASSIFIED, MIXED, NON_CUMULATIVE, UNCLASSIFIED
from instrument import LEVELS, Firmographic, Instrument

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Value label of ``quadrant`` for a firm on a cut (neither quadrant).
MIXED_LABEL = "Mixed (on a cut)"
#: Variable labels of the stage columns.
STAGE_LABELS: dict[str, str] = {
    "stage_theory": "Stage by the theory's cumulative rule",
    "stage_calibrated": "Stage by the same rule with the cuts calibrated on the data",
    "stage_cluster": "Data-driven stage (latent profile, ordered by maturity)",
}
#: Value labels of ``stage_status``.
STAGE_STATUS_LABELS: dict[str, str] = {
    CLASSIFIED: "classified",
    UNCLASSIFIED: "unclassified (a score is missing)",
    NON_CUMULATIVE: "non-cumulative (breaks the stage model's order)",
}
_SPSS_NAME = re.compile(r"^[A-Za-z@][A-Za-z0-9_.@#$]*$")
_LABEL_BYTES = 255  # SPSS variable labels
_VALUE_LABEL_BYTES = 120  # SPSS value labels
_NO_YES = {0.0: "no", 1.0: "yes"}


# --------------------------------------------------------------------------- CSV
def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cannot be run as a spreadsheet formula.

    Parameters
    ----------
    frame : DataFrame
        Any table.

    Returns
    -------
    DataFrame
        The same table where every text cell and column name that starts with ``=``, ``+``,
        ``-``, ``@``, a tab or a carriage return — also after leading blanks (``" =1+1"``) —
        gets a leading apostrophe (``'=1+1``). Numeric columns are left alone (a negative
        *number* is not text); missing values stay missing.

    Notes
    -----
    Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts with one of
    these characters as a formula, which can run commands or leak data when someone opens an
    exported file ("CSV injection"). The apostrophe is the OWASP-recommended escape: it makes
    the spreadsheet show the text as typed.

    References
    ----------
    OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> import pandas as pd
    >>> out = neutralise_formulas(pd.DataFrame({"note": ["=HYPERLINK(1)", "ok"], "x": [-1, 2]}))
    >>> out["note"].tolist(), out["x"].tolist()
    (["'=HYPERLINK(1)", 'ok'], [-1, 2])
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype) and _is_text(series.cat.categories):
            series = series.astype(object)
        if _is_text(series):
            out[column] = series.map(_neutral_cell, na_action="ignore")
    out.columns = [_neutral_cell(c) if isinstance(c, str) else c for c in out.columns]
    if _is_text(out.index):
        out.index = out.index.map(lambda v: _neutral_cell(v) if isinstance(v, str) else v)
    return out


def safe_csv_text(
    frame: pd.DataFrame,
    *,
    index: bool = False,
    header: bool = True,
    float_format: str | None = None,
) -> str:
    """``frame`` as CSV text that a spreadsheet or CSV reader cannot misread.

    Parameters
    ----------
    frame : DataFrame
        Any table.
    index, header : bool
        Whether to write the row labels and the column names.
    float_format : str, optional
        Format of floating-point numbers (``"%.4f"``).

    Returns
    -------
    str
        RFC 4180 CSV: rows end in CRLF and every cell holding a comma, a quote, a carriage
        return or a line feed is quoted, so a line break inside a text cell never starts a new
        row; text that a spreadsheet would run as a formula is neutralised
        (:func:`neutralise_formulas`).

    Notes
    -----
    Every CSV that smcap writes — the CLI's files and the dashboards' downloads — goes through
    this function.

    Examples
    --------
    >>> import pandas as pd
    >>> text = safe_csv_text(pd.DataFrame({"note": ["a\\r=cmd|1", " =1+1"]}))
    >>> text.split("\\r\\n")
    ['note', '"a\\r=cmd|1"', "' =1+1", '']
    """
    return neutralise_formulas(frame).to_csv(
        index=index, header=header, float_format=float_format, lineterminator="\r\n"
    )


def safe_csv(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """``frame`` as UTF-8 CSV bytes (:func:`safe_csv_text`)."""
    return safe_csv_text(frame, index=index).encode("utf-8")


def write_safe_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    header: bool = True,
    float_format: str | None = None,
    excel_bom: bool = False,
) -> Path:
    """Write ``frame`` to ``path`` as :func:`safe_csv_text`; returns the path.

    ``excel_bom=True`` starts the file with a UTF-8 byte-order mark, so that Excel reads the
    text as UTF-8.
    """
    text = safe_csv_text(frame, index=index, header=header, float_format=float_format)
    out = Path(path)
    out.write_bytes(text.encode("utf-8-sig" if excel_bom else "utf-8"))
    return out


def _is_text(values: pd.Series | pd.Index) -> bool:
    return pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)


def _neutral_cell(value: object) -> object:
    # a spreadsheet skips leading blanks before it looks for a formula (" =1+1")
    if isinstance(value, str) and (
        value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


# --------------------------------------------------------------------------- clean data
def clean_data(
    responses: pd.DataFrame, assignments: pd.DataFrame, *, id_column: str | None = None
) -> pd.DataFrame:
    """One row per respondent: the responses followed by the analysis' assignments.

    Parameters
    ----------
    responses : DataFrame
        The responses as analysed: indexed by respondent id (as
        :attr:`analysis.data.responses.ValidatedResponses.data`), or with the ids in ``id_column``.
    assignments : DataFrame
        :attr:`analysis.pipeline.AnalysisResult.assignments` (indexed by respondent id).
    id_column : str, optional
        The id column of ``responses``; by default the index holds the ids.

    Returns
    -------
    DataFrame
        The id column first (named ``id_column``, else the index name or
        ``respondent_id``), then the response columns, then the assignment columns (an
        assignment column whose name is already taken gets the suffix ``_score``), in the
        order of ``responses``.

    Raises
    ------
    ValueError
        When ``id_column`` is not a column of ``responses``.
    """
    if id_column is None:
        id_column = str(responses.index.name or "respondent_id")
        left = responses.rename_axis(id_column).reset_index()
    elif id_column not in responses.columns:
        raise ValueError(f"id_column: {id_column!r} is not a column of the responses")
    else:
        left = responses.copy()
    left[id_column] = left[id_column].astype(str)
    right = assignments.copy()
    right.index = right.index.astype(str)
    right = right.rename(columns={c: f"{c}_score" for c in right.columns if c in left.columns})
    joined = left.join(right, on=id_column)
    return joined.reset_index(drop=True)


# --------------------------------------------------------------------------- SPSS
@dataclass(frozen=True)
class SpssData:
    """A table ready for ``pyreadstat.write_sav`` and its metadata.

    Attributes
    ----------
    data : DataFrame
        Numeric codes for labelled variables, ``float64`` numbers, ``object`` text; valid
        SPSS variable names.
    column_labels : dict
        Variable name → variable label (item text, question text, score description).
    value_labels : dict
        Variable name → {code: label} (scale points, answer options, stages, quadrants).
    measures : dict
        Variable name → ``nominal``, ``ordinal`` or ``scale``.
    renamed : dict
        Original column name → SPSS variable name, for columns whose name SPSS does not
        accept (and multiple-choice answers split into one 0/1 variable per option).
    missing_values : dict
        Variable name → its user-missing values (the don't-know code of Likert items).
    """

    data: pd.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[float, str]]
    measures: dict[str, str]
    renamed: dict[str, str]
    missing_values: dict[str, list[float]] = field(default_factory=dict)


def spss_data(frame: pd.DataFrame, instrument: Instrument) -> SpssData:
    """Turn clean data (:func:`clean_data`) into SPSS variables labelled from the instrument.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent; columns named by instrument ids are labelled, others are kept
        as they are (text or numbers).
    instrument : Instrument
        Source of the labels.

    Returns
    -------
    SpssData
        See the class. Likert items and attention checks: the scale points with the scale's
        labels (a construct's own point labels for its items), the item text as variable
        label; with a don't-know code on the scale, Likert items also label the code and
        declare it user-missing, so that SPSS leaves it out of statistics. Single-choice
        questions: codes 1..k in the order of the options (answers that are not options get
        the next codes, labelled with themselves). Multiple-choice questions: one 0/1
        variable ``<question>_<option>`` per option. Scores: the construct's label;
        ``stage_*``: stage numbers (with the instrument's stage titles); ``stage_status``: its
        codes; ``quadrant``: codes 1–4, 5 for mixed; ``flag_*``, ``flagged`` and ``is_demo``:
        0/1 labelled no/yes. Date-times become SPSS date-times (UTC).
    """
    lab = _Labels.of(instrument)
    table = _SpssTable()
    for column in frame.columns:
        for variable in _variables(str(column), frame[column], lab):
            table.add(variable)
    return table.result(frame.index)


@dataclass(frozen=True)
class _Labels:
    """What the instrument says about the columns it names, looked up by id."""

    instrument: Instrument
    scale: dict[float, str]
    item_scales: dict[str, dict[float, str]]
    dont_know: float | None
    items: dict[str, str]
    checks: dict[str, str]
    questions: dict[str, Firmographic]
    constructs: dict[str, str]
    pages: dict[str, str]
    stage_titles: dict[float, str]

    @classmethod
    def of(cls, inst: Instrument) -> _Labels:
        """Labels of ``inst``'s scale points, items, checks, questions, scores and pages."""
        scale = {float(p): lbl for p, lbl in zip(inst.scale.points, inst.scale.labels, strict=True)}
        dk = inst.scale.dont_know
        item_scales: dict[str, dict[float, str]] = {}
        for c in inst.constructs:
            points = scale
            if c.labels is not None:
                points = {float(p): lbl for p, lbl in zip(inst.scale.points, c.labels, strict=True)}
            if dk is not None:
                points = {**points, float(dk.code): dk.label}
            item_scales.update(dict.fromkeys((i.id for i in c.items), points))
        return cls(
            instrument=inst,
            scale=scale,
            item_scales=item_scales,
            dont_know=None if dk is None else float(dk.code),
            items={i.id: i.text for c in inst.constructs for i in c.items},
            checks={a.id: a.text for a in inst.attention_checks},
            questions={q.id: q for q in inst.firmographics},
            constructs={c.id: c.label for c in inst.constructs},
            pages={p.id: p.title for p in inst.page_list()},
            stage_titles={float(k): v.title for k, v in inst.feedback.stages.items()},
        )


@dataclass(frozen=True)
class _Variable:
    """One SPSS variable to write: data and metadata, under the column name it came from."""

    original: str
    series: pd.Series
    label: str | None = None
    value_labels: Mapping[float, str] | None = None
    measure: str = "scale"
    user_missing: list[float] | None = None


@dataclass
class _SpssTable:
    """:class:`SpssData` being assembled, one variable at a time, under unique SPSS names."""

    columns: dict[str, pd.Series] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[float, str]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    missing_values: dict[str, list[float]] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def add(self, v: _Variable) -> None:
        """Name ``v`` for SPSS and record its data, labels (clipped), measure and missings."""
        var = _spss_name(v.original, self.taken)
        if var != v.original:
            self.renamed[v.original] = var
        self.columns[var] = v.series
        if v.label:
            self.labels[var] = _clip(v.label, _LABEL_BYTES)
        if v.value_labels:
            self.values[var] = {k: _clip(t, _VALUE_LABEL_BYTES) for k, t in v.value_labels.items()}
        self.measures[var] = v.measure
        if v.user_missing:
            self.missing_values[var] = v.user_missing

    def result(self, index: pd.Index) -> SpssData:
        """The table, on the respondents' ``index``."""
        data = pd.DataFrame(self.columns, index=index)
        return SpssData(
            data, self.labels, self.values, self.measures, self.renamed, self.missing_values
        )


def _variables(col: str, series: pd.Series, lab: _Labels) -> list[_Variable]:
    """The SPSS variable(s) of one column: by instrument id, then by name, then by type."""
    named = _instrument_variables(col, series, lab)
    if named is not None:
        return named
    variable = _result_variable(col, series, lab)
    if variable is None:
        variable = _record_variable(col, series, lab)
    if variable is None:
        variable = _typed_variable(col, series)
    return [variable]


def _instrument_variables(col: str, series: pd.Series, lab: _Labels) -> list[_Variable] | None:
    """Items, attention checks, firmographic questions and construct scores (else ``None``)."""
    if col in lab.items:
        missing = None if lab.dont_know is None else [lab.dont_know]
        numbers = _numeric(series, col)
        return [_Variable(col, numbers, lab.items[col], lab.item_scales[col], "ordinal", missing)]
    if col in lab.checks:
        return [_Variable(col, _numeric(series, col), lab.checks[col], lab.scale, "ordinal")]
    if col in lab.questions:
        return _question_variables(col, series, lab.questions[col])
    if col in lab.constructs:
        label = f"Score: {lab.constructs[col]} (mean of keyed items)"
        return [_Variable(col, _numeric(series, col), label)]
    return None


def _question_variables(col: str, series: pd.Series, q: Firmographic) -> list[_Variable]:
    """Single choice: codes in option order; multiple choice: one 0/1 variable per option."""
    if q.type == "single":
        codes, code_labels = _codes(series, [(o.value, o.label) for o in q.options])
        measure = "ordinal" if q.measures == "firm_size" else "nominal"
        return [_Variable(col, codes, q.text, code_labels, measure)]
    if q.type == "multi":
        chosen = series.astype("string").str.split(";")
        return [
            _Variable(
                f"{col}_{option.value}",
                _chosen(chosen, option.value),
                f"{q.text} – {option.label}",
                {0.0: "not chosen", 1.0: "chosen"},
                "nominal",
            )
            for option in q.options
        ]
    return [_Variable(col, _numeric(series, col), q.text, None, "scale")]


def _chosen(chosen: pd.Series, value: str) -> pd.Series:
    """1.0 where ``value`` is among a respondent's split answers, 0.0 where not, else NaN."""
    dummy = chosen.map(
        lambda parts: np.nan if parts is pd.NA or parts is None else float(value in parts)
    )
    return dummy.astype(float)


def _result_variable(col: str, series: pd.Series, lab: _Labels) -> _Variable | None:
    """Level and axis scores, stages and their status, margins, the quadrant (else ``None``)."""
    if col.startswith("level_") and col[6:] in LEVELS:
        return _Variable(col, _numeric(series, col), f"Capability level score: {col[6:]}")
    if col.startswith("axis_"):
        return _Variable(col, _numeric(series, col), f"Axis score: {col[5:]}")
    if col in STAGE_LABELS:
        stage_values = lab.stage_titles if col != "stage_cluster" else None
        return _Variable(col, _numeric(series, col), STAGE_LABELS[col], stage_values, "ordinal")
    if col == "stage_status":
        codes, code_labels = _codes(series, list(STAGE_STATUS_LABELS.items()))
        return _Variable(
            col, codes, "Stage classification (why a stage may be missing)", code_labels
        )
    if col in ("stage_margin", "quadrant_margin"):
        what = "stage" if col == "stage_margin" else "quadrant"
        label = f"Distance to the nearest {what} cut (scale points)"
        return _Variable(col, _numeric(series, col), label)
    if col == "quadrant":
        names = [*lab.instrument.quadrant_names().items(), (MIXED, MIXED_LABEL)]
        codes, code_labels = _codes(series, names)
        label = "Strategy quadrant (control x orientation)"
        return _Variable(col, codes, label, code_labels, "nominal")
    return None


def _record_variable(col: str, series: pd.Series, lab: _Labels) -> _Variable | None:
    """Quality flags, the demo marker, the respondent id and page times (else ``None``)."""
    if col.startswith("flag_") or col in ("flagged", "is_demo"):
        return _Variable(col, _flag(series), _flag_label(col), _NO_YES, "nominal")
    if col == "respondent_id":
        return _Variable(col, series.astype(str), "Respondent id", None, "nominal")
    if col.startswith("page_time_"):
        page = col[len("page_time_") :]
        label = f"Seconds on page '{lab.pages.get(page, page)}'"
        return _Variable(col, _numeric(series, col), label)
    return None


def _typed_variable(col: str, series: pd.Series) -> _Variable:
    """Any other column, by its type: date-time (UTC), 0/1 flag, number or text."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        label = col.replace("_", " ").capitalize() + " (UTC)"
        return _Variable(col, _naive_utc(series), label)
    if pd.api.types.is_bool_dtype(series.dtype):
        return _Variable(col, _flag(series), None, _NO_YES, "nominal")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _Variable(col, series.astype(float), None)
    text = series.astype(object).where(series.notna(), None)
    return _Variable(col, text, None, None, "nominal")


def sav_bytes(frame: pd.DataFrame, instrument: Instrument, *, file_label: str = "") -> bytes:
    """Clean data as the bytes of an SPSS ``.sav`` file with labels (:func:`spss_data`).

    Read it back with ``pyreadstat.read_sav`` (Python), ``haven::read_sav`` (R) or SPSS. The
    don't-know code of Likert items is a user-missing value: SPSS leaves it out of
    statistics; ``read_sav`` gives it as missing unless asked for ``user_missing=True``.
    """
    import pyreadstat  # only here: the CSV helpers above are used where no .sav is written

    spss = spss_data(frame, instrument)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.sav"
        pyreadstat.write_sav(
            spss.data,
            path,
            file_label=_clip(file_label, 64),
            column_labels=spss.column_labels,
            variable_value_labels=spss.value_labels,
            variable_measure=spss.measures,
            missing_ranges=spss.missing_values or None,
        )
        return path.read_bytes()


def _numeric(series: pd.Series, column: str) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        raise ValueError(f"column {column!r}: value {series[bad].iloc[0]!r} is not a number")
    return converted.astype(float)


def _codes(
    series: pd.Series, options: Iterable[tuple[str, str]]
) -> tuple[pd.Series, dict[float, str]]:
    code_of: dict[str, float] = {}
    code_labels: dict[float, str] = {}
    for code, (value, label) in enumerate(options, start=1):
        code_of[value] = float(code)
        code_labels[float(code)] = label
    for value in sorted({str(v) for v in series.dropna()} - set(code_of)):
        code = float(len(code_of) + 1)
        code_of[value] = code
        code_labels[code] = value
    codes = series.map(lambda v: code_of[str(v)], na_action="ignore").astype(float)
    return codes, code_labels


def _flag(series: pd.Series) -> pd.Series:
    return series.astype("boolean").astype("Float64").astype(float)


def _flag_label(column: str) -> str:
    if column == "flagged":
        return "Flagged by any data-quality screen"
    if column == "is_demo":
        return "Simulated demonstration response"
    return f"Quality flag: {column[len('flag_') :].replace('_', ' ')}"


def _naive_utc(series: pd.Series) -> pd.Series:
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]")


def _spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name (≤ 64 bytes) close to ``name``."""
    candidate = name if _SPSS_NAME.fullmatch(name) else re.sub(r"[^A-Za-z0-9_.@#$]", "_", name)
    if not candidate or not re.match(r"[A-Za-z@]", candidate[0]):
        candidate = "v" + candidate
    candidate = candidate.rstrip(".")[:64]
    base, n = candidate, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"_{n}"
        candidate = base[: 64 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _clip(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "..."


__all__ = [
    "FORMULA_PREFIXES",
    "MIXED_LABEL",
    "SpssData",
    "clean_data",
    "neutralise_formulas",
    "safe_csv",
    "safe_csv_text",
    "sav_bytes",
    "spss_data",
    "write_safe_csv",
]
