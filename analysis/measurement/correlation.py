"""Pairwise-complete covariances and correlations, as R's ``cov``/``cor(use = "pairwise")``.

Survey data have missing answers. psych (``alpha``, ``omega``, ``KMO``, ``cortest.bartlett``,
``fa``, ``fa.parallel``) uses every pair of items on the respondents who answered both, so smcap
does the same. The sums are matrix products (BLAS), which keeps 100,000 respondents × 63 items
well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PairwiseMoments:
    """Pairwise-complete second moments of a set of items.

    Attributes
    ----------
    cov : DataFrame
        Covariances (divisor :math:`n_{ij} - 1`); the diagonal holds each item's variance over
        all respondents who answered it.
    corr : DataFrame
        Correlations, each computed on the respondents who answered both items (means and SDs
        of that subset), as ``cor(x, use = "pairwise")``.
    n : DataFrame
        Number of respondents who answered both items.
    """

    cov: pd.DataFrame
    corr: pd.DataFrame
    n: pd.DataFrame


def pairwise_moments(items: pd.DataFrame) -> PairwiseMoments:
    """Pairwise-complete covariance and correlation matrices of ``items``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = items (numeric; NaN = missing).

    Returns
    -------
    PairwiseMoments
        Labelled by item id.

    Notes
    -----
    With :math:`M` the answered-indicator matrix and :math:`Z` the answers centred at the
    column means (0 where missing), the pairwise sums are :math:`S_{ij} = Z^\\top M`,
    :math:`Q_{ij} = (Z \\circ Z)^\\top M`, :math:`P = Z^\\top Z`, :math:`n = M^\\top M`; then
    :math:`c_{ij} = (P_{ij} - S_{ij} S_{ji} / n_{ij}) / (n_{ij} - 1)` and
    :math:`r_{ij} = (P_{ij} - S_{ij} S_{ji}/n_{ij}) / \\sqrt{(Q_{ij} - S_{ij}^2/n_{ij})
    (Q_{ji} - S_{ji}^2/n_{ij})}`. Centring first keeps the differences well conditioned.
    Pairs answered together by fewer than two respondents give NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, None], "b": [2, 4, 7, 1], "c": [3, 1, 2, 2]})
    >>> pairwise_moments(x).corr.round(3).loc["a", "b"]
    np.float64(0.993)
    """
    values = items.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nanmean(np.where(answered, values, np.nan), axis=0)
        z = np.where(answered, values - means, 0.0)
        m = answered.astype(float)
        n = m.T @ m
        s = z.T @ m
        q = (z * z).T @ m
        p = z.T @ z
        cross = p - s * s.T / n
        cov = cross / (n - 1)
        var_i = q - s**2 / n
        corr = cross / np.sqrt(var_i * var_i.T)
    cov[n < 2] = np.nan
    corr[n < 2] = np.nan
    np.fill_diagonal(corr, 1.0)
    labels = items.columns
    return PairwiseMoments(
        cov=pd.DataFrame(cov, index=labels, columns=labels),
        corr=pd.DataFrame(np.clip(corr, -1.0, 1.0), index=labels, columns=labels),
        n=pd.DataFrame(n.astype(int), index=labels, columns=labels),
    )


def pairwise_correlation(items: pd.DataFrame) -> pd.DataFrame:
    """Pairwise-complete correlation matrix, as R's ``cor(x, use = "pairwise")``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = items.

    Returns
    -------
    DataFrame
        Item × item correlations.
    """
    return pairwise_moments(items).corr


def cov_to_corr(cov: pd.DataFrame) -> pd.DataFrame:
    """Rescale a covariance matrix to a correlation matrix, as R's ``cov2cor``."""
    sd = np.sqrt(np.diag(cov.to_numpy()))
    return cov / np.outer(sd, sd)


def nearest_positive_definite(matrix: np.ndarray, *, floor: float = 1e-6) -> np.ndarray:
    """Raise the eigenvalues of a symmetric matrix to at least ``floor`` × its largest one.

    Pairwise-complete matrices need not be positive definite; statistics that invert them
    (Mahalanobis distances) use this repaired matrix. A positive definite input is returned
    unchanged.
    """
    sym = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(sym)
    smallest = floor * max(values.max(), floor)
    if values.min() >= smallest:
        return sym
    return (vectors * np.maximum(values, smallest)) @ vectors.T
