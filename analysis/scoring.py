"""Scoring: reverse keying, construct, level and axis scores, theory stage and quadrant.

Pure functions on labelled frames (rows = respondents, columns = item ids). The survey's
completion page and the analysis engine both call these, so a respondent's personal profile and
the study's results always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from instrument import LEVELS, Instrument

#: Quadrant names by (decentralised?, relationship-oriented?) — seed 002, Fig. 2.
QUADRANT_OF: dict[tuple[bool, bool], str] = {
    (False, False): "call_to_action",
    (False, True): "dissemination",
    (True, False): "thought_leadership",
    (True, True): "co_creation",
}

#: What a stage column says for a respondent who could not be classified (a score is missing).
UNCLASSIFIED: str = "unclassified"

#: Which levels must be developed to pass each stage transition (seed 001, Fig. 2).
STAGE_TRANSITIONS: tuple[tuple[str, ...], ...] = (
    ("operational",),
    ("dynamic", "adaptive"),
    ("networking",),
)


@dataclass(frozen=True)
class Scores:
    """All scores of a set of respondents, indexed like the responses.

    Attributes
    ----------
    constructs : DataFrame
        One column per construct id (mean of the keyed items answered).
    levels : DataFrame
        One column per capability level declared in the instrument.
    axes : DataFrame
        ``control`` and/or ``orientation`` when declared.
    stage_theory : Series
        Theory stage 1–4 (nullable integer); missing when a needed level score is missing or
        the instrument does not declare all four levels.
    quadrant : Series
        ``call_to_action`` / ``dissemination`` / ``thought_leadership`` / ``co_creation``;
        missing when an axis score is missing or the instrument declares no axes.
    """

    constructs: pd.DataFrame
    levels: pd.DataFrame
    axes: pd.DataFrame
    stage_theory: pd.Series
    quadrant: pd.Series


def likert_answers(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Return the Likert item columns as floats, with the don't-know code as missing.

    Parameters
    ----------
    responses : DataFrame
        Rows are respondents; must contain a column for every item of ``instrument``. Raw
        answers as stored or exported may hold the scale's don't-know code.
    instrument : Instrument
        Supplies the item ids and the scale's ``dont_know`` code (if any).

    Returns
    -------
    DataFrame
        A float copy with only the item columns, in instrument order; cells holding the
        don't-know code are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from instrument import parse_instrument
    >>> inst = parse_instrument(
    ...     "{id: x, version: '1', title: X,"
    ...     " scale: {min: 1, max: 5, labels: [a, b, c, d, e], dont_know: {code: 99}},"
    ...     " constructs: [{id: c, label: C, items: [{id: i1, text: t}, {id: i2, text: t}]}]}"
    ... )
    >>> likert_answers(pd.DataFrame({"i1": [99, 4], "i2": [2, 5]}), inst)["i1"].tolist()
    [nan, 4.0]
    """
    missing = [i for i in instrument.item_ids if i not in responses.columns]
    if missing:
        raise ValueError(f"responses lack item column(s) {missing[:10]}")
    items = responses.loc[:, list(instrument.item_ids)].astype(float)
    dk = instrument.scale.dont_know
    if dk is not None:
        items = items.mask(items == float(dk.code))
    return items


def keyed_items(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Return the Likert items with reverse-keyed items recoded as ``min + max - x``.

    Parameters
    ----------
    responses : DataFrame
        Rows are respondents; must contain a column for every item of ``instrument``.
    instrument : Instrument
        Supplies the item ids, the reverse keys and the scale.

    Returns
    -------
    DataFrame
        A float copy with only the item columns, in instrument order; the don't-know code
        (if the scale has one) is missing (:func:`likert_answers`).

    Examples
    --------
    >>> import pandas as pd
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> raw = pd.DataFrame([dict.fromkeys(inst.item_ids, 7)])
    >>> keyed_items(raw, inst)["op_ai_3"].iloc[0]  # reverse keyed: 1 + 7 - 7
    1.0
    """
    items = likert_answers(responses, instrument)
    reverse = list(instrument.reverse_item_ids)
    if reverse:
        items[reverse] = instrument.scale.min + instrument.scale.max - items[reverse]
    return items


def construct_scores(
    responses: pd.DataFrame, instrument: Instrument, *, min_answered: float = 0.5
) -> pd.DataFrame:
    """Mean of each construct's keyed items, when enough of them were answered.

    Parameters
    ----------
    responses : DataFrame
        Raw answers (rows = respondents, columns include every item id).
    instrument : Instrument
        The instrument the answers belong to.
    min_answered : float, default 0.5
        Smallest share of a construct's items that must be answered for a score; below it the
        score is missing (a construct of 3 items needs 2 answers, of 4 items 2).

    Returns
    -------
    DataFrame
        One column per construct id, indexed like ``responses``.

    Notes
    -----
    Score = mean of the available keyed items. Reverse-keyed items are recoded first.
    """
    if not 0 < min_answered <= 1:
        raise ValueError(f"min_answered must be in (0, 1], got {min_answered}")
    items = keyed_items(responses, instrument)
    out = {}
    for construct in instrument.constructs:
        cols = [i.id for i in construct.items]
        block = items[cols]
        n_answered = block.notna().sum(axis=1)
        need = int(np.ceil(min_answered * len(cols) - 1e-9))
        out[construct.id] = block.mean(axis=1).where(n_answered >= need)
    return pd.DataFrame(out, index=responses.index)


def level_scores(constructs: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Mean of each capability level's construct scores.

    Parameters
    ----------
    constructs : DataFrame
        Output of :func:`construct_scores`.
    instrument : Instrument
        Says which construct belongs to which level.

    Returns
    -------
    DataFrame
        One column per declared level (in stage order). A level score is missing when any of its
        constructs is missing, so every score averages the same constructs.
    """
    out = {
        level: constructs[[c.id for c in members]].mean(axis=1, skipna=False)
        for level, members in instrument.constructs_by_level().items()
    }
    return pd.DataFrame(out, index=constructs.index)


def axis_scores(constructs: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Mean of each strategy axis's construct scores (``control``, ``orientation``)."""
    out = {
        axis: constructs[[c.id for c in members]].mean(axis=1, skipna=False)
        for axis, members in instrument.constructs_by_axis().items()
    }
    return pd.DataFrame(out, index=constructs.index)


def theory_stage(levels: pd.DataFrame, thresholds: dict[str, float]) -> pd.Series:
    """Stage 1–4 from the cumulative rule of seed 001 (Fig. 2).

    Parameters
    ----------
    levels : DataFrame
        Level scores with columns ``operational``, ``dynamic``, ``adaptive``, ``networking``.
    thresholds : dict
        Score at or above which each level counts as developed.

    Returns
    -------
    Series
        Nullable integer stage. Stage = 1 + the number of consecutive transitions passed:
        operational developed (→ 2), then dynamic *and* adaptive developed (→ 3), then
        networking developed (→ 4). A later level that is developed does not count while an
        earlier transition is missing. Missing (*unclassified*) when any of the four level
        scores is missing, even if the levels that are known would already decide: the
        data-driven stages need all four, and the two must classify the same firms.

    Examples
    --------
    >>> import pandas as pd
    >>> lv = pd.DataFrame({"operational": [6, 6, 3], "dynamic": [6, 4, 6],
    ...                    "adaptive": [5.5, 6, 6], "networking": [3, 6, 6]})
    >>> theory_stage(lv, dict.fromkeys(lv.columns, 5.0)).tolist()
    [3, 2, 1]
    """
    absent = [lv for lv in LEVELS if lv not in levels.columns]
    if absent:
        raise ValueError(f"theory stage needs all four level scores; missing {absent}")
    stage = pd.Series(1, index=levels.index, dtype="Int64")
    unclassified = levels[list(LEVELS)].isna().any(axis=1)
    still_climbing = pd.Series(True, index=levels.index)
    for transition in STAGE_TRANSITIONS:
        block = levels[list(transition)]
        developed = (block >= pd.Series({lv: thresholds[lv] for lv in transition})).all(axis=1)
        passed = still_climbing & developed
        stage = stage + passed.astype(int)
        still_climbing &= passed
    return stage.mask(unclassified)


def quadrant(axes: pd.DataFrame, *, control_cut: float, orientation_cut: float) -> pd.Series:
    """Strategy quadrant from the two axis scores (seed 002, Fig. 2).

    Parameters
    ----------
    axes : DataFrame
        Columns ``control`` (high = decentralised) and ``orientation`` (high =
        relationship-oriented).
    control_cut, orientation_cut : float
        A score at or above the cut counts as high.

    Returns
    -------
    Series
        ``call_to_action`` (centralised, acquisition), ``dissemination`` (centralised,
        relationship), ``thought_leadership`` (decentralised, acquisition) or ``co_creation``
        (decentralised, relationship); missing where an axis score is missing.
    """
    for axis in ("control", "orientation"):
        if axis not in axes.columns:
            raise ValueError(f"quadrant needs an '{axis}' axis score")
    dec = axes["control"] >= control_cut
    rel = axes["orientation"] >= orientation_cut
    labels = [QUADRANT_OF[(bool(d), bool(r))] for d, r in zip(dec, rel, strict=True)]
    out = pd.Series(labels, index=axes.index, dtype="string")
    return out.mask(axes[["control", "orientation"]].isna().any(axis=1))


def score_respondents(
    responses: pd.DataFrame, instrument: Instrument, *, min_answered: float = 0.5
) -> Scores:
    """Compute every score the instrument supports.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one row per respondent.
    instrument : Instrument
        The instrument (levels, axes, stage thresholds, quadrant cuts).
    min_answered : float, default 0.5
        Passed to :func:`construct_scores`.

    Returns
    -------
    Scores
        Construct, level and axis scores, theory stage and quadrant.
    """
    constructs = construct_scores(responses, instrument, min_answered=min_answered)
    levels = level_scores(constructs, instrument)
    axes = axis_scores(constructs, instrument)
    if instrument.has_stage_model:
        stage = theory_stage(levels, instrument.stage_thresholds())
    else:
        stage = pd.Series(pd.NA, index=responses.index, dtype="Int64")
    if instrument.has_quadrant_model:
        c_cut, o_cut = instrument.quadrant_cuts()
        quad = quadrant(axes, control_cut=c_cut, orientation_cut=o_cut)
    else:
        quad = pd.Series(pd.NA, index=responses.index, dtype="string")
    return Scores(constructs, levels, axes, stage.rename("stage_theory"), quad.rename("quadrant"))
