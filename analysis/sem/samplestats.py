"""Sample statistics of a CFA: the complete cases, their covariances and means per group.

The counterpart of lavaan's ``lav_samplestats.R``: the sample covariance uses divisor N (as
lavaan's ML), and the degrees of freedom are checked before anything is estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.linalg import rank_diagnosis
from analysis.sem.model import CFAModel, minimum_sample_size


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
class GroupStats:
    """Sample statistics of one group (covariance with divisor N)."""

    label: str | None
    n: int
    cov: np.ndarray
    mean: np.ndarray
    logdet: float


def group_sample_stats(
    x: np.ndarray, items: Sequence[str], model: CFAModel, *, label: str | None, n_total: int | None
) -> GroupStats:
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
    return GroupStats(label=label, n=n, cov=cov, mean=mean, logdet=logdet)


def check_degrees_of_freedom(
    groups: Sequence[GroupStats], n_par: int, *, meanstructure: bool
) -> None:
    p = groups[0].cov.shape[0]
    moments = len(groups) * (p * (p + 1) // 2 + (p if meanstructure else 0))
    if n_par > moments:
        raise ValueError(
            f"the model is not identified: {n_par} free parameters but only {moments} sample "
            f"moments (df = {moments - n_par})"
        )
