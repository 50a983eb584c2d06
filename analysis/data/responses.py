"""Read a responses file and check it against an instrument before any statistic is computed.

Every problem a user can cause ends in one :class:`ResponsesError` whose message names the file,
the row (respondent id and line number) and the column, shows the offending value and says what
to do. Problems the analysis can work around (no id column, instrument items absent from the
file when the caller allows it, respondents without a group) become warnings on the result.

The rules:

* **Columns** — one column per Likert item id of the instrument; other columns are kept (for
  grouping, timings and attention checks). A file without any item column is an error; a file
  missing some items is an error unless ``allow_missing_items=True``, in which case those items
  are left out and constructs with fewer than two remaining items are skipped.
* **Cells** — item and attention-check answers must be numbers on the scale; empty cells (and
  pandas' usual missing markers such as ``NA``) are missing answers. Non-integer values inside
  the scale are accepted (e.g. averaged ratings) with a warning naming them. When the scale
  has a don't-know code (``scale.dont_know``), that code is also accepted in item columns (not
  in attention checks): it becomes a missing answer for the analysis, and the answers are
  counted per item and reported in a warning.
* **Options** — a value of a single-choice question (``sector``, ``offering`` …) that is not
  one of its options is analysed as given, with a warning naming column, row and value.
* **Respondents** — ids must be present and unique. A CFA needs at least
  :func:`minimum_respondents` respondents: one more than the number of items (otherwise the item
  covariance matrix cannot be inverted) and never fewer than 50 (below that, maximum-likelihood
  CFA estimates are too unstable to report; Anderson & Gerbing, 1984).
* **Items** — an item with no answers or with the same answer from everybody is an error (it has
  no variance, so no correlation with anything).
* **Groups** — the ``group`` column must exist, have at least two groups, and every group must
  reach :func:`minimum_respondents` (or be left out with a warning when
  ``drop_small_groups=True``).

References
----------
Anderson, J. C., & Gerbing, D. W. (1984). The effect of sampling error on convergence, improper
solutions, and goodness-of-fit indices for maximum likelihood confirmatory factor analysis.
*Psychometrika*, 49(2), 155–173.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.criteria import MIN_CFA_RESPONDENTS
from analysis.data.export import FORMULA_PREFIXES
from instrument import DontKnow, Instrument

#: The id column used when none is named.
DEFAULT_ID_COLUMN = "respondent_id"
#: How many offending cells an error message shows.
_EXAMPLES = 5


class ResponsesError(ValueError):
    """A problem with the responses data, described so the user can fix the file."""


@dataclass(frozen=True)
class ValidatedResponses:
    """Responses that passed every check, ready for the analysis.

    Attributes
    ----------
    data : DataFrame
        One row per respondent, indexed by respondent id (strings, index name ``respondent_id``
        or the id column's name). Item and attention-check columns are floats (NaN = missing);
        every other column of the file is kept as read.
    instrument : Instrument
        The instrument as analysed: equal to the given one unless items were missing from the
        file, in which case those items (and constructs left with fewer than two items) are
        removed.
    source : str
        The file name (or a description of the data) used in messages.
    id_column : str or None
        The column the ids came from; None when rows were numbered instead.
    dropped_items : tuple of str
        Instrument items that were not in the file (only with ``allow_missing_items``).
    skipped_constructs : tuple of str
        Constructs left out because fewer than two of their items remained.
    group : str or None
        The grouping column, when one was checked.
    warnings : tuple of str
        Problems the analysis works around, in plain language.
    dont_know : DataFrame or None
        True where a respondent gave the scale's don't-know code to an analysed item (indexed
        and labelled like the items of ``data``, where those cells are missing); ``None`` when
        the scale has no don't-know code.
    """

    data: pd.DataFrame
    instrument: Instrument
    source: str
    id_column: str | None
    dropped_items: tuple[str, ...] = ()
    skipped_constructs: tuple[str, ...] = ()
    group: str | None = None
    warnings: tuple[str, ...] = ()
    dont_know: pd.DataFrame | None = None

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The Likert items that are analysed, in instrument order."""
        return self.instrument.item_ids

    @property
    def n_respondents(self) -> int:
        """Number of respondents (rows)."""
        return len(self.data)

    def items(self) -> pd.DataFrame:
        """The raw (not reverse-keyed) answers to the analysed Likert items."""
        return self.data.loc[:, list(self.item_ids)]

    def dont_know_counts(self) -> pd.Series:
        """Don't-know answers per analysed item (item id → count; empty without a code)."""
        if self.dont_know is None:
            return pd.Series(dtype="int64", name="dont_know")
        return self.dont_know.sum().astype("int64").rename("dont_know")

    def data_with_dont_know(self) -> pd.DataFrame:
        """A copy of ``data`` with the don't-know code back in the cells that held it.

        For exports, where "don't know" must stay distinguishable from a skipped item; the
        analysis itself uses ``data``, where those cells are missing.
        """
        out = self.data.copy()
        dk = self.instrument.scale.dont_know
        if self.dont_know is None or dk is None:
            return out
        for item in self.dont_know.columns:
            out.loc[self.dont_know[item].to_numpy(), item] = float(dk.code)
        return out


def minimum_respondents(n_items: int) -> int:
    """Smallest number of respondents smcap runs a CFA (or a group of an invariance test) on.

    Parameters
    ----------
    n_items : int
        Number of Likert items in the model.

    Returns
    -------
    int
        ``max(n_items + 1, 50)``.

    Notes
    -----
    Maximum likelihood needs an invertible sample covariance matrix, which needs more
    respondents than items; below 50 respondents ML CFA often fails to converge or gives
    improper solutions (Anderson & Gerbing, 1984). This is a floor, not a recommendation: the
    analysis warns when the sample is small relative to the number of model parameters.
    """
    return max(int(n_items) + 1, MIN_CFA_RESPONDENTS)


# --------------------------------------------------------------------------- reading
def read_responses_csv(path: str | Path) -> pd.DataFrame:
    """Read a responses CSV file as it is, with clear errors when it cannot be read.

    Parameters
    ----------
    path : str or Path
        The CSV file: a header row, then one row per respondent. The separator (comma,
        semicolon or tab) is detected from the header; the text must be UTF-8 (a byte-order
        mark is fine).

    Returns
    -------
    DataFrame
        The file's columns with pandas' type inference (numbers become numeric columns; empty
        cells and markers such as ``NA`` become missing), indexed by the line number of each
        row in the file. Rows with no value at all are left out.

    Raises
    ------
    ResponsesError
        When the file does not exist, is a folder, is empty, is binary or not UTF-8 text, cannot
        be parsed as CSV, or repeats a column name.
    """
    p = Path(path)
    if not p.exists():
        raise ResponsesError(f"responses file '{p}' not found")
    if p.is_dir():
        raise ResponsesError(f"responses file '{p}' is a folder, not a CSV file")
    raw = p.read_bytes()
    if not raw.strip():
        raise ResponsesError(f"responses file '{p}' is empty")
    if b"\x00" in raw[:65536]:
        raise ResponsesError(
            f"responses file '{p}' is not a CSV text file (it contains binary data — an Excel "
            "workbook or an SPSS file?); export the data as CSV (UTF-8) first"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ResponsesError(
            f"responses file '{p}' is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
            f"{line}); save it as 'CSV UTF-8'"
        ) from None
    header_line = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=header_line.count)
    header = next(csv.reader([header_line], delimiter=sep))
    seen: set[str] = set()
    repeated = [name for name in header if name in seen or seen.add(name)]
    if repeated:
        raise ResponsesError(
            f"{p}: line 1 repeats column name(s) {_quote(sorted(set(repeated)))}; every column "
            "needs a unique name"
        )
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skip_blank_lines=False)
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        raise ResponsesError(f"{p}: not a readable CSV file: {detail}") from None
    except pd.errors.EmptyDataError:
        raise ResponsesError(f"responses file '{p}' is empty") from None
    return frame.dropna(how="all")


def load_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    id_column: str | None = None,
    allow_missing_items: bool = False,
    group: str | None = None,
    drop_small_groups: bool = False,
) -> ValidatedResponses:
    """Read a responses CSV file and validate it against ``instrument``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    instrument : Instrument
        The instrument the responses answer.
    id_column, allow_missing_items, group, drop_small_groups
        As in :func:`validate_responses`.

    Returns
    -------
    ValidatedResponses
        The checked data; messages refer to CSV line numbers.
    """
    frame = read_responses_csv(path)
    return validate_responses(
        frame,
        instrument,
        source=str(path),
        id_column=id_column,
        allow_missing_items=allow_missing_items,
        group=group,
        drop_small_groups=drop_small_groups,
        index_is_line=True,
    )


# --------------------------------------------------------------------------- validation
def validate_responses(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    source: str = "responses",
    id_column: str | None = None,
    allow_missing_items: bool = False,
    group: str | None = None,
    drop_small_groups: bool = False,
    index_is_line: bool = False,
) -> ValidatedResponses:
    """Check responses against an instrument (see the module docstring for the rules).

    Parameters
    ----------
    responses : DataFrame
        One row per respondent, a column per item id (as read from a CSV file or a database).
        Not modified.
    instrument : Instrument
        The instrument the responses answer.
    source : str, default "responses"
        What to call the data in messages (the file name).
    id_column : str, optional
        Column holding respondent ids. When None, ``respondent_id`` is used if present, else
        rows are numbered ``row1``, ``row2`` … with a warning. A named column that does not exist
        is an error.
    allow_missing_items : bool, default False
        Leave instrument items that are absent from the data out of the analysis (with a
        warning) instead of failing.
    group : str, optional
        Column defining groups for the measurement-invariance test.
    drop_small_groups : bool, default False
        Leave groups smaller than :func:`minimum_respondents` out (with a warning) instead of
        failing.
    index_is_line : bool, default False
        The index of ``responses`` holds line numbers of a source file (as
        :func:`read_responses_csv` returns them); messages then cite lines, otherwise 1-based
        row numbers.

    Returns
    -------
    ValidatedResponses
        The checked data, indexed by respondent id.

    Raises
    ------
    ResponsesError
        For every problem listed in the module docstring, naming row, column and value.
    """
    if not isinstance(responses, pd.DataFrame):
        raise TypeError(f"responses must be a pandas DataFrame, got {type(responses).__name__}")
    if responses.columns.duplicated().any():
        dupes = sorted({str(c) for c in responses.columns[responses.columns.duplicated()]})
        raise ResponsesError(f"{source}: repeated column name(s) {_quote(dupes)}")
    if index_is_line:
        rows = [f"line {line}" for line in responses.index]
    else:
        rows = [f"row {i + 1}" for i in range(len(responses))]
    frame = responses.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    analysed, dropped, skipped, warnings = _analysed_instrument(
        frame, instrument, source, allow_missing_items
    )
    if frame.empty:
        raise ResponsesError(f"{source}: no respondents (the data has no rows)")
    ids, id_col, id_warning = _respondent_ids(frame, id_column, source, rows)
    if id_warning:
        warnings.insert(0, id_warning)
    where = _Locator(rows, ids if id_col else None)

    answer_cols = list(analysed.item_ids) + [
        a.id for a in instrument.attention_checks if a.id in frame.columns
    ]
    numeric = _numeric_answers(frame, answer_cols, source, where)
    numeric, dont_know = _dont_know_as_missing(numeric, instrument, analysed.item_ids)
    _check_scale(numeric, instrument, source, where)
    timing_cols = [c for c in frame.columns if c.startswith("page_time_")]
    timings = _numeric_answers(frame, timing_cols, source, where, what="timing")
    _check_constant_items(numeric[list(analysed.item_ids)], source, dont_know)
    dk = instrument.scale.dont_know
    if dk is not None and dont_know is not None and dont_know.to_numpy().any():
        warnings.append(_dont_know_warning(dont_know, dk))
    warnings.extend(_between_points_warning(numeric, source, where))
    warnings.extend(_unknown_option_warnings(frame, instrument, source, where))

    data = frame.copy()
    for col in answer_cols:
        data[col] = numeric[col]
    for col in timing_cols:
        data[col] = timings[col]
    data.index = pd.Index(ids, name=id_col or DEFAULT_ID_COLUMN)
    if id_col:
        data = data.drop(columns=[id_col])
    if dont_know is not None:
        dont_know.index = data.index

    check_respondent_count(len(data), len(analysed.item_ids), source=source)
    if group is not None:
        group_warnings = check_groups(
            data,
            group,
            n_items=len(analysed.item_ids),
            source=source,
            exclude=answer_cols,
            drop_small=drop_small_groups,
        )
        warnings.extend(group_warnings)
    return ValidatedResponses(
        data=data,
        instrument=analysed,
        source=source,
        id_column=id_col,
        dropped_items=tuple(dropped),
        skipped_constructs=tuple(skipped),
        group=group,
        warnings=tuple(warnings),
        dont_know=dont_know,
    )


def check_respondent_count(n_respondents: int, n_items: int, *, source: str, why: str = "") -> None:
    """Raise :class:`ResponsesError` when there are too few respondents for a CFA.

    Parameters
    ----------
    n_respondents : int
        Respondents available.
    n_items : int
        Likert items analysed.
    source : str
        Name of the data for the message.
    why : str, optional
        Context added to the message (e.g. "after excluding 12 flagged respondents").
    """
    need = minimum_respondents(n_items)
    if n_respondents < need:
        context = f" {why}" if why else ""
        raise ResponsesError(
            f"{source}: {n_respondents} respondent(s){context}, but a CFA of {n_items} items "
            f"needs at least {need} (more respondents than items, so that the item covariance "
            f"matrix can be inverted, and never fewer than {MIN_CFA_RESPONDENTS})"
        )


def check_groups(
    data: pd.DataFrame,
    group: str,
    *,
    n_items: int,
    source: str,
    exclude: Sequence[str] = (),
    drop_small: bool = False,
    why: str = "",
) -> list[str]:
    """Check the grouping column for a measurement-invariance test.

    Parameters
    ----------
    data : DataFrame
        Validated responses.
    group : str
        The grouping column.
    n_items : int
        Likert items analysed (sets the minimum group size, :func:`minimum_respondents`).
    source : str
        Name of the data for messages.
    exclude : sequence of str, optional
        Columns not to suggest as groups in the error message (the item columns).
    drop_small : bool, default False
        Leave small groups out with a warning instead of raising.
    why : str, optional
        Context added to messages (e.g. "after excluding flagged respondents").

    Returns
    -------
    list of str
        Warnings (respondents without a group; groups left out).

    Raises
    ------
    ResponsesError
        When the column does not exist, has fewer than two groups, or a group is too small
        (unless ``drop_small``), naming each group and its size.
    """
    if group not in data.columns:
        skip = set(exclude)
        candidates = [
            c
            for c in data.columns
            if c not in skip and not c.startswith("page_time_") and data[c].nunique() <= 20
        ]
        hint = f"; columns that could define groups: {', '.join(candidates)}" if candidates else ""
        raise ResponsesError(f"{source}: group column '{group}' not found{hint}")
    warnings: list[str] = []
    values = data[group]
    n_missing = int(values.isna().sum())
    if n_missing:
        warnings.append(
            f"{n_missing} respondent(s) have no value in group column '{group}' and are left "
            "out of the measurement-invariance test"
        )
    sizes = values.dropna().astype(str).value_counts().sort_index()
    need = minimum_respondents(n_items)
    context = f" {why}" if why else ""
    small = sizes[sizes < need]
    if len(small) and not drop_small:
        listing = ", ".join(f"'{g}' has {n}" for g, n in small.items())
        raise ResponsesError(
            f"{source}: group column '{group}'{context}: {listing} respondent(s); each group of "
            f"a measurement-invariance test of {n_items} items needs at least {need}. Merge small "
            "groups in the file, or use --drop-small-groups to test the remaining groups"
        )
    if len(small):
        listing = ", ".join(f"'{g}' ({n})" for g, n in small.items())
        warnings.append(
            f"group(s) {listing} of '{group}' have fewer than {need} respondents and are left out "
            "of the measurement-invariance test"
        )
    kept = sizes[sizes >= need]
    if len(kept) < 2:
        listing = ", ".join(f"'{g}' ({n})" for g, n in sizes.items()) or "none"
        raise ResponsesError(
            f"{source}: group column '{group}'{context} gives fewer than two groups with at least "
            f"{need} respondents (groups: {listing}); measurement invariance compares two or "
            "more groups"
        )
    return warnings


# --------------------------------------------------------------------------- helpers
class _Locator:
    """Turns a row position into "respondent 'x' (line 7)" for messages."""

    def __init__(self, rows: Sequence[str], ids: Sequence[str] | None) -> None:
        self.rows = rows
        self.ids = ids

    def __call__(self, position: int) -> str:
        if self.ids is None:
            return self.rows[position]
        return f"respondent '{self.ids[position]}' ({self.rows[position]})"


def _respondent_ids(
    frame: pd.DataFrame, id_column: str | None, source: str, rows: Sequence[str]
) -> tuple[list[str], str | None, str | None]:
    if id_column is not None and id_column not in frame.columns:
        raise ResponsesError(
            f"{source}: id column '{id_column}' not found (columns: {_preview(frame.columns)})"
        )
    col = id_column or (DEFAULT_ID_COLUMN if DEFAULT_ID_COLUMN in frame.columns else None)
    if col is None:
        ids = [f"row{i + 1}" for i in range(len(frame))]
        return (
            ids,
            None,
            f"{source} has no '{DEFAULT_ID_COLUMN}' column; respondents are numbered row1, "
            "row2, … in file order (name an id column with --id-column)",
        )
    raw = frame[col]
    locate = _Locator(rows, None)
    blank = raw.isna() | (raw.astype(str).str.strip() == "")
    if blank.any():
        rows = [locate(int(i)) for i in np.flatnonzero(blank.to_numpy())]
        raise ResponsesError(
            f"{source}: {len(rows)} row(s) have no respondent id in column '{col}': "
            f"{', '.join(rows[:_EXAMPLES])}{' …' if len(rows) > _EXAMPLES else ''}"
        )
    ids = [_id_text(v) for v in raw]
    counts = pd.Series(ids).value_counts()
    dupes = counts[counts > 1]
    if len(dupes):
        listing = ", ".join(f"'{i}' ({n} times)" for i, n in dupes.head(_EXAMPLES).items())
        more = f" and {len(dupes) - _EXAMPLES} more" if len(dupes) > _EXAMPLES else ""
        raise ResponsesError(
            f"{source}: duplicate respondent id(s) in column '{col}': {listing}{more}; each "
            "respondent must appear once"
        )
    return ids, col, None


def _id_text(value: object) -> str:
    """A respondent id as text: blanks around it dropped, unless that would make it a formula.

    ``" =1+1"`` stays as given: stripped, it would start with ``=`` and a spreadsheet opening
    any file that holds the id could run it.
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    stripped = text.strip()
    return text if stripped.startswith(FORMULA_PREFIXES) else stripped


def _analysed_instrument(
    frame: pd.DataFrame, instrument: Instrument, source: str, allow_missing: bool
) -> tuple[Instrument, list[str], list[str], list[str]]:
    present = [i for i in instrument.item_ids if i in frame.columns]
    if not present:
        raise ResponsesError(
            f"{source}: none of the instrument's {len(instrument.item_ids)} item columns "
            f"({_preview(instrument.item_ids)}) is in the data, which has column(s) "
            f"{_preview(frame.columns)}; is this the right file and instrument (and a CSV file "
            "with a header row)?"
        )
    missing = [i for i in instrument.item_ids if i not in frame.columns]
    if not missing:
        return instrument, [], [], []
    if not allow_missing:
        raise ResponsesError(
            f"{source}: {len(missing)} of the instrument's {len(instrument.item_ids)} item "
            f"columns are missing: {_preview(missing, 12)}. Add them, or use "
            "--allow-missing-items to analyse without them"
        )
    warnings = [
        f"{len(missing)} instrument item(s) are not in {source} and are left out of the "
        f"analysis: {_preview(missing, 12)}"
    ]
    constructs = []
    skipped = []
    for construct in instrument.constructs:
        kept = tuple(i for i in construct.items if i.id in frame.columns)
        if len(kept) < 2:
            skipped.append(construct.id)
            continue
        if len(kept) < len(construct.items):
            construct = construct.model_copy(update={"items": kept})
        constructs.append(construct)
    if skipped:
        warnings.append(
            f"construct(s) {_quote(skipped)} have fewer than 2 items left and are skipped"
        )
    if not constructs:
        raise ResponsesError(
            f"{source}: no construct has two or more of its items in the data; nothing to analyse"
        )
    kept_ids = {c.id for c in constructs}
    pages = tuple(
        page.model_copy(update={"constructs": tuple(c for c in page.constructs if c in kept_ids)})
        for page in instrument.pages
    )
    analysed = instrument.model_copy(update={"constructs": tuple(constructs), "pages": pages})
    return analysed, missing, skipped, warnings


def _numeric_answers(
    frame: pd.DataFrame,
    columns: list[str],
    source: str,
    where: _Locator,
    *,
    what: str = "answer",
) -> pd.DataFrame:
    """Columns as floats; non-numeric cells are collected into one error."""
    out: dict[str, pd.Series] = {}
    bad: list[tuple[int, str, object]] = []
    n_bad = 0
    for col in columns:
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw):
            values = pd.Series(np.nan, index=raw.index)
            offending = raw.notna()
        elif pd.api.types.is_numeric_dtype(raw):
            values = raw.astype(float)
            offending = pd.Series(False, index=raw.index)
        else:
            text = raw.astype("string").str.strip()
            values = pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype(float)
            offending = values.isna() & text.notna() & (text != "")
        if offending.any():
            positions = np.flatnonzero(offending.to_numpy())
            n_bad += len(positions)
            bad.extend((int(p), col, raw.iloc[p]) for p in positions[:_EXAMPLES])
        out[col] = values
    if n_bad:
        bad.sort()
        examples = "; ".join(f"{where(p)}, column '{c}': {v!r}" for p, c, v in bad[:_EXAMPLES])
        kind = "item answers" if what == "answer" else "page timings (seconds)"
        columns_kind = "item" if what == "answer" else "page-timing"
        raise ResponsesError(
            f"{source}: {n_bad} non-numeric cell(s) in {columns_kind} columns, e.g. {examples}. "
            f"{kind.capitalize()} must be numbers (leave a cell empty when there is no answer)"
        )
    return pd.DataFrame(out, index=frame.index)


def _dont_know_as_missing(
    numeric: pd.DataFrame, instrument: Instrument, item_ids: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Item answers with the don't-know code made missing, and where the code was given."""
    dk = instrument.scale.dont_know
    if dk is None:
        return numeric, None
    items = list(item_ids)
    given = numeric[items] == float(dk.code)
    out = numeric.copy()
    out[items] = numeric[items].mask(given)
    return out, given


def _dont_know_warning(dont_know: pd.DataFrame, dk: DontKnow) -> str:
    counts = dont_know.sum()
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    n_respondents = int(dont_know.any(axis=1).sum())
    most = ", ".join(f"'{item}' ({int(n)})" for item, n in counts.head(_EXAMPLES).items())
    more = f" and {len(counts) - _EXAMPLES} more" if len(counts) > _EXAMPLES else ""
    return (
        f'{int(counts.sum())} don\'t-know answer(s) (code {dk.code}, "{dk.label}") from '
        f"{n_respondents} respondent(s) in {len(counts)} item(s) are treated as missing: "
        f"{most}{more}; the count per item is under 'dont_know' in results.json"
    )


def _check_scale(
    numeric: pd.DataFrame, instrument: Instrument, source: str, where: _Locator
) -> None:
    lo, hi = instrument.scale.min, instrument.scale.max
    values = numeric.to_numpy(dtype=float)
    outside = (values < lo) | (values > hi)
    if not outside.any():
        return
    rows, cols = np.nonzero(outside)
    order = np.lexsort((cols, rows))
    examples = "; ".join(
        f"{where(int(rows[k]))}, column '{numeric.columns[cols[k]]}': "
        f"{_number(values[rows[k], cols[k]])}"
        for k in order[:_EXAMPLES]
    )
    dk = instrument.scale.dont_know
    allowed = f" (or the don't-know code {dk.code} in item columns)" if dk is not None else ""
    raise ResponsesError(
        f"{source}: {int(outside.sum())} answer(s) outside the scale {lo}–{hi}{allowed}, e.g. "
        f"{examples}. Recode them (missing = empty cell) or check that the instrument's scale "
        "matches the file"
    )


def _between_points_warning(numeric: pd.DataFrame, source: str, where: _Locator) -> list[str]:
    """A warning naming the answers that are not whole scale points (3.5 on a 1–7 item)."""
    values = numeric.to_numpy(dtype=float)
    between = ~np.isnan(values) & (values != np.round(values))
    if not between.any():
        return []
    rows, cols = np.nonzero(between)
    order = np.lexsort((cols, rows))
    examples = "; ".join(
        f"{where(int(rows[k]))}, column '{numeric.columns[cols[k]]}': "
        f"{_number(values[rows[k], cols[k]])}"
        for k in order[:_EXAMPLES]
    )
    return [
        f"{source}: {int(between.sum())} answer(s) fall between the scale points, e.g. "
        f"{examples}. They are analysed as given; if the file should hold single answers, "
        "check the export"
    ]


def _unknown_option_warnings(
    frame: pd.DataFrame, instrument: Instrument, source: str, where: _Locator
) -> list[str]:
    """One warning per single-choice question whose column holds values that are no option."""
    out = []
    for question in instrument.firmographics:
        if question.type != "single" or not question.options or question.id not in frame:
            continue
        allowed = {str(o.value) for o in question.options}
        column = frame[question.id]
        given = column.notna() & (column.astype(str).str.strip() != "")
        unknown = given & ~column.astype(str).str.strip().isin(allowed)
        if not unknown.any():
            continue
        positions = np.flatnonzero(unknown.to_numpy())
        examples = "; ".join(f"{where(int(i))}: {column.iloc[i]!r}" for i in positions[:_EXAMPLES])
        out.append(
            f"{source}: column '{question.id}' has {len(positions)} value(s) that are not among "
            f"its options ({_preview(sorted(allowed))}), e.g. {examples}. They are analysed as "
            "their own group; recode them to an option or leave the cell empty"
        )
    return out


def _check_constant_items(
    items: pd.DataFrame, source: str, dont_know: pd.DataFrame | None = None
) -> None:
    problems = []
    for col in items.columns:
        answered = items[col].dropna()
        if answered.empty:
            n_dk = int(dont_know[col].sum()) if dont_know is not None else 0
            only_dk = f" (only {n_dk} don't-know)" if n_dk else ""
            problems.append(f"item '{col}' has no answers at all{only_dk}")
        elif answered.nunique() == 1:
            problems.append(
                f"item '{col}' has the same answer ({_number(answered.iloc[0])}) from all "
                f"{len(answered)} respondents who answered it"
            )
    if problems:
        raise ResponsesError(
            f"{source}: {'; '.join(problems)}. A constant item has no variance and cannot be "
            "analysed; remove it from the instrument (or the file) or check the export"
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _quote(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _preview(names: Sequence[object], limit: int = 8) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f" … ({len(names)} in all)" if len(names) > limit else "")
