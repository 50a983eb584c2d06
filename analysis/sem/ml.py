"""Normal-theory maximum-likelihood estimation: the F_ML discrepancy, its analytic gradient and
expected information, Fisher scoring, and standard errors.

The counterpart of lavaan's ``lav_model_estimate.R`` for ``estimator = "ML"``; another
estimator is another module beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from analysis.sem.implied import ImpliedMoments, Layout, implied_moments
from analysis.sem.samplestats import GroupStats
from analysis.sem.start import start_values

LOG_2PI = float(np.log(2.0 * np.pi))


#: Fisher scoring stops when the largest absolute gradient of F_ML is below this.
_GRADIENT_TOL = 1e-9


#: A solution counts as converged when the largest absolute gradient is below this.
_CONVERGED_TOL = 1e-5


_MAX_ITER = 500


def discrepancy(
    st: GroupStats, imp: ImpliedMoments, meanstructure: bool
) -> tuple[float, np.ndarray]:
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
        fg, _ = discrepancy(st, implied_moments(lay, theta), lay.meanstructure)
        if not np.isfinite(fg):
            return np.inf
        f += st.n / total * fg
    return f


def _derivative_vectors(lay: Layout, imp: ImpliedMoments) -> tuple[np.ndarray, ...]:
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
        imp = implied_moments(lay, theta)
        fg, inv = discrepancy(st, imp, lay.meanstructure)
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


# ------------------------------------------------------------------------------- optimiser
@dataclass(frozen=True)
class Solution:
    theta: np.ndarray
    f: float
    grad: np.ndarray
    hess: np.ndarray
    converged: bool
    iterations: int


def estimate(groups, layouts, model, n_par) -> Solution:
    """Fisher scoring with step halving; L-BFGS-B (analytic gradient) if it stalls."""
    theta = start_values(groups, layouts, model, n_par)
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
    return Solution(theta, f, grad, hess, converged, iterations)


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


def standard_errors(info: np.ndarray) -> np.ndarray:
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
