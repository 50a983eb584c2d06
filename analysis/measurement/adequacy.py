"""Sampling adequacy: are the items correlated enough to factor-analyse?

Kaiser–Meyer–Olkin's measure (overall and per item) and Bartlett's test of sphericity, matching
R ``psych::KMO`` and ``psych::cortest.bartlett`` — including their use of pairwise-complete
correlations when answers are missing. (factor_analyzer's ``calculate_kmo`` and
``calculate_bartlett_sphericity`` give the same numbers on complete data but return NaN as soon
as one answer is missing, so smcap computes the same formulas on the pairwise matrix.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.linalg import RankDiagnosis, pseudo_inverse, rank_diagnosis
from analysis.measurement.correlation import pairwise_correlation


@dataclass(frozen=True)
class KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy.

    Attributes
    ----------
    overall : float
        KMO of the whole item set (psych's ``MSA``).
    items : Series
        Per-item measure (psych's ``MSAi``), labelled by item.
    warnings : tuple of str
        Readable warnings: a singular correlation matrix, naming the items of each linear
        dependency (KMO is then computed from its pseudo-inverse).
    """

    overall: float
    items: pd.Series
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test that the item correlation matrix is an identity matrix.

    Attributes
    ----------
    chisq, df, pvalue : float
        The test statistic, its degrees of freedom :math:`p(p-1)/2` and p-value; χ² and p are
        NaN (not defined) when the correlation matrix is not positive definite.
    n_obs : int
        Respondents used in the statistic (rows of the data, as psych).
    warnings : tuple of str
        Readable warnings: why the test is not defined (a singular correlation matrix, naming
        the items of each linear dependency, or negative eigenvalues).
    """

    chisq: float
    df: int
    pvalue: float
    n_obs: int
    warnings: tuple[str, ...] = ()


def kmo(items: pd.DataFrame, *, corr: pd.DataFrame | None = None) -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = items; NaN = missing.
    corr : DataFrame, optional
        The pairwise correlation matrix of ``items``, when already computed.

    Returns
    -------
    KMOResult
        Overall and per-item KMO, and a warning when the correlation matrix is singular.

    Notes
    -----
    With :math:`r_{ij}` the correlations and :math:`q_{ij}` the partial (anti-image)
    correlations from :math:`R^{-1}`, over :math:`i \\ne j`:

    .. math:: \\mathrm{KMO} = \\frac{\\sum r_{ij}^2}{\\sum r_{ij}^2 + \\sum q_{ij}^2}, \\qquad
              \\mathrm{KMO}_j = \\frac{\\sum_i r_{ij}^2}{\\sum_i r_{ij}^2 + \\sum_i q_{ij}^2}.

    Kaiser's (1974) labels: ≥ .90 marvellous, ≥ .80 meritorious, ≥ .70 middling, ≥ .60
    mediocre, ≥ .50 miserable, below unacceptable. A matrix that is singular by
    :func:`analysis.linalg.rank_diagnosis` (an item duplicated, or a linear combination of
    others) is inverted with :func:`analysis.linalg.pseudo_inverse` (psych falls back to
    :math:`R` itself).

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39(1), 31–36.
    """
    frame = pairwise_correlation(items) if corr is None else corr
    r = frame.to_numpy(dtype=float)
    diagnosis = _diagnosis(frame)
    warnings: tuple[str, ...] = ()
    if diagnosis is not None and diagnosis.singular:
        inverse = pseudo_inverse(frame).to_numpy()
        warnings = (
            f"the item correlation matrix {diagnosis.describe()}; KMO is computed from its "
            "pseudo-inverse",
        )
    else:
        inverse = np.linalg.inv(r)
    d = np.sqrt(np.abs(np.diag(inverse)))
    partial = inverse / np.outer(d, d)
    off = ~np.eye(len(r), dtype=bool)
    r2 = np.where(off, r**2, 0.0)
    q2 = np.where(off, partial**2, 0.0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    labels = items.columns if corr is None else corr.columns
    return KMOResult(
        overall=float(overall),
        items=pd.Series(per_item, index=labels, name="kmo"),
        warnings=warnings,
    )


def bartlett_sphericity(items: pd.DataFrame, *, corr: pd.DataFrame | None = None) -> BartlettResult:
    """Bartlett's test of sphericity, as ``psych::cortest.bartlett`` on raw data.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = items; NaN = missing.
    corr : DataFrame, optional
        The pairwise correlation matrix of ``items``, when already computed.

    Returns
    -------
    BartlettResult
        χ², df, p and the :math:`n` used; χ² and p are NaN, with a warning naming the items,
        when the correlation matrix is not positive definite.

    Notes
    -----
    :math:`\\chi^2 = -\\left(n - 1 - \\frac{2p + 5}{6}\\right) \\ln |R|` with
    :math:`p(p-1)/2` degrees of freedom; :math:`n` is the number of rows and :math:`R` the
    pairwise correlation matrix, as psych computes it from raw data. A significant test says the
    items are correlated at all — a minimal condition for factor analysis. :math:`\\ln|R|` exists
    only for a positive definite :math:`R`; that is decided from its eigenvalues
    (:func:`analysis.linalg.rank_diagnosis`), not from the sign of a computed determinant, which
    rounding makes positive or negative at will when an item is duplicated.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a χ² approximation in factor
    analysis. *Biometrika*, 38(3/4), 337–344.
    """
    frame = pairwise_correlation(items) if corr is None else corr
    r = frame.to_numpy(dtype=float)
    n_obs = len(items)
    p = r.shape[0]
    df = p * (p - 1) // 2
    diagnosis = _diagnosis(frame)
    if diagnosis is None or not diagnosis.positive_definite:
        warnings: tuple[str, ...] = ()
        if diagnosis is not None:
            warnings = (
                f"the item correlation matrix {diagnosis.describe()}; Bartlett's test of "
                "sphericity is not defined",
            )
        return BartlettResult(
            chisq=float("nan"), df=df, pvalue=float("nan"), n_obs=n_obs, warnings=warnings
        )
    logdet = np.linalg.slogdet(r)[1]
    chisq = -logdet * (n_obs - 1 - (2 * p + 5) / 6)
    return BartlettResult(
        chisq=float(chisq), df=df, pvalue=float(stats.chi2.sf(chisq, df)), n_obs=n_obs
    )


def _diagnosis(corr: pd.DataFrame) -> RankDiagnosis | None:
    """Rank diagnosis of a correlation matrix; None when a pair has no correlation (NaN)."""
    if not np.isfinite(corr.to_numpy(dtype=float)).all():
        return None
    return rank_diagnosis(corr)
