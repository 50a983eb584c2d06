"""Effect sizes of the claims and their confidence intervals, one function per statistic.

* :func:`spearman_ci` — Spearman's rho with a percentile-bootstrap (or, for large samples,
  Bonett–Wright) interval; :func:`spearman_ci_method` names the interval it built.
* :func:`cramers_v` and :func:`cramers_v_ci` — Cramér's V of a contingency table and its
  noncentral-χ² interval.
* :func:`ols_slope` — the least-squares slope with its t interval and R².

Each docstring names the R function that gives the same number; ``tests/r/quadrants_reference.R``
produces the values the tests pin. The Wilson interval of a share, which the claims also use,
lives with the quadrants (:func:`analysis.structure.quadrants.wilson_interval`), the package
below this one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: Above this many pairs :func:`spearman_ci` uses the Bonett–Wright approximation.
MAX_BOOT_N: int = 5000


def spearman_ci(
    x: pd.Series,
    y: pd.Series,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = None,
    max_boot_n: int = MAX_BOOT_N,
) -> tuple[float, tuple[float, float], float, int]:
    """Spearman's rho with a confidence interval (percentile bootstrap, or Bonett–Wright).

    Parameters
    ----------
    x, y : Series
        Paired values (same index); pairs with a missing value are dropped.
    n_boot : int, default 2000
        Bootstrap replicates.
    confidence : float, default 0.95
    random_state : int, optional
    max_boot_n : int, default 5000
        Above this many pairs the interval is Bonett & Wright's (2000) normal approximation,
        :math:`\\tanh(\\operatorname{atanh} r_s \\pm z \\sqrt{(1 + r_s^2/2)/(n - 3)})`:
        re-ranking every replicate costs O(B n log n), and at such sizes the approximation is
        accurate.

    Returns
    -------
    rho, (low, high), p_value, n
        rho and p-value as R ``cor.test(x, y, method = "spearman", exact = FALSE)``
        (``scipy.stats.spearmanr``); ties get mid-ranks. The bootstrap interval is R
        ``boot::boot.ci(type = "perc")`` over ``cor(method = "spearman")``.

    References
    ----------
    Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson,
    Kendall and Spearman correlations. *Psychometrika*, 65(1), 23–28.

    Examples
    --------
    >>> x = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> y = pd.Series([2, 1, 4, 3, 6, 5, 8, 7, 10, 9])
    >>> rho, (low, high), p, n = spearman_ci(x, y, n_boot=500, random_state=0)
    >>> round(rho, 3), n, low < rho <= high
    (0.939, 10, True)
    """
    pair = pd.concat([x, y], axis=1).dropna().astype(float).to_numpy()
    n = len(pair)
    if n < 4:
        raise ValueError(f"Spearman's rho needs at least 4 complete pairs, got {n}")
    res = stats.spearmanr(pair[:, 0], pair[:, 1])
    rho, p = float(res.statistic), float(res.pvalue)
    if n > max_boot_n:
        z = stats.norm.ppf(0.5 + confidence / 2)
        half = z * np.sqrt((1 + rho**2 / 2) / (n - 3))
        centre = np.arctanh(np.clip(rho, -0.999999, 0.999999))
        return rho, (float(np.tanh(centre - half)), float(np.tanh(centre + half))), p, n
    rng = np.random.default_rng(random_state)
    # Dense codes of the distinct values: a replicate's mid-ranks then come from counting
    # (O(n) per replicate) instead of sorting, and equal scipy's rankdata(method="average").
    x_codes = np.unique(pair[:, 0], return_inverse=True)[1].ravel()
    y_codes = np.unique(pair[:, 1], return_inverse=True)[1].ravel()
    chunk = max(1, 1_000_000 // n)  # replicates per block: bounded memory
    reps = []
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, (min(chunk, n_boot - start), n))
        rx = _midranks(x_codes[idx])
        ry = _midranks(y_codes[idx])
        rx -= rx.mean(axis=1, keepdims=True)
        ry -= ry.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            reps.append((rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1)))
    return rho, _percentile(np.concatenate(reps), confidence), p, n


def spearman_ci_method(n: int, n_boot: int, max_boot_n: int = MAX_BOOT_N) -> str:
    """How :func:`spearman_ci` builds the interval for ``n`` pairs, in words.

    Examples
    --------
    >>> spearman_ci_method(400, 2000)
    'percentile bootstrap, 2000 replicates'
    """
    if n > max_boot_n:
        return "Bonett–Wright normal approximation (large sample)"
    return f"percentile bootstrap, {n_boot} replicates"


def _midranks(codes: np.ndarray) -> np.ndarray:
    """Mid-ranks of each row of a matrix of dense integer codes (ties share their mean rank).

    For a value with code :math:`v` in a row, rank = (number of smaller values) + (number of
    values equal to :math:`v` + 1) / 2 — ``scipy.stats.rankdata(row, method="average")``.
    """
    n_rows = codes.shape[0]
    n_levels = int(codes.max()) + 1
    flat = codes + n_levels * np.arange(n_rows)[:, None]
    counts = np.bincount(flat.ravel(), minlength=n_rows * n_levels).reshape(n_rows, n_levels)
    below = np.cumsum(counts, axis=1) - counts
    ranks = below + (counts + 1) / 2.0
    return np.take_along_axis(ranks, codes, axis=1)


def _percentile(reps: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (non-finite replicates left out)."""
    reps = reps[np.isfinite(reps)]
    if len(reps) == 0:
        return (float("nan"), float("nan"))
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(reps, [alpha, 1 - alpha])
    return float(lo), float(hi)


def cramers_v(table: pd.DataFrame | np.ndarray) -> float:
    """Cramér's V of a contingency table: :math:`\\sqrt{\\chi^2 / (N (\\min(r, c) - 1))}`.

    Parameters
    ----------
    table : DataFrame or array
        Contingency table of counts.

    Returns
    -------
    float
        V in [0, 1]; NaN when fewer than two rows or columns have counts.

    Notes
    -----
    Pearson's :math:`\\chi^2` without continuity correction (R ``chisq.test(correct = FALSE)``),
    without bias correction: R ``rcompanion::cramerV(table)`` and ``DescTools::CramerV(table)``.
    Rows or columns with no counts are dropped first.

    References
    ----------
    Cramér, H. (1946). *Mathematical methods of statistics*. Princeton University Press (p. 282).

    Examples
    --------
    >>> round(cramers_v([[30, 10], [10, 30]]), 3)
    0.5
    """
    t = _nonempty(table)
    if min(t.shape) < 2:
        return float("nan")
    chi2 = stats.chi2_contingency(t, correction=False)[0]
    return float(np.sqrt(chi2 / (t.sum() * (min(t.shape) - 1))))


def cramers_v_ci(
    table: pd.DataFrame | np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Confidence interval of Cramér's V from the noncentral χ² distribution.

    Parameters
    ----------
    table : DataFrame or array
        Contingency table of counts.
    confidence : float, default 0.95

    Returns
    -------
    tuple of float
        :math:`\\sqrt{\\lambda / (N (\\min(r, c) - 1))}` at the lower and upper limits of the
        noncentrality :math:`\\lambda`, which solve
        :math:`P(\\chi^2_{df}(\\lambda) \\ge \\chi^2_{obs}) = \\alpha/2` and
        :math:`1 - \\alpha/2`; a limit is 0 when even :math:`\\lambda = 0` is too large.

    Notes
    -----
    Smithson (2003), as R ``DescTools::CramerV(table, conf.level = 0.95, method = "ncchisq")``
    and ``effectsize::cramers_v(table, adjust = FALSE)``. Unlike a bootstrap interval it
    reaches 0 when the data are compatible with no association.

    References
    ----------
    Smithson, M. (2003). *Confidence intervals*. Sage (ch. 4).

    Examples
    --------
    >>> [round(v, 3) for v in cramers_v_ci([[30, 10], [10, 30]])]
    [0.281, 0.719]
    """
    t = _nonempty(table)
    if min(t.shape) < 2:
        return (float("nan"), float("nan"))
    chi2, _, df, _ = stats.chi2_contingency(t, correction=False)
    scale = t.sum() * (min(t.shape) - 1)
    alpha = 1 - confidence

    def ncp_for(tail: float) -> float:
        # P(X >= chi2 | ncp) rises with ncp; find ncp where it equals `tail`.
        def f(ncp: float) -> float:
            upper = stats.ncx2.sf(chi2, df, ncp) if ncp > 0 else stats.chi2.sf(chi2, df)
            return float(upper) - tail

        if f(0.0) >= 0:
            return 0.0
        hi = max(10.0, 2 * chi2)
        while f(hi) < 0:
            hi *= 2
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-10))

    lo, hi = ncp_for(alpha / 2), ncp_for(1 - alpha / 2)
    return float(np.sqrt(lo / scale)), float(np.sqrt(hi / scale))


def _nonempty(table: pd.DataFrame | np.ndarray) -> np.ndarray:
    """The table as floats without its all-zero rows and columns."""
    t = np.asarray(table, dtype=float)
    return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]


@dataclass(frozen=True)
class OlsSlope:
    """Least-squares line of ``y`` on ``x`` (see :func:`ols_slope`).

    Attributes
    ----------
    slope : float
    ci : tuple of float
        t interval of the slope.
    intercept : float
    r_squared : float
    """

    slope: float
    ci: tuple[float, float]
    intercept: float
    r_squared: float


def ols_slope(x: pd.Series, y: pd.Series, *, confidence: float = 0.95) -> OlsSlope:
    """Slope of the least-squares line of ``y`` on ``x`` with its t interval, and R².

    Parameters
    ----------
    x, y : Series
        Paired values without missing values.
    confidence : float, default 0.95

    Returns
    -------
    OlsSlope
        As R ``fit <- lm(y ~ x)``: ``coef(fit)``, ``confint(fit, level = confidence)["x", ]``
        and ``summary(fit)$r.squared``.

    Notes
    -----
    Interval :math:`b \\pm t_{n-2} \\, \\mathrm{SE}(b)`.

    References
    ----------
    Fox, J. (2016). *Applied regression analysis and generalized linear models* (3rd ed.).
    Sage (ch. 6).

    Examples
    --------
    >>> fit = ols_slope(pd.Series([1.0, 2, 3, 4, 5]), pd.Series([2.0, 4, 5, 4, 5]))
    >>> round(fit.slope, 2), round(fit.r_squared, 2), [round(v, 2) for v in fit.ci]
    (0.6, 0.6, [-0.3, 1.5])
    """
    n = len(x)
    reg = stats.linregress(x.to_numpy(), y.to_numpy())
    t = stats.t.ppf(0.5 + confidence / 2, n - 2)
    return OlsSlope(
        slope=float(reg.slope),
        ci=(float(reg.slope - t * reg.stderr), float(reg.slope + t * reg.stderr)),
        intercept=float(reg.intercept),
        r_squared=float(reg.rvalue**2),
    )
