"""Exploratory factor analysis: minres extraction, oblimin rotation and parallel analysis.

Matches R psych: :func:`minres` is ``psych::fa(fm = "minres")``'s extraction (the same
objective, analytic gradient, bounds and start values), :func:`efa` adds the oblimin rotation of
GPArotation (through factor_analyzer's ``Rotator``, which implements the same GPFoblq algorithm)
and psych's sign and order conventions, and :func:`parallel_analysis` follows
``psych::fa.parallel``'s decision rule. Everything works on pairwise-complete correlations, as
psych does by default (``use = "pairwise"``).

factor_analyzer's own ``FactorAnalyzer`` is not used for the extraction: it imputes missing
answers with the median instead of using pairwise correlations, differentiates the objective
numerically (slow for 60+ items) and does not reorder the factor correlations when it reorders
the factors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd
from factor_analyzer.rotator import Rotator
from joblib import Parallel, delayed
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from analysis.criteria import PARALLEL_ANALYSIS_QUANTILE, efa_loading_flags
from analysis.linalg import numerical_rank
from analysis.measurement.correlation import pairwise_correlation

_ROTATIONS = ("oblimin", "varimax", "none")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def serial_blas(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` with single-threaded BLAS.

    The factor analyses decompose many small (items × items) matrices; for those, a
    multithreaded BLAS only adds synchronisation, and on a busy machine threads wait for cores:
    an eigendecomposition of a 63 × 63 matrix took 20 ms with the default threads and 0.3 ms
    with one.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with threadpool_limits(1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class MinresFit:
    """An unrotated minimum-residual factor solution.

    Attributes
    ----------
    loadings : DataFrame
        Item × factor (``F1`` … ``Fk``), each column signed to a non-negative sum.
    uniquenesses : Series
        :math:`\\psi_i = 1 - h_i^2` by item.
    converged : bool
        Whether the optimiser reported convergence.
    """

    loadings: pd.DataFrame
    uniquenesses: pd.Series
    converged: bool

    @property
    def communalities(self) -> pd.Series:
        """:math:`h_i^2`, the variance of each item explained by the factors."""
        return (self.loadings**2).sum(axis=1).rename("communality")


@dataclass(frozen=True)
class EFAResult:
    """A rotated exploratory factor solution.

    Attributes
    ----------
    loadings : DataFrame
        Pattern loadings, item × factor (``F1`` … ``Fk``, ordered by the variance they explain).
    factor_correlations : DataFrame
        Factor correlation matrix Φ (identity for orthogonal or no rotation).
    communalities, uniquenesses : Series
        By item.
    variance : DataFrame
        By factor: ``ss_loadings`` (:math:`\\mathrm{diag}(\\Phi \\Lambda^\\top \\Lambda)`, the
        quantity psych orders factors by) and ``proportion`` (of the total item variance).
    cross_loadings : DataFrame
        By item: ``primary_factor``, ``primary`` (largest absolute loading), ``secondary_factor``,
        ``secondary``, ``weak_primary`` (primary < .40), ``cross_loading`` (secondary ≥ .30 or
        primary − secondary < .20) — Howard's (2016) .40–.30–.20 rule.
    rotation : str
        ``oblimin``, ``varimax`` or ``none``.
    converged : bool
        Whether the extraction converged.
    """

    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    cross_loadings: pd.DataFrame
    rotation: str
    converged: bool

    @property
    def n_factors(self) -> int:
        """Number of factors."""
        return self.loadings.shape[1]


@dataclass(frozen=True)
class ParallelAnalysis:
    """Horn's parallel analysis, as ``psych::fa.parallel`` (``fa = "both"``).

    Attributes
    ----------
    eigenvalues : DataFrame
        Indexed 1…p: ``observed_fa`` and ``observed_pc`` (the data's factor and component
        eigenvalues), ``simulated_fa_mean``/``simulated_fa_quantile`` and
        ``simulated_pc_mean``/``simulated_pc_quantile`` (over the random data sets).
    n_factors : int
        Number of leading factor eigenvalues above the simulated quantile (``nfact``).
    n_components : int
        The same for components (``ncomp``).
    n_obs : int
        Respondents the random data sets had (rows of the data, as psych).
    n_iter : int
        Number of random data sets.
    quantile : float
        The simulated-eigenvalue quantile compared against.
    random_state : int or None
        Seed of the random data sets.
    """

    eigenvalues: pd.DataFrame
    n_factors: int
    n_components: int
    n_obs: int
    n_iter: int
    quantile: float
    random_state: int | None


# --------------------------------------------------------------------------- extraction
@serial_blas
def minres(corr: pd.DataFrame, n_factors: int) -> MinresFit:
    """Minimum-residual (unweighted least squares) factor extraction, as ``psych::fa``.

    Parameters
    ----------
    corr : DataFrame
        Item × item correlation matrix.
    n_factors : int
        Number of factors (1 ≤ ``n_factors`` < number of items).

    Returns
    -------
    MinresFit
        Unrotated loadings and uniquenesses.

    Notes
    -----
    Minimises the sum of squared off-diagonal residuals
    :math:`\\sum_{i \\ne j} (r_{ij} - (\\Lambda\\Lambda^\\top)_{ij})^2` over the uniquenesses
    :math:`\\psi`, where :math:`\\Lambda` holds the first ``n_factors`` eigenvectors of
    :math:`R - \\mathrm{diag}(\\psi)` scaled by the square roots of their eigenvalues — psych's
    ``fit.residuals`` with its analytic gradient ``FAgr``
    (:math:`\\mathrm{diag}(\\Lambda\\Lambda^\\top + \\mathrm{diag}(\\psi) - R)`), L-BFGS-B with
    :math:`0.005 \\le \\psi \\le 1`, starting from :math:`1 - \\mathrm{SMC}`, or from
    :math:`\\psi = 0.5` when :math:`R` is singular by :func:`analysis.linalg.numerical_rank` (an
    item duplicated or a combination of others) or :math:`1 - \\mathrm{SMC}` is not positive
    (an indefinite pairwise :math:`R`).

    References
    ----------
    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    *Psychometrika*, 31(3), 351–368.
    """
    r = _square(corr, "corr")
    n_items = r.shape[0]
    if not 1 <= n_factors < n_items:
        raise ValueError(f"n_factors must be between 1 and {n_items - 1}, got {n_factors}")
    loadings, psi, converged = _minres(r, n_factors)
    names = [f"F{k + 1}" for k in range(n_factors)]
    return MinresFit(
        loadings=pd.DataFrame(loadings, index=corr.index, columns=names),
        uniquenesses=pd.Series(psi, index=corr.index, name="uniqueness"),
        converged=converged,
    )


def _minres(r: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray, bool]:
    n_items = r.shape[0]
    start = np.full(n_items, 0.5)
    if numerical_rank(r) == n_items:  # the inverse of a singular R is rounding noise
        smc_start = 1.0 / np.diag(np.linalg.inv(r))  # 1 - SMC
        if np.all(np.isfinite(smc_start)) and np.all(smc_start > 0):
            start = smc_start
    start = np.clip(start, 0.005, 1.0)
    off = ~np.eye(n_items, dtype=bool)

    def top_loadings(psi: np.ndarray, floor: float) -> np.ndarray:
        reduced = r.copy()
        reduced[np.diag_indices(n_items)] = 1.0 - psi
        values, vectors = np.linalg.eigh(reduced)
        values = np.maximum(values[::-1][:n_factors], floor)
        return vectors[:, ::-1][:, :n_factors] * np.sqrt(values)

    def objective(psi: np.ndarray) -> tuple[float, np.ndarray]:
        lam = top_loadings(psi, 100 * np.finfo(float).eps)
        resid = r - lam @ lam.T
        value = float(np.sum(resid[off] ** 2))
        lam0 = top_loadings(psi, 0.0)
        grad = np.sum(lam0**2, axis=1) + psi - 1.0
        return value, grad

    res = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * n_items,
        options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-8},
    )
    loadings = top_loadings(res.x, 100 * np.finfo(float).eps)
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    return loadings * signs, res.x, bool(res.success)


# --------------------------------------------------------------------------- EFA
@serial_blas
def efa(
    items: pd.DataFrame,
    n_factors: int,
    *,
    rotation: str = "oblimin",
    corr: pd.DataFrame | None = None,
) -> EFAResult:
    """Exploratory factor analysis with minres extraction, as ``psych::fa(fm = "minres")``.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = (reverse-keyed) items; NaN = missing.
    n_factors : int
        Number of factors.
    rotation : {"oblimin", "varimax", "none"}, default "oblimin"
        ``oblimin`` is psych's default (GPArotation's quartimin, γ = 0, no Kaiser
        normalisation).
    corr : DataFrame, optional
        The pairwise correlation matrix of ``items``, when already computed.

    Returns
    -------
    EFAResult
        Loadings labelled by item, factor correlations, communalities and cross-loading flags.

    Notes
    -----
    After rotation each factor is signed so its loadings sum to a non-negative number and the
    factors are ordered by :math:`\\mathrm{diag}(\\Phi\\Lambda^\\top\\Lambda)`, as psych does, so
    ``F1`` … ``Fk`` correspond to psych's columns in printed order. An item's cross-loading flag
    follows Howard (2016): a clean item loads ≥ .40 on its factor, < .30 on every other and at
    least .20 more on its own factor than on the next.

    References
    ----------
    Howard, M. C. (2016). A review of exploratory factor analysis decisions and overview of
    current practices. *International Journal of Human-Computer Interaction*, 32(1), 51–62.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 2))
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(scale=0.7, size=(500, 6))
    >>> res = efa(pd.DataFrame(x, columns=list("abcdef")), 2)
    >>> res.cross_loadings["primary_factor"].tolist()
    ['F1', 'F1', 'F1', 'F2', 'F2', 'F2']
    """
    if rotation not in _ROTATIONS:
        raise ValueError(f"rotation must be one of {_ROTATIONS}, got '{rotation}'")
    r = pairwise_correlation(items) if corr is None else corr
    fit = minres(r, n_factors)
    loadings = fit.loadings.to_numpy()
    phi = np.eye(n_factors)
    if n_factors > 1 and rotation != "none":
        rotator = Rotator(method=rotation)
        loadings = rotator.fit_transform(loadings)
        if rotator.phi_ is not None:
            phi = np.asarray(rotator.phi_)
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    loadings = loadings * signs
    phi = phi * np.outer(signs, signs)
    explained = np.diag(phi @ loadings.T @ loadings)
    order = np.argsort(-explained, kind="stable")
    loadings = loadings[:, order]
    phi = phi[np.ix_(order, order)]
    explained = explained[order]
    names = [f"F{k + 1}" for k in range(n_factors)]
    load = pd.DataFrame(loadings, index=r.index, columns=names)
    communalities = pd.Series(
        np.diag(loadings @ phi @ loadings.T), index=r.index, name="communality"
    )
    return EFAResult(
        loadings=load,
        factor_correlations=pd.DataFrame(phi, index=names, columns=names),
        communalities=communalities,
        uniquenesses=(1.0 - communalities).rename("uniqueness"),
        variance=pd.DataFrame(
            {"ss_loadings": explained, "proportion": explained / len(r)}, index=names
        ),
        cross_loadings=cross_loading_flags(load),
        rotation=rotation,
        converged=fit.converged,
    )


def cross_loading_flags(loadings: pd.DataFrame) -> pd.DataFrame:
    """Primary and secondary loading of each item and Howard's (2016) flags.

    Parameters
    ----------
    loadings : DataFrame
        Item × factor pattern loadings.

    Returns
    -------
    DataFrame
        By item: ``primary_factor``, ``primary``, ``secondary_factor``, ``secondary`` (absolute
        values), ``weak_primary`` (primary < .40) and ``cross_loading`` (secondary ≥ .30 or
        primary − secondary < .20).
    """
    absolute = loadings.abs().to_numpy()
    order = np.argsort(-absolute, axis=1, kind="stable")
    rows = np.arange(len(absolute))
    primary = absolute[rows, order[:, 0]]
    out = pd.DataFrame(
        {
            "primary_factor": loadings.columns[order[:, 0]],
            "primary": primary,
        },
        index=loadings.index,
    )
    if loadings.shape[1] > 1:
        secondary = absolute[rows, order[:, 1]]
        out["secondary_factor"] = loadings.columns[order[:, 1]]
        out["secondary"] = secondary
    else:
        secondary = None
        out["secondary_factor"] = None
        out["secondary"] = np.nan
    out["cross_loading"], out["weak_primary"] = efa_loading_flags(primary, secondary)
    return out


# --------------------------------------------------------------------------- parallel analysis
@serial_blas
def parallel_analysis(
    items: pd.DataFrame,
    *,
    n_iter: int = 20,
    quantile: float = PARALLEL_ANALYSIS_QUANTILE,
    random_state: int | None = None,
    n_jobs: int = 1,
    corr: pd.DataFrame | None = None,
) -> ParallelAnalysis:
    """Horn's parallel analysis: how many factors stand out from random data of the same size.

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = (reverse-keyed) items; NaN = missing.
    n_iter : int, default 20
        Number of random data sets (psych's default).
    quantile : float, default 0.95
        Quantile of the random eigenvalues an observed eigenvalue must exceed (psych's
        ``quant``).
    random_state : int, optional
        Seed; the same seed gives the same result whatever ``n_jobs`` is.
    n_jobs : int, default 1
        Processes for the random draws (joblib; -1 = all cores). Each draw costs milliseconds,
        so one process is usually fastest.
    corr : DataFrame, optional
        The pairwise correlation matrix of ``items``, when already computed.

    Returns
    -------
    ParallelAnalysis
        Observed and simulated eigenvalues and the suggested numbers of factors and components.

    Notes
    -----
    As ``psych::fa.parallel(x, fm = "minres", fa = "both", n.iter = 20)``:

    * observed *component* eigenvalues are those of the pairwise correlation matrix :math:`R`;
      observed *factor* eigenvalues are those of :math:`R` with the communalities of a
      one-factor minres solution on its diagonal;
    * each random data set has the data's number of rows and items, independent standard normal
      answers; the same two kinds of eigenvalues are computed from its correlation matrix;
    * the suggestion is the number of leading observed eigenvalues that exceed the ``quantile``
      (95th percentile) of the random ones — psych's ``nfact``/``ncomp`` use this quantile
      (its plot shows the means, which are reported too).

    The correlation matrix of :math:`n` independent normal rows is drawn directly: the centred
    cross-product matrix of such data is Wishart(:math:`I`, :math:`n - 1`), sampled by the
    Bartlett decomposition :math:`W = AA^\\top` (:math:`A` lower triangular,
    :math:`A_{ii}^2 \\sim \\chi^2_{n-i}`, :math:`A_{ij} \\sim N(0, 1)` below the diagonal) and
    rescaled to a correlation matrix. This has exactly the distribution of ``cor(simdata)`` in
    psych but costs :math:`O(p^3)` instead of :math:`O(np^2)`, so it does not grow with the
    number of respondents. psych's additional resampled data sets do not enter its decision
    rule (``sim = TRUE``) and are not drawn.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30(2), 179–185.
    """
    if n_iter < 1:
        raise ValueError(f"n_iter must be at least 1, got {n_iter}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    r = pairwise_correlation(items) if corr is None else corr
    n_obs = len(items)
    n_items = r.shape[0]
    if n_obs <= n_items:
        raise ValueError(
            f"parallel analysis needs more respondents ({n_obs}) than items ({n_items})"
        )
    observed_pc = np.sort(np.linalg.eigvalsh(_square(r, "corr")))[::-1]
    observed_fa = _factor_eigenvalues(_square(r, "corr"))
    seeds = np.random.SeedSequence(random_state).spawn(n_iter)
    if n_jobs == 1:
        draws = [_random_eigenvalues(n_obs, n_items, s) for s in seeds]
    else:
        draws = Parallel(n_jobs=n_jobs)(
            delayed(_random_eigenvalues)(n_obs, n_items, s) for s in seeds
        )
    sim_pc = np.array([d[0] for d in draws])
    sim_fa = np.array([d[1] for d in draws])
    table = pd.DataFrame(
        {
            "observed_fa": observed_fa,
            "observed_pc": observed_pc,
            "simulated_fa_mean": sim_fa.mean(axis=0),
            "simulated_fa_quantile": np.quantile(sim_fa, quantile, axis=0),
            "simulated_pc_mean": sim_pc.mean(axis=0),
            "simulated_pc_quantile": np.quantile(sim_pc, quantile, axis=0),
        },
        index=pd.RangeIndex(1, n_items + 1, name="number"),
    )
    return ParallelAnalysis(
        eigenvalues=table,
        n_factors=_leading_above(observed_fa, table["simulated_fa_quantile"].to_numpy()),
        n_components=_leading_above(observed_pc, table["simulated_pc_quantile"].to_numpy()),
        n_obs=n_obs,
        n_iter=n_iter,
        quantile=quantile,
        random_state=random_state,
    )


def _factor_eigenvalues(r: np.ndarray) -> np.ndarray:
    """Eigenvalues of R with one-factor minres communalities on the diagonal (psych's fa.values)."""
    loadings, _, _ = _minres(r, 1)
    reduced = r.copy()
    reduced[np.diag_indices_from(reduced)] = np.sum(loadings**2, axis=1)
    return np.sort(np.linalg.eigvalsh(reduced))[::-1]


def _random_eigenvalues(
    n_obs: int, n_items: int, seed: np.random.SeedSequence
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = n_obs - 1
    a = np.tril(rng.standard_normal((n_items, n_items)), k=-1)
    a[np.diag_indices(n_items)] = np.sqrt(rng.chisquare(df - np.arange(n_items)))
    w = a @ a.T
    sd = np.sqrt(np.diag(w))
    r = w / np.outer(sd, sd)
    r[np.diag_indices(n_items)] = 1.0
    pc = np.sort(np.linalg.eigvalsh(r))[::-1]
    return pc, _factor_eigenvalues(r)


def _leading_above(observed: np.ndarray, threshold: np.ndarray) -> int:
    below = np.flatnonzero(~(observed > threshold))
    return int(below[0]) if len(below) else len(observed)


def _square(matrix: pd.DataFrame, name: str) -> np.ndarray:
    values = matrix.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        bad = [str(c) for c in matrix.columns[~np.isfinite(values).all(axis=0)]]
        raise ValueError(
            f"{name} has missing correlations (items {bad[:5]} were answered together by "
            "fewer than two respondents)"
        )
    return values
