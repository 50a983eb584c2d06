"""Are the capability levels cumulative? Guttman errors, reproducibility and Loevinger's H.

The stage model says a later stage keeps the earlier capabilities: a firm that has developed its
networking capabilities has also developed its operational ones. With each level dichotomised
(developed = score at or above the stage rule's threshold) this is a Guttman scale, and Mokken
scaling measures how well the data follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.criteria import h_band, scalable
from instrument import LEVELS


@dataclass(frozen=True)
class GuttmanScaling:
    """Cumulative-ordering statistics of dichotomous items.

    Attributes
    ----------
    n_respondents : int
        Respondents with every item observed (listwise).
    popularity : Series
        Share developed per item, most popular first (the sample's item order).
    h : float
        Loevinger's H of the whole scale.
    h_ci : tuple of float
        Percentile bootstrap confidence interval of ``h``.
    h_items : Series
        Item scalability :math:`H_j`.
    h_pairs : DataFrame
        Item-pair scalability :math:`H_{ij}` (diagonal missing).
    band : str
        ``strong`` / ``medium`` / ``weak`` / ``not scalable``.
    guttman_errors : int
        Mokken's count of Guttman errors: item pairs (easier :math:`i`, harder :math:`j`)
        answered :math:`x_i = 0, x_j = 1`, summed over respondents.
    reproducibility : float
        Coefficient of reproducibility, Goodenough–Edwards counting.
    minimal_marginal_reproducibility : float
        The reproducibility the item marginals alone would give.
    perfect_share : float
        Share of respondents whose pattern is a perfect Guttman pattern.
    order_matches_theory : bool or None
        Whether the sample order agrees with the theory's (operational ≥ dynamic, adaptive ≥
        networking); ``None`` when the items are not the four levels.
    """

    n_respondents: int
    popularity: pd.Series
    h: float
    h_ci: tuple[float, float]
    h_items: pd.Series
    h_pairs: pd.DataFrame
    band: str
    guttman_errors: int
    reproducibility: float
    minimal_marginal_reproducibility: float
    perfect_share: float
    order_matches_theory: bool | None

    @property
    def scalable(self) -> bool:
        """H ≥ :data:`~analysis.criteria.H_SCALABLE` (Mokken's lower bound for a scale)."""
        return scalable(self.h)


def developed_levels(levels: pd.DataFrame, thresholds: dict[str, float]) -> pd.DataFrame:
    """Dichotomise level scores: developed (1) when at or above the level's threshold.

    Parameters
    ----------
    levels : DataFrame
        Level scores (columns are level names).
    thresholds : dict
        Threshold per level (``Instrument.stage_thresholds()``).

    Returns
    -------
    DataFrame
        Nullable integer 0/1, missing where the score is missing; same index and columns.
    """
    absent = [c for c in levels.columns if c not in thresholds]
    if absent:
        raise ValueError(f"no stage-rule threshold for level column(s) {absent}")
    out = {}
    for col in levels.columns:
        score = levels[col].astype(float)
        out[col] = pd.array(
            np.where(score.isna(), pd.NA, (score >= thresholds[col]).astype(int)), dtype="Int64"
        )
    return pd.DataFrame(out, index=levels.index)


def loevinger_h(items: pd.DataFrame) -> tuple[float, pd.Series, pd.DataFrame]:
    """Loevinger's H for a scale, per item and per item pair (dichotomous items).

    Parameters
    ----------
    items : DataFrame
        0/1 answers, rows = respondents (complete rows only), columns = items.

    Returns
    -------
    h : float
        Scale H.
    h_items : Series
        :math:`H_j` per item.
    h_pairs : DataFrame
        :math:`H_{ij}` (symmetric, diagonal missing).

    Notes
    -----
    With :math:`p_i \\ge p_j` (item :math:`i` the more popular), the observed Guttman errors
    are :math:`F_{ij} = \\#\\{x_i = 0, x_j = 1\\}` and their expectation under independence is
    :math:`E_{ij} = N (1 - p_i) p_j`. Then

    .. math:: H_{ij} = 1 - F_{ij}/E_{ij}, \\quad
              H_j = 1 - \\sum_{i \\ne j} F_{ij} / \\sum_{i \\ne j} E_{ij}, \\quad
              H = 1 - \\sum_{i < j} F_{ij} / \\sum_{i < j} E_{ij},

    equivalently the ratio of the covariances to their maxima given the marginals,
    :math:`\\mathrm{cov}(X_i, X_j) / (\\min(p_i, p_j) - p_i p_j)`, which is how ties in
    popularity are handled. These are the ``coefH()`` values of R's mokken package. Items that
    everyone (or no one) has developed carry no information; their :math:`H_j` is missing and
    they do not enter :math:`H`.

    References
    ----------
    Loevinger, J. (1948). The technic of homogeneous tests compared with some aspects of
    "scale analysis" and factor analysis. *Psychological Bulletin*, 45(6), 507–529.
    Sijtsma, K., & Molenaar, I. W. (2002). *Introduction to nonparametric item response
    theory*. Sage.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [1, 0, 0, 0]})
    >>> loevinger_h(x)[0]  # a perfect Guttman scale
    1.0
    """
    x = _check_binary(items)
    cov, cov_max = _covariances(x.mean(axis=0).to_numpy(), x.to_numpy(dtype=float))
    return _h_from_cov(cov, cov_max, list(x.columns))


def guttman_scaling(
    developed: pd.DataFrame,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> GuttmanScaling:
    """Guttman errors, reproducibility and Mokken scalability of dichotomised levels.

    Parameters
    ----------
    developed : DataFrame
        0/1 (or boolean) per level; rows with a missing value are left out.
    n_boot : int, default 1000
        Bootstrap replicates for the confidence interval of H (0 to skip it).
    confidence : float, default 0.95
        Level of the interval.
    random_state : int, optional
        Seed of the bootstrap.

    Returns
    -------
    GuttmanScaling
        See the class.

    Notes
    -----
    Items are ordered by sample popularity (most developed first). A respondent with
    :math:`r` developed items has the ideal pattern "the :math:`r` most popular items". Errors
    are counted the Goodenough–Edwards way, as the number of cells that differ from the ideal
    pattern, and the coefficient of reproducibility is
    :math:`CR = 1 - \\sum_n e_n / (N m)` (:math:`m` items); ≥ .90 is Guttman's criterion.
    The minimal marginal reproducibility :math:`MMR = \\frac{1}{m} \\sum_j \\max(p_j, 1 - p_j)`
    is what CR would be with no ordering at all, so CR should clearly exceed it. Loevinger's H
    (see :func:`loevinger_h`) is the better statistic: it compares the Guttman errors with
    those expected if the levels were unrelated. Its interval is a percentile bootstrap over
    respondents (resampling the answer patterns).

    References
    ----------
    Edwards, A. L. (1948). On Guttman's scale analysis. *Educational and Psychological
    Measurement*, 8(3), 313–318.
    Mokken, R. J. (1971). *A theory and procedure of scale analysis*. De Gruyter.
    """
    x = _check_binary(developed)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be ≥ 0, got {n_boot}")
    n, m = x.shape
    data = x.to_numpy(dtype=int)
    p = data.mean(axis=0)
    order = np.argsort(-p, kind="stable")
    popularity = pd.Series(p[order], index=x.columns[order], name="developed_share")
    h, h_items, h_pairs = loevinger_h(x)
    # Mokken's Guttman errors: pairs (easier i, harder j) with x_i = 0 and x_j = 1.
    ordered = data[:, order]
    pair_errors = sum(
        int(((ordered[:, a] == 0) & (ordered[:, b] == 1)).sum())
        for a in range(m)
        for b in range(a + 1, m)
    )
    totals = ordered.sum(axis=1)
    ideal = (np.arange(m)[None, :] < totals[:, None]).astype(int)
    cell_errors = np.abs(ordered - ideal).sum(axis=1)
    reproducibility = 1.0 - cell_errors.sum() / (n * m)
    mmr = float(np.maximum(p, 1 - p).mean())
    ci = _h_bootstrap_ci(data, n_boot, confidence, random_state) if n_boot else (np.nan, np.nan)
    return GuttmanScaling(
        n_respondents=n,
        popularity=popularity,
        h=h,
        h_ci=ci,
        h_items=h_items,
        h_pairs=h_pairs,
        band=h_band(h),
        guttman_errors=pair_errors,
        reproducibility=float(reproducibility),
        minimal_marginal_reproducibility=mmr,
        perfect_share=float((cell_errors == 0).mean()),
        order_matches_theory=_order_matches_theory(popularity),
    )


# ---------------------------------------------------------------------- helpers
def _check_binary(items: object) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"expected a DataFrame of 0/1 answers, got {type(items).__name__}")
    if items.shape[1] < 2:
        raise ValueError(f"scaling needs at least 2 items, got {items.shape[1]} column(s)")
    complete = items.dropna()
    values = complete.astype(float)
    bad = [c for c in values.columns if not values[c].isin((0.0, 1.0)).all()]
    if bad:
        raise ValueError(f"column(s) {bad} are not dichotomous (0/1)")
    if len(values) < 2:
        raise ValueError(f"scaling needs at least 2 complete rows, got {len(values)}")
    return values.astype(int)


def _covariances(p: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed covariances (1/N) and their maxima given the marginals."""
    joint = data.T @ data / len(data)
    cov = joint - np.outer(p, p)
    cov_max = np.minimum.outer(p, p) - np.outer(p, p)
    return cov, cov_max


def _h_from_cov(
    cov: np.ndarray, cov_max: np.ndarray, names: list[str]
) -> tuple[float, pd.Series, pd.DataFrame]:
    m = len(names)
    off = ~np.eye(m, dtype=bool)
    informative = cov_max > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        pairs = np.where(off & informative, cov / np.where(informative, cov_max, 1.0), np.nan)
        num = np.where(off & informative, cov, 0.0)
        den = np.where(off & informative, cov_max, 0.0)
        items = num.sum(axis=1) / den.sum(axis=1)
        h = num.sum() / den.sum()
    h_items = pd.Series(np.where(den.sum(axis=1) > 0, items, np.nan), index=names, name="h")
    h_pairs = pd.DataFrame(pairs, index=names, columns=names)
    return float(h) if den.sum() > 0 else float("nan"), h_items, h_pairs


def _h_bootstrap_ci(
    data: np.ndarray, n_boot: int, confidence: float, random_state: int | None
) -> tuple[float, float]:
    """Percentile interval of H, resampling the answer patterns (multinomial bootstrap)."""
    n, m = data.shape
    patterns, counts = np.unique(data, axis=0, return_counts=True)
    rng = np.random.default_rng(random_state)
    draws = rng.multinomial(n, counts / n, size=n_boot)  # n_boot × n_patterns
    pf = patterns.astype(float)
    p = draws @ pf / n  # n_boot × m
    joint = np.einsum("bk,ki,kj->bij", draws, pf, pf) / n
    cov = joint - p[:, :, None] * p[:, None, :]
    cov_max = np.minimum(p[:, :, None], p[:, None, :]) - p[:, :, None] * p[:, None, :]
    upper = np.triu(np.ones((m, m), dtype=bool), 1)
    num = np.where(upper & (cov_max > 0), cov, 0.0).sum(axis=(1, 2))
    den = np.where(upper & (cov_max > 0), cov_max, 0.0).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        hs = num / den
    hs = hs[np.isfinite(hs)]
    if len(hs) == 0:
        return (float("nan"), float("nan"))
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(hs, [alpha, 1 - alpha])
    return float(lo), float(hi)


def _order_matches_theory(popularity: pd.Series) -> bool | None:
    if set(popularity.index) != set(LEVELS):
        return None
    p = popularity
    return bool(
        p["operational"] >= max(p["dynamic"], p["adaptive"])
        and min(p["dynamic"], p["adaptive"]) >= p["networking"]
    )
