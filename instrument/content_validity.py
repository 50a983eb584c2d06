"""Content validity from an expert panel: rating sheets, I-CVI, S-CVI, modified kappa and CVR.

While a scale is being developed, a panel of experts judges whether each item belongs to its
construct. Every expert gets a rating sheet (:func:`rating_sheet_cells`, one row per Likert
item with the construct's definition) and rates each item's relevance on a 4-point scale and
whether it is essential. :func:`read_rating_sheet` checks a filled sheet against the
instrument, :func:`read_panel` gathers the sheets of the whole panel, and
:func:`content_validity` computes

* the item-level content validity index (I-CVI, :func:`item_cvi`) with the modified kappa
  that corrects it for chance agreement (:func:`modified_kappa`, :func:`kappa_rating`);
* the scale-level index per construct and for the whole instrument, as the average of the
  I-CVIs (S-CVI/Ave) and as universal agreement (S-CVI/UA, :func:`scale_cvi`);
* Lawshe's content validity ratio (CVR, :func:`content_validity_ratio`) with its exact
  binomial critical value (:func:`cvr_critical`).

Every cut-off is defined once below with its source.

References
----------
Ayre, C., & Scally, A. J. (2014). Critical values for Lawshe's content validity ratio.
*Measurement and Evaluation in Counseling and Development*, 47(1), 79–86.

Davis, L. L. (1992). Instrument review: Getting the most from a panel of experts. *Applied
Nursing Research*, 5(4), 194–197.

Lawshe, C. H. (1975). A quantitative approach to content validity. *Personnel Psychology*,
28(4), 563–575.

Lynn, M. R. (1986). Determination and quantification of content validity. *Nursing
Research*, 35(6), 382–385.

Polit, D. F., & Beck, C. T. (2006). The content validity index: Are you sure you know what's
being reported? *Research in Nursing & Health*, 29(5), 489–497.

Polit, D. F., Beck, C. T., & Owen, S. V. (2007). Is the CVI an acceptable indicator of content
validity? *Research in Nursing & Health*, 30(4), 459–467.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from instrument.models import Instrument

# --------------------------------------------------------------------------- cut-offs
#: The relevance scale of the rating sheet (Davis, 1992; used by Polit & Beck, 2006).
RELEVANCE_LABELS: dict[int, str] = {
    1: "not relevant",
    2: "somewhat relevant",
    3: "quite relevant",
    4: "highly relevant",
}
#: Ratings that count as relevant for the I-CVI (3 or 4; Lynn, 1986).
RELEVANT_RATINGS: tuple[int, ...] = (3, 4)
#: Lawshe's (1975) three judgements; ``useful`` stands for "useful but not essential".
ESSENTIAL_VALUES: tuple[str, ...] = ("essential", "useful", "not necessary")
#: Lawshe's full wording, read as the short value.
_ESSENTIAL_ALIASES: dict[str, str] = {"useful but not essential": "useful"}
#: I-CVI an item needs with 5 experts or fewer: all of them (Lynn, 1986).
I_CVI_CUT_SMALL_PANEL = 1.00
#: I-CVI an item needs with 6 experts or more (Lynn, 1986; Polit & Beck, 2006).
I_CVI_CUT = 0.78
#: Largest panel for which :data:`I_CVI_CUT_SMALL_PANEL` applies.
SMALL_PANEL_MAX = 5
#: Fewest experts Lynn (1986) recommends.
MIN_EXPERTS_RECOMMENDED = 3
#: S-CVI/Ave of a scale with excellent content validity (Polit & Beck, 2006).
S_CVI_AVE_CUT = 0.90
#: Lower bounds of the modified-kappa ratings (Polit, Beck & Owen, 2007, after Cicchetti &
#: Sparrow, 1981, and Fleiss, 1981): excellent above .74, good from .60, fair from .40.
KAPPA_RATINGS: tuple[tuple[float, str], ...] = ((0.74, "excellent"), (0.60, "good"), (0.40, "fair"))
#: One-tailed significance level of the CVR's critical value (Ayre & Scally, 2014).
CVR_ALPHA = 0.05

# --------------------------------------------------------------------------- the sheet
#: Columns of the table in a rating sheet, in order.
SHEET_COLUMNS: tuple[str, ...] = (
    "item_id",
    "item_text",
    "construct_id",
    "construct_label",
    "construct_definition",
    "relevance",
    "essential",
    "comment",
)
#: First cell of a rating sheet.
SHEET_TITLE = "Content validity rating sheet"
#: Columns a filled sheet must keep.
_REQUIRED_COLUMNS: tuple[str, ...] = ("item_id", "relevance", "essential")
_DELIMITERS: tuple[str, ...] = (",", ";", "\t")


class RatingSheetError(ValueError):
    """One or more rating sheets cannot be used; ``problems`` lists each one as a line.

    Every problem starts with the file and, where there is one, the spreadsheet row and column
    (``ratings/ann.csv, row 12, column F (relevance): ...``).
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"rating sheets cannot be used:\n{lines}")


def rating_sheet(instrument: Instrument) -> pd.DataFrame:
    """The table of a rating sheet: one row per Likert item, the rating columns empty.

    Parameters
    ----------
    instrument : Instrument
        The instrument the panel reviews.

    Returns
    -------
    DataFrame
        Columns :data:`SHEET_COLUMNS`, rows in instrument order. ``construct_definition`` is
        the construct's ``description``, or its label when it has none; ``relevance``,
        ``essential`` and ``comment`` are empty strings for the expert to fill in.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> sheet = rating_sheet(load_instrument(DEFAULT_INSTRUMENT))
    >>> len(sheet), sheet.loc[0, ["item_id", "construct_id"]].tolist()
    (64, ['op_ai_1', 'audience_insight'])
    """
    rows = [
        {
            "item_id": item.id,
            "item_text": item.text.strip(),
            "construct_id": c.id,
            "construct_label": c.label,
            "construct_definition": (c.description or c.label).strip(),
            "relevance": "",
            "essential": "",
            "comment": "",
        }
        for c in instrument.constructs
        for item in c.items
    ]
    return pd.DataFrame(rows, columns=list(SHEET_COLUMNS))


def rating_sheet_cells(instrument: Instrument, *, rater: str | None = None) -> pd.DataFrame:
    """The whole rating sheet as a grid of text cells, ready to be written as CSV.

    Parameters
    ----------
    instrument : Instrument
        The instrument the panel reviews.
    rater : str, optional
        The expert's name, filled in on the ``rater`` row (left empty otherwise).

    Returns
    -------
    DataFrame
        Text cells without a header, one spreadsheet row per frame row: the title, the
        ``instrument``, ``version`` and ``rater`` rows that identify the sheet, what to fill
        in, an empty row, then the table of :func:`rating_sheet` under its header. Write it
        with ``header=False, index=False`` after neutralising formulas.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> cells = rating_sheet_cells(load_instrument(DEFAULT_INSTRUMENT), rater="Ann")
    >>> cells.iloc[1:4, :2].values.tolist()
    [['instrument', 'smcap-b2b'], ['version', '2.0'], ['rater', 'Ann']]
    """
    scale = "; ".join(f"{k} = {v}" for k, v in RELEVANCE_LABELS.items())
    preamble = [
        [SHEET_TITLE, instrument.title],
        ["instrument", instrument.id],
        ["version", instrument.version],
        ["rater", rater or ""],
        [
            "how to fill in",
            "Write your name next to 'rater' if it is empty. For each item in the table below, "
            "read the construct's definition and fill in the columns relevance, essential and "
            "comment. Change nothing else.",
        ],
        ["relevance", f"How relevant is the item to its construct? {scale}."],
        [
            "essential",
            "Is the item essential for measuring its construct? Write essential, useful "
            "(useful but not essential) or not necessary.",
        ],
        ["comment", "Optional: a better wording, an overlap with another item, a gap."],
        [],
    ]
    table = rating_sheet(instrument)
    rows = [*preamble, list(SHEET_COLUMNS), *table.astype(str).values.tolist()]
    width = len(SHEET_COLUMNS)
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


@dataclass(frozen=True)
class RatingSheet:
    """One expert's filled rating sheet, checked against the instrument.

    Attributes
    ----------
    path : str
        The file it was read from.
    rater : str
        The name on the ``rater`` row, or the file name without its suffix when that is empty.
    ratings : DataFrame
        Indexed by ``item_id`` in instrument order, columns ``row`` (spreadsheet row),
        ``relevance`` (``Int64``, 1–4, missing when blank), ``essential`` (``string``, one
        of :data:`ESSENTIAL_VALUES`, missing when blank) and ``comment`` (``string``).
    """

    path: str
    rater: str
    ratings: pd.DataFrame

    @property
    def blanks(self) -> pd.DataFrame:
        """Blank rating cells: columns ``sheet``, ``rater``, ``row``, ``item_id``, ``column``."""
        rows = [
            {
                "sheet": self.path,
                "rater": self.rater,
                "row": int(r.row),
                "item_id": item_id,
                "column": column,
            }
            for column in ("relevance", "essential")
            for item_id, r in self.ratings[self.ratings[column].isna()].iterrows()
        ]
        frame = pd.DataFrame(rows, columns=["sheet", "rater", "row", "item_id", "column"])
        return frame.sort_values("row", kind="stable").reset_index(drop=True)


def read_rating_sheet(path: str | Path, instrument: Instrument) -> RatingSheet:
    """Read one filled rating sheet and check it against the instrument.

    Parameters
    ----------
    path : str or Path
        A CSV file written by ``smcap instrument rating-sheet`` and filled in by an expert.
        Comma, semicolon and tab separators are recognised (spreadsheets in some languages
        save with semicolons), as are UTF-8 (with or without byte-order mark) and, failing
        that, Windows-1252 text.
    instrument : Instrument
        The instrument the panel reviews.

    Returns
    -------
    RatingSheet
        The ratings, with blank cells missing.

    Raises
    ------
    RatingSheetError
        Listing every problem of the sheet with its row and column: the file is missing or
        is not a rating sheet; it belongs to another instrument or version; a table column is
        missing; an item id is unknown, repeated or empty, or an item of the instrument has
        no row; a relevance rating is not a whole number from 1 to 4; an essential judgement
        is not one of :data:`ESSENTIAL_VALUES` (in any case; ``useful but not essential``
        counts as ``useful``); no item is rated at all.

    Notes
    -----
    Rows are counted as a spreadsheet shows them (a cell with a line break stays on its row).
    A version the spreadsheet turned into a number (``1.0`` saved as ``1``) still matches.
    """
    path = Path(path)
    where = str(path)
    rows = _read_rows(path)
    header_at = next(
        (i for i, row in enumerate(rows) if row and row[0].strip().lower() == "item_id"), None
    )
    if header_at is None:
        raise RatingSheetError(
            [f"{where}: no table with an 'item_id' column; is this a rating sheet?"]
        )
    problems = _check_identity(rows[:header_at], instrument, where)
    header = [cell.strip().lower() for cell in rows[header_at]]
    position = {name: header.index(name) for name in SHEET_COLUMNS if name in header}
    missing_columns = [c for c in _REQUIRED_COLUMNS if c not in position]
    if missing_columns:
        problems += [
            f"{where}, row {header_at + 1}: the table has no column '{c}'" for c in missing_columns
        ]
        raise RatingSheetError(problems)

    def cell(row: list[str], name: str) -> str:
        at = position.get(name)
        return row[at].strip() if at is not None and at < len(row) else ""

    def place(number: int, name: str) -> str:
        return f"{where}, row {number}, column {_column_letter(position[name])} ({name})"

    known = set(instrument.item_ids)
    first_row: dict[str, int] = {}
    records: dict[str, dict[str, object]] = {}
    for offset, row in enumerate(rows[header_at + 1 :]):
        number = header_at + 2 + offset
        if not any(c.strip() for c in row):
            continue
        item_id = cell(row, "item_id")
        if not item_id:
            problems.append(f"{place(number, 'item_id')}: the row has no item id")
            continue
        if item_id not in known:
            problems.append(
                f"{place(number, 'item_id')}: unknown item '{item_id}' "
                f"(not in {instrument.id} {instrument.version})"
            )
            continue
        if item_id in first_row:
            problems.append(
                f"{place(number, 'item_id')}: item '{item_id}' appears again "
                f"(first on row {first_row[item_id]})"
            )
            continue
        first_row[item_id] = number
        relevance, problem = _parse_relevance(cell(row, "relevance"))
        if problem:
            problems.append(f"{place(number, 'relevance')}: {problem}")
        essential, problem = _parse_essential(cell(row, "essential"))
        if problem:
            problems.append(f"{place(number, 'essential')}: {problem}")
        records[item_id] = {
            "row": number,
            "relevance": relevance,
            "essential": essential,
            "comment": cell(row, "comment") or None,
        }
    absent = [i for i in instrument.item_ids if i not in first_row]
    if absent:
        problems.append(
            f"{where}, column {_column_letter(position['item_id'])} (item_id): no row for "
            f"item(s) {', '.join(absent)}; every Likert item of the instrument needs one"
        )
    if records and all(r["relevance"] is None for r in records.values()) and not problems:
        problems.append(
            f"{where}, column {_column_letter(position['relevance'])} (relevance): no item is "
            "rated; has the expert filled in the sheet?"
        )
    if problems:
        raise RatingSheetError(problems)
    ratings = pd.DataFrame.from_dict(records, orient="index").reindex(list(instrument.item_ids))
    ratings.index.name = "item_id"
    ratings = ratings.astype(
        {"row": "int64", "relevance": "Int64", "essential": "string", "comment": "string"}
    )
    rater = _identity(rows[:header_at]).get("rater", ("", 0))[0] or path.stem
    return RatingSheet(path=where, rater=rater, ratings=ratings)


@dataclass(frozen=True)
class Panel:
    """The filled rating sheets of a whole expert panel.

    Attributes
    ----------
    sheets : tuple of RatingSheet
        One per expert, in the order given.
    relevance : DataFrame
        Items × experts: rows indexed by ``item_id`` (instrument order), one ``Int64`` column
        per rater name, missing where the expert left the rating blank.
    essential : DataFrame
        Items × experts as ``string`` (:data:`ESSENTIAL_VALUES`), missing where blank.
    """

    sheets: tuple[RatingSheet, ...]
    relevance: pd.DataFrame
    essential: pd.DataFrame

    @property
    def raters(self) -> tuple[str, ...]:
        """The experts' names, one per sheet."""
        return tuple(s.rater for s in self.sheets)

    @property
    def blanks(self) -> pd.DataFrame:
        """Blank rating cells of all sheets (:attr:`RatingSheet.blanks`)."""
        frames = [s.blanks for s in self.sheets]
        return pd.concat(frames, ignore_index=True)

    @property
    def comments(self) -> pd.Series:
        """Per item, the experts' comments as ``rater: text`` joined by `` | `` ("" if none)."""
        joined = {
            item_id: " | ".join(
                f"{s.rater}: {s.ratings.at[item_id, 'comment']}"
                for s in self.sheets
                if not pd.isna(s.ratings.at[item_id, "comment"])
            )
            for item_id in self.relevance.index
        }
        return pd.Series(joined, name="comments", dtype="string").rename_axis("item_id")


def read_panel(paths: Sequence[str | Path], instrument: Instrument) -> Panel:
    """Read and check the filled rating sheets of a panel, one per expert.

    Parameters
    ----------
    paths : sequence of str or Path
        The sheets, at least two, each from a different expert.
    instrument : Instrument
        The instrument the panel reviews.

    Returns
    -------
    Panel
        The ratings side by side, one column per expert.

    Raises
    ------
    RatingSheetError
        With fewer than two sheets, the same file given twice, two sheets with the same
        rater name, or any problem :func:`read_rating_sheet` finds — the problems of all
        sheets together.
    """
    if len(paths) < 2:
        named = ", ".join(str(p) for p in paths) or "none"
        raise RatingSheetError(
            [f"a panel needs the rating sheets of at least 2 experts; got {len(paths)} ({named})"]
        )
    problems: list[str] = []
    seen_files: dict[Path, str] = {}
    sheets: list[RatingSheet] = []
    for p in paths:
        resolved = Path(p).resolve()
        if resolved in seen_files:
            problems.append(f"{p}: the same file as {seen_files[resolved]}; give each sheet once")
            continue
        seen_files[resolved] = str(p)
        try:
            sheets.append(read_rating_sheet(p, instrument))
        except RatingSheetError as exc:
            problems.extend(exc.problems)
    by_rater: dict[str, str] = {}
    for sheet in sheets:
        if sheet.rater in by_rater:
            problems.append(
                f"{sheet.path}: rater '{sheet.rater}' also rated {by_rater[sheet.rater]}; "
                "each expert fills in one sheet (write distinct names on the 'rater' row)"
            )
        by_rater.setdefault(sheet.rater, sheet.path)
    if problems:
        raise RatingSheetError(problems)
    relevance = pd.DataFrame({s.rater: s.ratings["relevance"] for s in sheets})
    essential = pd.DataFrame({s.rater: s.ratings["essential"] for s in sheets})
    return Panel(sheets=tuple(sheets), relevance=relevance, essential=essential)


# --------------------------------------------------------------------------- statistics
def default_i_cvi_cut(n_experts: int) -> float:
    """The I-CVI an item needs, by panel size (Lynn, 1986; Polit & Beck, 2006).

    Parameters
    ----------
    n_experts : int
        Experts on the panel.

    Returns
    -------
    float
        :data:`I_CVI_CUT_SMALL_PANEL` (1.00: every expert must rate the item relevant) for 5
        experts or fewer, :data:`I_CVI_CUT` (.78) for 6 or more.

    Notes
    -----
    Lynn (1986) requires universal agreement with up to five experts. For six to ten she
    tabulates the proportions that beat chance (.83 to .90); Polit & Beck (2006) recommend
    .78 from six experts on, which is what smcap uses. Lynn recommends at least three
    experts; with two, both must agree.

    Examples
    --------
    >>> default_i_cvi_cut(5), default_i_cvi_cut(6)
    (1.0, 0.78)
    """
    if n_experts < 1:
        raise ValueError(f"n_experts must be at least 1, got {n_experts}")
    return I_CVI_CUT_SMALL_PANEL if n_experts <= SMALL_PANEL_MAX else I_CVI_CUT


def modified_kappa(n_relevant: int, n_experts: int) -> float:
    """Polit, Beck & Owen's (2007) modified kappa: the I-CVI adjusted for chance agreement.

    Parameters
    ----------
    n_relevant : int
        Experts who rated the item relevant (3 or 4).
    n_experts : int
        Experts who rated the item.

    Returns
    -------
    float
        :math:`\\kappa^* = (\\text{I-CVI} - P_c) / (1 - P_c)`, NaN without experts.

    Notes
    -----
    :math:`P_c = \\binom{N}{A} \\, 0.5^N` is the probability that exactly :math:`A` of
    :math:`N` experts call the item relevant by chance, each with probability .5.

    Examples
    --------
    Polit, Beck & Owen (2007): 7 of 9 experts give I-CVI .78, Pc .07, k* .76.

    >>> round(modified_kappa(7, 9), 2)
    0.76
    """
    if n_experts < 0 or not 0 <= n_relevant <= max(n_experts, 0):
        raise ValueError(
            f"need 0 <= n_relevant <= n_experts, got n_relevant={n_relevant}, n_experts={n_experts}"
        )
    if n_experts == 0:
        return math.nan
    p_chance = math.comb(n_experts, n_relevant) * 0.5**n_experts
    return (n_relevant / n_experts - p_chance) / (1.0 - p_chance)


def kappa_rating(kappa: float) -> str:
    """``excellent``, ``good``, ``fair`` or ``poor`` for a modified kappa (:data:`KAPPA_RATINGS`).

    The kappa is rounded to two decimals first, as the cut-offs are: .74 is good, .75
    excellent. NaN gives ``""``.

    Examples
    --------
    >>> kappa_rating(0.761), kappa_rating(0.72), kappa_rating(0.418), kappa_rating(0.05)
    ('excellent', 'good', 'fair', 'poor')
    """
    if math.isnan(kappa):
        return ""
    rounded = round(kappa, 2)
    excellent, *others = KAPPA_RATINGS
    if rounded > excellent[0]:
        return excellent[1]
    return next((word for bound, word in others if rounded >= bound), "poor")


def essential_needed(n_experts: int, *, alpha: float = CVR_ALPHA) -> int | None:
    """Fewest ``essential`` votes out of ``n_experts`` that chance explains with ``p <= alpha``.

    Parameters
    ----------
    n_experts : int
        Experts who judged the item.
    alpha : float, default :data:`CVR_ALPHA`
        One-tailed significance level.

    Returns
    -------
    int or None
        The smallest :math:`k` with :math:`P(X \\ge k) \\le \\alpha` for
        :math:`X \\sim \\mathrm{Binomial}(N, 0.5)`; None when even a unanimous panel is not
        significant (fewer than 5 experts at :math:`\\alpha = .05`).

    Examples
    --------
    >>> essential_needed(8), essential_needed(4)
    (7, None)
    """
    if n_experts < 1:
        return None
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    tail = 0
    for k in range(n_experts, -1, -1):
        tail += math.comb(n_experts, k)
        if tail / 2**n_experts > alpha:
            return k + 1 if k < n_experts else None
    return 0


def cvr_critical(n_experts: int, *, alpha: float = CVR_ALPHA) -> float:
    """Critical value of Lawshe's CVR for a panel size (Ayre & Scally, 2014).

    Parameters
    ----------
    n_experts : int
        Experts who judged the item.
    alpha : float, default :data:`CVR_ALPHA`
        One-tailed significance level.

    Returns
    -------
    float
        :math:`(n_{crit} - N/2) / (N/2)` with :math:`n_{crit}` from :func:`essential_needed`:
        the lowest CVR that more ``essential`` votes than chance would give reach. NaN when
        no CVR is significant (fewer than 5 experts at :math:`\\alpha = .05`).

    Notes
    -----
    Computed from the exact binomial distribution, as Ayre & Scally (2014) did to correct
    Lawshe's (1975) table; their Table 2 gives, e.g., 1.00 for 5 experts (Lawshe: .99), .75
    for 8 and .80 for 10 (Lawshe: .62).

    Examples
    --------
    >>> [round(cvr_critical(n), 3) for n in (5, 8, 10, 15)]
    [1.0, 0.75, 0.8, 0.6]
    """
    needed = essential_needed(n_experts, alpha=alpha)
    if needed is None:
        return math.nan
    return (needed - n_experts / 2) / (n_experts / 2)


def item_cvi(relevance: pd.DataFrame, *, cut: float | None = None) -> pd.DataFrame:
    """Item-level content validity index (I-CVI) with the modified kappa.

    Parameters
    ----------
    relevance : DataFrame
        Items × experts: indexed by item id, one column per expert, ratings 1–4, missing
        where an expert gave none (:attr:`Panel.relevance`).
    cut : float, optional
        The I-CVI an item needs; default :func:`default_i_cvi_cut` of the number of columns.

    Returns
    -------
    DataFrame
        Indexed by item id, columns ``n_experts`` (ratings given), ``n_relevant`` (3 or 4),
        ``i_cvi``, ``below_cut`` (boolean, missing without ratings), ``p_chance``,
        ``kappa`` (:func:`modified_kappa`) and ``kappa_rating`` (:func:`kappa_rating`).

    Notes
    -----
    :math:`\\text{I-CVI} = A / N`, the share of the experts rating the item who rate it 3
    or 4 (Lynn, 1986; Polit & Beck, 2006). It is compared with ``cut`` after rounding to two
    decimals, as the published cut-offs are: 7 of 9 experts (.78) meet the .78 cut.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"a": [4, 2], "b": [3, 3], "c": [4, 1]}, index=["x1", "x2"])
    >>> item_cvi(r)[["n_relevant", "i_cvi", "below_cut"]].round(2)
        n_relevant  i_cvi  below_cut
    x1           3   1.00      False
    x2           1   0.33       True
    """
    _check_ratings(relevance)
    if cut is None:
        cut = default_i_cvi_cut(relevance.shape[1])
    _check_cut(cut)
    rated = relevance.notna()
    n_experts = rated.sum(axis=1).astype("int64")
    n_relevant = relevance.isin(RELEVANT_RATINGS).sum(axis=1).astype("int64")
    i_cvi = (n_relevant / n_experts.where(n_experts > 0)).astype("float64")
    below = (i_cvi.round(2) < cut).astype("boolean").where(n_experts > 0, pd.NA)
    p_chance = [
        math.comb(n, a) * 0.5**n if n else math.nan
        for a, n in zip(n_relevant, n_experts, strict=True)
    ]
    kappa = [modified_kappa(a, n) for a, n in zip(n_relevant, n_experts, strict=True)]
    out = pd.DataFrame(
        {
            "n_experts": n_experts,
            "n_relevant": n_relevant,
            "i_cvi": i_cvi,
            "below_cut": below,
            "p_chance": p_chance,
            "kappa": kappa,
        },
        index=relevance.index,
    )
    out["kappa_rating"] = out["kappa"].map(kappa_rating)
    return out


def content_validity_ratio(essential: pd.DataFrame, *, alpha: float = CVR_ALPHA) -> pd.DataFrame:
    """Lawshe's (1975) content validity ratio per item, against its exact critical value.

    Parameters
    ----------
    essential : DataFrame
        Items × experts: indexed by item id, one column per expert, values from
        :data:`ESSENTIAL_VALUES`, missing where an expert gave none (:attr:`Panel.essential`).
    alpha : float, default :data:`CVR_ALPHA`
        One-tailed significance level of the critical value.

    Returns
    -------
    DataFrame
        Indexed by item id, columns ``n_judges`` (judgements given), ``n_essential``,
        ``cvr``, ``cvr_critical`` (:func:`cvr_critical` of ``n_judges``) and
        ``below_critical`` (boolean; missing when no critical value exists for so few
        judges).

    Notes
    -----
    :math:`CVR = (n_e - N/2) / (N/2)` with :math:`n_e` experts judging the item essential
    out of :math:`N`; it runs from −1 (none) through 0 (half) to 1 (all). An item is below
    the critical value when fewer than :func:`essential_needed` experts call it essential.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame(
    ...     {k: ["essential", "useful"] for k in "abcde"}, index=["x1", "x2"]
    ... )
    >>> content_validity_ratio(e)[["n_essential", "cvr", "cvr_critical", "below_critical"]]
        n_essential  cvr  cvr_critical  below_critical
    x1            5  1.0           1.0           False
    x2            0 -1.0           1.0            True
    """
    unknown = ~essential.isna() & ~essential.isin(ESSENTIAL_VALUES)
    if unknown.any().any():
        item_id, column = unknown.stack().loc[lambda s: s].index[0]
        raise ValueError(
            f"essential: item {item_id!r}, expert {column!r} has "
            f"'{essential.at[item_id, column]}'; expected one of {', '.join(ESSENTIAL_VALUES)}"
        )
    n_judges = essential.notna().sum(axis=1).astype("int64")
    n_essential = (essential == "essential").fillna(False).sum(axis=1).astype("int64")
    half = n_judges.where(n_judges > 0) / 2
    needed = [essential_needed(n, alpha=alpha) for n in n_judges]
    below = pd.array(
        [pd.NA if k is None else bool(e < k) for e, k in zip(n_essential, needed, strict=True)],
        dtype="boolean",
    )
    return pd.DataFrame(
        {
            "n_judges": n_judges,
            "n_essential": n_essential,
            "cvr": ((n_essential - half) / half).astype("float64"),
            "cvr_critical": [cvr_critical(n, alpha=alpha) for n in n_judges],
            "below_critical": below,
        },
        index=essential.index,
    )


def scale_cvi(items: pd.DataFrame, construct_of: Mapping[str, str]) -> pd.DataFrame:
    """Scale-level content validity index per construct (S-CVI/Ave and S-CVI/UA).

    Parameters
    ----------
    items : DataFrame
        :func:`item_cvi`'s table (needs ``i_cvi``), indexed by item id.
    construct_of : mapping of str to str
        Item id → construct id (:meth:`Instrument.construct_of`); constructs are listed in
        the order their first item appears.

    Returns
    -------
    DataFrame
        Indexed by construct id, columns ``n_items`` (items with an I-CVI), ``s_cvi_ave``
        (mean I-CVI), ``s_cvi_ua`` (share of items with I-CVI 1) and ``below_ave_cut``
        (``s_cvi_ave`` under :data:`S_CVI_AVE_CUT`, after rounding to two decimals).

    Notes
    -----
    Polit & Beck (2006): S-CVI/Ave is the average of the I-CVIs, S-CVI/UA the proportion
    of items every expert rated 3 or 4. They recommend S-CVI/Ave ≥ .90. The whole
    instrument's values are :func:`overall_cvi`.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"i_cvi": [1.0, 0.8, 1.0]}, index=["a1", "a2", "b1"])
    >>> scale_cvi(items, {"a1": "a", "a2": "a", "b1": "b"})[["s_cvi_ave", "s_cvi_ua"]]
    ... # doctest: +NORMALIZE_WHITESPACE
               s_cvi_ave  s_cvi_ua
    construct
    a                0.9       0.5
    b                1.0       1.0
    """
    unknown = [i for i in items.index if i not in construct_of]
    if unknown:
        raise ValueError(f"construct_of: no construct for item(s) {unknown}")
    constructs = pd.Index(
        list(dict.fromkeys(construct_of[i] for i in items.index)), name="construct"
    )
    grouped = items["i_cvi"].groupby(items.index.map(construct_of), sort=False)
    out = pd.DataFrame(
        {
            "n_items": grouped.count(),
            "s_cvi_ave": grouped.mean(),
            "s_cvi_ua": grouped.apply(_universal_agreement),
        }
    ).reindex(constructs)
    out["below_ave_cut"] = out["s_cvi_ave"].round(2) < S_CVI_AVE_CUT
    return out


def overall_cvi(items: pd.DataFrame) -> dict[str, float]:
    """S-CVI/Ave and S-CVI/UA of the whole instrument from :func:`item_cvi`'s table.

    Returns
    -------
    dict
        ``n_items``, ``s_cvi_ave`` (mean I-CVI of all rated items) and ``s_cvi_ua`` (share
        of them with I-CVI 1) — Polit & Beck (2006).

    Examples
    --------
    >>> import pandas as pd
    >>> overall_cvi(pd.DataFrame({"i_cvi": [1.0, 0.8, 1.0, 0.6]}))
    {'n_items': 4, 's_cvi_ave': 0.85, 's_cvi_ua': 0.5}
    """
    values = items["i_cvi"].dropna()
    return {
        "n_items": int(values.size),
        "s_cvi_ave": float(values.mean()) if values.size else math.nan,
        "s_cvi_ua": _universal_agreement(values),
    }


@dataclass(frozen=True)
class ContentValidity:
    """Content validity of an instrument from an expert panel (:func:`content_validity`).

    Attributes
    ----------
    instrument_id, version : str
        The instrument reviewed.
    raters : tuple of str
        The experts, one per sheet.
    cut : float
        The I-CVI an item needs.
    alpha : float
        One-tailed level of the CVR's critical value.
    items : DataFrame
        Indexed by ``item_id``: ``construct`` and the columns of :func:`item_cvi` and
        :func:`content_validity_ratio`, with the latter's ``below_critical`` as
        ``cvr_below_critical`` and :func:`item_cvi`'s ``below_cut`` as ``i_cvi_below_cut``.
    constructs : DataFrame
        :func:`scale_cvi`, indexed by construct id.
    overall : dict
        :func:`overall_cvi` of the whole instrument.
    """

    instrument_id: str
    version: str
    raters: tuple[str, ...]
    cut: float
    alpha: float
    items: pd.DataFrame
    constructs: pd.DataFrame
    overall: dict[str, float]

    @property
    def n_experts(self) -> int:
        """Experts on the panel."""
        return len(self.raters)

    def summary(self) -> dict[str, object]:
        """The scale-level results and the flagged items as plain JSON-ready values."""
        items = self.items
        return {
            "format": "smcap content validity",
            "format_version": 1,
            "instrument": {"id": self.instrument_id, "version": self.version},
            "n_experts": self.n_experts,
            "raters": list(self.raters),
            "i_cvi_cut": self.cut,
            "cvr_alpha": self.alpha,
            "cvr_critical": _json_number(cvr_critical(self.n_experts, alpha=self.alpha)),
            "s_cvi_ave_cut": S_CVI_AVE_CUT,
            "instrument_scale": {k: _json_number(v) for k, v in self.overall.items()},
            "constructs": {
                cid: {
                    "n_items": int(row.n_items),
                    "s_cvi_ave": _json_number(row.s_cvi_ave),
                    "s_cvi_ua": _json_number(row.s_cvi_ua),
                    "below_ave_cut": bool(row.below_ave_cut),
                }
                for cid, row in self.constructs.iterrows()
            },
            "items_below_cut": _flagged(items["i_cvi_below_cut"]),
            "items_below_cvr_critical": _flagged(items["cvr_below_critical"]),
        }


def content_validity(
    relevance: pd.DataFrame,
    essential: pd.DataFrame,
    instrument: Instrument,
    *,
    cut: float | None = None,
    alpha: float = CVR_ALPHA,
) -> ContentValidity:
    """I-CVI, modified kappa, S-CVI and CVR of an instrument from an expert panel.

    Parameters
    ----------
    relevance, essential : DataFrame
        Items × experts (:attr:`Panel.relevance`, :attr:`Panel.essential`), indexed by the
        instrument's item ids, the same experts as columns of both.
    instrument : Instrument
        The instrument reviewed (for the constructs).
    cut : float, optional
        The I-CVI an item needs; default :func:`default_i_cvi_cut` of the panel size.
    alpha : float, default :data:`CVR_ALPHA`
        One-tailed level of the CVR's critical value.

    Returns
    -------
    ContentValidity

    Raises
    ------
    ValueError
        When the items are not the instrument's, the experts differ between the two frames,
        fewer than 2 experts are given or a value is out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> ids = list(inst.item_ids)
    >>> relevance = pd.DataFrame({k: [4] * len(ids) for k in "abcdef"}, index=ids)
    >>> relevance.loc["op_ai_3", ["a", "b"]] = 2
    >>> essential = pd.DataFrame({k: ["essential"] * len(ids) for k in "abcdef"}, index=ids)
    >>> cv = content_validity(relevance, essential, inst)
    >>> cv.cut, float(cv.items.loc["op_ai_3", "i_cvi"]), cv.summary()["items_below_cut"]
    (0.78, 0.6666666666666666, ['op_ai_3'])
    >>> round(float(cv.constructs.loc["audience_insight", "s_cvi_ave"]), 3)  # (1 + 2/3 + 1) / 3
    0.889
    """
    expected = list(instrument.item_ids)
    for name, frame in (("relevance", relevance), ("essential", essential)):
        if list(frame.index) != expected:
            raise ValueError(
                f"{name}: rows must be the instrument's {len(expected)} items in order, "
                f"indexed by item id"
            )
    if list(relevance.columns) != list(essential.columns):
        raise ValueError("relevance and essential must have the same experts as columns")
    if relevance.shape[1] < 2:
        raise ValueError(f"a panel needs at least 2 experts, got {relevance.shape[1]}")
    if cut is None:
        cut = default_i_cvi_cut(relevance.shape[1])
    items = item_cvi(relevance, cut=cut).rename(columns={"below_cut": "i_cvi_below_cut"})
    ratio = content_validity_ratio(essential, alpha=alpha)
    ratio = ratio.rename(columns={"below_critical": "cvr_below_critical"})
    construct_of = instrument.construct_of()
    table = pd.concat([items, ratio], axis=1)
    table.insert(0, "construct", [construct_of[i] for i in table.index])
    table.index.name = "item_id"
    return ContentValidity(
        instrument_id=instrument.id,
        version=instrument.version,
        raters=tuple(str(c) for c in relevance.columns),
        cut=float(cut),
        alpha=alpha,
        items=table,
        constructs=scale_cvi(items, construct_of),
        overall=overall_cvi(items),
    )


def cut_source(cut: float, n_experts: int) -> str:
    """Where an I-CVI cut comes from, for reports."""
    if cut != default_i_cvi_cut(n_experts):
        return "set by the user"
    if n_experts <= SMALL_PANEL_MAX:
        return f"Lynn 1986: all experts must agree with {SMALL_PANEL_MAX} or fewer"
    return "Lynn 1986; Polit & Beck 2006, for 6 or more experts"


def content_validity_text(result: ContentValidity, *, blanks: pd.DataFrame | None = None) -> str:
    """A plain-text report: the item table, the scale table and notes (for the terminal).

    Parameters
    ----------
    result : ContentValidity
        What to report.
    blanks : DataFrame, optional
        :attr:`Panel.blanks`, listed at the end when not empty.
    """
    n = result.n_experts
    critical = cvr_critical(n, alpha=result.alpha)
    lines = [
        f"Content validity of {result.instrument_id} {result.version}: {n} experts "
        f"({', '.join(result.raters)})",
        f"I-CVI cut {result.cut:.2f} ({cut_source(result.cut, n)}); "
        f"CVR critical {_fmt(critical)} for {n} experts "
        f"(Ayre & Scally 2014, exact binomial, one-tailed alpha = {result.alpha:g})",
        "",
    ]
    items = result.items
    id_w = max(len("item"), *(len(i) for i in items.index))
    c_w = max(len("construct"), *(len(c) for c in items["construct"]))
    lines.append(
        f"{'item':<{id_w}}  {'construct':<{c_w}}  {'N':>2}  {'I-CVI':>5}  {'k*':>5}  "
        f"{'rating':<9}  {'n_e':>3}  {'CVR':>5}  {'crit':>5}  flags"
    )
    for item_id, r in items.iterrows():
        flags = []
        if _is_true(r.i_cvi_below_cut):
            flags.append("I-CVI below cut")
        if _is_true(r.cvr_below_critical):
            flags.append("CVR below critical")
        elif r.n_judges and pd.isna(r.cvr_critical) and not math.isnan(critical):
            flags.append(f"no CVR critical value for {r.n_judges} judges")
        lines.append(
            f"{item_id:<{id_w}}  {r.construct:<{c_w}}  {r.n_experts:>2}  {_fmt(r.i_cvi):>5}  "
            f"{_fmt(r.kappa):>5}  {r.kappa_rating:<9}  {r.n_essential:>3}  {_fmt(r.cvr):>5}  "
            f"{_fmt(r.cvr_critical):>5}  {', '.join(flags)}".rstrip()
        )
    s_w = max(len("instrument"), *(len(c) for c in result.constructs.index))
    lines += ["", f"{'scale':<{s_w}}  {'items':>5}  {'S-CVI/Ave':>9}  {'S-CVI/UA':>8}  flags"]
    scales = [
        (cid, int(r.n_items), r.s_cvi_ave, r.s_cvi_ua) for cid, r in result.constructs.iterrows()
    ]
    overall = result.overall
    scales.append(
        ("instrument", int(overall["n_items"]), overall["s_cvi_ave"], overall["s_cvi_ua"])
    )
    for name, n_items, ave, ua in scales:
        flag = f"S-CVI/Ave below {S_CVI_AVE_CUT:.2f}" if round(ave, 2) < S_CVI_AVE_CUT else ""
        line = f"{name:<{s_w}}  {n_items:>5}  {_fmt(ave):>9}  {_fmt(ua):>8}  {flag}"
        lines.append(line.rstrip())
    lines += [
        "",
        "S-CVI/Ave of .90 or more shows excellent content validity (Polit & Beck 2006). "
        "k*: modified kappa (Polit, Beck & Owen 2007), excellent above .74, good from .60, "
        "fair from .40.",
    ]
    flagged = result.summary()
    lines.append(
        f"{len(flagged['items_below_cut'])} item(s) below the I-CVI cut, "
        f"{len(flagged['items_below_cvr_critical'])} below the CVR critical value."
    )
    if math.isnan(critical):
        lines.append(
            f"With {n} experts no CVR is significant at alpha = {result.alpha:g}: even a "
            "unanimous panel could agree by chance."
        )
    if n < MIN_EXPERTS_RECOMMENDED:
        lines.append(f"Lynn (1986) recommends at least {MIN_EXPERTS_RECOMMENDED} experts.")
    if blanks is not None and len(blanks):
        lines += ["", f"{len(blanks)} blank cell(s), not counted:"]
        for (sheet, rater, row, item_id), group in blanks.groupby(
            ["sheet", "rater", "row", "item_id"], sort=False
        ):
            columns = ", ".join(group["column"])
            lines.append(f"  {sheet} ({rater}), row {row}, item {item_id}: {columns}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- helpers
def _flagged(flags: pd.Series) -> list[str]:
    """Ids where a boolean flag is set (missing counts as not set)."""
    return [str(i) for i, v in flags.items() if _is_true(v)]


def _is_true(value: object) -> bool:
    return not pd.isna(value) and bool(value)


def _universal_agreement(i_cvi: pd.Series) -> float:
    values = i_cvi.dropna()
    return float((values == 1.0).mean()) if values.size else math.nan


def _check_ratings(relevance: pd.DataFrame) -> None:
    values = relevance.stack(future_stack=True).dropna()
    bad = values[~values.isin(tuple(RELEVANCE_LABELS))]
    if len(bad):
        (item_id, column), value = bad.index[0], bad.iloc[0]
        raise ValueError(
            f"relevance: item {item_id!r}, expert {column!r} has {value}; ratings are "
            f"whole numbers from {min(RELEVANCE_LABELS)} to {max(RELEVANCE_LABELS)}"
        )


def _check_cut(cut: float) -> None:
    if not 0 < cut <= 1:
        raise ValueError(f"cut must be above 0 and at most 1, got {cut}")


def _read_rows(path: Path) -> list[list[str]]:
    """The cells of a CSV sheet, whichever separator and encoding a spreadsheet used."""
    where = str(path)
    if not path.is_file():
        reason = "is a folder, not a rating sheet" if path.is_dir() else "file not found"
        raise RatingSheetError([f"{where}: {reason}"])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    fallback: list[list[str]] | None = None
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        header = next((r for r in rows if r and r[0].strip().lower() == "item_id"), None)
        if header is not None and len(header) >= len(_REQUIRED_COLUMNS):
            return rows
        fallback = fallback or rows
    return fallback or []


def _identity(rows: list[list[str]]) -> dict[str, tuple[str, int]]:
    """The ``instrument``/``version``/``rater`` rows above the table: key → (value, row)."""
    found: dict[str, tuple[str, int]] = {}
    for number, row in enumerate(rows, start=1):
        key = row[0].strip().lower() if row else ""
        if key in ("instrument", "version", "rater") and key not in found:
            found[key] = (row[1].strip() if len(row) > 1 else "", number)
    return found


def _check_identity(rows: list[list[str]], instrument: Instrument, where: str) -> list[str]:
    found = _identity(rows)
    problems = []
    for key in ("instrument", "version"):
        if key not in found:
            problems.append(
                f"{where}: no '{key}' row above the table; is this a rating sheet from "
                "'smcap instrument rating-sheet'?"
            )
    if problems:
        return problems
    sheet_id, id_row = found["instrument"]
    sheet_version, version_row = found["version"]
    if sheet_id != instrument.id:
        problems.append(
            f"{where}, row {id_row}, column B (instrument): the sheet is for instrument "
            f"'{sheet_id}', not '{instrument.id}'"
        )
    elif not _same_version(sheet_version, instrument.version):
        problems.append(
            f"{where}, row {version_row}, column B (version): the sheet is for version "
            f"'{sheet_version}' of {instrument.id}, the instrument file is version "
            f"'{instrument.version}'"
        )
    return problems


def _same_version(on_sheet: str, declared: str) -> bool:
    if on_sheet == declared:
        return True
    try:  # a spreadsheet may have saved the version 1.0 as the number 1
        return float(on_sheet) == float(declared)
    except ValueError:
        return False


def _parse_relevance(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    lowest, highest = min(RELEVANCE_LABELS), max(RELEVANCE_LABELS)
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None, (
            f"'{text}' is not a rating; write a whole number from {lowest} to {highest} "
            "(or leave it blank)"
        )
    if not number.is_integer():
        return None, f"rating {text} is not a whole number from {lowest} to {highest}"
    if not lowest <= number <= highest:
        return None, f"rating {text} is outside {lowest}–{highest}"
    return int(number), None


def _parse_essential(text: str) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    value = " ".join(text.lower().split())
    value = _ESSENTIAL_ALIASES.get(value, value)
    if value not in ESSENTIAL_VALUES:
        allowed = ", ".join(ESSENTIAL_VALUES)
        return None, f"'{text}' is not one of {allowed} (or blank)"
    return value, None


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _fmt(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.2f}"


def _json_number(value: float) -> float | int | None:
    if isinstance(value, int):
        return value
    return None if math.isnan(value) else round(float(value), 6)
