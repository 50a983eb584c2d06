"""Data-quality screening: straight-lining, speeding, attention checks, outliers, missingness.

Each screen is one function returning a labelled Series or DataFrame; :func:`quality_flags`
runs them all and turns them into ``flag_*`` columns with documented thresholds
(:class:`QualityThresholds`). Nothing is excluded here: the pipeline reports the flags and, when
asked (``--exclude-flagged``), reruns the statistics without the flagged respondents.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.criteria import (
    LONGSTRING_MIN,
    LONGSTRING_SHARE,
    MAX_MISSING_SHARE,
    MIN_ANSWERED_FOR_SD,
    MIN_SECONDS_PER_ITEM,
    OUTLIER_MIN_RATIO,
    OUTLIER_P,
    SPEED_RATIO,
)
from analysis.linalg import DEPENDENCY_WEIGHT, RankDiagnosis, rank_diagnosis
from analysis.measurement.correlation import nearest_positive_definite, pairwise_moments
from analysis.measurement.scoring import keyed_items, likert_answers
from instrument import Instrument

#: Columns accepted as the total survey duration in seconds when there are no page timings.
DURATION_COLUMNS: tuple[str, ...] = ("duration_seconds", "duration")
#: The flag columns, in the order they appear in ``assignments.csv``.
FLAG_COLUMNS: tuple[str, ...] = (
    "flag_straightlining",
    "flag_speeding",
    "flag_attention",
    "flag_outlier",
    "flag_missing",
)


@dataclass(frozen=True)
class QualityThresholds:
    """When a respondent is flagged.

    Attributes
    ----------
    longstring_share : float, default 0.5
        Straight-lining: the longest run of identical consecutive answers (instrument order,
        skipping unanswered items) covers at least this share of the instrument's items …
    longstring_min : int, default 6
        … and at least this many items (so short instruments are not over-flagged). A
        respondent who gives the same answer to every item answered (within-person SD 0, at
        least ``min_answered_for_sd`` answers) is flagged too.
    min_answered_for_sd : int, default 5
        Answers needed before a zero within-person SD counts.
    speed_ratio : float, default 1/3
        Speeding: total time below this fraction of the median total time …
    min_seconds_per_item : float, default 2.0
        … or fewer than this many seconds per item answered.
    outlier_p : float, default 0.001
        Multivariate outlier: Mahalanobis distance with :math:`p` below this (χ² with as many
        degrees of freedom as items answered).
    outlier_min_ratio : float, default 2.0
        The outlier screen runs only with at least this many respondents per item: with fewer,
        the (pairwise) covariance matrix is near-singular and almost everyone looks like an
        outlier (on the 63-item smcap instrument, 100 respondents gave 71 % "outliers").
    max_missing_share : float, default 0.2
        Missingness: more than this share of the Likert items unanswered.
    """

    longstring_share: float = LONGSTRING_SHARE
    longstring_min: int = LONGSTRING_MIN
    min_answered_for_sd: int = MIN_ANSWERED_FOR_SD
    speed_ratio: float = SPEED_RATIO
    min_seconds_per_item: float = MIN_SECONDS_PER_ITEM
    outlier_p: float = OUTLIER_P
    outlier_min_ratio: float = OUTLIER_MIN_RATIO
    max_missing_share: float = MAX_MISSING_SHARE


@dataclass(frozen=True)
class QualityResult:
    """Per-respondent screening results and flags.

    Attributes
    ----------
    respondents : DataFrame
        Indexed like the responses: ``n_answered``, ``missing_share``, ``longest_string``,
        ``within_sd``, ``total_seconds``, ``seconds_per_item``, ``attention_failures``,
        ``mahalanobis_d2``, ``mahalanobis_df``, ``mahalanobis_p``, the ``flag_*`` columns and
        ``flagged`` (any flag).
    item_missing : Series
        Share of respondents who left each item unanswered.
    checks : dict
        For each screen, ``"run"`` or why it could not run (no page timings, no attention
        checks in the instrument or the data).
    thresholds : QualityThresholds
        The rules applied.
    warnings : tuple of str
        Readable warnings: a singular item covariance matrix (the items of each linear
        dependency named), which costs the outlier screen degrees of freedom.
    """

    respondents: pd.DataFrame
    item_missing: pd.Series
    checks: dict[str, str]
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)
    warnings: tuple[str, ...] = ()

    @property
    def flags(self) -> pd.DataFrame:
        """The ``flag_*`` columns and ``flagged``."""
        return self.respondents.loc[:, [*FLAG_COLUMNS, "flagged"]]

    def summary(self) -> dict[str, object]:
        """Counts of flagged respondents per screen, the rules and what could be checked."""
        flags = self.flags
        return {
            "n_respondents": len(flags),
            "n_flagged": int(flags["flagged"].sum()),
            "flag_counts": {c: int(flags[c].sum()) for c in FLAG_COLUMNS},
            "checks": dict(self.checks),
            "thresholds": asdict(self.thresholds),
            "mean_missing_share": float(self.respondents["missing_share"].mean()),
            "item_missing": {k: float(v) for k, v in self.item_missing.items()},
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------- single screens
def longest_string(items: pd.DataFrame) -> pd.Series:
    """Longest run of identical consecutive answers per respondent (Johnson, 2005).

    Parameters
    ----------
    items : DataFrame
        Raw answers (not reverse-keyed: straight-liners tick the same box), columns in the
        order the questions were asked; NaN = unanswered.

    Returns
    -------
    Series
        Integer run length; unanswered items are skipped (they neither break nor extend a run).

    References
    ----------
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based
    personality inventories. *Journal of Research in Personality*, 39(1), 103–129.

    Examples
    --------
    >>> import pandas as pd
    >>> longest_string(pd.DataFrame([[3, 3, None, 3, 5], [1, 2, 1, 2, 1]])).tolist()
    [3, 1]
    """
    values = items.to_numpy(dtype=float)
    n = len(values)
    last = np.full(n, np.nan)
    run = np.zeros(n, dtype=int)
    best = np.zeros(n, dtype=int)
    for column in values.T:
        answered = ~np.isnan(column)
        run = np.where(answered, np.where(column == last, run + 1, 1), run)
        last = np.where(answered, column, last)
        best = np.maximum(best, run)
    return pd.Series(best, index=items.index, name="longest_string")


def within_person_sd(items: pd.DataFrame) -> pd.Series:
    """Standard deviation of each respondent's answers (divisor :math:`k - 1`; NaN below 2).

    Exactly 0 when every answer is the same: the mean of seven answers of 2.7 is not exactly
    2.7 in floating point, and the rounding would otherwise leave an SD of about 5e-16.
    """
    values = items.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    n = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(answered, values, 0.0).sum(axis=1) / n
        squares = np.where(answered, (values - mean[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.sqrt(squares / (n - 1))
    same = np.where(answered, values, np.inf).min(axis=1) == np.where(
        answered, values, -np.inf
    ).max(axis=1)
    sd = np.where(same, 0.0, sd)
    return pd.Series(np.where(n >= 2, sd, np.nan), index=items.index, name="within_sd")


def response_seconds(responses: pd.DataFrame) -> pd.Series | None:
    """Total time each respondent took, in seconds, or None when the data carry no timings.

    Parameters
    ----------
    responses : DataFrame
        Survey export: ``page_time_<page>`` columns (seconds per page, summed) or, failing
        those, a total-duration column named ``duration_seconds`` or ``duration``.

    Returns
    -------
    Series or None
        Seconds; NaN where no timing was recorded.
    """
    pages = [c for c in responses.columns if str(c).startswith("page_time_")]
    if pages:
        timing = responses[pages].apply(pd.to_numeric, errors="coerce")
        total = timing.sum(axis=1, min_count=1)
        return total.rename("total_seconds")
    for name in DURATION_COLUMNS:
        if name in responses.columns:
            return pd.to_numeric(responses[name], errors="coerce").rename("total_seconds")
    return None


def attention_failures(responses: pd.DataFrame, instrument: Instrument) -> pd.Series | None:
    """Number of the instrument's attention checks each respondent answered wrongly.

    Parameters
    ----------
    responses : DataFrame
        Raw answers including the attention-check columns.
    instrument : Instrument
        Defines the checks and their expected answers.

    Returns
    -------
    Series or None
        Count of wrong answers (an unanswered check is not counted as failed); None when the
        instrument defines no checks or none of their columns is in the data.
    """
    checks = [a for a in instrument.attention_checks if a.id in responses.columns]
    if not checks:
        return None
    failures = pd.Series(0, index=responses.index, name="attention_failures")
    for check in checks:
        answer = pd.to_numeric(responses[check.id], errors="coerce")
        failures += (answer.notna() & (answer.round() != check.answer)).astype(int)
    return failures


def mahalanobis_distances(items: pd.DataFrame, *, cov: pd.DataFrame | None = None) -> pd.DataFrame:
    """Squared Mahalanobis distance of each respondent from the centroid, using answered items.

    Parameters
    ----------
    items : DataFrame
        Keyed item answers; NaN = unanswered.
    cov : DataFrame, optional
        The pairwise-complete covariance matrix of ``items``, when already computed.

    Returns
    -------
    DataFrame
        ``mahalanobis_d2``, ``mahalanobis_df`` (items answered, less the linear dependencies
        among them) and ``mahalanobis_p`` (:math:`P(\\chi^2_{df} > D^2)`); NaN for respondents
        with fewer than two answers.

    Notes
    -----
    The centroid :math:`\\mu` is the item means and :math:`\\Sigma` the pairwise-complete
    covariance matrix (repaired to be positive definite if needed). For a respondent with
    answered items :math:`O`, :math:`D^2 = (x_O - \\mu_O)^\\top \\Sigma_{OO}^{-1}
    (x_O - \\mu_O)`, compared with :math:`\\chi^2_{|O|}` — the usual treatment of incomplete
    cases. With :math:`P = \\Sigma^{-1}`, :math:`z` the centred answers (0 where missing) and
    :math:`M` the missing items, :math:`D^2 = z^\\top P z - (Pz)_M^\\top P_{MM}^{-1} (Pz)_M`, so
    only a small system per respondent is solved. On complete data this is R's
    ``mahalanobis(x, colMeans(x), cov(x))``.

    When :math:`\\Sigma` is singular (:func:`analysis.linalg.rank_diagnosis`: an item
    duplicated, or a combination of others), :math:`D^2` lies in the :math:`|O| - d` dimensions
    left by the :math:`d` dependencies whose items are all answered, and is compared with
    :math:`\\chi^2_{|O| - d}`.
    """
    values = items.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    sigma = pairwise_moments(items).cov if cov is None else cov
    mean = np.nanmean(values, axis=0)
    precision = np.linalg.inv(nearest_positive_definite(sigma.to_numpy(dtype=float)))
    z = np.where(answered, values - mean, 0.0)
    w = z @ precision
    d2 = np.einsum("ij,ij->i", w, z)
    n_missing = (~answered).sum(axis=1)
    n_items = values.shape[1]
    for k in np.unique(n_missing):
        if k == 0 or k > n_items - 2:
            continue
        rows = np.flatnonzero(n_missing == k)
        holes = np.argsort(answered[rows], axis=1, kind="stable")[:, :k]
        p_mm = precision[holes[:, :, None], holes[:, None, :]]
        w_m = np.take_along_axis(w[rows], holes, axis=1)
        solved = np.linalg.solve(p_mm, w_m[..., None])[..., 0]
        d2[rows] -= np.einsum("ij,ij->i", w_m, solved)
    df = n_items - n_missing - _dependencies_answered(sigma, answered)
    d2 = np.where(df >= 2, d2, np.nan)
    return pd.DataFrame(
        {
            "mahalanobis_d2": d2,
            "mahalanobis_df": df,
            "mahalanobis_p": stats.chi2.sf(d2, df),
        },
        index=items.index,
    )


def _dependencies_answered(sigma: pd.DataFrame, answered: np.ndarray) -> np.ndarray:
    """Per respondent, the dimension of the null space of Σ restricted to the answered items."""
    diagnosis = _diagnosis(sigma)
    out = np.zeros(len(answered), dtype=int)
    if diagnosis is None or not diagnosis.singular:
        return out
    null = diagnosis.null_space.to_numpy()
    k = null.shape[1]
    weight = np.abs(null).max(axis=1)
    involved = np.flatnonzero(weight > DEPENDENCY_WEIGHT * weight.max())
    patterns, inverse = np.unique(~answered[:, involved], axis=0, return_inverse=True)
    for number, missing in enumerate(patterns):
        # null vectors that vanish on the missing items: k − rank of their rows there
        rank = np.linalg.matrix_rank(null[involved[missing]]) if missing.any() else 0
        out[inverse.ravel() == number] = k - rank
    return out


def _diagnosis(sigma: pd.DataFrame) -> RankDiagnosis | None:
    """Rank diagnosis of the item covariance matrix; None when an entry is missing."""
    if not np.isfinite(sigma.to_numpy(dtype=float)).all():
        return None
    return rank_diagnosis(sigma)


# --------------------------------------------------------------------------- all screens
def quality_flags(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    thresholds: QualityThresholds | None = None,
    cov: pd.DataFrame | None = None,
) -> QualityResult:
    """Screen every respondent and flag those who look careless.

    Parameters
    ----------
    responses : DataFrame
        Validated responses (:attr:`analysis.data.responses.ValidatedResponses.data`): the
        instrument's Likert items, and where available attention checks and timings.
    instrument : Instrument
        The analysed instrument (items, their order, reverse keys, attention checks).
    thresholds : QualityThresholds, optional
        The rules (defaults documented on :class:`QualityThresholds`).
    cov : DataFrame, optional
        Pairwise covariance matrix of the keyed items of ``responses``, when already computed.

    Returns
    -------
    QualityResult
        Screening statistics, ``flag_*`` columns and ``flagged`` per respondent; missing share
        per item; which screens could run; a warning when the item covariance matrix is
        singular (its dependent items named).

    Notes
    -----
    * ``flag_straightlining``: longest run ≥ max(``longstring_min``, ⌈``longstring_share`` ×
      items⌉), or the same answer to every item answered (≥ ``min_answered_for_sd``).
    * ``flag_speeding``: total time < ``speed_ratio`` × median, or < ``min_seconds_per_item``
      per item answered (only when timings exist).
    * ``flag_attention``: at least one attention check answered wrongly (only when checks
      exist).
    * ``flag_outlier``: Mahalanobis :math:`p` < ``outlier_p`` on the keyed items (only with at
      least ``outlier_min_ratio`` respondents per item).
    * ``flag_missing``: more than ``max_missing_share`` of the Likert items unanswered.

    Examples
    --------
    >>> from analysis.data.simulate import simulate
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> sim = simulate(inst, 300, random_state=1)
    >>> res = quality_flags(sim.responses.set_index("respondent_id"), inst)
    >>> bool(res.flags.loc[sim.truth["straight_liner"].to_numpy(), "flag_straightlining"].all())
    True
    """
    rules = thresholds or QualityThresholds()
    raw = likert_answers(responses, instrument)
    out = _answer_patterns(raw, responses.index, rules, n_items=len(instrument.item_ids))
    speeding = _speeding_screen(responses, out["n_answered"], rules)
    attention = _attention_screen(responses, instrument)
    outlier = _outlier_screen(responses, instrument, rules, cov=cov)
    for screen in (speeding, attention, outlier):
        out = out.join(screen.columns)
    out["flag_missing"] = out["missing_share"] > rules.max_missing_share
    for col in FLAG_COLUMNS:
        out[col] = out[col].astype(bool)
    out["flagged"] = out[list(FLAG_COLUMNS)].any(axis=1)
    return QualityResult(
        respondents=out,
        item_missing=raw.isna().mean().rename("missing_share"),
        checks={
            "straightlining": "run",
            "outlier": outlier.check,
            "missing": "run",
            "speeding": speeding.check,
            "attention": attention.check,
        },
        thresholds=rules,
        warnings=outlier.warnings,
    )


@dataclass(frozen=True)
class _Screen:
    """One screen's columns per respondent, whether it ran (``check``), and its warnings."""

    columns: pd.DataFrame
    check: str
    warnings: tuple[str, ...] = ()


def _answer_patterns(
    raw: pd.DataFrame, index: pd.Index, rules: QualityThresholds, *, n_items: int
) -> pd.DataFrame:
    """Answered and missing share, longest run, within-person SD, and the straight-lining flag."""
    out = pd.DataFrame(index=index)
    out["n_answered"] = raw.notna().sum(axis=1)
    out["missing_share"] = 1.0 - out["n_answered"] / n_items
    out["longest_string"] = longest_string(raw)
    out["within_sd"] = within_person_sd(raw)
    run_cut = max(rules.longstring_min, math.ceil(rules.longstring_share * n_items))
    constant = (out["within_sd"] == 0) & (out["n_answered"] >= rules.min_answered_for_sd)
    out["flag_straightlining"] = (out["longest_string"] >= run_cut) | constant
    return out


def _speeding_screen(
    responses: pd.DataFrame, n_answered: pd.Series, rules: QualityThresholds
) -> _Screen:
    """Total time far below the median, or too few seconds per item answered."""
    cols = pd.DataFrame(index=responses.index)
    seconds = response_seconds(responses)
    if seconds is None:
        cols["total_seconds"] = np.nan
        cols["seconds_per_item"] = np.nan
        cols["flag_speeding"] = False
        return _Screen(
            cols, "not run: no page_time_* or duration column (duration_seconds / duration)"
        )
    cols["total_seconds"] = seconds
    cols["seconds_per_item"] = seconds / n_answered.clip(lower=1)
    median = float(seconds.median())
    fast = (seconds < rules.speed_ratio * median) | (
        cols["seconds_per_item"] < rules.min_seconds_per_item
    )
    cols["flag_speeding"] = fast.fillna(False).astype(bool)
    return _Screen(cols, "run")


def _attention_screen(responses: pd.DataFrame, instrument: Instrument) -> _Screen:
    """At least one attention check answered wrongly."""
    cols = pd.DataFrame(index=responses.index)
    failures = attention_failures(responses, instrument)
    if failures is None:
        cols["attention_failures"] = pd.array([pd.NA] * len(cols), dtype="Int64")
        cols["flag_attention"] = False
        return _Screen(
            cols,
            "not run: the instrument defines no attention checks"
            if not instrument.attention_checks
            else "not run: the attention-check columns are not in the data",
        )
    cols["attention_failures"] = failures
    cols["flag_attention"] = failures > 0
    return _Screen(cols, "run")


def _outlier_screen(
    responses: pd.DataFrame,
    instrument: Instrument,
    rules: QualityThresholds,
    *,
    cov: pd.DataFrame | None,
) -> _Screen:
    """Mahalanobis outliers on the keyed items, when there are enough respondents per item."""
    n_items = len(instrument.item_ids)
    need = math.ceil(rules.outlier_min_ratio * n_items)
    cols = pd.DataFrame(index=responses.index)
    if len(responses) < need:
        for col in ("mahalanobis_d2", "mahalanobis_df", "mahalanobis_p"):
            cols[col] = np.nan
        cols["flag_outlier"] = False
        return _Screen(
            cols,
            f"not run: {len(responses)} respondents for {n_items} items; a stable covariance "
            f"matrix needs at least {need} ({rules.outlier_min_ratio:g} per item)",
        )
    keyed = keyed_items(responses, instrument)
    sigma = pairwise_moments(keyed).cov if cov is None else cov
    cols = cols.join(mahalanobis_distances(keyed, cov=sigma))
    cols["flag_outlier"] = (cols["mahalanobis_p"] < rules.outlier_p).fillna(False).astype(bool)
    return _Screen(cols, "run", _singular_warning(sigma))


def _singular_warning(sigma: pd.DataFrame) -> tuple[str, ...]:
    """A warning naming the dependent items when the item covariance matrix is singular."""
    diagnosis = _diagnosis(sigma)
    if diagnosis is None or not diagnosis.singular:
        return ()
    return (
        f"the item covariance matrix {diagnosis.describe()}; the outlier screen's "
        "Mahalanobis distances lose a degree of freedom for each dependency",
    )


def flag_reasons(flags: pd.DataFrame) -> dict[str, int]:
    """How many respondents each flag excludes, in plain words (for reports)."""
    words = {
        "flag_straightlining": "straight-lining",
        "flag_speeding": "speeding",
        "flag_attention": "failed attention check",
        "flag_outlier": "multivariate outlier",
        "flag_missing": "too many missing answers",
    }
    return {words[c]: int(flags[c].sum()) for c in FLAG_COLUMNS if c in flags.columns}
