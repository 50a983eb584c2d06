"""Scoring: reverse keying, construct, level and axis scores, theory stage and quadrant.

Pure functions on labelled frames (rows = respondents, columns = item ids). The survey's
completion page and the analysis engine both call these, so a respondent's personal profile and
the study's results always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.criteria import MIN_ANSWERED_SHARE
from instrument import LEVELS, Instrument, StageModel

#: Quadrant names by (decentralised?, relationship-oriented?) — seed 002, Fig. 2.
QUADRANT_OF: dict[tuple[bool, bool], str] = {
    (False, False): "call_to_action",
    (False, True): "dissemination",
    (True, False): "thought_leadership",
    (True, True): "co_creation",
}

#: What a stage column says for a respondent who could not be classified (a score is missing).
UNCLASSIFIED: str = "unclassified"
#: ... and for one whose profile breaks the declared order (a later transition met, an earlier
#: one not): evidence about the theory, never filed at the lower stage.
NON_CUMULATIVE: str = "non_cumulative"
#: Status of a classified respondent.
CLASSIFIED: str = "classified"
#: The quadrant of a firm within the mixed band of a cut on either axis.
MIXED: str = "mixed"

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
        Theory stage (nullable integer) by the instrument's default stage model; missing when
        the respondent is unclassified or non-cumulative (see ``stage_status``) or the
        instrument has no stage model.
    quadrant : Series
        ``call_to_action`` / ``dissemination`` / ``thought_leadership`` / ``co_creation``, or
        ``mixed`` within the mixed band of a cut; missing when an axis score is missing or the
        instrument declares no axes.
    stage_status : Series
        ``classified``, ``unclassified`` or ``non_cumulative`` (missing without a stage model).
    stage_margin : Series
        Distance in scale points from the nearest cut that would change the stage.
    quadrant_margin : Series
        Distance in scale points of the nearer axis score from its cut.
    requirements : DataFrame
        The scores the default stage model reads (construct or level scores), one column per
        requirement key.
    """

    constructs: pd.DataFrame
    levels: pd.DataFrame
    axes: pd.DataFrame
    stage_theory: pd.Series
    quadrant: pd.Series
    stage_status: pd.Series
    stage_margin: pd.Series
    quadrant_margin: pd.Series
    requirements: pd.DataFrame


@dataclass(frozen=True)
class StageClassification:
    """Stages of a set of respondents under one stage model.

    Attributes
    ----------
    stage : Series
        Stage number (nullable integer); missing unless ``status`` is ``classified``.
    status : Series
        ``classified``; ``unclassified`` (a score the model reads is missing);
        ``non_cumulative`` (meets a later transition in full but not an earlier one).
    margin : Series
        How far the respondent is from a different stage, in scale points: the smaller of the
        least slack above a cut among the transitions passed and the largest shortfall in the
        next transition (every shortfall must close to move up). Missing unless classified.
    met : DataFrame
        Whether each transition (columns ``to_2``, ``to_3``, …) is met in full; missing where
        unclassified.
    """

    stage: pd.Series
    status: pd.Series
    margin: pd.Series
    met: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Respondents per stage, then ``non_cumulative`` and ``unclassified``."""
        out = {
            str(k): int(v)
            for k, v in self.stage.dropna().astype(int).value_counts().sort_index().items()
        }
        for status in (NON_CUMULATIVE, UNCLASSIFIED):
            out[status] = int((self.status == status).sum())
        return out


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
    >>> float(keyed_items(raw, inst)["op_ai_3"].iloc[0])  # reverse keyed: 1 + 7 - 7
    1.0
    """
    items = likert_answers(responses, instrument)
    reverse = list(instrument.reverse_item_ids)
    if reverse:
        items[reverse] = instrument.scale.min + instrument.scale.max - items[reverse]
    return items


def construct_scores(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    min_answered: float = MIN_ANSWERED_SHARE,
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
        networking developed (→ 4). Missing when any of the four level scores is missing
        (*unclassified*: the data-driven stages need all four, and the two must classify the
        same firms) and when a later transition is met while an earlier one is not
        (*non-cumulative*). The 1.0 model; :func:`classify_stages` runs any declared model.

    Examples
    --------
    >>> import pandas as pd
    >>> lv = pd.DataFrame({"operational": [6, 6, 3, 4], "dynamic": [6, 4, 3, 6],
    ...                    "adaptive": [5.5, 6, 6, 6], "networking": [3, 3, 3, 6]})
    >>> theory_stage(lv, dict.fromkeys(lv.columns, 5.0)).tolist()  # the last breaks the order
    [3, 2, 1, <NA>]
    """
    absent = [lv for lv in LEVELS if lv not in levels.columns]
    if absent:
        raise ValueError(f"theory stage needs all four level scores; missing {absent}")
    return classify_stages(levels, STAGE_TRANSITIONS, thresholds).stage


def quadrant(
    axes: pd.DataFrame, *, control_cut: float, orientation_cut: float, band: float = 0.0
) -> pd.Series:
    """Strategy quadrant from the two axis scores (seed 002, Fig. 2).

    Parameters
    ----------
    axes : DataFrame
        Columns ``control`` (high = decentralised) and ``orientation`` (high =
        relationship-oriented).
    control_cut, orientation_cut : float
        Cuts of the two axes. A score above ``cut + band`` is high, below ``cut - band`` low.
    band : float, default 0
        Half-width of the *mixed* band around each cut (inclusive). With 0 only an exact tie is
        mixed: a tie is never "high".

    Returns
    -------
    Series
        ``call_to_action`` (centralised, acquisition), ``dissemination`` (centralised,
        relationship), ``thought_leadership`` (decentralised, acquisition), ``co_creation``
        (decentralised, relationship) or ``mixed`` (within the band of a cut on either axis);
        missing where an axis score is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> axes = pd.DataFrame({"control": [6, 4, 4.2, 2], "orientation": [6, 4, 6, 2]})
    >>> quadrant(axes, control_cut=4, orientation_cut=4, band=0.25).tolist()
    ['co_creation', 'mixed', 'mixed', 'call_to_action']
    """
    for axis in ("control", "orientation"):
        if axis not in axes.columns:
            raise ValueError(f"quadrant needs an '{axis}' axis score")
    if band < 0:
        raise ValueError(f"band must be 0 or more, got {band}")
    control = axes["control"].to_numpy(dtype=float)
    orientation = axes["orientation"].to_numpy(dtype=float)
    dec = control > control_cut
    rel = orientation > orientation_cut
    mixed = (np.abs(control - control_cut) <= band) | (
        np.abs(orientation - orientation_cut) <= band
    )
    labels = [
        MIXED if m else QUADRANT_OF[(bool(d), bool(r))]
        for d, r, m in zip(dec, rel, mixed, strict=True)
    ]
    out = pd.Series(labels, index=axes.index, dtype="string")
    return out.mask(axes[["control", "orientation"]].isna().any(axis=1))


def quadrant_margin(axes: pd.DataFrame, *, control_cut: float, orientation_cut: float) -> pd.Series:
    """Distance of the nearer axis score from its cut (how sure the quadrant is)."""
    return pd.concat(
        [(axes["control"] - control_cut).abs(), (axes["orientation"] - orientation_cut).abs()],
        axis=1,
    ).min(axis=1, skipna=False)


def requirement_scores(
    constructs: pd.DataFrame, levels: pd.DataFrame, model: StageModel
) -> pd.DataFrame:
    """The scores a stage model reads: construct scores and/or level scores, by key.

    Parameters
    ----------
    constructs, levels : DataFrame
        Outputs of :func:`construct_scores` and :func:`level_scores`.
    model : StageModel
        The declared (or implied 1.0) stage model.

    Returns
    -------
    DataFrame
        One column per :attr:`~instrument.models.StageModel.requirement_keys` entry.
    """
    out = {}
    for key in model.requirement_keys:
        source = constructs if key in constructs.columns else levels
        if key not in source.columns:
            raise ValueError(f"stage model '{model.id}' reads '{key}', which has no score")
        out[key] = source[key]
    return pd.DataFrame(out, index=constructs.index)


def classify_stages(
    scores: pd.DataFrame,
    transitions: Sequence[Sequence[str]],
    thresholds: Mapping[str, float],
) -> StageClassification:
    """Stages by a cumulative stage model: consecutive transitions met in full.

    Parameters
    ----------
    scores : DataFrame
        One column per requirement key (:func:`requirement_scores`).
    transitions : sequence of sequences of str
        For each transition (to stage 2, 3, …) the keys that must all reach their threshold.
    thresholds : mapping
        Score at or above which each key counts as in place.

    Returns
    -------
    StageClassification

    Notes
    -----
    Stage = 1 + the number of consecutive transitions met, starting with the first. A
    respondent who meets a later transition in full while failing an earlier one breaks the
    declared order: ``non_cumulative``, with no stage. A respondent missing any score the model
    reads is ``unclassified``: the data-driven stages need complete scores too, and both must
    classify the same firms.

    Examples
    --------
    >>> import pandas as pd
    >>> lv = pd.DataFrame({"operational": [6, 6, 4], "dynamic": [6, 4, 6],
    ...                    "adaptive": [5.5, 6, 6], "networking": [3, 3, 6]})
    >>> rule = [["operational"], ["dynamic", "adaptive"], ["networking"]]
    >>> c = classify_stages(lv, rule, dict.fromkeys(lv.columns, 5.0))
    >>> c.stage.tolist(), c.status.tolist()
    ([3, 2, <NA>], ['classified', 'classified', 'non_cumulative'])
    >>> c.margin.round(2).tolist()  # 0.5 above the cut of adaptive; 1.0 short of dynamic
    [0.5, 1.0, nan]
    """
    keys = list(dict.fromkeys(k for t in transitions for k in t))
    absent = [k for k in keys if k not in scores.columns]
    if absent:
        raise ValueError(f"stage scores lack the column(s) {absent}")
    missing_thr = [k for k in keys if k not in thresholds]
    if missing_thr:
        raise ValueError(f"no threshold for {missing_thr}")
    frame = scores[keys].astype(float)
    unclassified = frame.isna().any(axis=1).to_numpy()
    slack = frame.to_numpy() - np.array([thresholds[k] for k in keys], dtype=float)
    col = {k: i for i, k in enumerate(keys)}
    n, n_t = len(frame), len(transitions)
    met = np.zeros((n, n_t), dtype=bool)
    for t, keys_t in enumerate(transitions):
        met[:, t] = (slack[:, [col[k] for k in keys_t]] >= 0).all(axis=1)
    leading = np.cumprod(met, axis=1).sum(axis=1) if n_t else np.zeros(n, dtype=int)
    stage = 1 + leading
    after = np.arange(n_t)[None, :] > leading[:, None]
    non_cumulative = (met & after).any(axis=1) & ~unclassified
    # per transition, the least slack of its requirements (negative: the largest shortfall)
    least = (
        np.column_stack([slack[:, [col[k] for k in keys_t]].min(axis=1) for keys_t in transitions])
        if n_t
        else np.zeros((n, 0))
    )
    passed = np.arange(n_t)[None, :] < leading[:, None]
    above = np.where(passed, least, np.inf).min(axis=1, initial=np.inf)
    at_next = np.take_along_axis(least, np.minimum(leading, max(n_t - 1, 0))[:, None], axis=1)
    below = np.where(leading < n_t, -at_next[:, 0], np.inf) if n_t else np.full(n, np.inf)
    margin = np.minimum(above, below)
    margin[~np.isfinite(margin) | unclassified | non_cumulative] = np.nan
    index = frame.index
    status = np.where(
        unclassified, UNCLASSIFIED, np.where(non_cumulative, NON_CUMULATIVE, CLASSIFIED)
    )
    stage_series = pd.Series(stage, index=index, dtype="Int64").mask(unclassified | non_cumulative)
    met_frame = pd.DataFrame(
        met, index=index, columns=[f"to_{t + 2}" for t in range(n_t)], dtype="boolean"
    ).mask(pd.Series(unclassified, index=index), pd.NA)
    return StageClassification(
        stage=stage_series,
        status=pd.Series(status, index=index, dtype="string"),
        margin=pd.Series(margin, index=index, dtype=float),
        met=met_frame,
    )


def score_respondents(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    min_answered: float = MIN_ANSWERED_SHARE,
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
    index = responses.index
    model = instrument.stage_model
    if instrument.has_stage_model and model is not None:
        requirements = requirement_scores(constructs, levels, model)
        classified = classify_stages(
            requirements, model.transition_keys(), instrument.requirement_thresholds(model)
        )
        stage, status, margin = classified.stage, classified.status, classified.margin
    else:
        requirements = pd.DataFrame(index=index)
        stage = pd.Series(pd.NA, index=index, dtype="Int64")
        status = pd.Series(pd.NA, index=index, dtype="string")
        margin = pd.Series(np.nan, index=index)
    if instrument.has_quadrant_model:
        c_cut, o_cut = instrument.quadrant_cuts()
        quad = quadrant(
            axes, control_cut=c_cut, orientation_cut=o_cut, band=instrument.quadrant_mixed_band()
        )
        q_margin = quadrant_margin(axes, control_cut=c_cut, orientation_cut=o_cut)
    else:
        quad = pd.Series(pd.NA, index=index, dtype="string")
        q_margin = pd.Series(np.nan, index=index)
    return Scores(
        constructs,
        levels,
        axes,
        stage.rename("stage_theory"),
        quad.rename("quadrant"),
        stage_status=status.rename("stage_status"),
        stage_margin=margin.rename("stage_margin"),
        quadrant_margin=q_margin.rename("quadrant_margin"),
        requirements=requirements,
    )


def stage_dimensions(
    scores: Scores, instrument: Instrument
) -> tuple[pd.DataFrame, dict[str, float]]:
    """What the data-driven stages are fitted to, and the cut of each dimension.

    Parameters
    ----------
    scores : Scores
        Output of :func:`score_respondents`.
    instrument : Instrument
        Its stage model and thresholds.

    Returns
    -------
    (DataFrame, dict)
        For the 1.0 model (levels only): the four level scores and the level thresholds. For a
        declared model: one score per transition, the mean of the scores that transition
        requires (columns ``to_stage_2`` …), and the mean of their thresholds — the dimensions
        the model itself tells apart.
    """
    model = instrument.stage_model
    if model is None or not instrument.stage_model_declared:
        return scores.levels, dict(instrument.stage_thresholds())
    req = scores.requirements
    thresholds = instrument.requirement_thresholds(model)
    dims, cuts = {}, {}
    for t in model.transitions:
        keys = [r.key for r in t.requires]
        dims[f"to_stage_{t.to}"] = req[keys].mean(axis=1, skipna=False)
        cuts[f"to_stage_{t.to}"] = float(np.mean([thresholds[k] for k in keys]))
    return pd.DataFrame(dims, index=req.index), cuts
