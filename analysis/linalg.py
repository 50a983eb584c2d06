"""Numerical rank of item correlation and covariance matrices, and which items make it fall short.

Whether a correlation matrix is singular must not depend on the sign of a determinant that
rounding has pushed a little above or below zero: with an item duplicated, the computed
:math:`\\ln|R|` is some −40 on one machine and −∞ or undefined on another. smcap decides rank
and positive definiteness from the eigenvalues of the matrix rescaled to unit diagonal, with one
tolerance relative to the largest eigenvalue (:func:`rank_tolerance`), and names the items in
each linear dependency (:func:`rank_diagnosis`). Bartlett's test and KMO, the CFA's check of
the sample covariance matrix, the EFA's start values and the Mahalanobis outlier screen all
decide with these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg

#: Multiple of NumPy's ``matrix_rank`` tolerance (:math:`n\\,\\varepsilon\\,\\lambda_{max}`).
#: That tolerance covers the rounding of the eigen-decomposition; a correlation computed from N
#: rows carries rounding of its own (up to about 2 :math:`n\\varepsilon\\lambda_{max}` measured
#: with a million rows), so the margin is a hundredfold.
RANK_TOLERANCE_FACTOR = 100
#: A dependency involves the items whose weight in it exceeds this share of the largest weight.
DEPENDENCY_WEIGHT = 1e-6


@dataclass(frozen=True)
class RankDiagnosis:
    """Numerical rank of an item × item matrix and the linear dependencies among its items.

    Attributes
    ----------
    eigenvalues : Series
        Eigenvalues of the matrix rescaled to unit diagonal, ascending, numbered from 1.
    tolerance : float
        Eigenvalues within ±``tolerance`` of zero count as zero (:func:`rank_tolerance`).
    null_space : DataFrame
        Orthonormal eigenvectors of those eigenvalues, one column each, indexed by item (no
        columns when the matrix has full rank).
    dependencies : tuple of tuple of str
        The items of each linear dependency, in the matrix's order (one per zero eigenvalue).
    correlation : DataFrame
        The matrix rescaled to unit diagonal (an item without variance keeps a zero row).
    """

    eigenvalues: pd.Series
    tolerance: float
    null_space: pd.DataFrame
    dependencies: tuple[tuple[str, ...], ...]
    correlation: pd.DataFrame = field(repr=False)

    @property
    def n_items(self) -> int:
        """Number of items (rows of the matrix)."""
        return len(self.eigenvalues)

    @property
    def rank(self) -> int:
        """Number of eigenvalues further than the tolerance from zero."""
        return int((self.eigenvalues.abs() > self.tolerance).sum())

    @property
    def singular(self) -> bool:
        """Whether the numerical rank is below the number of items."""
        return self.rank < self.n_items

    @property
    def n_negative(self) -> int:
        """Eigenvalues below −``tolerance`` (a pairwise-complete matrix can have some)."""
        return int((self.eigenvalues < -self.tolerance).sum())

    @property
    def positive_definite(self) -> bool:
        """Whether every eigenvalue exceeds the tolerance."""
        return bool((self.eigenvalues > self.tolerance).all())

    def describe(self, *, noun: str = "items") -> str:
        """What is wrong with the matrix, naming the items; "is positive definite" if nothing.

        Parameters
        ----------
        noun : str, default "items"
            What the rows are called in the message ("items", "columns").

        Returns
        -------
        str
            A predicate for "the … matrix", e.g. ``"is singular: items 'x1' and 'copy' are
            perfectly correlated (r = 1.000)"``.
        """
        if self.positive_definite:
            return "is positive definite"
        parts = [self._dependency_text(items, noun) for items in self.dependencies]
        negative = ""
        if self.n_negative:
            negative = (
                f"{self.n_negative} negative eigenvalue{'s' if self.n_negative > 1 else ''} "
                f"(smallest {self.eigenvalues.iloc[0]:.3g})"
            )
        if not self.singular:
            return f"is not positive definite: {negative}"
        text = "is singular: " + "; ".join(parts)
        return f"{text}; it also has {negative}" if negative else text

    def _dependency_text(self, items: tuple[str, ...], noun: str) -> str:
        quoted = [f"'{i}'" for i in items]
        if len(items) == 1:
            return f"{quoted[0]} has no variance"
        if len(items) == 2:
            r = float(self.correlation.loc[items[0], items[1]])
            return f"{noun} {quoted[0]} and {quoted[1]} are perfectly correlated (r = {r:.3f})"
        return f"{noun} {', '.join(quoted[:-1])} and {quoted[-1]} are linearly dependent"


def rank_tolerance(eigenvalues: np.ndarray) -> float:
    """The tolerance below which an eigenvalue of a symmetric matrix counts as zero.

    Parameters
    ----------
    eigenvalues : ndarray
        All eigenvalues of the matrix (of a correlation matrix, for a scale-free decision).

    Returns
    -------
    float
        :math:`c\\, n\\, \\varepsilon\\, \\max_i |\\lambda_i|` with :math:`n` the matrix size,
        :math:`\\varepsilon` the machine epsilon and :math:`c` = :data:`RANK_TOLERANCE_FACTOR`.

    Notes
    -----
    NumPy's ``matrix_rank`` uses :math:`c = 1`. Rounding in a correlation computed from many
    rows can exceed that (an exact linear combination of four columns over a million rows gave
    :math:`|\\lambda_{min}| \\approx 2\\, n \\varepsilon \\lambda_{max}`), so :math:`c = 100`.
    For 63 items the tolerance is about :math:`1.4 \\cdot 10^{-12}\\, \\lambda_{max}`: an
    exact copy of an item, or a copy plus noise of :math:`10^{-12}` (which leaves
    :math:`1 - r` below rounding), counts as singular; survey data, whose smallest eigenvalues
    are :math:`10^{-3}` to :math:`10^{-1}` of the largest, do not.
    """
    values = np.asarray(eigenvalues, dtype=float)
    if values.size == 0:
        return 0.0
    return RANK_TOLERANCE_FACTOR * values.size * np.finfo(float).eps * float(np.abs(values).max())


def numerical_rank(matrix: np.ndarray | pd.DataFrame) -> int:
    """Numerical rank of a symmetric matrix, decided as :func:`rank_diagnosis` decides it.

    Parameters
    ----------
    matrix : ndarray or DataFrame
        A square symmetric correlation or covariance matrix.

    Returns
    -------
    int
        Number of eigenvalues of the unit-diagonal rescaling further than
        :func:`rank_tolerance` from zero.
    """
    values = np.linalg.eigvalsh(_unit_diagonal(_square(matrix)))
    return int((np.abs(values) > rank_tolerance(values)).sum())


def is_positive_definite(matrix: np.ndarray | pd.DataFrame) -> bool:
    """Whether a symmetric matrix is numerically positive definite.

    Parameters
    ----------
    matrix : ndarray or DataFrame
        A square symmetric correlation or covariance matrix.

    Returns
    -------
    bool
        Every eigenvalue of the unit-diagonal rescaling exceeds :func:`rank_tolerance` (a
        matrix with a non-positive diagonal entry is not positive definite).
    """
    values = _square(matrix)
    if not np.all(np.diag(values) > 0):
        return False
    eigenvalues = np.linalg.eigvalsh(_unit_diagonal(values))
    return bool(eigenvalues[0] > rank_tolerance(eigenvalues))


def rank_diagnosis(matrix: pd.DataFrame) -> RankDiagnosis:
    """Numerical rank of an item correlation or covariance matrix and the items that reduce it.

    Parameters
    ----------
    matrix : DataFrame
        Square, symmetric, finite, indexed and labelled by item.

    Returns
    -------
    RankDiagnosis
        Eigenvalues, tolerance, rank, positive definiteness and the items of each linear
        dependency.

    Raises
    ------
    TypeError
        ``matrix`` is not a DataFrame.
    ValueError
        ``matrix`` is not square, its rows and columns are labelled differently, or it has a
        missing or infinite entry (the message names the items).

    Notes
    -----
    The matrix :math:`S` is rescaled to :math:`D^{-1/2} S D^{-1/2}` with :math:`D` its
    diagonal, so a covariance and its correlation matrix get the same answer whatever the
    units. An eigenvalue counts as zero when :math:`|\\lambda| \\le` :func:`rank_tolerance`.
    The eigenvectors of the zero eigenvalues span the null space; its reduced echelon form
    (pivot items chosen by QR with column pivoting) gives one sparse vector per dependency, and
    the items whose weight exceeds :data:`DEPENDENCY_WEIGHT` of the vector's largest are the
    items involved. Two items make a "perfectly correlated" pair, one a constant item.

    Examples
    --------
    >>> import pandas as pd
    >>> hs = pd.read_csv("tests/data/holzinger39.csv")[["x1", "x2", "x3", "x4"]]
    >>> hs["copy"] = hs["x1"]
    >>> d = rank_diagnosis(hs.corr())
    >>> d.rank, d.singular
    (4, True)
    >>> d.describe()
    "is singular: items 'x1' and 'copy' are perfectly correlated (r = 1.000)"
    """
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(f"matrix must be a pandas DataFrame, got {type(matrix).__name__}")
    values = _square(matrix)
    if not matrix.index.equals(matrix.columns):
        raise ValueError("matrix must have the same item labels on its rows and columns")
    items = [str(i) for i in matrix.columns]
    bad = ~np.isfinite(values)
    if bad.any():
        named = [items[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise ValueError(f"matrix has missing or infinite entries for item(s) {named}")
    scaled = _unit_diagonal(values)
    eigenvalues, eigenvectors = np.linalg.eigh(scaled)
    tolerance = rank_tolerance(eigenvalues)
    zero = np.abs(eigenvalues) <= tolerance
    null = eigenvectors[:, zero]
    return RankDiagnosis(
        eigenvalues=pd.Series(
            eigenvalues, index=pd.RangeIndex(1, len(items) + 1, name="number"), name="eigenvalue"
        ),
        tolerance=tolerance,
        null_space=pd.DataFrame(
            null, index=matrix.index, columns=[f"N{k + 1}" for k in range(null.shape[1])]
        ),
        dependencies=_dependencies(null, items),
        correlation=pd.DataFrame(scaled, index=matrix.index, columns=matrix.columns),
    )


def pseudo_inverse(matrix: pd.DataFrame) -> pd.DataFrame:
    """Moore–Penrose inverse of a symmetric matrix, dropping the eigenvalues counted as zero.

    Parameters
    ----------
    matrix : DataFrame
        Square symmetric item × item matrix.

    Returns
    -------
    DataFrame
        :math:`V \\,\\mathrm{diag}(1/\\lambda_i)\\, V^\\top` over the eigenvalues with
        :math:`|\\lambda_i|` above :func:`rank_tolerance`, labelled like ``matrix``.

    Notes
    -----
    The eigenvalues are those of ``matrix`` itself (a correlation matrix has unit diagonal
    already), so this drops the same directions :func:`rank_diagnosis` finds.
    """
    values = _square(matrix)
    eigenvalues, eigenvectors = np.linalg.eigh((values + values.T) / 2)
    keep = np.abs(eigenvalues) > rank_tolerance(eigenvalues)
    kept = eigenvectors[:, keep]
    inverse = (kept / eigenvalues[keep]) @ kept.T
    return pd.DataFrame(inverse, index=matrix.index, columns=matrix.columns)


def _square(matrix: np.ndarray | pd.DataFrame) -> np.ndarray:
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"matrix must be square, got shape {values.shape}")
    return values


def _unit_diagonal(values: np.ndarray) -> np.ndarray:
    """Rescale to unit diagonal; rows with a non-positive diagonal entry are left as they are."""
    diag = np.diag(values)
    scale = np.sqrt(np.where(diag > 0, diag, 1.0))
    scaled = values / np.outer(scale, scale)
    return (scaled + scaled.T) / 2


def _dependencies(null: np.ndarray, items: list[str]) -> tuple[tuple[str, ...], ...]:
    """Items of each dependency, from a sparse (reduced echelon) basis of the null space."""
    k = null.shape[1]
    if k == 0:
        return ()
    _, _, pivots = linalg.qr(null.T, pivoting=True, mode="economic")
    basis = np.linalg.solve(null.T[:, pivots[:k]], null.T)
    out: list[tuple[str, ...]] = []
    for row in basis:
        weight = np.abs(row)
        involved = tuple(
            items[j] for j in np.flatnonzero(weight > DEPENDENCY_WEIGHT * weight.max())
        )
        if involved not in out:
            out.append(involved)
    position = {item: j for j, item in enumerate(items)}
    return tuple(sorted(out, key=lambda group: [position[i] for i in group]))
