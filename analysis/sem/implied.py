"""The parameter layout of a CFA and its model-implied moments.

A :class:`Layout` places the free parameters of one group into the loading (Λ), factor
covariance (Φ, with second-order Γ and Ψ), residual (Θ) and intercept (ν, α) matrices;
:func:`implied` turns a parameter vector into Σ(θ) and μ(θ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.sem.model import CFAModel


# ------------------------------------------------------------------- parameter layout (LISREL)
@dataclass
class Layout:
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


def build_layouts(
    model: CFAModel, *, n_groups: int, meanstructure: bool, equal: Sequence[str]
) -> tuple[list[Layout], pd.DataFrame, int]:
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
        lay = Layout(
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
class ImpliedMoments:
    sigma: np.ndarray
    mu: np.ndarray
    phi: np.ndarray
    lam: np.ndarray
    a_mat: np.ndarray
    alpha: np.ndarray
    theta_diag: np.ndarray
    psi: np.ndarray
    beta: np.ndarray


def implied_moments(lay: Layout, theta: np.ndarray) -> ImpliedMoments:
    lam, beta, psi, th, nu, alpha = lay.matrices(theta)
    m = lam.shape[1]
    a_mat = np.linalg.inv(np.eye(m) - beta) if lay.has_beta else np.eye(m)
    phi = a_mat @ psi @ a_mat.T if lay.has_beta else psi
    sigma = lam @ phi @ lam.T
    sigma[np.diag_indices_from(sigma)] += th
    mu = nu + lam @ (a_mat @ alpha) if lay.meanstructure else np.zeros(lam.shape[0])
    return ImpliedMoments(sigma, mu, phi, lam, a_mat, alpha, th, psi, beta)
