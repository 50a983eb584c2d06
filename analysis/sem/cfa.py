"""Maximum-likelihood confirmatory factor analysis with lavaan's conventions.

smcap's own CFA engine: single-group and multi-group models, first- and second-order factors,
mean structure and cross-group equality constraints (loadings, intercepts), fitted by Fisher
scoring with analytic gradients and the analytic expected information. The numbers follow R
lavaan 0.6 (``cfa()`` with ``estimator = "ML"``): sample covariance with divisor N, χ² = N·F_ML,
baseline independence model, CFI, TLI, RMSEA with its 90% interval and close-fit test, SRMR
(Bentler), log-likelihood, AIC, BIC, standardized solution (``std.all``) and standard errors from
the expected information. Tests pin all of them to lavaan on public data
(``tests/r/cfa_reference.R``).

Fitting: :func:`fit_cfa` → :class:`CFAResult`, :func:`fit_multigroup_cfa` →
:class:`MultiGroupCFAResult`. Each fit runs the same stages, one module each (lavaan's cut):
the model (:mod:`analysis.sem.model`: :class:`~analysis.sem.model.CFAModel`,
:func:`~analysis.sem.model.model_from_instrument`, :func:`~analysis.sem.model.lavaan_syntax`),
sample statistics (:mod:`analysis.sem.samplestats`), the parameter layout and implied moments
(:mod:`analysis.sem.implied`), starting values (:mod:`analysis.sem.start`), ML estimation
(:mod:`analysis.sem.ml`) and fit measures (:mod:`analysis.sem.fit_measures`:
:class:`~analysis.sem.fit_measures.FitIndices`); this module joins them and summarises the
solution (standardised estimates, Heywood cases). Measurement invariance lives in
:mod:`analysis.sem.invariance`, construct validity (CR, AVE, Fornell–Larcker, HTMT) in
:mod:`analysis.measurement.validity`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis.sem.fit_measures import FitIndices, fit_indices
from analysis.sem.implied import ImpliedMoments, build_layouts, implied_moments
from analysis.sem.ml import Solution, estimate, standard_errors
from analysis.sem.model import (
    CFAModel,
    Equal,
    Missing,
    SmallGroups,
    minimum_sample_size,
)
from analysis.sem.samplestats import (
    GroupStats,
    check_degrees_of_freedom,
    group_sample_stats,
    numeric_items,
)


@dataclass(frozen=True)
class CFAResult:
    """A fitted single-group CFA (see :func:`fit_cfa`).

    Attributes
    ----------
    model : CFAModel
        The model fitted.
    n, n_dropped : int
        Rows used, and rows dropped by listwise deletion.
    converged : bool
        Whether Fisher scoring reached a stationary point.
    iterations : int
        Fisher-scoring iterations.
    warnings : tuple of str
        Readable warnings: non-convergence, Heywood cases (negative residual or disturbance
        variances), a latent covariance matrix that is not positive definite, a singular
        information matrix (the model may not be identified).
    fit : FitIndices
        Global fit.
    estimates : DataFrame
        lavaan's ``parameterEstimates(fit, standardized = TRUE)`` layout: ``lhs, op, rhs,
        est, se, z, pvalue, std_all`` (markers have ``se`` 0 and no ``z``).
    loadings, std_loadings : Series
        Unstandardized and standardized (``std.all``) loadings, indexed by a MultiIndex
        ``(factor, indicator)``; second-order loadings are ``(second-order, first-order)``.
    factor_covariances, factor_correlations : DataFrame
        Model-implied covariances and correlations of all latent variables
        (``lavInspect(fit, "cov.lv")`` / ``"cor.lv"``).
    residual_variances, std_residual_variances, r_squared : Series
        Per item: θ, θ/σ̂² (``std.all``) and 1 − θ/σ̂².
    sample_cov, implied_cov : DataFrame
        S (divisor N) and Σ(θ̂), indexed by item.
    """

    model: CFAModel
    n: int
    n_dropped: int
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    fit: FitIndices
    estimates: pd.DataFrame
    loadings: pd.Series
    std_loadings: pd.Series
    factor_covariances: pd.DataFrame
    factor_correlations: pd.DataFrame
    residual_variances: pd.Series
    std_residual_variances: pd.Series
    r_squared: pd.Series
    sample_cov: pd.DataFrame
    implied_cov: pd.DataFrame

    def fit_indices(self) -> dict[str, object]:
        """Fit indices as a dict with keys ``n, chisq, df, pvalue, cfi, tli, rmsea,
        rmsea_ci, rmsea_pvalue, srmr, aic, bic, loglik, baseline_chisq, baseline_df,
        converged`` (plus ``npar``, ``n_groups``)."""
        return self.fit.as_dict()


@dataclass(frozen=True)
class MultiGroupCFAResult:
    """A fitted multi-group CFA with mean structure (see :func:`fit_multigroup_cfa`).

    Attributes
    ----------
    model : CFAModel
        The model fitted in every group.
    group : str
        The grouping column.
    equal : tuple of str
        Parameters constrained equal across groups (``loadings``, ``intercepts``).
    group_sizes : Series
        Complete rows per group, in group order (order of first appearance, as lavaan).
    dropped_groups : Series
        Groups left out for being smaller than the minimum (``small_groups="drop"``), with
        their number of complete rows; empty otherwise.
    n, n_dropped : int
        Rows used; rows dropped (incomplete items, missing group, dropped small groups).
    converged, iterations, warnings
        As in :class:`CFAResult`.
    fit : FitIndices
        Global fit (multi-group conventions of lavaan).
    estimates : DataFrame
        ``group, lhs, op, rhs, est, se, z, pvalue, std_all`` per group.
    std_loadings : DataFrame
        Standardized loadings, rows ``(factor, indicator)``, one column per group.
    """

    model: CFAModel
    group: str
    equal: tuple[str, ...]
    group_sizes: pd.Series
    dropped_groups: pd.Series
    n: int
    n_dropped: int
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    fit: FitIndices
    estimates: pd.DataFrame
    std_loadings: pd.DataFrame

    def fit_indices(self) -> dict[str, object]:
        """Fit indices as a dict (same keys as :meth:`CFAResult.fit_indices`)."""
        return self.fit.as_dict()


# ------------------------------------------------------------------------------ public fits
_F = TypeVar("_F", bound=Callable[..., object])


def _single_threaded_blas(func: _F) -> _F:
    """Run ``func`` with BLAS limited to one thread.

    The engine's matrices are small (items × items, parameters × parameters): OpenBLAS
    threads only add synchronisation cost at this size, and their busy-waiting stalls badly
    when the machine is shared (measured: 0.1 s single-threaded vs 8 s threaded under load).
    """

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_single_threaded_blas
def fit_cfa(data: pd.DataFrame, model: CFAModel, *, missing: Missing = "listwise") -> CFAResult:
    """Fit a CFA by maximum likelihood, as ``lavaan::cfa(model, data)`` does.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must hold every indicator of ``model`` as a numeric column
        (pass *keyed* items: reverse-keyed items recoded). Other columns are ignored.
    model : CFAModel
        The factor model.
    missing : {"listwise"}
        Rows with a missing indicator are dropped (lavaan's default); ``n_dropped`` says how
        many.

    Returns
    -------
    CFAResult
        Estimates, standardized solution, fit indices and warnings.

    Raises
    ------
    TypeError
        ``data`` is not a DataFrame or ``model`` not a :class:`CFAModel`.
    ValueError
        A model column missing from ``data`` (named), a non-numeric cell (column and row
        named), fewer complete rows than :func:`minimum_sample_size`, a constant column, a
        singular sample covariance matrix (collinear columns named), a model with more free
        parameters than sample moments (df < 0), or an unsupported ``missing``.

    Notes
    -----
    Marker-variable identification (first loading of each factor fixed to 1); latent
    variances free; all factor covariances free (second-order models: see
    :class:`CFAModel`). With S the sample covariance (divisor N) and
    :math:`\\Sigma = \\Lambda (I-B)^{-1} \\Psi (I-B)^{-T} \\Lambda^\\top + \\Theta`, the
    discrepancy minimised is

    .. math:: F_{ML} = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p,

    and χ² = N·F_ML on df = p(p+1)/2 − q. The baseline model has free variances only:
    χ²_B = N(Σ log s_jj − log|S|), df_B = p(p−1)/2. CFI = 1 − max(χ²−df, 0) /
    max(χ²−df, χ²_B−df_B, 0); TLI = 1 − (χ²−df)·df_B / ((χ²_B−df_B)·df);
    RMSEA = √(max(χ²/df − 1, 0)/N) with the 90% interval from inverting the noncentral χ²
    distribution and p = P(χ²_df,λ ≥ χ²) at λ = N·df·0.05²; SRMR = √(mean over j ≤ k of
    ((s_jk − σ̂_jk)/√(s_jj s_kk))²); log L = −N/2 (p log 2π + log|Σ| + tr(SΣ⁻¹));
    AIC = −2 log L + 2q; BIC = −2 log L + q log N. Standard errors come from the expected
    information :math:`\\tfrac{N}{2}\\,\\Delta^\\top(\\Sigma^{-1}\\otimes\\Sigma^{-1})\\Delta`
    (lavaan's ``se = "standard"``, ``information = "expected"``). Estimation is Fisher
    scoring with step halving, from moment-based starting values.

    References
    ----------
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. *Psychometrika*, 34, 183–202. Rosseel, Y. (2012). lavaan: An R package for
    structural equation modeling. *Journal of Statistical Software*, 48(2), 1–36.
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis. *Structural Equation Modeling*, 6, 1–55.

    Examples
    --------
    >>> from analysis.data.simulate import simulate
    >>> from analysis.measurement.scoring import keyed_items
    >>> from instrument import load_instrument, INSTRUMENT_1_0
    >>> inst = load_instrument(INSTRUMENT_1_0)
    >>> keyed = keyed_items(simulate(inst, 600, random_state=1).responses, inst)
    >>> from analysis.sem.model import model_from_instrument
    >>> model = model_from_instrument(inst, constructs=["sensing", "seizing", "reconfiguring"])
    >>> res = fit_cfa(keyed, model)
    >>> res.converged, res.fit.df
    (True, 51)
    """
    _check_model(model)
    _check_missing(missing)
    items = model.items
    block = numeric_items(data, items)
    complete = block.notna().all(axis=1).to_numpy()
    x = block.to_numpy(dtype=float)[complete]
    group_stats = group_sample_stats(x, items, model, label=None, n_total=len(block))
    solution, out = _fit_groups([group_stats], model, meanstructure=False, equal=())
    est = out.estimates.drop(columns="group")
    std_all = est.set_index(["lhs", "op", "rhs"])
    loads = est[est["op"] == "=~"]
    index = pd.MultiIndex.from_arrays([loads["lhs"], loads["rhs"]], names=["factor", "item"])
    phi = out.phi[0]
    latents = list(model.latents)
    sigma = out.sigma[0]
    theta_diag = np.array([std_all.loc[(i, "~~", i), "est"] for i in items])
    return CFAResult(
        model=model,
        n=group_stats.n,
        n_dropped=int(len(block) - group_stats.n),
        converged=solution.converged,
        iterations=solution.iterations,
        warnings=out.warnings,
        fit=out.fit,
        estimates=est.reset_index(drop=True),
        loadings=pd.Series(loads["est"].to_numpy(), index=index, name="loading"),
        std_loadings=pd.Series(loads["std_all"].to_numpy(), index=index, name="std_loading"),
        factor_covariances=pd.DataFrame(phi, index=latents, columns=latents),
        factor_correlations=pd.DataFrame(_cov2cor(phi), index=latents, columns=latents),
        residual_variances=pd.Series(theta_diag, index=list(items), name="residual_variance"),
        std_residual_variances=pd.Series(
            theta_diag / np.diag(sigma), index=list(items), name="std_residual_variance"
        ),
        r_squared=pd.Series(1.0 - theta_diag / np.diag(sigma), index=list(items), name="r2"),
        sample_cov=pd.DataFrame(group_stats.cov, index=list(items), columns=list(items)),
        implied_cov=pd.DataFrame(sigma, index=list(items), columns=list(items)),
    )


@_single_threaded_blas
def fit_multigroup_cfa(
    data: pd.DataFrame,
    model: CFAModel,
    group: str,
    *,
    equal: Sequence[Equal] = (),
    min_group_size: int = 30,
    small_groups: SmallGroups = "error",
    missing: Missing = "listwise",
) -> MultiGroupCFAResult:
    """Fit one CFA in several groups at once, as ``lavaan::cfa(..., group=, group.equal=)``.

    Parameters
    ----------
    data : DataFrame
        Rows = respondents; the model's indicator columns (keyed) and the ``group`` column.
    model : CFAModel
        A first-order model (second-order models are not supported across groups).
    group : str
        Column holding the group of each row. Rows with a missing group are dropped.
    equal : sequence of {"loadings", "intercepts"}
        Parameters held equal across groups (lavaan's ``group.equal``). With equal
        intercepts the latent means are free in every group but the first.
    min_group_size : int, default 30
        Fewest complete rows a group may have. A group always needs at least
        :func:`minimum_sample_size` rows.
    small_groups : {"error", "drop"}, default "error"
        What to do with a group below the minimum: raise, or drop it and say so in
        ``warnings``.
    missing : {"listwise"}
        Rows with a missing indicator are dropped.

    Returns
    -------
    MultiGroupCFAResult
        Estimates per group and the global fit.

    Raises
    ------
    ValueError
        Everything :func:`fit_cfa` raises, plus: the group column is missing, fewer than two
        groups, a group below the minimum (named, with its size) when ``small_groups`` is
        ``"error"``, an unknown ``equal`` entry, or a second-order model.

    Notes
    -----
    Each group has its own mean structure: μ_g = ν_g + Λ_g α_g. Latent means are fixed to 0
    unless intercepts are equal (then free in groups 2..G). The discrepancy is
    F = Σ_g (N_g/N) [F_ML,g + (ȳ_g − μ_g)ᵀ Σ_g⁻¹ (ȳ_g − μ_g)] and χ² = N·F. As lavaan: the
    baseline model is the independence model in every group (no equality constraints),
    RMSEA is multiplied by √G (also its interval; the close-fit test uses λ = N·df·.05²/G),
    SRMR is the N_g-weighted mean of the groups' SRMRs, each including the mean residuals
    (ȳ_j − μ̂_j)/√s_jj, and df = G·(p(p+1)/2 + p) − q.

    References
    ----------
    Jöreskog, K. G. (1971). Simultaneous factor analysis in several populations.
    *Psychometrika*, 36, 409–426.
    """
    eq = _check_multigroup(data, model, group, equal, small_groups=small_groups, missing=missing)
    groups = _split_groups(
        data, model, group, min_group_size=min_group_size, small_groups=small_groups
    )
    solution, out = _fit_groups(list(groups.stats), model, meanstructure=True, equal=eq)
    n_used = sum(s.n for s in groups.stats)
    return MultiGroupCFAResult(
        model=model,
        group=group,
        equal=eq,
        group_sizes=pd.Series({s.label: s.n for s in groups.stats}, name="n"),
        dropped_groups=pd.Series(groups.dropped, name="n", dtype=int),
        n=n_used,
        n_dropped=int(groups.n_rows - n_used),
        converged=solution.converged,
        iterations=solution.iterations,
        warnings=groups.warnings + out.warnings,
        fit=out.fit,
        estimates=out.estimates,
        std_loadings=_std_loadings_by_group(out.estimates, groups.labels, group),
    )


@dataclass(frozen=True)
class _GroupedRows:
    """The sample statistics of each usable group, and what was left out on the way."""

    stats: tuple[GroupStats, ...]
    n_rows: int
    dropped: dict[str, int]
    warnings: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        """The groups kept, in order of first appearance."""
        return [s.label for s in self.stats]


def _check_multigroup(
    data: pd.DataFrame,
    model: CFAModel,
    group: str,
    equal: Sequence[Equal],
    *,
    small_groups: SmallGroups,
    missing: Missing,
) -> tuple[Equal, ...]:
    """Check :func:`fit_multigroup_cfa`'s arguments; return ``equal`` without repeats."""
    _check_model(model)
    _check_missing(missing)
    if model.second_order:
        raise ValueError(
            "multi-group CFA supports first-order models only; fit the first-order model "
            "(model_from_instrument(..., second_order=False)) across groups"
        )
    eq = tuple(dict.fromkeys(equal))
    bad = [e for e in eq if e not in ("loadings", "intercepts")]
    if bad:
        raise ValueError(f"equal: unknown constraint(s) {bad}; use 'loadings' and/or 'intercepts'")
    if small_groups not in ("error", "drop"):
        raise ValueError(f"small_groups must be 'error' or 'drop', got {small_groups!r}")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if group not in data.columns:
        raise ValueError(f"group column '{group}' is not in the data")
    return eq


def _split_groups(
    data: pd.DataFrame,
    model: CFAModel,
    group: str,
    *,
    min_group_size: int,
    small_groups: SmallGroups,
) -> _GroupedRows:
    """Complete rows per group (order of first appearance), small groups refused or dropped."""
    items = model.items
    block = numeric_items(data, items)
    labels = data[group]
    complete = (block.notna().all(axis=1) & labels.notna()).to_numpy()
    order = [str(g) for g in pd.unique(labels.dropna().astype(str))]
    lab = labels.astype(str).to_numpy()
    sizes = {g: int(np.sum(complete & (lab == g))) for g in order}
    need = max(int(min_group_size), minimum_sample_size(model))
    warnings: list[str] = []
    n_missing_group = int(labels.isna().sum())
    if n_missing_group:
        warnings.append(f"{n_missing_group} row(s) with a missing '{group}' were dropped")
    small = _small_groups(sizes, need=need, group=group, small_groups=small_groups)
    if small:
        listing = _listing(small)
        warnings.append(f"group(s) {listing} dropped: fewer than {need} complete rows")
        order = [g for g in order if g not in small]
    if len(order) < 2:
        raise ValueError(
            f"column '{group}' has {len(order)} usable group(s); a multi-group CFA needs at least 2"
        )
    x_all = block.to_numpy(dtype=float)
    stats = tuple(
        group_sample_stats(x_all[complete & (lab == g)], items, model, label=g, n_total=None)
        for g in order
    )
    return _GroupedRows(stats=stats, n_rows=len(block), dropped=small, warnings=tuple(warnings))


def _small_groups(
    sizes: dict[str, int], *, need: int, group: str, small_groups: SmallGroups
) -> dict[str, int]:
    """Groups with fewer than ``need`` complete rows; an error unless they may be dropped."""
    small = {g: n for g, n in sizes.items() if n < need}
    if small and small_groups == "error":
        raise ValueError(
            f"group(s) {_listing(small)} of column '{group}' are smaller than the minimum of "
            f"{need} complete rows"
        )
    return small


def _listing(sizes: dict[str, int]) -> str:
    """``'a' (12 complete rows), 'b' (9 complete rows)``."""
    return ", ".join(f"'{g}' ({n} complete rows)" for g, n in sizes.items())


def _std_loadings_by_group(est: pd.DataFrame, labels: list[str], group: str) -> pd.DataFrame:
    """Standardized loadings, rows ``(factor, item)``, one column per group."""
    loads = est[est["op"] == "=~"]
    std = loads.pivot_table(index=["lhs", "rhs"], columns="group", values="std_all", sort=False)
    std = std.reindex(columns=labels)
    std.index = std.index.set_names(["factor", "item"])
    std.columns.name = group
    return std


def _fit_groups(
    groups: list[GroupStats], model: CFAModel, *, meanstructure: bool, equal: Sequence[str]
) -> tuple[Solution, _Summary]:
    """Build the parameter layout, estimate, and summarise."""
    layouts, table, n_par = build_layouts(
        model, n_groups=len(groups), meanstructure=meanstructure, equal=equal
    )
    check_degrees_of_freedom(groups, n_par, meanstructure=meanstructure)
    solution = estimate(groups, layouts, model, n_par)
    out = _summarise(groups, layouts, table, solution, model, meanstructure=meanstructure)
    return solution, out


# ------------------------------------------------------------------------ input validation
def _check_model(model: object) -> None:
    if not isinstance(model, CFAModel):
        raise TypeError(f"model must be a CFAModel, got {type(model).__name__}")


def _check_missing(missing: str) -> None:
    if missing != "listwise":
        raise ValueError(f"missing must be 'listwise' (the only method supported), got {missing!r}")


# ----------------------------------------------------------------------------- summaries
@dataclass(frozen=True)
class _Summary:
    fit: FitIndices
    estimates: pd.DataFrame
    warnings: tuple[str, ...]
    sigma: list[np.ndarray]
    phi: list[np.ndarray]


def _summarise(groups, layouts, table, sol: Solution, model, *, meanstructure) -> _Summary:
    n = sum(s.n for s in groups)
    n_par = len(sol.theta)
    implied = [implied_moments(lay, sol.theta) for lay in layouts]
    warnings: list[str] = []
    if not sol.converged:
        warnings.append(
            f"the optimiser did not converge after {sol.iterations} iterations "
            f"(largest gradient {np.max(np.abs(sol.grad)):.2g}); results are unreliable"
        )
    # standard errors from the expected information (N/2)·H
    se = standard_errors(0.5 * n * sol.hess)
    if n_par and np.isnan(se).all():
        warnings.append(
            "the information matrix is singular: the model may not be identified; "
            "standard errors are not available"
        )
    labels = [s.label for s in groups]
    est = table.copy()
    values = np.where(est["par"] >= 0, sol.theta[est["par"].clip(lower=0)], est["fixed"])
    est["est"] = values
    est["se"] = np.where(est["par"] >= 0, se[est["par"].clip(lower=0)], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(est["par"] >= 0, est["est"] / est["se"], np.nan)
    est["z"] = z
    est["pvalue"] = 2.0 * stats.norm.sf(np.abs(z))
    est["std_all"] = _standardize(est, implied, model)
    est["group"] = [labels[g] for g in est["group"]]
    est = est[["group", "lhs", "op", "rhs", "est", "se", "z", "pvalue", "std_all"]]
    for g, imp in enumerate(implied):
        warnings.extend(_heywood(imp, model, labels[g]))
    fit = fit_indices(groups, implied, sol, n_par, meanstructure=meanstructure)
    return _Summary(
        fit=fit,
        estimates=est.reset_index(drop=True),
        warnings=tuple(warnings),
        sigma=[imp.sigma for imp in implied],
        phi=[imp.phi for imp in implied],
    )


def _standardize(est: pd.DataFrame, implied: list[ImpliedMoments], model: CFAModel) -> np.ndarray:
    """lavaan's ``std.all`` for every row of the parameter table."""
    items = {i: k for k, i in enumerate(model.items)}
    lat = {f: k for k, f in enumerate(model.latents)}
    out = np.empty(len(est))
    for r, (g, lhs, op, rhs, value) in enumerate(
        zip(est["group"], est["lhs"], est["op"], est["rhs"], est["est"], strict=True)
    ):
        imp = implied[g]
        var_obs = np.diag(imp.sigma)
        var_lat = np.diag(imp.phi)

        def sd(name: str, _vo=var_obs, _vl=var_lat) -> float:
            return float(np.sqrt(_vo[items[name]] if name in items else _vl[lat[name]]))

        if op == "=~":
            out[r] = value * sd(lhs) / sd(rhs)
        elif op == "~~":
            out[r] = value / (sd(lhs) * sd(rhs))
        else:  # "~1"
            out[r] = value / sd(lhs)
    return out


def _heywood(imp: ImpliedMoments, model: CFAModel, label: str | None) -> list[str]:
    where = "" if label is None else f" in group '{label}'"
    out = []
    items = list(model.items)
    neg = [f"{items[i]} ({imp.theta_diag[i]:.3g})" for i in np.nonzero(imp.theta_diag < 0)[0]]
    if neg:
        out.append(f"Heywood case{where}: negative residual variance for {', '.join(neg)}")
    latents = list(model.latents)
    dist = np.diag(imp.psi)
    neg = [f"{latents[a]} ({dist[a]:.3g})" for a in np.nonzero(dist < 0)[0]]
    if neg:
        out.append(f"Heywood case{where}: negative latent variance for {', '.join(neg)}")
    val = np.linalg.eigvalsh(imp.phi)
    if val[0] <= 0:
        corr = _cov2cor(imp.phi)
        off = np.abs(corr - np.eye(len(corr)))
        a, b = np.unravel_index(np.nanargmax(off), off.shape)
        out.append(
            f"the latent covariance matrix{where} is not positive definite (largest factor "
            f"correlation: {latents[a]}–{latents[b]} = {corr[a, b]:.3f})"
        )
    return out


def _cov2cor(cov: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.abs(np.diag(cov)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / np.outer(d, d)
