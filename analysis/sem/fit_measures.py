"""Fit measures of a fitted CFA: χ² test, baseline model, CFI, TLI, RMSEA with its interval and
close-fit test, SRMR, log-likelihood, AIC and BIC.

The counterpart of lavaan's ``lav_test.R`` and ``lav_fit_measures.R``; judgements of these
values against published cut-offs live in :mod:`analysis.criteria`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from analysis.sem.implied import ImpliedMoments
from analysis.sem.ml import LOG_2PI, Solution, discrepancy
from analysis.sem.samplestats import GroupStats


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


def fit_indices(groups, implied, sol: Solution, n_par, *, meanstructure) -> FitIndices:
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
        fg, _ = discrepancy(st, imp, meanstructure)
        loglik_h1 += -0.5 * st.n * (p * LOG_2PI + st.logdet + p)
        loglik += -0.5 * st.n * (p * LOG_2PI + st.logdet + p + fg)
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


def _srmr_bentler(st: GroupStats, imp: ImpliedMoments, meanstructure: bool) -> float:
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
