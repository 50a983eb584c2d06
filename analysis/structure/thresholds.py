"""Where does "developed" begin? The stage rule's cut, how much hinges on it, and the data's cut.

The seeds are qualitative case studies: they say *which* capabilities a firm must have built to
move on, never *how high* a score means "built". The stage rule therefore rests on a cut that we
chose (:meth:`instrument.Instrument.stage_thresholds`). Two functions make that choice visible:

:func:`threshold_sensitivity`
    The theory stage re-computed over a grid of cuts (the instrument's thresholds shifted by
    −1 … +1 scale point in steps of 0.25): stage shares, and agreement with the data-driven
    stages at every point, so that a verdict that hinges on the cut shows it.
:func:`calibrate_thresholds`
    Per level, the cut that best separates developed from undeveloped firms *in the data*: the
    point where the two components of a two-component 1-D Gaussian mixture of the level score are
    equally likely, with a bootstrap interval. When the level score is not bimodal there is no
    such point, and the calibration says so instead of inventing one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from analysis.criteria import BIMODAL_MIN_DELTA_BIC, BIMODAL_MIN_SEPARATION, BIMODAL_MIN_WEIGHT
from analysis.structure.agreement import weighted_kappa

#: Shifts of every threshold, in scale points, for the sensitivity grid.
SENSITIVITY_SHIFTS: tuple[float, ...] = tuple(float(s) for s in np.arange(-1.0, 1.0001, 0.25))

StageFunction = Callable[[Mapping[str, float]], pd.Series]


def threshold_sensitivity(
    classify: StageFunction,
    thresholds: Mapping[str, float],
    *,
    reference: pd.Series | None = None,
    shifts: Sequence[float] = SENSITIVITY_SHIFTS,
    bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Stage shares and agreement with a reference over a grid of shifted thresholds.

    Parameters
    ----------
    classify : callable
        Maps a ``{level: threshold}`` dict to a Series of stage numbers (nullable integers,
        missing = unclassified), e.g. ``lambda t: theory_stage(levels, t)``.
    thresholds : mapping
        The thresholds in force; every grid point adds the same shift to each of them.
    reference : Series, optional
        Stages to agree with (the data-driven ``stage_cluster``), indexed like the output of
        ``classify``. Without it the agreement columns are missing.
    shifts : sequence of float, default −1 … +1 in steps of 0.25
        Shifts in scale points.
    bounds : (float, float), optional
        The scale's ``(min, max)``; shifted thresholds are clipped to it.

    Returns
    -------
    DataFrame
        One row per shift, indexed by ``shift``, with ``threshold_<level>`` for each level,
        ``n_classified``, ``share_<stage>`` (share of the classified firms in each stage),
        ``ari`` and ``kappa_linear`` against ``reference`` (over firms with both stages) and
        ``exact`` (share with the same stage number).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.measurement.scoring import theory_stage
    >>> lv = pd.DataFrame({"operational": [6, 4.5, 3], "dynamic": [6, 4, 2],
    ...                    "adaptive": [6, 5, 2], "networking": [4.6, 2, 1]})
    >>> grid = threshold_sensitivity(lambda t: theory_stage(lv, t), dict.fromkeys(lv, 5.0),
    ...                              shifts=[-0.5, 0.0])
    >>> grid[["share_1", "share_4"]].round(2).to_dict(orient="list")
    {'share_1': [0.33, 0.67], 'share_4': [0.33, 0.0]}
    """
    if reference is not None and not isinstance(reference, pd.Series):
        raise TypeError("reference must be a pandas Series of stage numbers")
    rows = []
    stage_values: set[int] = set()
    for shift in shifts:
        moved = {lv: float(t) + float(shift) for lv, t in thresholds.items()}
        if bounds is not None:
            moved = {lv: float(np.clip(t, *bounds)) for lv, t in moved.items()}
        stage = classify(moved)
        known = stage.dropna().astype(int)
        stage_values.update(known.unique().tolist())
        row: dict[str, float | int | None] = {"shift": float(shift)}
        row.update({f"threshold_{lv}": t for lv, t in moved.items()})
        row["n_classified"] = len(known)
        shares = known.value_counts(normalize=True)
        row.update({f"share_{s}": float(v) for s, v in shares.items()})
        if reference is not None:
            row.update(_agreement(stage, reference))
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("shift")
    share_cols = [f"share_{s}" for s in sorted(stage_values)]
    for col in share_cols:
        frame[col] = frame[col].fillna(0.0) if col in frame else 0.0
    lead = [c for c in frame.columns if c.startswith("threshold_")] + ["n_classified"]
    tail = [c for c in ("ari", "kappa_linear", "exact") if c in frame.columns]
    return frame[lead + share_cols + tail]


def stage_pair_agreement(stage: pd.Series, reference: pd.Series) -> dict[str, float | None]:
    """Point estimates of agreement between two stage assignments (no intervals).

    Parameters
    ----------
    stage, reference : Series
        Stage numbers (nullable integers), indexed by respondent; respondents missing either
        are left out.

    Returns
    -------
    dict
        ``n`` (respondents with both), ``ari``, ``kappa_linear`` (Cohen's weighted kappa on
        the stage numbers) and ``exact`` (share with the same number); ``None`` with fewer
        than 2 respondents. For intervals use :func:`analysis.structure.agreement.stage_agreement`.
    """
    out = _agreement(stage, reference)
    both = stage.notna() & reference.reindex(stage.index).notna()
    return {"n": int(both.sum()), **out}


def _agreement(stage: pd.Series, reference: pd.Series) -> dict[str, float | None]:
    both = stage.notna() & reference.reindex(stage.index).notna()
    if both.sum() < 2:
        return {"ari": None, "kappa_linear": None, "exact": None}
    a = stage[both].astype(int).to_numpy()
    b = reference.reindex(stage.index)[both].astype(int).to_numpy()
    cats = np.union1d(a, b)
    table = pd.crosstab(a, b).reindex(index=cats, columns=cats, fill_value=0)
    kappa = weighted_kappa(table, weights="linear")
    return {
        "ari": float(adjusted_rand_score(a, b)),
        "kappa_linear": None if not np.isfinite(kappa) else float(kappa),
        "exact": float(np.mean(a == b)),
    }


def calibrate_thresholds(
    levels: pd.DataFrame,
    thresholds: Mapping[str, float],
    *,
    n_boot: int = 200,
    confidence: float = 0.95,
    max_n: int | None = 2_000,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Per level, the cut between developed and undeveloped firms that the data suggest.

    Parameters
    ----------
    levels : DataFrame
        Level scores, one column per level, one row per firm (missing scores are dropped per
        level).
    thresholds : mapping
        The theory's thresholds, reported beside the calibrated cuts.
    n_boot : int, default 200
        Bootstrap replicates for the interval of the cut (0: no interval).
    confidence : float, default 0.95
        Level of the percentile interval.
    max_n : int or None, default 2,000
        Fit the mixtures and the bootstrap on a random sample of at most this many firms.
    random_state : int, optional
        Seed; the calibration is reproducible from it.

    Returns
    -------
    DataFrame
        Indexed by level, with ``theory`` (the rule's threshold), ``cut`` (missing when the
        level is not bimodal), ``ci_low``/``ci_high``, ``bimodal``, ``delta_bic`` (BIC of one
        normal minus BIC of two components; positive favours two), ``separation`` (Ashman's
        D), ``share_developed`` (weight of the upper component), ``mean_low``/``mean_high``,
        ``n``, ``boot_bimodal`` (share of bootstrap samples that were bimodal too) and
        ``reason`` (why there is no cut, else empty).

    Notes
    -----
    A two-component Gaussian mixture is fitted to each level score (scikit-learn
    ``GaussianMixture``, unequal variances). The level counts as bimodal when the mixture beats
    one normal by ΔBIC ≥ 10, the components are separated by Ashman's
    :math:`D = \\sqrt{2}\\,|\\mu_1 - \\mu_2| / \\sqrt{\\sigma_1^2 + \\sigma_2^2} \\geq 2.5` and the
    smaller one holds at least 5 % of the firms. The cut is the score between the two means where
    both components are equally likely (posterior .5): firms above it are more likely developed
    than not. The interval is the percentile interval of that point over bootstrap samples
    (refitted from the full-sample solution); samples that are not bimodal contribute no cut.

    References
    ----------
    Ashman, K. M., Bird, C. M., & Zepf, S. E. (1994). Detecting bimodality in astronomical
    datasets. *The Astronomical Journal*, 108, 2348–2361.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(2.5, 0.5, 300), rng.normal(5.5, 0.5, 300)]
    >>> cal = calibrate_thresholds(pd.DataFrame({"dynamic": x}), {"dynamic": 5.0}, n_boot=0)
    >>> bool(cal.loc["dynamic", "bimodal"]), round(float(cal.loc["dynamic", "cut"]))
    (True, 4)
    """
    if not isinstance(levels, pd.DataFrame):
        raise TypeError("levels must be a DataFrame of level scores")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be 0 or more, got {n_boot}")
    seeds = np.random.SeedSequence(random_state).generate_state(2 * len(levels.columns) + 1)
    rows = []
    for i, level in enumerate(levels.columns):
        x = levels[level].dropna().to_numpy(dtype=float)
        if max_n is not None and len(x) > max_n:
            pick = np.random.default_rng(int(seeds[2 * i])).choice(len(x), max_n, replace=False)
            x = x[np.sort(pick)]
        row = _calibrate_one(x, n_boot, confidence, int(seeds[2 * i + 1]))
        row["theory"] = float(thresholds[level]) if level in thresholds else np.nan
        rows.append({"level": level, **row})
    columns = [
        "theory",
        "cut",
        "ci_low",
        "ci_high",
        "bimodal",
        "delta_bic",
        "separation",
        "share_developed",
        "mean_low",
        "mean_high",
        "n",
        "boot_bimodal",
        "reason",
    ]
    return pd.DataFrame(rows).set_index("level")[columns]


def _calibrate_one(x: np.ndarray, n_boot: int, confidence: float, seed: int) -> dict:
    empty = {
        "cut": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "bimodal": False,
        "delta_bic": np.nan,
        "separation": np.nan,
        "share_developed": np.nan,
        "mean_low": np.nan,
        "mean_high": np.nan,
        "n": len(x),
        "boot_bimodal": np.nan,
    }
    if len(x) < 20:
        return {**empty, "reason": f"too few firms with this level score ({len(x)}; needs 20)"}
    if np.ptp(x) == 0:
        return {**empty, "reason": "every firm has the same score"}
    fit = _two_normals(x, seed)
    out = {**empty, **{k: fit[k] for k in ("delta_bic", "separation", "share_developed")}}
    out.update(mean_low=fit["means"][0], mean_high=fit["means"][1])
    reason = _not_bimodal(fit)
    if reason:
        return {**out, "reason": reason}
    out.update(bimodal=True, cut=fit["cut"], reason="")
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        values, inverse = np.unique(x, return_inverse=True)
        draws = inverse[rng.integers(0, len(x), (n_boot, len(x)))]
        rows = np.repeat(np.arange(n_boot), len(x))
        counts = np.bincount(
            rows * len(values) + draws.ravel(), minlength=n_boot * len(values)
        ).reshape(n_boot, len(values))
        boot = _weighted_em_cuts(values, counts.astype(float), fit, max_iter=200, tol=1e-6)
        cuts = [cut for cut in boot if np.isfinite(cut)]
        out["boot_bimodal"] = len(cuts) / n_boot
        if cuts:
            alpha = (1 - confidence) / 2
            lo, hi = np.quantile(cuts, [alpha, 1 - alpha])
            out.update(ci_low=float(lo), ci_high=float(hi))
    return out


#: Variance floor of the mixture components (as scikit-learn's ``reg_covar``).
_VAR_FLOOR = 1e-4


def _bic_one_normal(x: np.ndarray) -> np.ndarray:
    """BIC of one normal fitted to each row of ``x`` (2 parameters)."""
    n = x.shape[-1]
    var = x.var(axis=-1) + _VAR_FLOOR
    loglik = -0.5 * n * (np.log(2 * np.pi * var) + 1)
    return -2 * loglik + 2 * np.log(n)


def _two_normals(x: np.ndarray, seed: int) -> dict:
    """One normal vs a two-component mixture of ``x``: BIC gain, separation and the cut."""
    data = x.reshape(-1, 1)
    gm = GaussianMixture(2, n_init=3, random_state=seed, reg_covar=_VAR_FLOOR).fit(data)
    order = np.argsort(gm.means_.ravel())
    means = gm.means_.ravel()[order]
    sds = np.sqrt(gm.covariances_.ravel()[order])
    weights = gm.weights_[order]
    return _describe(means, sds, weights, float(_bic_one_normal(x)) - float(gm.bic(data)))


def _describe(means: np.ndarray, sds: np.ndarray, weights: np.ndarray, delta_bic: float) -> dict:
    separation = float(np.sqrt(2) * abs(means[1] - means[0]) / np.sqrt(np.sum(sds**2)))
    return {
        "delta_bic": float(delta_bic),
        "separation": separation,
        "share_developed": float(weights[1]),
        "weights": weights,
        "means": means,
        "sds": sds,
        "cut": _equal_posterior(means, sds, weights),
    }


def _bootstrap_cuts(
    samples: np.ndarray, start: dict, *, max_iter: int = 200, tol: float = 1e-6
) -> list[float]:
    """Refit the two-component mixture to every row of ``samples`` at once (batched EM).

    Each replicate starts from the full-sample solution ``start``, as scikit-learn's
    ``GaussianMixture`` with ``means_init``/``weights_init``/``precisions_init`` would, and
    iterates until the mean log-likelihood changes by less than ``tol``. Returns the cut of each
    replicate, NaN where the replicate is not bimodal by the same rules as the full sample.

    Scores made of a few Likert answers take few distinct values, so the EM runs on the
    distinct values with their counts in each replicate (the same likelihood, a fraction of
    the work).
    """
    values, inverse = np.unique(samples, return_inverse=True)
    n_boot, n = samples.shape
    rows = np.repeat(np.arange(n_boot), n)
    counts = np.bincount(
        rows * len(values) + inverse.ravel(), minlength=n_boot * len(values)
    ).reshape(n_boot, len(values))
    return _weighted_em_cuts(values, counts.astype(float), start, max_iter=max_iter, tol=tol)


def _weighted_em_cuts(
    values: np.ndarray, counts: np.ndarray, start: dict, *, max_iter: int, tol: float
) -> list[float]:
    """Two-component EM for each row of ``counts`` (how often each of ``values`` occurs)."""
    n_boot = counts.shape[0]
    n = counts.sum(axis=1)
    v = values[None, :]
    w = np.tile(np.asarray(start["weights"], float)[:, None], (1, n_boot))
    mu = np.tile(np.asarray(start["means"], float)[:, None], (1, n_boot))
    var = np.tile(np.asarray(start["sds"], float)[:, None] ** 2, (1, n_boot))
    previous = np.full(n_boot, -np.inf)
    mean_ll = previous
    for _ in range(max_iter):
        # log of weight × density of each component at each value, (n_boot, n_values) each
        l0, l1 = (
            (np.log(w[k]) - 0.5 * np.log(2 * np.pi * var[k]))[:, None]
            - (v - mu[k][:, None]) ** 2 / (2 * var[k][:, None])
            for k in (0, 1)
        )
        log_norm = np.maximum(l0, l1) + np.log1p(np.exp(-np.abs(l0 - l1)))
        r1 = np.exp(l1 - log_norm)
        mean_ll = (counts * log_norm).sum(axis=1) / n
        for k, r in ((0, 1.0 - r1), (1, r1)):
            cr = counts * r
            nk = cr.sum(axis=1) + 10 * np.finfo(float).eps
            w[k] = nk / n
            mu[k] = (cr * v).sum(axis=1) / nk
            var[k] = (cr * (v - mu[k][:, None]) ** 2).sum(axis=1) / nk + _VAR_FLOOR
        if np.all(np.abs(mean_ll - previous) < tol):
            break
        previous = mean_ll
    bic2 = -2 * n * mean_ll + 5 * np.log(n)
    mean = (counts * v).sum(axis=1) / n
    var1 = (counts * (v - mean[:, None]) ** 2).sum(axis=1) / n + _VAR_FLOOR
    bic1 = n * (np.log(2 * np.pi * var1) + 1) + 2 * np.log(n)
    delta = bic1 - bic2
    cuts = []
    for b in range(n_boot):
        order = np.argsort(mu[:, b])
        fit = _describe(mu[order, b], np.sqrt(var[order, b]), w[order, b], float(delta[b]))
        cuts.append(float("nan") if _not_bimodal(fit) else fit["cut"])
    return cuts


def _equal_posterior(means: np.ndarray, sds: np.ndarray, weights: np.ndarray) -> float:
    """The point between the two means where both weighted components are equally likely."""

    def diff(v: float) -> float:
        lo = np.log(weights[0]) - np.log(sds[0]) - (v - means[0]) ** 2 / (2 * sds[0] ** 2)
        hi = np.log(weights[1]) - np.log(sds[1]) - (v - means[1]) ** 2 / (2 * sds[1] ** 2)
        return float(lo - hi)

    a, b = float(means[0]), float(means[1])
    if not diff(a) > 0 > diff(b):
        return float("nan")
    return float(brentq(diff, a, b, xtol=1e-6))


def _not_bimodal(fit: dict) -> str:
    """Why a fit does not show two separate groups ("" when it does)."""
    if fit["delta_bic"] < BIMODAL_MIN_DELTA_BIC:
        return (
            f"one normal fits about as well as two groups (ΔBIC = {fit['delta_bic']:.1f} < "
            f"{BIMODAL_MIN_DELTA_BIC:g}): no separate developed group"
        )
    if fit["separation"] < BIMODAL_MIN_SEPARATION:
        return (
            f"the two groups overlap too much to cut between them (Ashman's D = "
            f"{fit['separation']:.2f} < {BIMODAL_MIN_SEPARATION:g})"
        )
    smaller = min(fit["share_developed"], 1 - fit["share_developed"])
    if smaller < BIMODAL_MIN_WEIGHT:
        return (
            f"one of the two groups holds only {smaller:.1%} of the firms "
            f"(< {BIMODAL_MIN_WEIGHT:.0%})"
        )
    if not np.isfinite(fit["cut"]):
        return "one group is more likely everywhere between the two means: no cut"
    return ""
