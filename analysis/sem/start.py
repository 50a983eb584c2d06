"""Starting values for the ML fit, as lavaan's ``simple`` start: one-factor loadings per factor,
residuals from the sample variances, factor (co)variances by least squares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.sem.model import CFAModel
from analysis.sem.samplestats import GroupStats


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


def _group_start(st: GroupStats, model: CFAModel) -> dict[str, np.ndarray]:
    """Starting Λ, B, Ψ, Θ, ν and α of one group."""
    first = _first_order_start(st.cov, model)
    phi1 = _first_order_cov(st.cov, model, first)
    second = _second_order_start(phi1, model)
    k, block = _exogenous_cov(phi1, model, second.members)
    psi = second.psi.copy()
    psi[np.ix_(k, k)] = block
    return {
        "lam": first.lam,
        "beta": second.beta,
        "psi": psi,
        "theta": first.theta,
        "nu": st.mean.copy(),
        "alpha": np.zeros(len(model.latents)),
    }


@dataclass(frozen=True)
class _FirstOrder:
    """Starting Λ and Θ, with each first-order factor's item rows and marker-scaled loadings."""

    lam: np.ndarray
    theta: np.ndarray
    rows: dict[str, np.ndarray]
    loadings: dict[str, np.ndarray]


@dataclass(frozen=True)
class _SecondOrder:
    """Starting B and the disturbances on Ψ's diagonal (first-order factors), and for each
    exogenous latent the first-order factors it stands for with their B loadings."""

    beta: np.ndarray
    psi: np.ndarray
    members: dict[str, tuple[np.ndarray, np.ndarray]]


def _to_marker(load: np.ndarray) -> np.ndarray:
    """Loadings rescaled so the marker's is 1 (the largest's if the marker's is near 0)."""
    marker = load[0] if abs(load[0]) > 1e-3 * np.abs(load).max() else np.abs(load).max()
    return load / marker


def _first_order_start(s: np.ndarray, model: CFAModel) -> _FirstOrder:
    """A one-factor fit per first-order factor: loadings, and residuals from the variances."""
    pos = {i: k for k, i in enumerate(model.items)}
    lam = np.zeros((len(model.items), len(model.latents)))
    theta = 0.5 * np.diag(s)
    rows, loadings = {}, {}
    for a, f in enumerate(model.first_order):
        idx = np.array([pos[i] for i in model.factors[f]])
        load = _one_factor(s[np.ix_(idx, idx)])
        lam[idx, a] = _to_marker(load)
        theta[idx] = np.clip(
            np.diag(s)[idx] - load**2, 0.05 * np.diag(s)[idx], 0.95 * np.diag(s)[idx]
        )
        rows[f], loadings[f] = idx, lam[idx, a]
    return _FirstOrder(lam=lam, theta=theta, rows=rows, loadings=loadings)


def _first_order_cov(s: np.ndarray, model: CFAModel, first: _FirstOrder) -> np.ndarray:
    """Least-squares (co)variances of the first-order factors, made positive definite."""
    names = list(model.first_order)
    n1 = len(names)
    phi1 = np.zeros((n1, n1))
    rows, loadings = first.rows, first.loadings
    for a, f in enumerate(names):
        for b in range(a, n1):
            g = names[b]
            phi1[a, b] = phi1[b, a] = _ls_cov(
                s, rows[f], rows[g], loadings[f], loadings[g], same=(a == b)
            )
        if phi1[a, a] <= 0:
            phi1[a, a] = 0.05 * float(np.mean(np.diag(s)[rows[f]]))
    return _make_pd(phi1)


def _second_order_start(phi1: np.ndarray, model: CFAModel) -> _SecondOrder:
    """A one-factor fit of Φ₁ per second-order factor: B loadings and disturbances."""
    m = len(model.latents)
    n1 = len(phi1)
    lat = {f: k for k, f in enumerate(model.latents)}
    beta = np.zeros((m, m))
    psi = np.zeros((m, m))
    psi[:n1, :n1] = np.diag(np.diag(phi1))
    members: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for sname, fs in (model.second_order or {}).items():
        j = np.array([lat[f] for f in fs])
        b = _to_marker(_one_factor(phi1[np.ix_(j, j)]))
        beta[j, lat[sname]] = b
        var = _ls_cov(phi1, j, j, b, b, same=True)
        var = var if var > 0 else 0.5 * float(phi1[j[0], j[0]])
        psi[j, j] = np.clip(
            np.diag(phi1)[j] - b**2 * var, 0.05 * np.diag(phi1)[j], 0.95 * np.diag(phi1)[j]
        )
        members[sname] = (j, b)
    return _SecondOrder(beta=beta, psi=psi, members=members)


def _exogenous_cov(
    phi1: np.ndarray, model: CFAModel, members: dict[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[list[int], np.ndarray]:
    """Where the exogenous latents sit, and their least-squares (co)variances made PD."""
    lat = {f: k for k, f in enumerate(model.latents)}
    under = {f for fs in (model.second_order or {}).values() for f in fs}
    exo = [f for f in model.latents if f not in under]
    # an exogenous first-order factor stands for itself, with loading 1
    members = {f: members.get(f, (np.array([lat[f]]), np.array([1.0]))) for f in exo}
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
    return [lat[f] for f in exo], _make_pd(block)


def start_values(groups, layouts, model, n_par) -> np.ndarray:
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
