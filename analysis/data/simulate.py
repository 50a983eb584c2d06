"""Simulate survey respondents from the theory, with known truth.

The generative model (documented in :func:`simulate`) follows the stage model of seed 001 and
the control × orientation model of seed 002. It works for any instrument: constructs tagged with
a ``level`` follow the stage model, ``axis`` constructs the quadrant model, ``role: outcome``
constructs rise with maturity, and untagged constructs get a generic factor related to maturity.
A ``null`` variant replaces the four stages with one continuous maturity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.measurement.scoring import QUADRANT_OF
from instrument import LEVELS, Instrument

#: Stage from which each level is developed (cumulative onset; seed 001, Fig. 2).
ONSET: dict[str, int] = {"operational": 2, "dynamic": 3, "adaptive": 3, "networking": 4}
#: Share of decentralised firms at stages 1–4 (decentralisation rises with stage; seed 001 §4.4.1).
P_DECENTRALISED: tuple[float, ...] = (0.12, 0.25, 0.45, 0.80)
#: Share of product providers by sector option value (sectors not listed: 0.4).
PRODUCT_SHARE: dict[str, float] = {
    "manufacturing": 0.8,
    "engineering_construction": 0.6,
    "wholesale_distribution": 0.6,
    "health_pharma": 0.5,
    "it_software": 0.3,
    "professional_services": 0.1,
    "media_marketing": 0.1,
}


def construct_onset(instrument: Instrument) -> dict[str, int]:
    """The stage from which each capability construct is developed, by the default model.

    A construct the model requires at the transition to stage *s* is developed from stage *s*
    on; a level requirement (the 1.0 model) applies to every construct of that level. Capability
    constructs the model does not mention follow their level's :data:`ONSET`.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> onset = construct_onset(load_instrument(DEFAULT_INSTRUMENT))
    >>> onset["network_development"], onset["network_management"]
    (3, 4)
    """
    out = {c.id: ONSET[c.level] for c in instrument.constructs if c.level is not None}
    model = instrument.stage_model
    if model is None:
        return out
    by_level = instrument.constructs_by_level()
    for transition in model.transitions:
        for req in transition.requires:
            members = (
                [str(req.construct_id)]
                if req.construct_id is not None
                else [c.id for c in by_level.get(req.level, ())]  # type: ignore[arg-type]
            )
            for cid in members:
                out[cid] = transition.to
    return out


def _level_latent(latent: dict[str, np.ndarray], instrument: Instrument, level: str) -> np.ndarray:
    """A level's latent score: its own (null model) or the mean of its constructs' latents."""
    if level in latent:
        return latent[level]
    members = [c.id for c in instrument.constructs if c.level == level]
    return np.mean([latent[c] for c in members], axis=0)


def _construct_thresholds(instrument: Instrument, developed_at: float | None) -> dict[str, float]:
    """The cut each capability construct's true score is placed around."""
    levels = instrument.stage_thresholds()
    out = {c.id: levels[c.level] for c in instrument.constructs if c.level is not None}
    model = instrument.stage_model
    if model is not None:
        by_level = instrument.constructs_by_level()
        for key, value in instrument.requirement_thresholds(model).items():
            if key in out:
                out[key] = value
            elif key in by_level:
                out.update({c.id: value for c in by_level[key]})  # type: ignore[index]
    if developed_at is not None:
        out = dict.fromkeys(out, float(developed_at))
    return out


@dataclass(frozen=True)
class SimulationConfig:
    """Parameters of the generative model (defaults are the documented model).

    Attributes
    ----------
    stage_probs : tuple of float
        Population shares of stages 1–4.
    below_gap, above_gap : float
        Distance of a level's latent mean below / above its stage-rule threshold before / after
        the level's onset (scale units).
    growth : float
        Further rise per stage after onset.
    person_sd, level_sd, construct_sd : float
        SDs of a respondent's general deviation, level-specific and construct-specific deviation.
    item_noise : tuple of float
        Range of item-specific error SDs (uniform).
    item_offset_sd : float
        SD of item intercepts (some statements are easier to agree with).
    straightliner_rate, speeder_rate, careless_rate, missing_rate : float
        Shares of straight-liners, speeders (besides straight-liners), careless respondents who
        fail attention checks, and missing answers (of all Likert answers).
    skipper_rate : float
        Share of respondents who leave some answers blank; the missing answers are spread over
        them completely at random (as in real surveys, most respondents answer everything, so
        listwise deletion keeps about ``1 - skipper_rate`` of the rows).
    developed_at : float, optional
        The true boundary between undeveloped and developed levels on the scale (the point the
        gaps are measured from). Default: the threshold of each construct in the default stage
        model (its level threshold for the 1.0 model), so
        the stage rule and the truth share one cut. Setting it elsewhere simulates firms whose
        real boundary is not where the theory's rule puts it.
    """

    stage_probs: tuple[float, float, float, float] = (0.30, 0.30, 0.25, 0.15)
    below_gap: float = 1.4
    above_gap: float = 1.1
    growth: float = 0.25
    person_sd: float = 0.30
    level_sd: float = 0.30
    construct_sd: float = 0.60
    item_noise: tuple[float, float] = (0.55, 0.85)
    item_offset_sd: float = 0.25
    straightliner_rate: float = 0.035
    speeder_rate: float = 0.03
    careless_rate: float = 0.02
    missing_rate: float = 0.015
    skipper_rate: float = 0.12
    developed_at: float | None = None


@dataclass(frozen=True)
class Simulation:
    """Simulated responses and the truth they were drawn from.

    Attributes
    ----------
    responses : DataFrame
        One row per respondent: ``respondent_id``, firmographics, Likert items, attention
        checks and ``page_time_<page>`` seconds — the layout of a survey export.
    truth : DataFrame
        ``respondent_id``, ``stage`` (missing under the null model), ``maturity``, latent level
        and axis scores, ``quadrant``, ``straight_liner``, ``speeder``, ``careless`` and
        ``attention_failed`` (any attention check answered wrongly, before missingness).
    """

    responses: pd.DataFrame
    truth: pd.DataFrame


def simulate(
    instrument: Instrument,
    n: int,
    *,
    random_state: int | None = None,
    null: bool = False,
    config: SimulationConfig | None = None,
) -> Simulation:
    """Draw ``n`` respondents from the theory's generative model.

    Parameters
    ----------
    instrument : Instrument
        Any instrument; levels, axes and outcome roles are used when present.
    n : int
        Number of respondents (≥ 1).
    random_state : int, optional
        Seed; the same seed gives the same data.
    null : bool, default False
        Draw one continuous maturity with no stages instead of four stages.
    config : SimulationConfig, optional
        Model parameters.

    Returns
    -------
    Simulation
        Responses and truth.

    Notes
    -----
    Stage model. Stage :math:`S \\in \\{1..4\\}` with probabilities ``stage_probs``. For level
    :math:`L` with threshold :math:`t_L` and onset stage :math:`o_L` (operational 2, dynamic and
    adaptive 3, networking 4) the latent level score is

    .. math:: \\eta_L = t_L - g_b + [S \\ge o_L](g_b + g_a + \\gamma (S - o_L)) + u + w_L

    with person deviation :math:`u`, level deviation :math:`w_L`. A construct's true score adds
    :math:`v_c`; an item's continuous response adds an item offset and item noise; reverse-keyed
    items are mirrored (``min + max - y``); responses are rounded and clipped to the scale.

    Null model. Maturity :math:`M \\sim N(0, 1)`; :math:`\\eta_L = t_L - 0.5 + 1.1 M + d_L + w_L`
    with fixed level offsets :math:`d_L` (operational easiest): a continuum, no stages.

    Axes. Decentralised with probability rising with stage (``P_DECENTRALISED``),
    relationship-oriented with probability 0.55 for product providers and 0.45 otherwise; the
    latent axis score lies a half-normal distance on the chosen side of the cut. Under the null,
    decentralisation is :math:`0.8 M` plus noise. Outcome constructs rise with maturity.

    Firmographics. Firm size is drawn independently of stage (the paper: size does not drive
    maturity); product/service depends on sector; other questions are uniform.

    Data quality. Straight-liners give one answer to every Likert item; speeders answer pages in
    a fraction of the usual time and 40 % of their answers are random; careless respondents fail
    attention checks; ``skipper_rate`` of respondents skip answers, so that ``missing_rate`` of
    all Likert answers are missing (completely at random within those respondents).

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> sim = simulate(load_instrument(DEFAULT_INSTRUMENT), 50, random_state=1)
    >>> sim.responses.shape[0], sorted(sim.truth["stage"].dropna().unique().tolist())
    (50, [1, 2, 3, 4])
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    cfg = config or SimulationConfig()
    _check_developed_at(instrument, cfg)
    rng = np.random.default_rng(random_state)
    firm = _firmographics(instrument, n, rng)
    if null:
        latent = _null_latents(instrument, n, cfg, rng)
    else:
        latent = _stage_latents(instrument, firm, n, cfg, rng)
    true_score = _true_scores(instrument, latent, n, cfg, rng)
    answers = _item_answers(instrument, true_score, n, cfg, rng)
    care = _draw_careless(n, cfg, rng)
    answers = _answer_carelessly(instrument, answers, care, rng)
    failed = _attention_failed(instrument, answers, n)
    table = _likert_table(instrument, answers, n, cfg, rng)
    timings = _page_timings(instrument, care.speeder, rng)
    ids = [f"sim{i + 1:06d}" for i in range(n)]
    responses = pd.concat(
        [pd.DataFrame({"respondent_id": ids}), firm, pd.DataFrame(table), pd.DataFrame(timings)],
        axis=1,
    )
    if "sm_headcount" in responses.columns and not null:
        responses["sm_headcount"] = _headcount(latent.stage, rng)
    truth = _truth_frame(instrument, ids, latent, care, failed)
    return Simulation(responses=responses, truth=truth)


@dataclass(frozen=True)
class _Latents:
    """A respondent's latent state: stage, maturity, level and axis scores."""

    stage: np.ndarray
    maturity: np.ndarray
    maturity_std: np.ndarray
    level: dict[str, np.ndarray]
    decentral: np.ndarray
    relational: np.ndarray


@dataclass(frozen=True)
class _Careless:
    """Which respondents straight-line, speed or answer attention checks carelessly."""

    straight: np.ndarray
    speeder: np.ndarray
    careless: np.ndarray


def _check_developed_at(instrument: Instrument, cfg: SimulationConfig) -> None:
    """Raise ``ValueError`` if ``cfg.developed_at`` lies outside the instrument's scale."""
    scale = instrument.scale
    if cfg.developed_at is not None and not scale.min <= cfg.developed_at <= scale.max:
        raise ValueError(
            f"developed_at ({cfg.developed_at:g}) lies outside the scale {scale.min}..{scale.max}"
        )


def _null_latents(
    instrument: Instrument, n: int, cfg: SimulationConfig, rng: np.random.Generator
) -> _Latents:
    """Draw the null model: one continuous maturity, no stages."""
    mid = instrument.scale.midpoint
    thresholds = instrument.stage_thresholds()
    if cfg.developed_at is not None:
        thresholds = dict.fromkeys(thresholds, float(cfg.developed_at))
    maturity = rng.normal(0.0, 1.0, n)
    offsets = {"operational": 0.6, "dynamic": 0.0, "adaptive": 0.0, "networking": -0.6}
    level = {
        lv: thresholds[lv] - 0.5 + 1.1 * maturity + offsets[lv] + rng.normal(0.0, 0.45, n)
        for lv in LEVELS
    }
    decentral = mid + 0.8 * maturity + rng.normal(0.0, 1.0, n)
    relational = mid + rng.normal(0.0, 1.2, n)
    return _Latents(
        stage=np.full(n, -1),
        maturity=maturity,
        maturity_std=maturity,
        level=level,
        decentral=decentral,
        relational=relational,
    )


def _stage_latents(
    instrument: Instrument,
    firm: pd.DataFrame,
    n: int,
    cfg: SimulationConfig,
    rng: np.random.Generator,
) -> _Latents:
    """Draw the stage model: stages, construct latents around their cuts, and the axes."""
    probs = np.asarray(cfg.stage_probs, dtype=float)
    stage = rng.choice(4, size=n, p=probs / probs.sum()) + 1
    person = rng.normal(0.0, cfg.person_sd, n)
    level_noise = {lv: rng.normal(0.0, cfg.level_sd, n) for lv in LEVELS}
    onset = construct_onset(instrument)
    cut = _construct_thresholds(instrument, cfg.developed_at)
    level = {}
    for construct in instrument.constructs:
        if construct.level is None:
            continue
        start = onset[construct.id]
        developed = stage >= start
        shift = np.where(
            developed, cfg.below_gap + cfg.above_gap + cfg.growth * (stage - start), 0.0
        )
        level[construct.id] = (
            cut[construct.id] - cfg.below_gap + shift + person + level_noise[construct.level]
        )
    decentral, relational = _stage_axes(instrument, firm, stage, rng)
    return _Latents(
        stage=stage,
        maturity=stage + person,
        maturity_std=(stage - 2.5) / 1.1 + person,
        level=level,
        decentral=decentral,
        relational=relational,
    )


def _stage_axes(
    instrument: Instrument, firm: pd.DataFrame, stage: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Control and orientation scores: a side of the cut (by stage, offering), then a distance."""
    n = len(stage)
    mid = instrument.scale.midpoint
    p_dec = np.asarray(P_DECENTRALISED)[stage - 1]
    is_dec = rng.random(n) < p_dec
    product = _is_product(instrument, firm, n)
    is_rel = rng.random(n) < np.where(product, 0.55, 0.45)
    decentral = mid + np.where(is_dec, 1, -1) * (0.5 + np.abs(rng.normal(0, 0.8, n)))
    relational = mid + np.where(is_rel, 1, -1) * (0.5 + np.abs(rng.normal(0, 0.8, n)))
    return decentral, relational


def _true_scores(
    instrument: Instrument,
    latent: _Latents,
    n: int,
    cfg: SimulationConfig,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Each construct's true score: its level, axis, outcome or generic base plus its own noise."""
    mid = instrument.scale.midpoint
    out: dict[str, np.ndarray] = {}
    generic = latent.maturity_std * 0.5
    for construct in instrument.constructs:
        if construct.level is not None:
            key = construct.id if construct.id in latent.level else construct.level
            base = latent.level[key]
        elif construct.axis == "control":
            base = latent.decentral
        elif construct.axis == "orientation":
            base = latent.relational
        elif construct.role == "outcome":
            base = mid - 0.2 + 0.6 * latent.maturity_std + rng.normal(0.0, 0.6, n)
        else:
            base = mid + generic + rng.normal(0.0, 0.8, n)
        out[construct.id] = base + rng.normal(0.0, cfg.construct_sd, n)
    return out


def _item_answers(
    instrument: Instrument,
    true_score: dict[str, np.ndarray],
    n: int,
    cfg: SimulationConfig,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Continuous item responses (reverse-keyed mirrored) and the right attention answers."""
    lo, hi = instrument.scale.min, instrument.scale.max
    answers: dict[str, np.ndarray] = {}
    for construct in instrument.constructs:
        for item in construct.items:
            noise_sd = rng.uniform(*cfg.item_noise)
            y = (
                true_score[construct.id]
                + rng.normal(0.0, cfg.item_offset_sd)
                + rng.normal(0.0, noise_sd, n)
            )
            if item.reverse:
                y = lo + hi - y
            answers[item.id] = y
    for check in instrument.attention_checks:
        answers[check.id] = np.full(n, float(check.answer))
    return answers


def _draw_careless(n: int, cfg: SimulationConfig, rng: np.random.Generator) -> _Careless:
    """Draw the straight-liners, speeders and careless respondents."""
    straight = rng.random(n) < cfg.straightliner_rate
    speeder = (rng.random(n) < cfg.speeder_rate) | (straight & (rng.random(n) < 0.6))
    careless = (rng.random(n) < cfg.careless_rate) & ~straight
    return _Careless(straight=straight, speeder=speeder, careless=careless)


def _answer_carelessly(
    instrument: Instrument,
    answers: dict[str, np.ndarray],
    care: _Careless,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Replace answers: one line per straight-liner, random ones by speeders, wrong checks."""
    scale = instrument.scale
    lo, hi = scale.min, scale.max
    out = dict(answers)
    points = np.arange(lo, hi + 1)
    weights = np.exp(-0.5 * ((points - scale.midpoint) / (0.35 * (hi - lo))) ** 2)
    n = len(care.straight)
    line_value = rng.choice(points, size=n, p=weights / weights.sum())
    for col in _answer_columns(instrument):
        random_answer = rng.integers(lo, hi + 1, n)
        sloppy = care.speeder & ~care.straight & (rng.random(n) < 0.4)
        values = np.where(sloppy, random_answer, out[col])
        out[col] = np.where(care.straight, line_value, values)
    for check in instrument.attention_checks:
        wrong = (check.answer - lo + rng.integers(1, hi - lo + 1, n)) % (hi - lo + 1) + lo
        out[check.id] = np.where(care.careless, wrong, out[check.id])
    return out


def _answer_columns(instrument: Instrument) -> list[str]:
    """The Likert item ids followed by the attention-check ids."""
    return list(instrument.item_ids) + [a.id for a in instrument.attention_checks]


def _attention_failed(instrument: Instrument, answers: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Whether each respondent answered any attention check wrongly."""
    lo, hi = instrument.scale.min, instrument.scale.max
    failed = np.zeros(n, dtype=bool)
    for check in instrument.attention_checks:
        failed |= np.clip(np.rint(answers[check.id]), lo, hi) != check.answer
    return failed


def _likert_table(
    instrument: Instrument,
    answers: dict[str, np.ndarray],
    n: int,
    cfg: SimulationConfig,
    rng: np.random.Generator,
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """Round and clip the answers to the scale, and blank some of the skippers' answers."""
    lo, hi = instrument.scale.min, instrument.scale.max
    skipper = rng.random(n) < cfg.skipper_rate
    skip_prob = min(1.0, cfg.missing_rate / cfg.skipper_rate) if cfg.skipper_rate > 0 else 0.0
    table = {}
    for col in _answer_columns(instrument):
        values = np.clip(np.rint(answers[col]), lo, hi)
        values[skipper & (rng.random(n) < skip_prob)] = np.nan
        table[col] = pd.array(values, dtype="Int64")
    return table


def _page_timings(
    instrument: Instrument, speeder: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Seconds spent on each page (``page_time_<page>``); speeders take a fraction."""
    n = len(speeder)
    speed = np.exp(rng.normal(0.0, 0.25, n))
    speed = np.where(speeder, rng.uniform(0.12, 0.25, n), speed)
    timings = {}
    for page in instrument.page_list():
        n_likert = len(instrument.page_item_ids(page))
        n_firm = len(page.firmographics)
        seconds = (4.0 + n_likert * instrument.seconds_per_item + n_firm * 10.0) * speed
        timings[f"page_time_{page.id}"] = np.round(seconds * np.exp(rng.normal(0, 0.15, n)), 1)
    return timings


def _headcount(stage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """People working on social media (``sm_headcount``): more at later stages, at most 5,000."""
    return np.minimum(rng.poisson(0.5 + 1.5 * (stage - 1)), 5000)


def _truth_frame(
    instrument: Instrument,
    ids: list[str],
    latent: _Latents,
    care: _Careless,
    failed: np.ndarray,
) -> pd.DataFrame:
    """The truth table: stage, maturity, latent scores, quadrant and data-quality problems."""
    c_cut, o_cut = instrument.quadrant_cuts()
    quadrant = np.array(
        [
            QUADRANT_OF[(bool(d), bool(r))]
            for d, r in zip(latent.decentral >= c_cut, latent.relational >= o_cut, strict=True)
        ]
    )
    stage = latent.stage
    return pd.DataFrame(
        {
            "respondent_id": ids,
            "stage": pd.array(np.where(stage > 0, stage, None), dtype="Int64"),
            "maturity": np.round(latent.maturity, 4),
            **{
                f"latent_{lv}": np.round(_level_latent(latent.level, instrument, lv), 4)
                for lv in LEVELS
            },
            "latent_control": np.round(latent.decentral, 4),
            "latent_orientation": np.round(latent.relational, 4),
            "quadrant": quadrant,
            "straight_liner": care.straight,
            "speeder": care.speeder,
            "careless": care.careless,
            "attention_failed": failed,
        }
    )


def _firmographics(instrument: Instrument, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw firmographic answers; ``offering`` depends on ``sector``, size on nothing."""
    out: dict[str, object] = {}
    sector_q = instrument.firmographic_measuring("sector")
    for q in instrument.firmographics:
        values = [o.value for o in q.options]
        if q.type == "integer":
            lo = q.min if q.min is not None else 0
            hi = q.max if q.max is not None else lo + 50
            out[q.id] = np.clip(rng.poisson(3, n) + lo, lo, hi)
        elif q.type == "multi":
            chosen = rng.random((n, len(values))) < np.r_[0.9, np.full(len(values) - 1, 0.35)]
            out[q.id] = [
                ";".join(v for v, c in zip(values, row, strict=True) if c) or values[0]
                for row in chosen
            ]
        elif q.measures == "offering" and sector_q is not None and sector_q.id in out:
            out[q.id] = _draw_offering(values, out[sector_q.id], rng)  # type: ignore[arg-type]
        elif q.measures == "country":
            p = np.r_[3.0, np.ones(len(values) - 1)]
            out[q.id] = rng.choice(values, size=n, p=p / p.sum())
        else:
            out[q.id] = rng.choice(values, size=n)
    return pd.DataFrame(out)


def _draw_offering(values: list[str], sectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if not {"product", "service"} <= set(values):
        return rng.choice(values, size=len(sectors))
    share = np.array([PRODUCT_SHARE.get(str(s), 0.4) for s in sectors])
    u = rng.random(len(sectors))
    both = "both" in values
    out = np.where(u < share * (0.85 if both else 1.0), "product", "service")
    if both:
        out = np.where(u > 0.88, "both", out)
    return out


def _is_product(instrument: Instrument, firm: pd.DataFrame, n: int) -> np.ndarray:
    q = instrument.firmographic_measuring("offering")
    if q is None or q.id not in firm.columns:
        return np.zeros(n, dtype=bool)
    return (firm[q.id] == "product").to_numpy()


def truth_path_for(responses_csv: str | Path) -> Path:
    """``data/x.csv`` → ``data/x_truth.csv``."""
    p = Path(responses_csv)
    return p.with_name(f"{p.stem}_truth.csv")
