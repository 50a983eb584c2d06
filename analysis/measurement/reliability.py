"""Reliability of each construct: Cronbach's α with its Feldt interval, standardised α,
McDonald's ω total, item–rest correlations and α if an item is dropped.

Numbers match R psych 2.2.9 (``alpha`` and ``omega``) with missing answers handled as psych does,
by pairwise-complete covariances. The functions expect *keyed* items (reverse-keyed items already
recoded, :func:`analysis.measurement.scoring.keyed_items`); psych is called with ``check.keys =
FALSE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measurement.correlation import cov_to_corr, pairwise_moments
from analysis.measurement.efa import minres
from instrument import Instrument


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's α of one scale, laid out like ``psych::alpha``'s result.

    Attributes
    ----------
    total : Series
        ``raw_alpha``, ``std_alpha``, ``average_r``, ``ci_low``, ``ci_high`` (Feldt), ``n_obs``
        (rows), ``n_items``.
    alpha_drop : DataFrame
        By item: ``raw_alpha`` and ``std_alpha`` of the scale without that item (psych's
        ``alpha.drop``); NaN for two-item scales.
    item_stats : DataFrame
        By item: ``n`` (answers), ``r_drop`` (correlation with the sum of the other items),
        ``mean``, ``sd`` (psych's ``item.stats``).
    """

    total: pd.Series
    alpha_drop: pd.DataFrame
    item_stats: pd.DataFrame


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of every construct of an instrument.

    Attributes
    ----------
    constructs : DataFrame
        Indexed by construct id: ``n_items``, ``n_obs``, ``alpha``, ``alpha_ci_low``,
        ``alpha_ci_high``, ``alpha_std``, ``average_r``, ``omega``.
    items : DataFrame
        Indexed by (construct, item): ``r_drop``, ``alpha_if_dropped``, ``n``, ``mean``, ``sd``.
    """

    constructs: pd.DataFrame
    items: pd.DataFrame


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's α of one scale with item statistics, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = the scale's keyed items (at least 2); NaN = missing.
    confidence : float, default 0.95
        Level of the Feldt confidence interval.

    Returns
    -------
    AlphaResult
        Total, alpha-if-dropped and item statistics, labelled by item.

    Notes
    -----
    With :math:`C` the pairwise-complete covariance matrix of the :math:`k` items,

    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\mathrm{tr}\\,C}{\\mathbf 1^\\top C
              \\mathbf 1}\\right), \\qquad
              \\alpha_{std} = \\frac{k}{k-1}\\left(1 - \\frac{k}{\\mathbf 1^\\top R
              \\mathbf 1}\\right)

    with :math:`R` = ``cov2cor(C)``. The item–rest correlation of item :math:`i` is
    :math:`(\\sum_j C_{ij} - C_{ii}) / \\sqrt{C_{ii} \\, \\mathbf 1^\\top C_{-i,-i} \\mathbf 1}`
    (psych's ``r.drop``). The Feldt interval uses :math:`n` = number of rows (as psych and
    pingouin): :math:`1 - (1 - \\alpha) F_{1 \\mp c/2}(n - 1, (n - 1)(k - 1))`.
    Matches ``psych::alpha(x, check.keys = FALSE)`` (``total``, ``alpha.drop``,
    ``item.stats$r.drop``, ``feldt``) and ``pingouin.cronbach_alpha``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
    alpha. *Applied Psychological Measurement*, 11(1), 93–103.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 5]})
    >>> round(float(cronbach_alpha(x).total["raw_alpha"]), 3)
    0.945
    """
    k = items.shape[1]
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    moments = pairwise_moments(items)
    c = moments.cov.to_numpy()
    r = cov_to_corr(moments.cov).to_numpy()
    raw, std, average_r = _alpha_parts(c, r)
    low, high = feldt_ci(raw, len(items), k, confidence=confidence)
    total = pd.Series(
        {
            "raw_alpha": raw,
            "std_alpha": std,
            "average_r": average_r,
            "ci_low": low,
            "ci_high": high,
            "n_obs": len(items),
            "n_items": k,
        },
        name="alpha",
    )
    drop_rows = []
    r_drop = []
    for i in range(k):
        keep = np.arange(k) != i
        c_rest = c[np.ix_(keep, keep)]
        r_drop.append((c[:, i].sum() - c[i, i]) / np.sqrt(c[i, i] * c_rest.sum()))
        if k > 2:
            drop_raw, drop_std, _ = _alpha_parts(c_rest, r[np.ix_(keep, keep)])
        else:
            drop_raw = drop_std = np.nan
        drop_rows.append((drop_raw, drop_std))
    alpha_drop = pd.DataFrame(drop_rows, index=items.columns, columns=["raw_alpha", "std_alpha"])
    item_stats = pd.DataFrame(
        {
            "n": items.notna().sum().astype(int),
            "r_drop": r_drop,
            "mean": items.mean(),
            "sd": items.std(),
        },
        index=items.columns,
    )
    return AlphaResult(total=total, alpha_drop=alpha_drop, item_stats=item_stats)


def _alpha_parts(c: np.ndarray, r: np.ndarray) -> tuple[float, float, float]:
    k = c.shape[0]
    raw = (1.0 - np.trace(c) / c.sum()) * k / (k - 1)
    sum_r = r.sum()
    std = (1.0 - k / sum_r) * k / (k - 1)
    average_r = (sum_r - k) / (k * (k - 1))
    return float(raw), float(std), float(average_r)


def feldt_ci(
    alpha: float, n_obs: int, n_items: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Feldt's confidence interval for Cronbach's α, as ``psych::alpha.ci``.

    Parameters
    ----------
    alpha : float
        The estimate.
    n_obs : int
        Number of respondents.
    n_items : int
        Number of items.
    confidence : float, default 0.95
        Coverage.

    Returns
    -------
    tuple of float
        (lower, upper).

    Notes
    -----
    :math:`1 - (1 - \\alpha)\\,F^{-1}_{q}(n - 1, (n - 1)(k - 1))` with :math:`q = 1 - c/2` for
    the lower and :math:`q = c/2` for the upper bound, :math:`c = 1 - ` ``confidence``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    tail = (1.0 - confidence) / 2.0
    df1 = n_obs - 1
    df2 = (n_obs - 1) * (n_items - 1)
    low = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, df1, df2)
    high = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


def omega_total(items: pd.DataFrame, *, corr: pd.DataFrame | None = None) -> float:
    """McDonald's ω total from a one-factor model, as ``psych::omega(x, nfactors = 1)``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = the scale's keyed items; NaN = missing.
    corr : DataFrame, optional
        The items' pairwise correlation matrix, when already computed.

    Returns
    -------
    float
        :math:`\\omega_t`; NaN for scales of fewer than three items (a one-factor model of two
        items is not identified).

    Notes
    -----
    psych fits one minres factor to the pairwise correlation matrix :math:`R` and reports

    .. math:: \\omega_t = \\frac{\\mathbf 1^\\top R \\mathbf 1 - \\sum_i u_i^2}
              {\\mathbf 1^\\top R \\mathbf 1}, \\qquad u_i^2 = 1 - \\lambda_i^2,

    i.e. the share of the total (standardised) scale variance that is not unique variance. This
    is ``psych::omega(x, nfactors = 1)$omega.tot`` (psych notes that ω hierarchical is not
    meaningful with one factor; ω total is).

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Lawrence Erlbaum.
    Revelle, W., & Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb.
    *Psychometrika*, 74(1), 145–154.
    """
    if items.shape[1] < 3:
        return float("nan")
    r = pairwise_moments(items).corr if corr is None else corr
    fit = minres(r, 1)
    total = r.to_numpy(dtype=float).sum()
    unique = float(np.sum(1.0 - fit.communalities))
    return float((total - unique) / total)


def reliability(
    keyed: pd.DataFrame, instrument: Instrument, *, confidence: float = 0.95
) -> ReliabilityResult:
    """α, its Feldt interval, standardised α, ω total and item statistics for every construct.

    Parameters
    ----------
    keyed : DataFrame
        Keyed items (:func:`analysis.measurement.scoring.keyed_items`), one column per item of
        ``instrument``.
    instrument : Instrument
        Says which items form each construct.
    confidence : float, default 0.95
        Level of the α intervals.

    Returns
    -------
    ReliabilityResult
        One row per construct and one per (construct, item).
    """
    missing = [i for i in instrument.item_ids if i not in keyed.columns]
    if missing:
        raise ValueError(f"keyed items lack column(s) {missing[:10]}")
    rows = {}
    item_tables = []
    for construct in instrument.constructs:
        cols = [i.id for i in construct.items]
        block = keyed[cols]
        a = cronbach_alpha(block, confidence=confidence)
        rows[construct.id] = {
            "n_items": len(cols),
            "n_obs": int(a.total["n_obs"]),
            "alpha": a.total["raw_alpha"],
            "alpha_ci_low": a.total["ci_low"],
            "alpha_ci_high": a.total["ci_high"],
            "alpha_std": a.total["std_alpha"],
            "average_r": a.total["average_r"],
            "omega": omega_total(block),
        }
        table = pd.DataFrame(
            {
                "r_drop": a.item_stats["r_drop"],
                "alpha_if_dropped": a.alpha_drop["raw_alpha"],
                "n": a.item_stats["n"],
                "mean": a.item_stats["mean"],
                "sd": a.item_stats["sd"],
            }
        )
        table.index = pd.MultiIndex.from_product(
            [[construct.id], cols], names=["construct", "item"]
        )
        item_tables.append(table)
    constructs = pd.DataFrame.from_dict(rows, orient="index")
    constructs.index.name = "construct"
    return ReliabilityResult(constructs=constructs, items=pd.concat(item_tables))
