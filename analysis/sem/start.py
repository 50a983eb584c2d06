"""Starting values for the ML fit, as lavaan's ``simple`` start: one-factor loadings per factor,
residuals from the sample variances, factor (co)variances by least squares.
"""

from __future__ import annotations

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
