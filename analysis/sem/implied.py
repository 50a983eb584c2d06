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

    @classmethod
    def empty(cls, n_items: int, n_latents: int, *, meanstructure: bool, has_beta: bool) -> Layout:
        """A layout with every cell fixed to 0, to be filled by :func:`build_layouts`."""
        p, m = n_items, n_latents
        return cls(
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
            has_beta=has_beta,
        )

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
    """Matrices' free/fixed patterns per group and the parameter table (lavaan's parTable).

    Parameters are numbered in the order lavaan's parTable lists them, group by group:
    loadings (first-order, then second-order), residual variances, latent variances and
    covariances, then intercepts and latent means. A parameter held ``equal`` across groups
    keeps the number it got in the first group.
    """
    where = _Positions.of(model)
    table = _ParTable(equal=tuple(equal))
    layouts = []
    for g in range(n_groups):
        lay = Layout.empty(
            len(where.items),
            len(where.latents),
            meanstructure=meanstructure,
            has_beta=bool(model.second_order),
        )
        _add_loadings(lay, table, model, where, g)
        _add_variances(lay, table, where, g)
        if meanstructure:
            _add_means(lay, table, where, g)
        lay.finalise()
        layouts.append(lay)
    return layouts, pd.DataFrame(table.rows), len(table.keys)


@dataclass(frozen=True)
class _Positions:
    """Row/column of each item and latent, and the latents no second-order factor loads on."""

    items: dict[str, int]
    latents: dict[str, int]
    exogenous: tuple[str, ...]

    @classmethod
    def of(cls, model: CFAModel) -> _Positions:
        """The positions of ``model``'s variables in its matrices."""
        under = {f for firsts in (model.second_order or {}).values() for f in firsts}
        return cls(
            items={i: k for k, i in enumerate(model.items)},
            latents={f: k for k, f in enumerate(model.latents)},
            exogenous=tuple(f for f in model.latents if f not in under),
        )


@dataclass
class _ParTable:
    """lavaan's parTable as it is built: a number per free parameter, and one row per cell."""

    equal: tuple[str, ...]
    keys: dict[tuple, int] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)

    def key(self, kind: str, *names: str, group: int) -> tuple:
        """A parameter's identity: shared by all groups when ``kind`` is held equal."""
        return (kind, *names) if kind in self.equal else (kind, *names, group)

    def free(self, lhs: str, op: str, rhs: str, group: int, key: tuple) -> int:
        """Add a free parameter's row; its number is ``key``'s, new if ``key`` is."""
        q = self.keys.setdefault(key, len(self.keys))
        self.rows.append(dict(lhs=lhs, op=op, rhs=rhs, group=group, par=q, fixed=np.nan))
        return q

    def fixed(self, lhs: str, op: str, rhs: str, group: int, value: float) -> None:
        """Add a fixed parameter's row."""
        self.rows.append(dict(lhs=lhs, op=op, rhs=rhs, group=group, par=-1, fixed=value))


def _add_loadings(
    lay: Layout, table: _ParTable, model: CFAModel, where: _Positions, g: int
) -> None:
    """Λ (items on first-order factors), then B (first-order on second-order factors)."""
    for f, indicators in model.factors.items():
        _add_factor(lay.lam, lay.lam_par, table, f, where.latents[f], indicators, where.items, g)
    for s, firsts in (model.second_order or {}).items():
        _add_factor(lay.beta, lay.beta_par, table, s, where.latents[s], firsts, where.latents, g)


def _add_factor(
    values: np.ndarray,
    pattern: np.ndarray,
    table: _ParTable,
    factor: str,
    column: int,
    indicators: Sequence[str],
    row_of: dict[str, int],
    g: int,
) -> None:
    """One factor's column of loadings: the first indicator is the marker (fixed to 1)."""
    for k, indicator in enumerate(indicators):
        i = row_of[indicator]
        if k == 0:
            values[i, column] = 1.0
            table.fixed(factor, "=~", indicator, g, 1.0)
        else:
            key = table.key("loadings", factor, indicator, group=g)
            pattern[i, column] = table.free(factor, "=~", indicator, g, key)


def _add_variances(lay: Layout, table: _ParTable, where: _Positions, g: int) -> None:
    """Θ (residual variances), Ψ's diagonal, then the covariances of the exogenous latents."""
    for item, i in where.items.items():
        lay.theta_par[i] = table.free(item, "~~", item, g, ("theta", item, g))
    for f, a in where.latents.items():
        lay.psi_par[a, a] = table.free(f, "~~", f, g, ("psi", f, f, g))
    exogenous = where.exogenous
    for x, f1 in enumerate(exogenous):
        for f2 in exogenous[x + 1 :]:
            a, b = where.latents[f1], where.latents[f2]
            lay.psi_par[a, b] = lay.psi_par[b, a] = table.free(f1, "~~", f2, g, ("psi", f1, f2, g))


def _add_means(lay: Layout, table: _ParTable, where: _Positions, g: int) -> None:
    """ν (intercepts), and α: latent means free beyond the first group when intercepts are equal."""
    for item, i in where.items.items():
        lay.nu_par[i] = table.free(item, "~1", "", g, table.key("intercepts", item, group=g))
    for f, a in where.latents.items():
        if "intercepts" in table.equal and g > 0:
            lay.alpha_par[a] = table.free(f, "~1", "", g, ("alpha", f, g))
        else:
            table.fixed(f, "~1", "", g, 0.0)


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
