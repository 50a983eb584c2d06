"""Measurement invariance across groups: configural, metric and scalar CFA models.

Fits the same first-order CFA in every group with increasingly strict equality constraints,
as ``lavaan::cfa(model, data, group = g, group.equal = ...)`` and
``semTools::measurementInvariance`` do, and judges each step by the change in fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.criteria import invariant
from analysis.sem.cfa import MultiGroupCFAResult, fit_multigroup_cfa
from analysis.sem.model import CFAModel, Missing, SmallGroups

#: The three nested models and the parameters each holds equal across groups.
STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
}

TABLE_COLUMNS = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "delta_chisq",
    "delta_df",
    "delta_p",
    "delta_cfi",
    "delta_rmsea",
    "verdict",
)


@dataclass(frozen=True)
class InvarianceResult:
    """Configural, metric and scalar fits and their comparison.

    Attributes
    ----------
    table : DataFrame
        Indexed ``configural``, ``metric``, ``scalar``; columns ``chisq, df, pvalue, cfi, tli,
        rmsea, srmr`` of each model, ``delta_chisq, delta_df, delta_p`` (χ² difference test
        against the previous model), ``delta_cfi, delta_rmsea`` (change from the previous
        model) and ``verdict``: ``"reference"`` for the configural model, otherwise
        ``"invariant"`` (ΔCFI ≥ −.010 and ΔRMSEA ≤ .015), ``"not invariant"``, or
        ``"not converged"``.
    fits : dict of str to MultiGroupCFAResult
        The three fitted models.
    group : str
        The grouping column.
    group_sizes : Series
        Complete rows per group used.
    dropped_groups : Series
        Groups left out as too small (only with ``small_groups="drop"``).
    warnings : tuple of str
        Warnings from the fits (each prefixed with its model).
    """

    table: pd.DataFrame
    fits: Mapping[str, MultiGroupCFAResult]
    group: str
    group_sizes: pd.Series
    dropped_groups: pd.Series
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, dict[str, object]]:
        """``{step: {chisq, df, pvalue, cfi, tli, rmsea, srmr, delta_*, verdict}}`` (NaN → None)."""
        out: dict[str, dict[str, object]] = {}
        for step, row in self.table.iterrows():
            entry: dict[str, object] = {}
            for key, value in row.items():
                if isinstance(value, str):
                    entry[key] = value
                elif value is None or pd.isna(value):
                    entry[key] = None
                elif key in ("df", "delta_df"):
                    entry[key] = int(value)
                else:
                    entry[key] = float(value)
            out[str(step)] = entry
        return out


def measurement_invariance(
    data: pd.DataFrame,
    model: CFAModel,
    group: str,
    *,
    min_group_size: int = 30,
    small_groups: SmallGroups = "error",
    missing: Missing = "listwise",
) -> InvarianceResult:
    """Test configural, metric and scalar invariance of a CFA across groups.

    Parameters
    ----------
    data : DataFrame
        Keyed items and the ``group`` column, one row per respondent.
    model : CFAModel
        A first-order measurement model.
    group : str
        Grouping column (rows with a missing group are dropped).
    min_group_size : int, default 30
        Fewest complete rows a group may have (never fewer than items + 1).
    small_groups : {"error", "drop"}, default "error"
        A group below the minimum raises a ``ValueError`` naming it and its size, or (with
        ``"drop"``) is left out and listed in ``dropped_groups`` and ``warnings``.
    missing : {"listwise"}
        Rows with a missing item are dropped.

    Returns
    -------
    InvarianceResult
        The comparison table and the three fits.

    Raises
    ------
    ValueError
        The group column is missing; fewer than two (usable) groups; a group smaller than the
        minimum (with ``small_groups="error"``); a second-order model; and every input error
        of :func:`analysis.sem.cfa.fit_multigroup_cfa`.

    Notes
    -----
    Models (lavaan's ``group.equal``): *configural* — same pattern, all parameters free per
    group, latent means 0; *metric* — loadings equal; *scalar* — loadings and intercepts
    equal, latent means free in all groups but the first. Δχ² = χ²_step − χ²_previous on
    Δdf = df_step − df_previous degrees of freedom, p from the χ² distribution (the ML
    likelihood-ratio test of ``lavaan::lavTestLRT``). Because Δχ² rejects trivial
    differences in large samples, the verdict follows the change in approximate fit:
    invariance holds when ΔCFI ≥ −0.010 (Cheung & Rensvold, 2002; Chen, 2007) and
    ΔRMSEA ≤ 0.015 (Chen, 2007).

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
    measurement invariance. *Structural Equation Modeling*, 9, 233–255.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. *Structural Equation Modeling*, 14, 464–504.
    Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the measurement
    invariance literature. *Organizational Research Methods*, 3, 4–70.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.sem.model import CFAModel
    >>> hs = pd.read_csv("tests/data/holzinger39.csv")
    >>> model = CFAModel({"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6"),
    ...                   "speed": ("x7", "x8", "x9")})
    >>> res = measurement_invariance(hs, model, "school")
    >>> res.table["chisq"].round(2).tolist(), res.table["df"].tolist()
    ([115.85, 124.04, 164.1], [48, 54, 60])
    >>> res.table["verdict"].tolist()
    ['reference', 'invariant', 'not invariant']
    """
    fits = {
        step: fit_multigroup_cfa(
            data,
            model,
            group,
            equal=equal,
            min_group_size=min_group_size,
            small_groups=small_groups,
            missing=missing,
        )
        for step, equal in STEPS.items()
    }
    rows = {}
    previous = None
    for step, res in fits.items():
        fit = res.fit
        row: dict[str, object] = {
            "chisq": fit.chisq,
            "df": fit.df,
            "pvalue": fit.pvalue,
            "cfi": fit.cfi,
            "tli": fit.tli,
            "rmsea": fit.rmsea,
            "srmr": fit.srmr,
        }
        if previous is None:
            row.update(
                delta_chisq=np.nan,
                delta_df=np.nan,
                delta_p=np.nan,
                delta_cfi=np.nan,
                delta_rmsea=np.nan,
            )
            verdict = "reference"
        else:
            d_chisq = fit.chisq - previous.chisq
            d_df = fit.df - previous.df
            d_cfi = fit.cfi - previous.cfi
            d_rmsea = fit.rmsea - previous.rmsea
            row.update(
                delta_chisq=d_chisq,
                delta_df=d_df,
                delta_p=float(stats.chi2.sf(max(d_chisq, 0.0), d_df)) if d_df > 0 else np.nan,
                delta_cfi=d_cfi,
                delta_rmsea=d_rmsea,
            )
            ok = invariant(d_cfi, d_rmsea)
            verdict = "invariant" if ok else "not invariant"
        if not res.converged:
            verdict = "not converged"
        row["verdict"] = verdict
        rows[step] = row
        previous = fit
    table = pd.DataFrame.from_dict(rows, orient="index").loc[:, list(TABLE_COLUMNS)]
    table.index.name = "model"
    first = fits["configural"]
    warnings = tuple(
        dict.fromkeys(f"{step}: {w}" for step, res in fits.items() for w in res.warnings)
    )
    return InvarianceResult(
        table=table,
        fits=fits,
        group=group,
        group_sizes=first.group_sizes,
        dropped_groups=first.dropped_groups,
        warnings=warnings,
    )
