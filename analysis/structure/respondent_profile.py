"""A respondent's personal profile, and the sample it is compared with.

Thin, pure wrappers around :mod:`analysis.measurement.scoring`, so that the survey's completion
page shows
exactly the scores the analysis engine computes for the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from analysis.criteria import MIN_ANSWERED_SHARE
from analysis.measurement.scoring import score_respondents
from instrument import Instrument


@dataclass(frozen=True)
class Profile:
    """One respondent's scores.

    Attributes
    ----------
    constructs : Series
        Construct id → score (mean of the keyed items; NaN when too few were answered).
    levels : Series
        Capability level → score, for the levels the instrument declares (stage order).
    axes : Series
        ``control`` / ``orientation`` → score, when declared.
    stage : int or None
        Theory stage by the instrument's default stage model (``None`` without a stage model,
        when a score it reads is missing, or when the profile breaks the model's order).
    quadrant : str or None
        Strategy quadrant, or ``mixed`` (within the band of a cut); ``None`` without a quadrant
        model or when an axis is missing.
    stage_status : str or None
        ``classified``, ``unclassified`` or ``non_cumulative``.
    stage_margin : float or None
        Distance in scale points from the nearest cut that would change the stage.
    quadrant_margin : float or None
        Distance of the nearer axis score from its cut.
    next_steps : tuple of NextStep
        The capabilities the model asks for next that these answers do not yet show, lowest
        score first (empty at the top stage or without a stage model).
    """

    constructs: pd.Series
    levels: pd.Series
    axes: pd.Series
    stage: int | None
    quadrant: str | None
    stage_status: str | None = None
    stage_margin: float | None = None
    quadrant_margin: float | None = None
    next_steps: tuple[NextStep, ...] = ()


@dataclass(frozen=True)
class NextStep:
    """A capability the respondent's answers do not yet show, with advice on building it.

    Attributes
    ----------
    construct : str
        Construct id.
    label : str
        Its label.
    score : float
        The respondent's score.
    threshold : float
        The score at which the stage model counts it as in place.
    advice : str or None
        The construct's ``advice`` from the instrument.
    """

    construct: str
    label: str
    score: float
    threshold: float
    advice: str | None


@dataclass(frozen=True)
class SampleLevels:
    """Level scores of a sample, summarised for comparison.

    Attributes
    ----------
    median : Series
        Level → median level score over respondents with that score.
    n_respondents : int
        Respondents with all level scores.
    """

    median: pd.Series
    n_respondents: int


def respondent_profile(
    answers: Mapping[str, object],
    instrument: Instrument,
    *,
    min_answered: float = MIN_ANSWERED_SHARE,
) -> Profile:
    """Score one respondent's answers.

    Parameters
    ----------
    answers : mapping
        Item id → answer on the instrument's scale, or the scale's don't-know code (which
        counts as missing). Other keys (background questions, attention checks) are ignored;
        items not present count as missing.
    instrument : Instrument
        Supplies keys, levels, axes, thresholds and cuts.
    min_answered : float, default 0.5
        Passed to :func:`analysis.measurement.scoring.construct_scores`.

    Returns
    -------
    Profile
        Construct, level and axis scores, theory stage and quadrant.

    Raises
    ------
    ValueError
        When an item answer is neither a number on the instrument's scale nor the don't-know
        code (names the item).

    Notes
    -----
    Identical to :func:`analysis.measurement.scoring.score_respondents` on a one-row table.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> answers = {i: (1 if i in inst.reverse_item_ids else 7) for i in inst.item_ids}
    >>> p = respondent_profile(answers, inst)
    >>> p.stage, p.quadrant, float(p.levels["networking"]), p.next_steps
    (4, 'co_creation', 7.0, ())
    """
    scale = instrument.scale
    dont_know = scale.dont_know.code if scale.dont_know is not None else None
    row: dict[str, float] = {}
    for item_id in instrument.item_ids:
        value = answers.get(item_id)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            row[item_id] = float("nan")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"answers[{item_id!r}]: expected a number, got {value!r}")
        if value == dont_know:
            row[item_id] = float("nan")
            continue
        if not scale.min <= value <= scale.max:
            code = f" or the don't-know code {dont_know}" if dont_know is not None else ""
            raise ValueError(
                f"answers[{item_id!r}]: {value} is outside the scale {scale.min}..{scale.max}{code}"
            )
        row[item_id] = float(value)
    scores = score_respondents(
        pd.DataFrame([row], index=pd.Index(["respondent"])),
        instrument,
        min_answered=min_answered,
    )
    stage = scores.stage_theory.iloc[0]
    quad = scores.quadrant.iloc[0]
    status = scores.stage_status.iloc[0]
    return Profile(
        constructs=scores.constructs.iloc[0].rename(None),
        levels=scores.levels.iloc[0].rename(None),
        axes=scores.axes.iloc[0].rename(None),
        stage=None if pd.isna(stage) else int(stage),
        quadrant=None if pd.isna(quad) else str(quad),
        stage_status=None if pd.isna(status) else str(status),
        stage_margin=_opt(scores.stage_margin.iloc[0]),
        quadrant_margin=_opt(scores.quadrant_margin.iloc[0]),
        next_steps=next_steps(scores.constructs.iloc[0], instrument),
    )


def next_steps(constructs: pd.Series, instrument: Instrument) -> tuple[NextStep, ...]:
    """The capabilities a respondent lacks for the first transition they have not met.

    Parameters
    ----------
    constructs : Series
        One respondent's construct scores.
    instrument : Instrument
        Its default stage model, thresholds and construct advice.

    Returns
    -------
    tuple of NextStep
        Constructs required by the earliest transition the respondent does not meet in full
        whose score is below its threshold, lowest score first. A level requirement (the 1.0
        model) contributes the level's constructs that are below the threshold. Empty when
        every transition is met or there is no stage model; constructs without a score are
        left out (nothing can be said about them).
    """
    model = instrument.stage_model
    if model is None or not instrument.has_stage_model:
        return ()
    thresholds = instrument.requirement_thresholds(model)
    by_level = instrument.constructs_by_level()
    for transition in model.transitions:
        lacking: list[NextStep] = []
        met = True
        for req in transition.requires:
            members = (
                [instrument.construct(str(req.construct_id))]
                if req.construct_id is not None
                else list(by_level.get(req.level, ()))  # type: ignore[arg-type]
            )
            scores = [constructs.get(c.id) for c in members]
            known = [float(v) for v in scores if v is not None and not pd.isna(v)]
            if not known:
                met = False
                continue
            req_score = float(sum(known) / len(known))
            if req_score >= thresholds[req.key]:
                continue
            met = False
            for c, v in zip(members, scores, strict=True):
                if v is not None and not pd.isna(v) and float(v) < thresholds[req.key]:
                    lacking.append(NextStep(c.id, c.label, float(v), thresholds[req.key], c.advice))
        if not met:
            return tuple(sorted(lacking, key=lambda step: step.score))
    return ()


def _opt(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def sample_levels(responses: pd.DataFrame, instrument: Instrument) -> SampleLevels:
    """Median level scores of a sample of responses.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with a column per item id (other columns ignored); the
        don't-know code counts as missing.
    instrument : Instrument
        The instrument the responses answer.

    Returns
    -------
    SampleLevels
        Median of each level score (R: ``apply(levels, 2, median, na.rm = TRUE)``) and the
        number of respondents with every level score.
    """
    scores = score_respondents(responses, instrument)
    levels = scores.levels
    return SampleLevels(
        median=levels.median(skipna=True),
        n_respondents=int(levels.notna().all(axis=1).sum()),
    )
