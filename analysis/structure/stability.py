"""Are clusters real? Bootstrap Jaccard stability and split-half prediction strength.

Both procedures refit a clustering method many times, so they take the method as an unfitted
scikit-learn estimator with ``fit``/``predict`` (a ``GaussianMixture`` or ``KMeans`` with the
number of clusters set). Replicates draw their seeds from one ``numpy.random.SeedSequence``, so
results depend on ``random_state`` only, not on ``n_jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

from analysis.criteria import (
    JACCARD_DISSOLVED,
    JACCARD_STABLE,
    cluster_stable,
    prediction_strength_ok,
)


@dataclass(frozen=True)
class JaccardStability:
    """Clusterwise bootstrap stability.

    Attributes
    ----------
    per_cluster : DataFrame
        Indexed by cluster label: ``n`` (respondents), ``jaccard`` (mean Jaccard over the
        bootstrap replicates; fpc's ``bootmean``), ``recovered`` (share of replicates with
        Jaccard ≥ .75) and ``dissolved`` (share with Jaccard ≤ .50; fpc's ``bootbrd`` / B).
    n_boot : int
        Number of bootstrap replicates.
    """

    per_cluster: pd.DataFrame
    n_boot: int

    @property
    def min_jaccard(self) -> float:
        """The least stable cluster's mean Jaccard."""
        return float(self.per_cluster["jaccard"].min())

    @property
    def stable(self) -> bool:
        """Every cluster has mean Jaccard ≥ :data:`~analysis.criteria.JACCARD_STABLE`."""
        return cluster_stable(self.min_jaccard)


@dataclass(frozen=True)
class PredictionStrength:
    """Split-half prediction strength of a k-cluster solution.

    Attributes
    ----------
    value : float
        Mean over the random splits of the split's prediction strength (fpc's ``mean.pred``).
    per_split : Series
        Prediction strength of each split (the worst-predicted test cluster).
    n_clusters : int
        Number of clusters of the method.
    """

    value: float
    per_split: pd.Series
    n_clusters: int

    @property
    def strong(self) -> bool:
        """Prediction strength ≥ :data:`~analysis.criteria.PREDICTION_STRENGTH_CUTOFF`."""
        return prediction_strength_ok(self.value)


def bootstrap_jaccard(
    X: pd.DataFrame,
    labels: pd.Series,
    *,
    clusterer: BaseEstimator,
    n_boot: int = 100,
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> JaccardStability:
    """Clusterwise stability by the nonparametric bootstrap (Hennig, 2007).

    Parameters
    ----------
    X : DataFrame
        The data that were clustered (rows = respondents, no missing values).
    labels : Series
        The original clustering of ``X`` (same index).
    clusterer : estimator
        Unfitted scikit-learn estimator with ``fit`` and ``predict`` that reproduces the
        clustering method (same number of clusters); cloned for every replicate, with its
        ``random_state`` set from the replicate's seed when it has one.
    n_boot : int, default 100
        Bootstrap replicates (fpc's default ``B = 100``).
    random_state : int, optional
        Seed of the resampling.
    n_jobs : int, optional
        Parallel workers (joblib; ``None`` = 1, ``-1`` = all cores).

    Returns
    -------
    JaccardStability
        Mean Jaccard, recovery and dissolution shares per original cluster.

    Notes
    -----
    For each replicate, draw N rows with replacement, cluster them, and compare every
    original cluster :math:`C` (its members among the drawn rows, with repeats) with every
    cluster :math:`D` of the replicate: :math:`\\gamma(C, D) = |C \\cap D| / |C \\cup D|`.
    A cluster's score in the replicate is its best match, :math:`\\max_D \\gamma(C, D)`; its
    stability is the mean over replicates (missing when the cluster was not drawn). This is the
    ``"boot"`` scheme of R's ``fpc::clusterboot``. Mean Jaccard ≥ .75 means a stable cluster,
    .60–.75 a pattern, ≤ .50 a dissolved one.

    References
    ----------
    Hennig, C. (2007). Cluster-wise assessment of cluster stability. *Computational
    Statistics & Data Analysis*, 52(1), 258–271.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.cluster import KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (50, 2)), rng.normal(10, 1, (50, 2))])
    >>> km = KMeans(n_clusters=2, n_init=3, random_state=0)
    >>> labels = pd.Series(km.fit_predict(X), index=X.index)
    >>> bootstrap_jaccard(X, labels, clusterer=km, n_boot=20, random_state=1).stable
    True
    """
    data, codes, names = _check_clustered(X, labels)
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    seeds = np.random.SeedSequence(random_state).spawn(n_boot)
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_jaccard_replicate)(data, codes, len(names), clusterer, seed) for seed in seeds
    )
    scores = np.vstack(rows)  # n_boot × n_clusters, NaN where a cluster was not drawn
    drawn = ~np.isnan(scores)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(drawn, scores, np.nan), axis=0)
        recovered = np.sum(scores >= JACCARD_STABLE, axis=0) / drawn.sum(axis=0)
        dissolved = np.sum(scores <= JACCARD_DISSOLVED, axis=0) / drawn.sum(axis=0)
    per_cluster = pd.DataFrame(
        {
            "n": np.bincount(codes, minlength=len(names)),
            "jaccard": mean,
            "recovered": recovered,
            "dissolved": dissolved,
        },
        index=pd.Index(names, name="cluster"),
    )
    return JaccardStability(per_cluster=per_cluster, n_boot=n_boot)


def prediction_strength(
    X: pd.DataFrame,
    *,
    clusterer: BaseEstimator,
    n_splits: int = 20,
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> PredictionStrength:
    """Split-half prediction strength of a clustering method (Tibshirani & Walther, 2005).

    Parameters
    ----------
    X : DataFrame
        Rows = respondents, no missing values.
    clusterer : estimator
        Unfitted scikit-learn estimator with ``fit``/``predict`` and a fixed number of clusters
        (``n_components`` or ``n_clusters``).
    n_splits : int, default 20
        Random halvings averaged over (fpc uses M = 50).
    random_state : int, optional
        Seed of the splits and of the refits.
    n_jobs : int, optional
        Parallel workers (joblib).

    Returns
    -------
    PredictionStrength
        Mean prediction strength and the value of each split.

    Notes
    -----
    Split the respondents at random into a training half :math:`A` and a test half :math:`B`;
    cluster each half into k clusters. For every test cluster :math:`B_j` with
    :math:`n_j \\ge 2` members, count the pairs of its members that the model fitted on
    :math:`A` puts into the same cluster:

    .. math:: \\mathrm{ps}(k) = \\min_j \\frac{1}{n_j (n_j - 1)}
              \\sum_{i \\ne i' \\in B_j} [\\hat c_A(x_i) = \\hat c_A(x_{i'})]

    The reported value is the mean of :math:`\\mathrm{ps}` over the splits, as R's
    ``fpc::prediction.strength`` (``mean.pred``). Values ≥ .80 indicate k well-separated,
    reproducible clusters; for k = 1 the strength is 1 by definition.

    References
    ----------
    Tibshirani, R., & Walther, G. (2005). Cluster validation by prediction strength. *Journal
    of Computational and Graphical Statistics*, 14(3), 511–528.
    """
    data = _check_frame(X)
    if n_splits < 1:
        raise ValueError(f"n_splits must be at least 1, got {n_splits}")
    k = _n_clusters_of(clusterer)
    if len(data) < 4 * max(k, 1):
        raise ValueError(
            f"X has {len(data)} rows; prediction strength with {k} clusters needs at least "
            f"{4 * k} (two halves of at least 2 per cluster)"
        )
    seeds = np.random.SeedSequence(random_state).spawn(n_splits)
    values = Parallel(n_jobs=n_jobs)(delayed(_ps_split)(data, clusterer, seed) for seed in seeds)
    per_split = pd.Series(values, index=pd.RangeIndex(n_splits, name="split"), dtype=float)
    return PredictionStrength(value=float(per_split.mean()), per_split=per_split, n_clusters=k)


# ---------------------------------------------------------------------- replicates
def _jaccard_replicate(
    data: np.ndarray,
    codes: np.ndarray,
    n_clusters: int,
    clusterer: BaseEstimator,
    seed: np.random.SeedSequence,
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(data)
    idx = rng.integers(0, n, n)
    model = _seeded(clusterer, rng)
    with threadpool_limits(limits=1):  # tiny matrices: one thread per replicate is fastest
        model.fit(data[idx])
        boot = np.asarray(model.predict(data[idx]))
    orig = codes[idx]
    _, boot_codes = np.unique(boot, return_inverse=True)
    table = np.zeros((n_clusters, boot_codes.max() + 1))
    np.add.at(table, (orig, boot_codes), 1)
    size_c = table.sum(axis=1, keepdims=True)
    size_d = table.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = table / (size_c + size_d - table)
    best = jac.max(axis=1)
    best[size_c[:, 0] == 0] = np.nan
    return best


def _ps_split(data: np.ndarray, clusterer: BaseEstimator, seed: np.random.SeedSequence) -> float:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(data))
    half = len(data) // 2
    train, test = data[perm[:half]], data[perm[half:]]
    with threadpool_limits(limits=1):
        model_a = _seeded(clusterer, rng).fit(train)
        model_b = _seeded(clusterer, rng).fit(test)
        test_labels = np.asarray(model_b.predict(test))
        predicted = np.asarray(model_a.predict(test))
    worst = 1.0
    for label in np.unique(test_labels):
        members = predicted[test_labels == label]
        n_j = len(members)
        if n_j < 2:
            continue
        _, counts = np.unique(members, return_counts=True)
        together = float((counts * (counts - 1)).sum()) / (n_j * (n_j - 1))
        worst = min(worst, together)
    return worst


def _seeded(clusterer: BaseEstimator, rng: np.random.Generator) -> BaseEstimator:
    model = clone(clusterer)
    if "random_state" in model.get_params():
        model.set_params(random_state=int(rng.integers(0, 2**31 - 1)))
    return model


def _n_clusters_of(clusterer: BaseEstimator) -> int:
    params = clusterer.get_params()
    for key in ("n_components", "n_clusters"):
        if key in params:
            return int(params[key])
    raise TypeError(
        f"clusterer {type(clusterer).__name__} has neither n_components nor n_clusters; pass "
        "an estimator with a fixed number of clusters"
    )


def _check_frame(X: object) -> np.ndarray:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    data = X.to_numpy(dtype=float)
    if np.isnan(data).any():
        bad = X.index[np.isnan(data).any(axis=1)][:5].tolist()
        raise ValueError(f"X has missing values (rows {bad}); drop incomplete rows first")
    return data


def _check_clustered(X: pd.DataFrame, labels: object) -> tuple[np.ndarray, np.ndarray, list]:
    data = _check_frame(X)  # raises unless X is a DataFrame
    if not isinstance(labels, pd.Series):
        raise TypeError(f"labels must be a pandas Series, got {type(labels).__name__}")
    if not labels.index.equals(X.index):
        raise ValueError("labels must have the same index as X (one label per row)")
    if labels.isna().any():
        raise ValueError("labels has missing values; cluster only complete rows")
    names, codes = np.unique(labels.to_numpy(), return_inverse=True)
    return data, codes, names.tolist()
