"""Construct validity from a CFA: composite reliability, AVE, Fornell–Larcker and HTMT.

Convergent validity: composite reliability (CR ≥ .70) and average variance extracted
(AVE ≥ .50) per factor, from the standardized loadings of a fitted
:class:`~analysis.sem.cfa.CFAResult`
(Fornell & Larcker, 1981). Discriminant validity: the Fornell–Larcker table (√AVE of each
factor larger than its correlations with the others) and the heterotrait–monotrait ratio of
correlations (HTMT < .85 or < .90; Henseler, Ringle & Sarstedt, 2015), computed as
``semTools::htmt`` does.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from analysis.sem.cfa import CFAResult
from analysis.sem.model import CFAModel
from analysis.sem.samplestats import numeric_items

HTMTVariant = Literal["htmt2", "htmt"]


def _first_order_loadings(result: CFAResult) -> dict[str, np.ndarray]:
    if not isinstance(result, CFAResult):
        raise TypeError(f"result must be a CFAResult from fit_cfa, got {type(result).__name__}")
    std = result.std_loadings
    return {
        f: std.loc[f].reindex(list(items)).to_numpy(dtype=float)
        for f, items in result.model.factors.items()
    }


def composite_reliability(result: CFAResult) -> pd.Series:
    """Composite (construct) reliability of each first-order factor.

    Parameters
    ----------
    result : CFAResult
        A fitted single-group CFA.

    Returns
    -------
    Series
        CR per first-order factor (index = factor id).

    Notes
    -----
    With standardized loadings :math:`\\lambda_j` (lavaan's ``std.all``) of the factor's k
    indicators,

    .. math:: CR = \\frac{(\\sum \\lambda_j)^2}{(\\sum \\lambda_j)^2 + \\sum (1-\\lambda_j^2)}.

    This is Fornell & Larcker's formula computed from ``lavaan::standardizedSolution``; it
    differs slightly from ``semTools::compRelSEM`` (model-based ω with the observed total
    variance in the denominator).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research*, 18, 39–50.

    Examples
    --------
    >>> from analysis.sem.cfa import fit_cfa
    >>> from analysis.sem.model import model_from_instrument
    >>> from analysis.measurement.scoring import keyed_items
    >>> from analysis.data.simulate import simulate
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> keyed = keyed_items(simulate(inst, 600, random_state=1).responses, inst)
    >>> res = fit_cfa(keyed, model_from_instrument(inst, constructs=["sensing", "seizing"]))
    >>> bool((composite_reliability(res) > 0.7).all())
    True
    """
    out = {}
    for f, lam in _first_order_loadings(result).items():
        s = lam.sum() ** 2
        out[f] = s / (s + np.sum(1.0 - lam**2))
    return pd.Series(out, name="cr")


def average_variance_extracted(result: CFAResult) -> pd.Series:
    """Average variance extracted of each first-order factor (Fornell & Larcker, 1981).

    Parameters
    ----------
    result : CFAResult
        A fitted single-group CFA.

    Returns
    -------
    Series
        AVE per first-order factor (index = factor id).

    Notes
    -----
    :math:`AVE = \\frac{1}{k}\\sum_j \\lambda_j^2` with standardized loadings
    :math:`\\lambda_j` (``std.all``). ``semTools::AVE`` instead divides the unstandardized
    common variance by the summed observed variances, which weights items by their variance;
    the two agree when the items have equal variances.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18, 39–50.

    Examples
    --------
    >>> from analysis.sem.cfa import fit_cfa
    >>> from analysis.sem.model import CFAModel
    >>> import pandas as pd
    >>> hs = pd.read_csv("tests/data/holzinger39.csv")
    >>> res = fit_cfa(hs, CFAModel({"textual": ("x4", "x5", "x6"), "speed": ("x7", "x8", "x9")}))
    >>> average_variance_extracted(res).round(2).to_dict()
    {'textual': 0.72, 'speed': 0.44}
    """
    out = {f: float(np.mean(lam**2)) for f, lam in _first_order_loadings(result).items()}
    return pd.Series(out, name="ave")


def fornell_larcker(result: CFAResult) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, factor correlations off it.

    Parameters
    ----------
    result : CFAResult
        A fitted single-group CFA.

    Returns
    -------
    DataFrame
        Square table over the first-order factors. Discriminant validity holds for a factor
        when its √AVE exceeds every correlation in its row and column.

    Notes
    -----
    Off-diagonal entries are the model-implied factor correlations
    (``lavInspect(fit, "cor.lv")``); in a second-order model they are the correlations the
    second-order structure implies.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18, 39–50.

    Examples
    --------
    >>> from analysis.sem.cfa import fit_cfa
    >>> from analysis.sem.model import CFAModel
    >>> import pandas as pd
    >>> hs = pd.read_csv("tests/data/holzinger39.csv")
    >>> res = fit_cfa(hs, CFAModel({"textual": ("x4", "x5", "x6"), "speed": ("x7", "x8", "x9")}))
    >>> fornell_larcker(res).round(2)
             textual  speed
    textual     0.85   0.26
    speed       0.26   0.66
    """
    ave = average_variance_extracted(result)
    factors = list(ave.index)
    table = result.factor_correlations.loc[factors, factors].copy()
    values = table.to_numpy(copy=True)
    values[np.diag_indices_from(values)] = np.sqrt(ave.to_numpy())
    return pd.DataFrame(values, index=factors, columns=factors)


def htmt(
    data: pd.DataFrame,
    model: CFAModel,
    *,
    variant: HTMTVariant = "htmt2",
    absolute: bool = True,
) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations, as ``semTools::htmt``.

    Parameters
    ----------
    data : DataFrame
        The model's indicator columns (keyed items). Rows with a missing indicator are dropped
        (listwise, as ``semTools::htmt(missing = "listwise")``).
    model : CFAModel
        Which items belong to which (first-order) factor.
    variant : {"htmt2", "htmt"}, default "htmt2"
        ``"htmt2"``: geometric means of the correlations (Roemer, Schuberth & Henseler, 2021),
        the default of semTools ≥ 0.5-6 (``htmt2 = TRUE``); ``"htmt"``: arithmetic means
        (Henseler et al., 2015; ``htmt2 = FALSE``).
    absolute : bool, default True
        Use absolute correlations (semTools' default). HTMT2 always uses absolute values
        because it takes logarithms.

    Returns
    -------
    DataFrame
        Symmetric factor × factor matrix with 1 on the diagonal.

    Raises
    ------
    TypeError
        ``model`` is not a :class:`~analysis.sem.cfa.CFAModel` or ``data`` not a DataFrame.
    ValueError
        Unknown ``variant``, a missing or non-numeric column, fewer than 3 complete rows, or
        a constant column.

    Notes
    -----
    With R the item correlation matrix (complete rows), :math:`\\bar r_{ij}` the mean of the
    correlations between the items of factors i and j (all pairs) and :math:`\\bar r_{ii}` the
    mean of the correlations among the items of factor i (off-diagonal pairs),

    .. math:: HTMT_{ij} = \\bar r_{ij} / \\sqrt{\\bar r_{ii}\\, \\bar r_{jj}},

    where "mean" is geometric for HTMT2 and arithmetic for HTMT. Pass *keyed* items: with
    ``absolute=True`` (the default) the sign of a correlation does not matter, so an item
    that was not reverse-keyed gives the same value, but with ``absolute=False`` its negative
    correlations would lower the arithmetic means.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science*, 43, 115–135. Roemer, E., Schuberth, F., & Henseler, J.
    (2021). HTMT2 – an improved criterion for assessing discriminant validity in structural
    equation modeling. *Industrial Management & Data Systems*, 121, 2637–2650.

    Examples
    --------
    >>> from analysis.sem.model import CFAModel
    >>> import pandas as pd
    >>> hs = pd.read_csv("tests/data/holzinger39.csv")
    >>> model = CFAModel({"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")})
    >>> htmt(hs, model).round(3)
             visual  textual
    visual    1.000    0.384
    textual   0.384    1.000
    """
    if not isinstance(model, CFAModel):
        raise TypeError(f"model must be a CFAModel, got {type(model).__name__}")
    if variant not in ("htmt2", "htmt"):
        raise ValueError(f"variant must be 'htmt2' or 'htmt', got {variant!r}")
    items = list(model.items)
    block = numeric_items(data, items).dropna()
    if len(block) < 3:
        raise ValueError(f"only {len(block)} complete rows; HTMT needs at least 3")
    x = block.to_numpy()
    sd = x.std(axis=0)
    constant = [items[j] for j in np.nonzero(sd <= 1e-12 * np.maximum(1.0, np.abs(x.mean(0))))[0]]
    if constant:
        raise ValueError(f"column(s) {constant} are constant in the complete rows")
    r = np.corrcoef(x, rowvar=False)
    if absolute or variant == "htmt2":
        r = np.abs(r)
    r[np.diag_indices_from(r)] = np.nan
    pos = {i: k for k, i in enumerate(items)}
    idx = {f: [pos[i] for i in ind] for f, ind in model.factors.items()}

    def mean(values: np.ndarray) -> float:
        values = values[~np.isnan(values)]
        if variant == "htmt2":
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(values))))
        return float(np.mean(values))

    factors = list(model.factors)
    within = {f: mean(r[np.ix_(idx[f], idx[f])].ravel()) for f in factors}
    out = np.eye(len(factors))
    for a, fa in enumerate(factors):
        for b in range(a + 1, len(factors)):
            fb = factors[b]
            between = mean(r[np.ix_(idx[fa], idx[fb])].ravel())
            with np.errstate(divide="ignore", invalid="ignore"):
                out[a, b] = out[b, a] = between / np.sqrt(within[fa] * within[fb])
    return pd.DataFrame(out, index=factors, columns=factors)
