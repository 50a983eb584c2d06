"""The ``results.json`` sections as small labelled tables, for apps and notebooks.

:mod:`analysis.report.html` turns the results into HTML; these functions turn the same sections
into DataFrames (one row per construct, model or criterion) with the verdicts the report
prints, so the dashboard shows the same numbers and judgements as the report. Nothing is
computed anew: every value is read from the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.criteria import alpha_verdict, fit_verdict
from analysis.sem.invariance import TABLE_COLUMNS

_FIT = ("cfi", "tli", "rmsea", "srmr")


def _num(value: Any) -> float:
    return np.nan if value is None else float(value)


def scorecard_table(generalisability: Mapping[str, Any]) -> pd.DataFrame:
    """The generalisability scorecard, one row per criterion.

    Parameters
    ----------
    generalisability : mapping
        ``results["generalisability"]``.

    Returns
    -------
    DataFrame
        Indexed by criterion key: ``area``, ``criterion``, ``verdict``, ``evidence``,
        ``needs`` (the threshold), ``meaning`` (the explanation), in the scorecard's order.
    """
    rows = generalisability.get("rows", [])
    frame = pd.DataFrame(
        {
            "area": [r["area"] for r in rows],
            "criterion": [r["criterion"] for r in rows],
            "verdict": [r["verdict"] for r in rows],
            "evidence": [r["value"] for r in rows],
            "needs": [r["threshold"] for r in rows],
            "meaning": [r["explanation"] for r in rows],
        },
        index=pd.Index([r["key"] for r in rows], name="key"),
    )
    return frame


def calibrated_cuts_table(calibrated: Mapping[str, Any]) -> pd.DataFrame:
    """The stage rule's threshold beside the cut the data suggest, per level.

    Parameters
    ----------
    calibrated : mapping
        ``results["stages"]["calibrated_thresholds"]``.

    Returns
    -------
    DataFrame
        One row per level: ``level``, ``rule`` (the threshold in force), ``data's cut``,
        ``95% CI`` (text) and ``note`` (why there is no cut, or the share developed).
    """
    rows = []
    for level, c in calibrated.items():
        ci = c.get("ci")
        cut = c.get("cut")
        rows.append(
            {
                "level": level,
                "rule": c.get("theory"),
                "data's cut": cut,
                "95% CI": f"{ci[0]:.2f}–{ci[1]:.2f}" if ci else "",
                "note": c.get("reason")
                if cut is None
                else f"{c['share_developed']:.0%} of firms in the developed group",
            }
        )
    return pd.DataFrame(rows, columns=["level", "rule", "data's cut", "95% CI", "note"])


def reliability_table(reliability: Mapping[str, Any]) -> pd.DataFrame:
    """Cronbach's α with its Feldt interval, standardised α and ω per construct.

    Returns
    -------
    DataFrame
        Indexed by construct: ``n_items``, ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``,
        ``alpha_std``, ``omega`` and ``verdict`` (of α: good ≥ .80, acceptable ≥ .70).
    """
    rows = {}
    for construct, r in reliability.items():
        ci = r.get("alpha_ci") or [None, None]
        rows[construct] = {
            "n_items": int(r["n_items"]),
            "alpha": _num(r["alpha"]),
            "alpha_ci_low": _num(ci[0]),
            "alpha_ci_high": _num(ci[1]),
            "alpha_std": _num(r.get("alpha_std")),
            "omega": _num(r.get("omega")),
            "verdict": alpha_verdict(r["alpha"])[1],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "construct"
    return out


def fit_table(cfa: Mapping[str, Any]) -> pd.DataFrame:
    """Global fit of the first-order CFA (and of the second-order model, when fitted).

    Returns
    -------
    DataFrame
        Indexed by model (``first order``, ``second order``): ``n``, ``chisq``, ``df``,
        ``pvalue``, ``cfi``, ``tli``, ``rmsea``, ``rmsea_ci_low``, ``rmsea_ci_high``,
        ``srmr`` and a verdict per index (``cfi_verdict`` …; Hu & Bentler, 1999). Empty when
        the CFA was not run.
    """
    models = {}
    if cfa.get("status") == "ok":
        models["first order"] = cfa
        second = cfa.get("second_order")
        if isinstance(second, Mapping) and second.get("status") == "ok":
            models["second order"] = {"n": cfa.get("n"), **second}
    rows = {}
    for name, m in models.items():
        ci = m.get("rmsea_ci") or [None, None]
        row = {
            "n": m.get("n"),
            "chisq": _num(m["chisq"]),
            "df": int(m["df"]),
            "pvalue": _num(m.get("pvalue")),
            **{k: _num(m[k]) for k in _FIT},
            "rmsea_ci_low": _num(ci[0]),
            "rmsea_ci_high": _num(ci[1]),
        }
        for k in _FIT:
            row[f"{k}_verdict"] = fit_verdict(k, m[k])[1]
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    return out


def validity_table(validity: Mapping[str, Any]) -> pd.DataFrame:
    """Composite reliability, AVE, √AVE and each construct's highest HTMT.

    Returns
    -------
    DataFrame
        Indexed by construct: ``cr``, ``ave``, ``sqrt_ave``, ``max_htmt`` and
        ``max_htmt_with`` (the construct it overlaps most with). Empty when not run.
    """
    if validity.get("status") != "ok":
        return pd.DataFrame(columns=["cr", "ave", "sqrt_ave", "max_htmt", "max_htmt_with"])
    htmt = pd.DataFrame(validity["htmt"]).T.astype(float)
    rows = {}
    for construct, cr in validity["cr"].items():
        ave = _num(validity["ave"].get(construct))
        others = htmt.loc[construct].drop(construct, errors="ignore").dropna()
        rows[construct] = {
            "cr": _num(cr),
            "ave": ave,
            "sqrt_ave": float(np.sqrt(ave)) if ave >= 0 else np.nan,
            "max_htmt": float(others.max()) if len(others) else np.nan,
            "max_htmt_with": str(others.idxmax()) if len(others) else "",
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "construct"
    return out


def invariance_table(invariance: Mapping[str, Any]) -> pd.DataFrame:
    """Configural, metric and scalar models with the changes in fit and the verdicts.

    Returns
    -------
    DataFrame
        Indexed by model: ``chisq``, ``df``, ``cfi``, ``tli``, ``rmsea``, ``srmr``,
        ``delta_chisq``, ``delta_df``, ``delta_p``, ``delta_cfi``, ``delta_rmsea`` and
        ``verdict`` (Chen, 2007: ΔCFI ≥ −.010 and ΔRMSEA ≤ .015). Empty when not run.
    """
    columns = [c for c in TABLE_COLUMNS if c != "pvalue"]
    if invariance.get("status") != "ok":
        return pd.DataFrame(columns=columns)
    rows = {}
    for model in ("configural", "metric", "scalar"):
        m = invariance.get(model)
        if isinstance(m, Mapping):
            rows[model] = {c: (m.get(c) if c == "verdict" else _num(m.get(c))) for c in columns}
    out = pd.DataFrame.from_dict(rows, orient="index")[columns]
    out.index.name = "model"
    return out
