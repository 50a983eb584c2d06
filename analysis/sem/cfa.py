"""Maximum-likelihood confirmatory factor analysis with lavaan's conventions.

smcap's own CFA engine: single-group and multi-group models, first- and second-order factors,
mean structure and cross-group equality constraints (loadings, intercepts), fitted by Fisher
scoring with analytic gradients and the analytic expected information. The numbers follow R
lavaan 0.6 (``cfa()`` with ``estimator = "ML"``): sample covariance with divisor N, χ² = N·F_ML,
baseline independence model, CFI, TLI, RMSEA with its 90% interval and close-fit test, SRMR
(Bentler), log-likelihood, AIC, BIC, standardized solution (``std.all``) and standard errors from
the expected information. Tests pin all of them to lavaan on public data
(``tests/r/cfa_reference.R``).

Public API: :class:`CFAModel`, :func:`model_from_instrument`, :func:`lavaan_syntax`,
:func:`minimum_sample_size`, :func:`numeric_items`, :func:`fit_cfa` → :class:`CFAResult`,
:func:`fit_multigroup_cfa` → :class:`MultiGroupCFAResult`, :class:`FitIndices`.
Measurement invariance lives in :mod:`analysis.sem.invariance`, construct validity (CR, AVE,
Fornell–Larcker, HTMT) in :mod:`analysis.measurement.validity`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats
from threadpoolctl import threadpool_limits

from analysis.linalg import rank_diagnosis
from instrument import LEVELS, Instrument

Missing = Literal["listwise"]
Equal = Literal["loadings", "intercepts"]
SmallGroups = Literal["error", "drop"]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: Fisher scoring stops when the largest absolute gradient of F_ML is below this.
_GRADIENT_TOL = 1e-9
#: A solution counts as converged when the largest absolute gradient is below this.
_CONVERGED_TOL = 1e-5
_MAX_ITER = 500


# --------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class CFAModel:
    """A confirmatory factor model: which items measure which factor.

    Parameters
    ----------
    factors : dict of str to tuple of str
        First-order factor → its indicator columns, in order. The first indicator is the marker
        (its loading is fixed to 1, as lavaan does by default).
    second_order : dict of str to tuple of str, optional
        Higher-order factor → the first-order factors it explains (marker: the first one).
        First-order factors not listed here correlate freely with each other and with the
        second-order factors; the disturbances of listed first-order factors are uncorrelated.

    Raises
    ------
    ValueError
        An empty model, a factor with fewer than two indicators, an indicator listed twice in
        one factor, a name used both as factor and item, or a second-order factor that names an
        unknown first-order factor, has fewer than two, or shares one with another.

    Examples
    --------
    >>> m = CFAModel({"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")})
    >>> m.items
    ('x1', 'x2', 'x3', 'x4', 'x5', 'x6')
    """

    factors: Mapping[str, tuple[str, ...]]
    second_order: Mapping[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.factors, Mapping) or not self.factors:
            raise ValueError("factors must be a non-empty mapping of factor -> indicator columns")
        factors = {
            str(f): tuple(str(i) for i in _as_tuple(ind, f)) for f, ind in self.factors.items()
        }
        for f, ind in factors.items():
            if len(ind) < 2:
                raise ValueError(
                    f"factor '{f}' has {len(ind)} indicator(s); a factor needs at least 2"
                )
            dup = sorted({i for i in ind if ind.count(i) > 1})
            if dup:
                raise ValueError(f"factor '{f}' lists indicator(s) {dup} more than once")
        items = {i for ind in factors.values() for i in ind}
        clash = sorted(items & set(factors))
        if clash:
            raise ValueError(f"name(s) {clash} are used both as factor and as item")
        second = None
        if self.second_order:
            second = {
                str(s): tuple(str(f) for f in _as_tuple(first, s))
                for s, first in self.second_order.items()
            }
            seen: dict[str, str] = {}
            for s, first in second.items():
                if s in factors or s in items:
                    raise ValueError(f"second-order factor '{s}' reuses a factor or item name")
                unknown = [f for f in first if f not in factors]
                if unknown:
                    raise ValueError(
                        f"second-order factor '{s}' names unknown first-order factor(s) {unknown}"
                    )
                if len(set(first)) < 2:
                    raise ValueError(
                        f"second-order factor '{s}' has {len(set(first))} first-order "
                        "factor(s); it needs at least 2"
                    )
                for f in first:
                    if f in seen and seen[f] != s:
                        raise ValueError(
                            f"first-order factor '{f}' is under both '{seen[f]}' and '{s}'"
                        )
                    seen[f] = s
        object.__setattr__(self, "factors", factors)
        object.__setattr__(self, "second_order", second or None)

    @property
    def items(self) -> tuple[str, ...]:
        """Indicator columns in order of first appearance."""
        return tuple(dict.fromkeys(i for ind in self.factors.values() for i in ind))

    @property
    def first_order(self) -> tuple[str, ...]:
        """First-order factor names."""
        return tuple(self.factors)

    @property
    def latents(self) -> tuple[str, ...]:
        """All latent variables: first-order factors, then second-order factors."""
        return self.first_order + tuple(self.second_order or ())


def _as_tuple(value: object, owner: str) -> tuple[object, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"'{owner}' must map to a sequence of names, got {value!r}")
    return tuple(value)


#: Name of the higher-order factor of the assemblage model (:func:`model_from_instrument`).
ASSEMBLAGE_FACTOR = "networking_capability"


def model_from_instrument(
    instrument: Instrument,
    *,
    constructs: Sequence[str] | None = None,
    second_order: bool | Literal["levels", "assemblage"] = False,
) -> CFAModel:
    """The measurement model of an instrument: one factor per construct.

    Parameters
    ----------
    instrument : Instrument
        The instrument; each construct becomes a factor measured by its items (in order).
    constructs : sequence of str, optional
        Construct ids to include (default: all, in instrument order).
    second_order : bool or {"levels", "assemblage"}, default False
        ``True`` or ``"levels"``: one second-order factor per capability level (named after
        the level) that has at least two of the included constructs — networking as a fourth
        tier beside the other three. ``"assemblage"``: one second-order factor,
        ``networking_capability``, over every capability construct of every level — networking
        capability as an assemblage of the operational, dynamic and adaptive capabilities with
        network development and management as its social-media routines (seed 001 §5). The
        assemblage model is nested in the levels model (its four level factors correlating
        perfectly), so the two can be compared by a χ² difference test. Constructs without a
        level (axes, outcomes), and a level with only one included construct, stay first-order
        factors that correlate freely with the others.

    Returns
    -------
    CFAModel
        The model; fit it to *keyed* items (:func:`analysis.measurement.scoring.keyed_items`).

    Raises
    ------
    ValueError
        An unknown construct id, or a construct with fewer than two items.
    """
    known = {c.id: c for c in instrument.constructs}
    if constructs is None:
        chosen = list(instrument.constructs)
    else:
        unknown = [c for c in constructs if c not in known]
        if unknown:
            raise ValueError(f"constructs: unknown construct id(s) {unknown}")
        chosen = [known[c] for c in dict.fromkeys(constructs)]
    factors = {c.id: tuple(item.id for item in c.items) for c in chosen}
    higher: dict[str, tuple[str, ...]] = {}
    if second_order == "assemblage":
        members = tuple(c.id for c in chosen if c.level is not None)
        if len(members) >= 2:
            higher[ASSEMBLAGE_FACTOR] = members
    elif second_order:
        for level in LEVELS:
            members = tuple(c.id for c in chosen if c.level == level)
            if len(members) >= 2:
                higher[level] = members
    return CFAModel(factors, higher or None)


def lavaan_syntax(model: CFAModel) -> str:
    """The model in lavaan syntax, so R users can reproduce the fit.

    Parameters
    ----------
    model : CFAModel
        The model.

    Returns
    -------
    str
        One ``factor =~ item1 + item2`` line per factor (second-order factors last); fit it
        with ``lavaan::cfa(syntax, data = keyed_items)``.

    Examples
    --------
    >>> print(lavaan_syntax(CFAModel({"f": ("a", "b", "c")})))
    f =~ a + b + c
    """
    lines = [f"{f} =~ {' + '.join(ind)}" for f, ind in model.factors.items()]
    lines += [f"{s} =~ {' + '.join(first)}" for s, first in (model.second_order or {}).items()]
    return "\n".join(lines)


def minimum_sample_size(model: CFAModel) -> int:
    """Fewest complete rows (per group) a CFA of ``model`` needs: number of items + 1.

    Below that the sample covariance matrix of the items is singular and ML is undefined.
    """
    return len(model.items) + 1


# ----------------------------------------------------------------------------- result types
@dataclass(frozen=True)
class FitIndices:
    """Global fit of an ML CFA, as ``lavaan::fitMeasures`` reports it.

    Attributes
    ----------
    n : int
        Observations used (all groups).
    n_groups : int
        Number of groups.
    npar : int
        Free parameters.
    chisq, df, pvalue : float, int, float
        Likelihood-ratio test against the saturated model: χ² = Σ_g N_g F_ML,g.
    baseline_chisq, baseline_df : float, int
        The independence model (variances, and means with a mean structure, free).
    cfi, tli : float
        Comparative fit index and Tucker–Lewis index.
    rmsea, rmsea_ci, rmsea_pvalue : float, tuple, float
        RMSEA (× √G for G groups), its 90% interval, and p(RMSEA ≤ .05).
    srmr : float
        Standardized root mean square residual (Bentler; lavaan's ``srmr``).
    loglik, loglik_unrestricted, aic, bic : float
        Log-likelihood of the model and the saturated model, AIC and BIC.
    converged : bool
        Whether the optimiser converged.
    """

    n: int
    n_groups: int
    npar: int
    chisq: float
    df: int
    pvalue: float
    baseline_chisq: float
    baseline_df: int
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci: tuple[float, float]
    rmsea_pvalue: float
    srmr: float
    loglik: float
    loglik_unrestricted: float
    aic: float
    bic: float
    converged: bool

    def as_dict(self) -> dict[str, object]:
        """The indices as a JSON-friendly dict (``rmsea_ci`` a list of two floats)."""
        return {
            "n": self.n,
            "chisq": self.chisq,
            "df": self.df,
            "pvalue": self.pvalue,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci": [self.rmsea_ci[0], self.rmsea_ci[1]],
            "rmsea_pvalue": self.rmsea_pvalue,
            "srmr": self.srmr,
            "aic": self.aic,
            "bic": self.bic,
            "loglik": self.loglik,
            "baseline_chisq": self.baseline_chisq,
            "baseline_df": self.baseline_df,
            "converged": self.converged,
            "npar": self.npar,
            "n_groups": self.n_groups,
        }


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
    group_stats = _group_stats(x, items, model, label=None, n_total=len(block))
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
    small = {g: n for g, n in sizes.items() if n < need}
    if small:
        listing = ", ".join(f"'{g}' ({n} complete rows)" for g, n in small.items())
        if small_groups == "error":
            raise ValueError(
                f"group(s) {listing} of column '{group}' are smaller than the minimum of "
                f"{need} complete rows"
            )
        warnings.append(f"group(s) {listing} dropped: fewer than {need} complete rows")
        order = [g for g in order if g not in small]
    if len(order) < 2:
        raise ValueError(
            f"column '{group}' has {len(order)} usable group(s); a multi-group CFA needs at least 2"
        )
    x_all = block.to_numpy(dtype=float)
    group_stats = [
        _group_stats(x_all[complete & (lab == g)], items, model, label=g, n_total=None)
        for g in order
    ]
    solution, out = _fit_groups(group_stats, model, meanstructure=True, equal=eq)
    est = out.estimates
    loads = est[est["op"] == "=~"]
    std = loads.pivot_table(index=["lhs", "rhs"], columns="group", values="std_all", sort=False)
    std = std.reindex(columns=order)
    std.index = std.index.set_names(["factor", "item"])
    std.columns.name = group
    n_used = sum(s.n for s in group_stats)
    return MultiGroupCFAResult(
        model=model,
        group=group,
        equal=eq,
        group_sizes=pd.Series({s.label: s.n for s in group_stats}, name="n"),
        dropped_groups=pd.Series(small if small_groups == "drop" else {}, name="n", dtype=int),
        n=n_used,
        n_dropped=int(len(block) - n_used),
        converged=solution.converged,
        iterations=solution.iterations,
        warnings=tuple(warnings) + out.warnings,
        fit=out.fit,
        estimates=est,
        std_loadings=std,
    )


def _fit_groups(
    groups: list[_GroupStats], model: CFAModel, *, meanstructure: bool, equal: Sequence[str]
) -> tuple[_Solution, _Summary]:
    """Build the parameter layout, estimate, and summarise."""
    layouts, table, n_par = _build_layouts(
        model, n_groups=len(groups), meanstructure=meanstructure, equal=equal
    )
    _check_df(groups, n_par, meanstructure=meanstructure)
    solution = _solve(groups, layouts, model, n_par)
    out = _summarise(groups, layouts, table, solution, model, meanstructure=meanstructure)
    return solution, out


# ------------------------------------------------------------------------ input validation
def _check_model(model: object) -> None:
    if not isinstance(model, CFAModel):
        raise TypeError(f"model must be a CFAModel, got {type(model).__name__}")


def _check_missing(missing: str) -> None:
    if missing != "listwise":
        raise ValueError(f"missing must be 'listwise' (the only method supported), got {missing!r}")


def numeric_items(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """The given columns of ``data`` as floats (a copy), checked at the boundary.

    Parameters
    ----------
    data : DataFrame
        Rows = respondents.
    items : sequence of str
        Columns to take, in order.

    Returns
    -------
    DataFrame
        Float copy with the same index; missing cells stay NaN.

    Raises
    ------
    TypeError
        ``data`` is not a DataFrame.
    ValueError
        A column is absent (all absent ones named), duplicated, holds a non-numeric value
        (column, value and row named) or an infinite value.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"data has no column(s) {absent} used by the model")
    out = {}
    for col in items:
        values = data[col]
        if isinstance(values, pd.DataFrame):
            raise ValueError(f"data has more than one column named '{col}'")
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            converted = pd.to_numeric(values, errors="coerce")
            bad = converted.isna() & values.notna()
            if bad.any():
                row = bad.idxmax()
                raise ValueError(
                    f"column '{col}' has a non-numeric value {values[row]!r} in row {row!r}"
                )
            values = converted
        arr = values.astype("float64")
        if np.isinf(arr).any():
            row = arr.index[np.isinf(arr.to_numpy())][0]
            raise ValueError(f"column '{col}' has an infinite value in row {row!r}")
        out[col] = arr
    return pd.DataFrame(out, index=data.index)


@dataclass(frozen=True)
class _GroupStats:
    """Sample statistics of one group (covariance with divisor N)."""

    label: str | None
    n: int
    cov: np.ndarray
    mean: np.ndarray
    logdet: float


def _group_stats(
    x: np.ndarray, items: Sequence[str], model: CFAModel, *, label: str | None, n_total: int | None
) -> _GroupStats:
    where = "" if label is None else f" in group '{label}'"
    n, p = x.shape
    need = minimum_sample_size(model)
    if n < need:
        total = "" if n_total is None else f" (of {n_total})"
        raise ValueError(
            f"only {n} complete rows{total}{where} for a CFA of {p} items; at least {need} are "
            "needed (number of items + 1)"
        )
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / n
    sd = np.sqrt(np.diag(cov))
    constant = [items[j] for j in range(p) if sd[j] <= 1e-12 * max(1.0, abs(mean[j]))]
    if constant:
        raise ValueError(
            f"column(s) {constant} are constant{where} in the {n} complete rows; a constant item "
            "cannot be analysed (drop it from the model)"
        )
    diagnosis = rank_diagnosis(pd.DataFrame(cov, index=list(items), columns=list(items)))
    if diagnosis.singular:
        raise ValueError(
            f"the sample covariance matrix{where} {diagnosis.describe(noun='columns')}"
        )
    logdet = float(np.linalg.slogdet(cov)[1])
    return _GroupStats(label=label, n=n, cov=cov, mean=mean, logdet=logdet)


def _check_df(groups: Sequence[_GroupStats], n_par: int, *, meanstructure: bool) -> None:
    p = groups[0].cov.shape[0]
    moments = len(groups) * (p * (p + 1) // 2 + (p if meanstructure else 0))
    if n_par > moments:
        raise ValueError(
            f"the model is not identified: {n_par} free parameters but only {moments} sample "
            f"moments (df = {moments - n_par})"
        )


# ------------------------------------------------------------------- parameter layout (LISREL)
@dataclass
class _Layout:
    """Free/fixed pattern of one group's matrices; ``*_par`` hold parameter numbers (−1 fixed)."""

    lam: np.ndarray
    lam_par: np.ndarray
    beta: np.ndarray
    beta_par: np.ndarray
    psi: np.ndarray
    psi_par: np.ndarray
    theta: np.ndarray
    theta_par: np.ndarray
    nu: np.ndarray
    nu_par: np.ndarray
    alpha: np.ndarray
    alpha_par: np.ndarray
    meanstructure: bool
    has_beta: bool
    slots: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    par_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def finalise(self) -> None:
        """Index the free cells (slots) once, for gradients and information."""
        li, la = np.nonzero(self.lam_par >= 0)
        bi, bj = np.nonzero(self.beta_par >= 0)
        pa, pb = np.nonzero(np.triu(self.psi_par + 1) > 0)
        (ti,) = np.nonzero(self.theta_par >= 0)
        (ni,) = np.nonzero(self.nu_par >= 0)
        (ai,) = np.nonzero(self.alpha_par >= 0)
        self.slots = {
            "lam": (li, la, self.lam_par[li, la]),
            "beta": (bi, bj, self.beta_par[bi, bj]),
            "psi": (pa, pb, self.psi_par[pa, pb]),
            "theta": (ti, self.theta_par[ti]),
            "nu": (ni, self.nu_par[ni]),
            "alpha": (ai, self.alpha_par[ai]),
        }
        self.par_index = np.concatenate(
            [
                self.slots["lam"][2],
                self.slots["beta"][2],
                self.slots["psi"][2],
                self.slots["theta"][1],
                self.slots["nu"][1],
                self.slots["alpha"][1],
            ]
        ).astype(int)

    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        """Λ, B, Ψ, diag Θ, ν, α filled with the parameter vector."""
        lam = self.lam.copy()
        m = self.lam_par >= 0
        lam[m] = theta[self.lam_par[m]]
        beta = self.beta.copy()
        m = self.beta_par >= 0
        beta[m] = theta[self.beta_par[m]]
        psi = self.psi.copy()
        m = self.psi_par >= 0
        psi[m] = theta[self.psi_par[m]]
        th = self.theta.copy()
        m = self.theta_par >= 0
        th[m] = theta[self.theta_par[m]]
        nu = self.nu.copy()
        m = self.nu_par >= 0
        nu[m] = theta[self.nu_par[m]]
        alpha = self.alpha.copy()
        m = self.alpha_par >= 0
        alpha[m] = theta[self.alpha_par[m]]
        return lam, beta, psi, th, nu, alpha


def _build_layouts(
    model: CFAModel, *, n_groups: int, meanstructure: bool, equal: Sequence[str]
) -> tuple[list[_Layout], pd.DataFrame, int]:
    """Matrices' free/fixed patterns per group and the parameter table (lavaan's parTable)."""
    items = list(model.items)
    latents = list(model.latents)
    p, m = len(items), len(latents)
    item_pos = {i: k for k, i in enumerate(items)}
    lat_pos = {f: k for k, f in enumerate(latents)}
    under = {f: s for s, firsts in (model.second_order or {}).items() for f in firsts}
    exogenous = [f for f in latents if f not in under]
    keys: dict[tuple, int] = {}
    rows: list[dict[str, object]] = []

    def par(key: tuple) -> int:
        if key not in keys:
            keys[key] = len(keys)
        return keys[key]

    layouts = []
    for g in range(n_groups):
        lay = _Layout(
            lam=np.zeros((p, m)),
            lam_par=np.full((p, m), -1),
            beta=np.zeros((m, m)),
            beta_par=np.full((m, m), -1),
            psi=np.zeros((m, m)),
            psi_par=np.full((m, m), -1),
            theta=np.zeros(p),
            theta_par=np.full(p, -1),
            nu=np.zeros(p),
            nu_par=np.full(p, -1),
            alpha=np.zeros(m),
            alpha_par=np.full(m, -1),
            meanstructure=meanstructure,
            has_beta=bool(model.second_order),
        )

        def shared(kind: str, *names: str, _g: int = g) -> tuple:
            return (kind, *names) if kind in equal else (kind, *names, _g)

        for f, ind in model.factors.items():
            a = lat_pos[f]
            for k, item in enumerate(ind):
                i = item_pos[item]
                if k == 0:
                    lay.lam[i, a] = 1.0
                    rows.append(dict(lhs=f, op="=~", rhs=item, group=g, par=-1, fixed=1.0))
                else:
                    q = par(shared("loadings", f, item))
                    lay.lam_par[i, a] = q
                    rows.append(dict(lhs=f, op="=~", rhs=item, group=g, par=q, fixed=np.nan))
        for s, firsts in (model.second_order or {}).items():
            b = lat_pos[s]
            for k, f in enumerate(firsts):
                a = lat_pos[f]
                if k == 0:
                    lay.beta[a, b] = 1.0
                    rows.append(dict(lhs=s, op="=~", rhs=f, group=g, par=-1, fixed=1.0))
                else:
                    q = par(shared("loadings", s, f))
                    lay.beta_par[a, b] = q
                    rows.append(dict(lhs=s, op="=~", rhs=f, group=g, par=q, fixed=np.nan))
        for item in items:
            i = item_pos[item]
            q = par(("theta", item, g))
            lay.theta_par[i] = q
            rows.append(dict(lhs=item, op="~~", rhs=item, group=g, par=q, fixed=np.nan))
        for f in latents:
            a = lat_pos[f]
            q = par(("psi", f, f, g))
            lay.psi_par[a, a] = q
            rows.append(dict(lhs=f, op="~~", rhs=f, group=g, par=q, fixed=np.nan))
        for x, f1 in enumerate(exogenous):
            for f2 in exogenous[x + 1 :]:
                a, b = lat_pos[f1], lat_pos[f2]
                q = par(("psi", f1, f2, g))
                lay.psi_par[a, b] = lay.psi_par[b, a] = q
                rows.append(dict(lhs=f1, op="~~", rhs=f2, group=g, par=q, fixed=np.nan))
        if meanstructure:
            for item in items:
                q = par(shared("intercepts", item))
                lay.nu_par[item_pos[item]] = q
                rows.append(dict(lhs=item, op="~1", rhs="", group=g, par=q, fixed=np.nan))
            for f in latents:
                if "intercepts" in equal and g > 0:
                    q = par(("alpha", f, g))
                    lay.alpha_par[lat_pos[f]] = q
                    rows.append(dict(lhs=f, op="~1", rhs="", group=g, par=q, fixed=np.nan))
                else:
                    rows.append(dict(lhs=f, op="~1", rhs="", group=g, par=-1, fixed=0.0))
        lay.finalise()
        layouts.append(lay)
    return layouts, pd.DataFrame(rows), len(keys)


# ------------------------------------------------------------------------- model evaluation
@dataclass
class _Implied:
    sigma: np.ndarray
    mu: np.ndarray
    phi: np.ndarray
    lam: np.ndarray
    a_mat: np.ndarray
    alpha: np.ndarray
    theta_diag: np.ndarray
    psi: np.ndarray
    beta: np.ndarray


def _implied(lay: _Layout, theta: np.ndarray) -> _Implied:
    lam, beta, psi, th, nu, alpha = lay.matrices(theta)
    m = lam.shape[1]
    a_mat = np.linalg.inv(np.eye(m) - beta) if lay.has_beta else np.eye(m)
    phi = a_mat @ psi @ a_mat.T if lay.has_beta else psi
    sigma = lam @ phi @ lam.T
    sigma[np.diag_indices_from(sigma)] += th
    mu = nu + lam @ (a_mat @ alpha) if lay.meanstructure else np.zeros(lam.shape[0])
    return _Implied(sigma, mu, phi, lam, a_mat, alpha, th, psi, beta)


def _discrepancy(st: _GroupStats, imp: _Implied, meanstructure: bool) -> tuple[float, np.ndarray]:
    """F_ML of one group (inf when Σ is not positive definite) and Σ⁻¹."""
    try:
        chol = linalg.cho_factor(imp.sigma, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return np.inf, np.empty(0)
    if not np.all(np.isfinite(chol[0])):
        return np.inf, np.empty(0)
    p = st.cov.shape[0]
    inv = linalg.cho_solve(chol, np.eye(p), check_finite=False)
    logdet = 2.0 * float(np.sum(np.log(np.diag(chol[0]))))
    f = logdet + float(np.sum(st.cov * inv)) - st.logdet - p
    if meanstructure:
        d = st.mean - imp.mu
        f += float(d @ inv @ d)
    return f, inv


def _objective(theta, groups, layouts) -> float:
    total = sum(s.n for s in groups)
    f = 0.0
    for st, lay in zip(groups, layouts, strict=True):
        fg, _ = _discrepancy(st, _implied(lay, theta), lay.meanstructure)
        if not np.isfinite(fg):
            return np.inf
        f += st.n / total * fg
    return f


def _derivative_vectors(lay: _Layout, imp: _Implied) -> tuple[np.ndarray, ...]:
    """Each free cell's ∂Σ = w(x yᵀ + y xᵀ) and ∂μ = m, as columns of X, Y, M and weights w."""
    p = imp.lam.shape[0]
    lam_l = imp.lam @ imp.a_mat  # Λ(I−B)⁻¹
    u = imp.lam @ imp.phi  # ΛΦ
    eta_mean = imp.a_mat @ imp.alpha
    li, la, _ = lay.slots["lam"]
    bi, bj, _ = lay.slots["beta"]
    pa, pb, _ = lay.slots["psi"]
    ti, _ = lay.slots["theta"]
    ni, _ = lay.slots["nu"]
    ai, _ = lay.slots["alpha"]
    sizes = [len(li), len(bi), len(pa), len(ti), len(ni), len(ai)]
    ns = sum(sizes)
    x = np.zeros((p, ns))
    y = np.zeros((p, ns))
    mm = np.zeros((p, ns))
    w = np.zeros(ns)
    start = np.cumsum([0, *sizes])
    k = np.arange(start[0], start[1])
    x[li, k] = 1.0
    y[:, k] = u[:, la]
    w[k] = 1.0
    mm[li, k] = eta_mean[la]
    k = np.arange(start[1], start[2])
    x[:, k] = lam_l[:, bi]
    y[:, k] = u[:, bj]
    w[k] = 1.0
    mm[:, k] = lam_l[:, bi] * eta_mean[bj]
    k = np.arange(start[2], start[3])
    x[:, k] = lam_l[:, pa]
    y[:, k] = lam_l[:, pb]
    w[k] = np.where(pa == pb, 0.5, 1.0)
    k = np.arange(start[3], start[4])
    x[ti, k] = 1.0
    y[ti, k] = 1.0
    w[k] = 0.5
    k = np.arange(start[4], start[5])
    mm[ni, k] = 1.0
    k = np.arange(start[5], start[6])
    mm[:, k] = lam_l[:, ai]
    return x, y, mm, w


def _evaluate(theta, groups, layouts, n_par) -> tuple[float, np.ndarray, np.ndarray]:
    """F, its gradient and its expected Hessian (Σ_g N_g/N · E ∂²F_g)."""
    total = sum(s.n for s in groups)
    f = 0.0
    grad = np.zeros(n_par)
    hess = np.zeros((n_par, n_par))
    for st, lay in zip(groups, layouts, strict=True):
        imp = _implied(lay, theta)
        fg, inv = _discrepancy(st, imp, lay.meanstructure)
        if not np.isfinite(fg):
            return np.inf, grad, hess
        wg = st.n / total
        f += wg * fg
        x, y, mm, w = _derivative_vectors(lay, imp)
        if lay.meanstructure:
            d = st.mean - imp.mu
            pd_ = inv @ d
            resid = st.cov + np.outer(d, d)
        else:
            pd_ = np.zeros(st.cov.shape[0])
            resid = st.cov
        wmat = inv - inv @ resid @ inv  # ∂F/∂Σ
        g_slots = 2.0 * w * np.einsum("ij,ij->j", wmat @ x, y) - 2.0 * (mm.T @ pd_)
        px, py = inv @ x, inv @ y
        xpx, ypy, xpy = x.T @ px, y.T @ py, x.T @ py
        h_slots = 2.0 * np.outer(w, w) * (xpx * ypy + xpy * xpy.T) + 2.0 * (mm.T @ inv @ mm)
        idx = lay.par_index
        grad[idx] += wg * g_slots
        hess[np.ix_(idx, idx)] += wg * h_slots
    return f, grad, hess


# ----------------------------------------------------------------------- starting values
def _one_factor(c: np.ndarray) -> np.ndarray:
    """Principal-axis loadings of a one-factor model for a covariance block."""
    diag = np.diag(c).copy()
    h = 0.5 * diag
    load = np.sqrt(h)
    for _ in range(10):
        r = c.copy()
        r[np.diag_indices_from(r)] = h
        val, vec = np.linalg.eigh(r)
        load = vec[:, -1] * np.sqrt(max(val[-1], 1e-8))
        h = np.clip(load**2, 0.05 * diag, 0.95 * diag)
    if load.sum() < 0:
        load = -load
    return load


def _ls_cov(
    c: np.ndarray, rows: np.ndarray, cols: np.ndarray, lr: np.ndarray, lc: np.ndarray, *, same: bool
) -> float:
    """Least-squares φ in c[r, c] ≈ l_r l_c φ (off-diagonal cells only when ``same``)."""
    block = c[np.ix_(rows, cols)]
    weight = np.outer(lr, lc)
    if same:
        mask = ~np.eye(len(rows), dtype=bool)
        block, weight = block[mask], weight[mask]
    den = float(np.sum(weight**2))
    return float(np.sum(block * weight) / den) if den > 1e-12 else 0.0


def _make_pd(cov: np.ndarray, floor: float = 0.05) -> np.ndarray:
    sd = np.sqrt(np.clip(np.diag(cov), 1e-6, None))
    r = cov / np.outer(sd, sd)
    r[np.diag_indices_from(r)] = 1.0
    val, vec = np.linalg.eigh(r)
    if val[0] < floor:
        r = vec @ np.diag(np.clip(val, floor, None)) @ vec.T
        d = np.sqrt(np.diag(r))
        r = r / np.outer(d, d)
    return r * np.outer(sd, sd)


def _group_start(st: _GroupStats, model: CFAModel) -> dict[str, np.ndarray]:
    items = list(model.items)
    first = list(model.first_order)
    latents = list(model.latents)
    pos = {i: k for k, i in enumerate(items)}
    p, m = len(items), len(latents)
    s = st.cov
    lam = np.zeros((p, m))
    theta = 0.5 * np.diag(s)
    idx_of, load_of = {}, {}
    for a, f in enumerate(first):
        idx = np.array([pos[i] for i in model.factors[f]])
        load = _one_factor(s[np.ix_(idx, idx)])
        marker = load[0] if abs(load[0]) > 1e-3 * np.abs(load).max() else np.abs(load).max()
        lam[idx, a] = load / marker
        theta[idx] = np.clip(
            np.diag(s)[idx] - load**2, 0.05 * np.diag(s)[idx], 0.95 * np.diag(s)[idx]
        )
        idx_of[f], load_of[f] = idx, lam[idx, a]
    n1 = len(first)
    phi1 = np.zeros((n1, n1))
    for a, f in enumerate(first):
        for b in range(a, n1):
            g = first[b]
            phi1[a, b] = phi1[b, a] = _ls_cov(
                s, idx_of[f], idx_of[g], load_of[f], load_of[g], same=(a == b)
            )
        if phi1[a, a] <= 0:
            phi1[a, a] = 0.05 * float(np.mean(np.diag(s)[idx_of[f]]))
    phi1 = _make_pd(phi1)
    beta = np.zeros((m, m))
    psi = np.zeros((m, m))
    psi[:n1, :n1] = np.diag(np.diag(phi1))
    lat = {f: k for k, f in enumerate(latents)}
    under = {f: sname for sname, fs in (model.second_order or {}).items() for f in fs}
    exo = [f for f in latents if f not in under]
    # exogenous latent → (first-order members, their second-order loadings)
    members: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for sname, fs in (model.second_order or {}).items():
        j = np.array([lat[f] for f in fs])
        load = _one_factor(phi1[np.ix_(j, j)])
        marker = load[0] if abs(load[0]) > 1e-3 * np.abs(load).max() else np.abs(load).max()
        b = load / marker
        beta[j, lat[sname]] = b
        var = _ls_cov(phi1, j, j, b, b, same=True)
        var = var if var > 0 else 0.5 * float(phi1[j[0], j[0]])
        psi[j, j] = np.clip(
            np.diag(phi1)[j] - b**2 * var, 0.05 * np.diag(phi1)[j], 0.95 * np.diag(phi1)[j]
        )
        members[sname] = (j, b)
    for f in exo:
        if f not in members:
            members[f] = (np.array([lat[f]]), np.array([1.0]))
    k = [lat[f] for f in exo]
    block = np.zeros((len(exo), len(exo)))
    for u, fu in enumerate(exo):
        for v in range(u, len(exo)):
            fv = exo[v]
            ju, bu = members[fu]
            jv, bv = members[fv]
            same = u == v and fu in (model.second_order or {})
            block[u, v] = block[v, u] = _ls_cov(phi1, ju, jv, bu, bv, same=same)
        if block[u, u] <= 0:
            block[u, u] = 0.5 * float(np.mean(np.diag(phi1)[members[fu][0]]))
    psi[np.ix_(k, k)] = _make_pd(block)
    return {
        "lam": lam,
        "beta": beta,
        "psi": psi,
        "theta": theta,
        "nu": st.mean.copy(),
        "alpha": np.zeros(m),
    }


def _start_values(groups, layouts, model, n_par) -> np.ndarray:
    acc = np.zeros(n_par)
    cnt = np.zeros(n_par)
    for st, lay in zip(groups, layouts, strict=True):
        start = _group_start(st, model)
        for name in ("lam", "beta", "psi", "theta", "nu", "alpha"):
            pattern = getattr(lay, f"{name}_par")
            mask = pattern >= 0
            np.add.at(acc, pattern[mask], start[name][mask])
            np.add.at(cnt, pattern[mask], 1.0)
    return acc / np.maximum(cnt, 1.0)


# ------------------------------------------------------------------------------- optimiser
@dataclass(frozen=True)
class _Solution:
    theta: np.ndarray
    f: float
    grad: np.ndarray
    hess: np.ndarray
    converged: bool
    iterations: int


def _solve(groups, layouts, model, n_par) -> _Solution:
    """Fisher scoring with step halving; L-BFGS-B (analytic gradient) if it stalls."""
    theta = _start_values(groups, layouts, model, n_par)
    f, grad, hess = _evaluate(theta, groups, layouts, n_par)
    if not np.isfinite(f):  # starting Σ not positive definite: inflate residual variances
        for st, lay in zip(groups, layouts, strict=True):
            for i, q in zip(*lay.slots["theta"], strict=True):
                theta[q] = max(theta[q], 0.5 * st.cov[i, i])
        f, grad, hess = _evaluate(theta, groups, layouts, n_par)
    iterations = 0
    stalled = False
    for iterations in range(1, _MAX_ITER + 1):  # noqa: B007
        step = _newton_step(hess, grad)
        slope = float(grad @ step)
        if slope >= 0:
            step, slope = -grad, -float(grad @ grad)
        t = 1.0
        while True:
            f_new = _objective(theta + t * step, groups, layouts)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-10:
                stalled = True
                break
        if stalled:
            break
        theta = theta + t * step
        f_old = f
        f, grad, hess = _evaluate(theta, groups, layouts, n_par)
        if np.max(np.abs(grad)) < _GRADIENT_TOL:
            break
        if abs(f_old - f) <= 1e-15 * max(1.0, abs(f)) and np.max(np.abs(t * step)) < 1e-12:
            break
    if stalled or np.max(np.abs(grad)) >= _CONVERGED_TOL:
        res = optimize.minimize(
            lambda th: _fun_grad(th, groups, layouts, n_par),
            theta,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        if res.fun <= f:
            theta = res.x
            f, grad, hess = _evaluate(theta, groups, layouts, n_par)
        iterations += int(res.nit)
    converged = bool(np.isfinite(f) and np.max(np.abs(grad)) < _CONVERGED_TOL)
    return _Solution(theta, f, grad, hess, converged, iterations)


def _fun_grad(theta, groups, layouts, n_par) -> tuple[float, np.ndarray]:
    f, g, _ = _evaluate(theta, groups, layouts, n_par)
    if not np.isfinite(f):
        return 1e20, np.zeros(n_par)
    return f, g


def _newton_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    try:
        chol = linalg.cho_factor(hess, check_finite=False)
        return -linalg.cho_solve(chol, grad, check_finite=False)
    except linalg.LinAlgError:
        ridge = 1e-8 * max(1.0, float(np.max(np.diag(hess))))
        return -np.linalg.lstsq(hess + ridge * np.eye(len(grad)), grad, rcond=None)[0]


# ----------------------------------------------------------------------------- summaries
@dataclass(frozen=True)
class _Summary:
    fit: FitIndices
    estimates: pd.DataFrame
    warnings: tuple[str, ...]
    sigma: list[np.ndarray]
    phi: list[np.ndarray]


def _summarise(groups, layouts, table, sol: _Solution, model, *, meanstructure) -> _Summary:
    n = sum(s.n for s in groups)
    n_par = len(sol.theta)
    implied = [_implied(lay, sol.theta) for lay in layouts]
    warnings: list[str] = []
    if not sol.converged:
        warnings.append(
            f"the optimiser did not converge after {sol.iterations} iterations "
            f"(largest gradient {np.max(np.abs(sol.grad)):.2g}); results are unreliable"
        )
    # standard errors from the expected information (N/2)·H
    se = _standard_errors(0.5 * n * sol.hess)
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
    fit = _fit_indices(groups, implied, sol, n_par, meanstructure=meanstructure)
    return _Summary(
        fit=fit,
        estimates=est.reset_index(drop=True),
        warnings=tuple(warnings),
        sigma=[imp.sigma for imp in implied],
        phi=[imp.phi for imp in implied],
    )


def _standard_errors(info: np.ndarray) -> np.ndarray:
    """√diag(I⁻¹) of the expected information, or NaN when I is (near) singular."""
    n_par = info.shape[0]
    scale = np.sqrt(np.clip(np.diag(info), 1e-300, None))
    try:  # Cholesky of the scaled (correlation-like) information; fails when singular
        chol = linalg.cholesky(info / np.outer(scale, scale), lower=True, check_finite=False)
    except linalg.LinAlgError:
        return np.full(n_par, np.nan)
    if np.min(np.diag(chol)) ** 2 < 1e-12:
        return np.full(n_par, np.nan)
    inv_chol = linalg.solve_triangular(chol, np.eye(n_par), lower=True, check_finite=False)
    return np.sqrt(np.sum(inv_chol**2, axis=0)) / scale


def _standardize(est: pd.DataFrame, implied: list[_Implied], model: CFAModel) -> np.ndarray:
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


def _heywood(imp: _Implied, model: CFAModel, label: str | None) -> list[str]:
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


def _fit_indices(groups, implied, sol: _Solution, n_par, *, meanstructure) -> FitIndices:
    n = sum(s.n for s in groups)
    n_groups = len(groups)
    p = groups[0].cov.shape[0]
    moments = p * (p + 1) // 2 + (p if meanstructure else 0)
    df = n_groups * moments - n_par
    chisq = n * sol.f
    base = sum(s.n * (float(np.sum(np.log(np.diag(s.cov)))) - s.logdet) for s in groups)
    base_df = n_groups * p * (p - 1) // 2
    loglik = 0.0
    loglik_h1 = 0.0
    srmr = 0.0
    for st, imp in zip(groups, implied, strict=True):
        fg, _ = _discrepancy(st, imp, meanstructure)
        loglik_h1 += -0.5 * st.n * (p * _LOG_2PI + st.logdet + p)
        loglik += -0.5 * st.n * (p * _LOG_2PI + st.logdet + p + fg)
        srmr += st.n / n * _srmr_bentler(st, imp, meanstructure)
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base - base_df, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0) and np.isclose(t2, 0.0) else 1.0 - t1 / t2
    tt2 = (base - base_df) * df
    tli = 1.0 - (chisq - df) * base_df / tt2 if df > 0 and abs(tt2) > 0 else 1.0
    rmsea = (
        float(np.sqrt(max(chisq / n / df - 1.0 / n, 0.0)) * np.sqrt(n_groups)) if df > 0 else 0.0
    )
    return FitIndices(
        n=n,
        n_groups=n_groups,
        npar=n_par,
        chisq=float(chisq),
        df=int(df),
        pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan"),
        baseline_chisq=float(base),
        baseline_df=int(base_df),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=rmsea,
        rmsea_ci=_rmsea_ci(chisq, df, n, n_groups),
        rmsea_pvalue=_rmsea_pvalue(chisq, df, n, n_groups),
        srmr=float(srmr),
        loglik=float(loglik),
        loglik_unrestricted=float(loglik_h1),
        aic=float(-2.0 * loglik + 2.0 * n_par),
        bic=float(-2.0 * loglik + n_par * np.log(n)),
        converged=sol.converged,
    )


def _srmr_bentler(st: _GroupStats, imp: _Implied, meanstructure: bool) -> float:
    """lavaan's ``srmr_bentler`` for one group (residuals scaled by the observed SDs)."""
    sd = np.sqrt(np.diag(st.cov))
    resid = (st.cov - imp.sigma) / np.outer(sd, sd)
    vech = resid[np.triu_indices_from(resid)]
    if meanstructure:
        vech = np.concatenate([vech, (st.mean - imp.mu) / sd])
    return float(np.sqrt(np.mean(vech**2)))


def _pchisq_nc(x: float, df: int, ncp: float) -> float:
    return float(stats.chi2.cdf(x, df) if ncp <= 0 else stats.ncx2.cdf(x, df, ncp))


def _rmsea_ci(
    chisq: float, df: int, n: int, n_groups: int, level: float = 0.90
) -> tuple[float, float]:
    """lavaan's 90% RMSEA interval: invert the noncentral χ² in its noncentrality λ."""
    if df < 1 or not np.isfinite(chisq):
        return (0.0, 0.0)
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2
    scale = np.sqrt(n_groups)

    def lower_fn(lam: float) -> float:
        return _pchisq_nc(chisq, df, lam) - upper_p

    def upper_fn(lam: float) -> float:
        return _pchisq_nc(chisq, df, lam) - lower_p

    if lower_fn(0.0) < 0:
        lo = 0.0
    else:
        lam = optimize.brentq(lower_fn, 0.0, chisq, xtol=1e-10)
        lo = float(np.sqrt(lam / (n * df)) * scale)
    n_rmsea = max(n, 4 * chisq)
    if upper_fn(n_rmsea) > 0 or upper_fn(0.0) < 0:
        hi = 0.0
    else:
        lam = optimize.brentq(upper_fn, 0.0, n_rmsea, xtol=1e-10)
        hi = float(np.sqrt(lam / (n * df)) * scale)
    return (lo, hi)


def _rmsea_pvalue(chisq: float, df: int, n: int, n_groups: int, h0: float = 0.05) -> float:
    """p(RMSEA ≤ h0): 1 − P(χ²_df(λ) ≤ χ²) with λ = N·df·h0²/G (lavaan)."""
    if df < 1:
        return float("nan")
    ncp = n * df * h0**2 / n_groups
    return float(1.0 - _pchisq_nc(chisq, df, ncp))
