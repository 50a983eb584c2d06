"""The control × orientation quadrants: how many firms in each, and are the two axes distinct?

The quadrant of each respondent comes from :func:`analysis.measurement.scoring.quadrant` (axis
scores
against the instrument's cuts, by default the scale midpoint); this module summarises it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.criteria import HTMT_DISTINCT, MIN_QUADRANT_SHARE
from analysis.measurement.scoring import MIXED
from analysis.measurement.validity import htmt as validity_htmt
from analysis.sem.model import CFAModel
from instrument import AXES, QUADRANTS


@dataclass(frozen=True)
class QuadrantSummary:
    """Quadrant shares and the distinctness of the two axes.

    Attributes
    ----------
    n : int
        Respondents placed in one of the four quadrants.
    shares : DataFrame
        Indexed by quadrant (all four, in the order of ``instrument.QUADRANTS``): ``n``,
        ``share`` and its Wilson confidence interval ``ci_low``, ``ci_high``.
    all_populated : bool
        Every quadrant holds at least ``min_share`` of the respondents.
    min_share : float
        The threshold used.
    correlation : float
        Pearson correlation of the two axis scores.
    correlation_ci : tuple of float
        Its confidence interval (Fisher z).
    htmt : float or None
        Heterotrait–monotrait ratio (HTMT2, :func:`analysis.measurement.validity.htmt`, as
        ``semTools::htmt``) of the control and orientation items; ``None`` without item data.
    distinct : bool
        The axes are distinct: :math:`|r|`'s interval stays below .85 and, when available,
        HTMT < .85.
    axis_means : Series
        Mean score of each axis.
    n_mixed : int
        Respondents within the mixed band of a cut (no quadrant; not in the shares).
    """

    n: int
    shares: pd.DataFrame
    all_populated: bool
    min_share: float
    correlation: float
    correlation_ci: tuple[float, float]
    htmt: float | None
    distinct: bool
    axis_means: pd.Series
    n_mixed: int = 0

    def to_dict(self) -> dict:
        """JSON-able summary for ``results.json`` (section ``quadrants``)."""
        return {
            "n": self.n,
            "n_mixed": self.n_mixed,
            "shares": {
                str(q): {
                    "n": int(row["n"]),
                    "share": float(row["share"]),
                    "ci": [float(row["ci_low"]), float(row["ci_high"])],
                }
                for q, row in self.shares.iterrows()
            },
            "all_populated": self.all_populated,
            "min_share": self.min_share,
            "correlation": self.correlation,
            "correlation_ci": list(self.correlation_ci),
            "htmt": self.htmt,
            "htmt_method": "HTMT2 (geometric means; semTools::htmt default)",
            "distinct": self.distinct,
            "axis_means": {str(k): float(v) for k, v in self.axis_means.items()},
        }


def wilson_interval(count: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (R ``prop.test(correct = FALSE)$conf.int``).

    Parameters
    ----------
    count, n : int
        Successes and trials (``n`` ≥ 1).
    confidence : float, default 0.95

    Returns
    -------
    tuple of float
        Lower and upper bound.

    Notes
    -----
    :math:`\\frac{\\hat p + z^2/2n \\pm z \\sqrt{\\hat p (1 - \\hat p)/n + z^2/4n^2}}{1 + z^2/n}`
    (Wilson, 1927); unlike the Wald interval it stays within [0, 1] and works for shares near 0.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(3, 10)]
    [0.1078, 0.6032]
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= count <= n:
        raise ValueError(f"count must be between 0 and n={n}, got {count}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = 0.0 if count == 0 else max(0.0, centre - half)
    hi = 1.0 if count == n else min(1.0, centre + half)
    return float(lo), float(hi)


def correlation_ci(r: float, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Fisher-z confidence interval of a Pearson correlation (R ``cor.test``).

    Notes
    -----
    :math:`\\tanh(\\operatorname{atanh} r \\pm z_{1-\\alpha/2} / \\sqrt{n - 3})`.
    """
    if n < 4:
        raise ValueError(f"a correlation interval needs n ≥ 4, got {n}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    centre = np.arctanh(np.clip(r, -0.999999, 0.999999))
    half = z / np.sqrt(n - 3)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


def quadrant_summary(
    axes: pd.DataFrame,
    quadrant: pd.Series,
    *,
    items: dict[str, pd.DataFrame] | None = None,
    min_share: float = MIN_QUADRANT_SHARE,
    confidence: float = 0.95,
) -> QuadrantSummary:
    """Quadrant shares with confidence intervals and whether the two axes are distinct.

    Parameters
    ----------
    axes : DataFrame
        ``control`` and ``orientation`` axis scores.
    quadrant : Series
        Quadrant of each respondent (:func:`analysis.measurement.scoring.quadrant`), same index.
    items : dict, optional
        ``{"control": keyed items, "orientation": keyed items}`` (at least 2 items each) for
        the HTMT; respondents missing an item are left out of it (listwise, as semTools).
    min_share : float, default 0.05
        Share a quadrant needs to count as populated.
    confidence : float, default 0.95

    Returns
    -------
    QuadrantSummary

    Notes
    -----
    Shares are of the firms placed in a quadrant (``mixed`` firms, within the band of a cut, are
    counted apart) and have Wilson intervals (each quadrant on its own). The axes count as
    distinct when the upper bound of :math:`|r|` stays below .85 and HTMT (when item data are
    given) is below .85 — correlated axes are allowed (mature firms may decentralise), identical
    ones are not.
    """
    missing = [c for c in ("control", "orientation") if c not in axes.columns]
    if missing:
        raise ValueError(f"axes lacks column(s) {missing}")
    if not isinstance(quadrant, pd.Series) or not quadrant.index.equals(axes.index):
        raise ValueError("quadrant must be a Series with the same index as axes")
    unknown = sorted(set(quadrant.dropna().astype(str)) - {*QUADRANTS, MIXED})
    if unknown:
        raise ValueError(f"quadrant has unknown value(s) {unknown}; expected {[*QUADRANTS, MIXED]}")
    placed = quadrant.dropna().astype(str)
    n_mixed = int((placed == MIXED).sum())
    q = placed[placed != MIXED]
    n = len(q)
    if n < 4:
        raise ValueError(f"need at least 4 respondents with a quadrant, got {n}")
    counts = q.value_counts().reindex(list(QUADRANTS), fill_value=0)
    rows = []
    for name, count in counts.items():
        lo, hi = wilson_interval(int(count), n, confidence=confidence)
        rows.append(
            {"quadrant": name, "n": int(count), "share": count / n, "ci_low": lo, "ci_high": hi}
        )
    shares = pd.DataFrame(rows).set_index("quadrant")
    both = axes[["control", "orientation"]].astype(float).dropna()
    r = float(both["control"].corr(both["orientation"]))
    r_ci = correlation_ci(r, len(both), confidence=confidence)
    htmt = None
    if items is not None:
        if set(items) != {"control", "orientation"}:
            raise ValueError("items must have exactly the keys 'control' and 'orientation'")
        model = CFAModel({axis: tuple(map(str, items[axis].columns)) for axis in AXES})
        data = pd.concat([items["control"], items["orientation"]], axis=1)
        htmt = float(validity_htmt(data, model).loc["control", "orientation"])
    distinct = max(abs(r_ci[0]), abs(r_ci[1])) < HTMT_DISTINCT and (
        htmt is None or htmt < HTMT_DISTINCT
    )
    return QuadrantSummary(
        n=n,
        shares=shares,
        all_populated=bool((shares["share"] >= min_share).all()),
        min_share=min_share,
        correlation=r,
        correlation_ci=r_ci,
        htmt=htmt,
        distinct=bool(distinct),
        axis_means=both.mean(),
        n_mixed=n_mixed,
    )
