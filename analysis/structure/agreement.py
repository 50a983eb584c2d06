"""Do data-driven stages agree with the theory's stage rule? ARI, weighted kappa, cross-table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

#: Which weighted kappa the report quotes (the other is given alongside).
HEADLINE_KAPPA: str = "linear"


@dataclass(frozen=True)
class StageAgreement:
    """Agreement between two stage assignments of the same respondents.

    Attributes
    ----------
    n : int
        Respondents with both stages known.
    ari : float
        Adjusted Rand index (scikit-learn's ``adjusted_rand_score``; R
        ``mclust::adjustedRandIndex``).
    ari_ci : tuple of float
        Percentile bootstrap confidence interval of ``ari``.
    kappa_linear, kappa_quadratic : float
        Cohen's weighted kappa with linear and quadratic disagreement weights on the stage
        numbers. The report quotes the linear one (see Notes of :func:`stage_agreement`).
    kappa_linear_ci, kappa_quadratic_ci : tuple of float
        Percentile bootstrap confidence intervals.
    exact : float
        Share of respondents given the same stage number by both.
    crosstab : DataFrame
        Counts, rows = first assignment (theory stage), columns = second (data-driven stage).
    """

    n: int
    ari: float
    ari_ci: tuple[float, float]
    kappa_linear: float
    kappa_linear_ci: tuple[float, float]
    kappa_quadratic: float
    kappa_quadratic_ci: tuple[float, float]
    exact: float
    crosstab: pd.DataFrame


def weighted_kappa(table: np.ndarray | pd.DataFrame, *, weights: str = "linear") -> float:
    """Cohen's weighted kappa from a square cross-table of ordered categories.

    Parameters
    ----------
    table : array or DataFrame, shape (m, m)
        Counts; row and column ``i`` are the same category, in order. With a DataFrame the
        category *values* (numbers) set the distances, so stages 1, 2, 4 are 2 apart from 2 to 4.
    weights : {"linear", "quadratic", "none"}, default "linear"
        Disagreement weights :math:`|i - j|`, :math:`(i - j)^2` or unweighted kappa.

    Returns
    -------
    float
        :math:`\\kappa_w = 1 - \\sum w_{ij} o_{ij} / \\sum w_{ij} e_{ij}` with observed
        proportions :math:`o` and :math:`e_{ij} = o_{i\\cdot} o_{\\cdot j}`; ``nan`` when the
        expected disagreement is zero.

    Notes
    -----
    Agrees with scikit-learn's ``cohen_kappa_score(weights=...)`` and R's
    ``psych::cohen.kappa`` when all categories are consecutive integers.

    References
    ----------
    Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70(4), 213–220.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame([[20, 5, 0], [3, 30, 4], [0, 6, 32]], index=[1, 2, 3],
    ...                      columns=[1, 2, 3])
    >>> round(weighted_kappa(table, weights="linear"), 3)
    0.783
    """
    if weights not in ("linear", "quadratic", "none"):
        raise ValueError(f"weights must be 'linear', 'quadratic' or 'none', got {weights!r}")
    if isinstance(table, pd.DataFrame):
        if list(table.index) != list(table.columns):
            raise ValueError("table must have the same categories as rows and columns")
        values = np.asarray(table.index, dtype=float)
        counts = table.to_numpy(dtype=float)
    else:
        counts = np.asarray(table, dtype=float)
        values = np.arange(counts.shape[0], dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"table must be square, got shape {counts.shape}")
    return _kappa(counts, values, weights)


def stage_agreement(
    theory: pd.Series,
    data: pd.Series,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> StageAgreement:
    """Agreement of two stage assignments: ARI, weighted kappa and their cross-table.

    Parameters
    ----------
    theory : Series
        Stage numbers from the theory rule (``stage_theory``), indexed by respondent.
    data : Series
        Stage numbers from the data (``stage_cluster``), same index; the profiles must be
        numbered in order of maturity so that the numbers are comparable.
    n_boot : int, default 1000
        Bootstrap replicates for the confidence intervals (0 to skip them).
    confidence : float, default 0.95
        Level of the intervals.
    random_state : int, optional
        Seed of the bootstrap.

    Returns
    -------
    StageAgreement

    Notes
    -----
    The ARI (Hubert & Arabie, 1985) ignores the stage numbers: it asks whether the two
    assignments group the same respondents together (0 = chance, 1 = identical). Kappa also
    asks whether they give the same *number*. With ordered stages, near misses count as partial
    agreement: linear weights charge a disagreement in proportion to the stage distance,
    quadratic weights in proportion to its square (then kappa approximates an intraclass
    correlation). The report quotes the **linear** kappa: it does not reward assignments that
    only get the broad order right as generously as the quadratic one does. Respondents missing
    either stage are left out. If the data suggest a different number of stages than four,
    kappa compares the numbers as they are; read the cross-table.

    References
    ----------
    Hubert, L., & Arabie, P. (1985). Comparing partitions. *Journal of Classification*, 2,
    193–218.
    """
    if not isinstance(theory, pd.Series) or not isinstance(data, pd.Series):
        raise TypeError("theory and data must be pandas Series of stage numbers")
    if not theory.index.equals(data.index):
        raise ValueError("theory and data must have the same index (one row per respondent)")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    both = theory.notna() & data.notna()
    if both.sum() < 2:
        raise ValueError(f"need at least 2 respondents with both stages, got {int(both.sum())}")
    a = theory[both].astype(int).to_numpy()
    b = data[both].astype(int).to_numpy()
    cats = np.union1d(a, b)
    ai = np.searchsorted(cats, a)
    bi = np.searchsorted(cats, b)
    m = len(cats)
    counts = np.bincount(ai * m + bi, minlength=m * m).reshape(m, m).astype(float)
    values = cats.astype(float)
    crosstab = pd.crosstab(
        pd.Series(a, name="stage_theory"), pd.Series(b, name="stage_cluster")
    ).rename_axis(index="stage_theory", columns="stage_cluster")
    ari = float(adjusted_rand_score(a, b))
    k_lin = _kappa(counts, values, "linear")
    k_quad = _kappa(counts, values, "quadratic")
    nan2 = (float("nan"), float("nan"))
    cis = {"ari": nan2, "linear": nan2, "quadratic": nan2}
    if n_boot > 0:
        cis = _bootstrap(ai, bi, values, n_boot, confidence, random_state)
    return StageAgreement(
        n=int(both.sum()),
        ari=ari,
        ari_ci=cis["ari"],
        kappa_linear=k_lin,
        kappa_linear_ci=cis["linear"],
        kappa_quadratic=k_quad,
        kappa_quadratic_ci=cis["quadratic"],
        exact=float(np.mean(a == b)),
        crosstab=crosstab,
    )


def _kappa(counts: np.ndarray, values: np.ndarray, weights: str) -> float:
    total = counts.sum()
    if total == 0:
        return float("nan")
    obs = counts / total
    exp = np.outer(obs.sum(axis=1), obs.sum(axis=0))
    diff = values[:, None] - values[None, :]
    if weights == "linear":
        w = np.abs(diff)
    elif weights == "quadratic":
        w = diff**2
    else:
        w = (diff != 0).astype(float)
    expected = (w * exp).sum()
    if expected == 0:
        return float("nan")
    return float(1.0 - (w * obs).sum() / expected)


def _bootstrap(
    ai: np.ndarray,
    bi: np.ndarray,
    values: np.ndarray,
    n_boot: int,
    confidence: float,
    random_state: int | None,
) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(random_state)
    n, m = len(ai), len(values)
    cell = ai * m + bi
    out: dict[str, list[float]] = {"ari": [], "linear": [], "quadratic": []}
    for _ in range(n_boot):
        counts = np.bincount(cell[rng.integers(0, n, n)], minlength=m * m).reshape(m, m)
        out["ari"].append(_ari_from_table(counts))
        out["linear"].append(_kappa(counts.astype(float), values, "linear"))
        out["quadratic"].append(_kappa(counts.astype(float), values, "quadratic"))
    alpha = (1 - confidence) / 2
    result = {}
    for key, reps in out.items():
        arr = np.asarray(reps)
        arr = arr[np.isfinite(arr)]
        if len(arr) == 0:
            result[key] = (float("nan"), float("nan"))
        else:
            lo, hi = np.quantile(arr, [alpha, 1 - alpha])
            result[key] = (float(lo), float(hi))
    return result


def _ari_from_table(counts: np.ndarray) -> float:
    """ARI from a contingency table (Hubert & Arabie), for the bootstrap."""

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    n = counts.sum()
    index = pairs(counts)
    rows = pairs(counts.sum(axis=1))
    cols = pairs(counts.sum(axis=0))
    total = n * (n - 1) / 2
    expected = rows * cols / total
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
