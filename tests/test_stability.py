"""Bootstrap Jaccard (Hennig 2007) and prediction strength (Tibshirani & Walther 2005)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from analysis.structure.stability import (
    JaccardStability,
    _jaccard_replicate,
    bootstrap_jaccard,
    prediction_strength,
)


def _blobs(centres: list[tuple[float, float]], n: int, sd: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = np.vstack([rng.normal(c, sd, (n, 2)) for c in centres])
    return pd.DataFrame(data, columns=["x", "y"], index=[f"r{i}" for i in range(len(data))])


def test_jaccard_of_one_replicate_by_hand() -> None:
    """A clusterer that splits at x = 0 reproduces the original two clusters exactly, so
    every drawn cluster has Jaccard 1; a cluster never drawn is missing (not 0)."""

    class SplitAtZero(KMeans):
        def fit(self, X, y=None):
            return self

        def predict(self, X):
            return (np.asarray(X)[:, 0] > 0).astype(int)

    data = np.array([[-2.0, 0], [-1.0, 0], [1.0, 0], [2.0, 0]])
    codes = np.array([0, 0, 1, 1])
    seed = np.random.SeedSequence(0)
    assert _jaccard_replicate(data, codes, 2, SplitAtZero(n_clusters=2), seed) == pytest.approx(
        [1.0, 1.0]
    )
    # an original labelling that mixes the halves matches at most 1/3 per cluster:
    # cluster {0, 2} vs replicate clusters {0, 1} and {2, 3} -> |∩| = 1, |∪| = 3
    data_all = np.array([[-2.0, 0], [-1.0, 0], [1.0, 0], [2.0, 0]] * 50)
    mixed = np.array([0, 1, 0, 1] * 50)
    scores = _jaccard_replicate(data_all, mixed, 2, SplitAtZero(n_clusters=2), seed)
    assert scores == pytest.approx([1 / 3, 1 / 3], abs=0.05)


def test_separated_clusters_are_stable_and_a_split_cluster_is_not() -> None:
    """Two clear blobs clustered into 3: the intact blob is stable, the halves of the split
    blob are not (the textbook case of Hennig, 2007)."""
    X = _blobs([(0, 0), (10, 0)], 100, 1.0, seed=1)
    two = KMeans(n_clusters=2, n_init=5, random_state=0)
    res2 = bootstrap_jaccard(
        X, pd.Series(two.fit_predict(X), index=X.index), clusterer=two, n_boot=30, random_state=2
    )
    assert isinstance(res2, JaccardStability)
    assert res2.stable and res2.min_jaccard > 0.95
    assert (res2.per_cluster["recovered"] == 1.0).all()
    # a tight blob and a ring: three clusters always cut the ring in two, in an arbitrary
    # direction
    rng = np.random.default_rng(9)
    angle, radius = rng.uniform(0, 2 * np.pi, 200), rng.normal(3, 0.2, 200)
    ring = np.c_[12 + radius * np.cos(angle), radius * np.sin(angle)]
    X = pd.DataFrame(np.r_[rng.normal((0, 0), 0.5, (100, 2)), ring], columns=["x", "y"])
    three = KMeans(n_clusters=3, n_init=5, random_state=0)
    labels3 = pd.Series(three.fit_predict(X), index=X.index)
    res3 = bootstrap_jaccard(X, labels3, clusterer=three, n_boot=30, random_state=2)
    sizes = res3.per_cluster["n"]
    intact = res3.per_cluster["jaccard"].idxmax()
    assert sizes[intact] == 100  # the tight blob, whole
    assert res3.per_cluster.loc[intact, "jaccard"] > 0.95
    halves = res3.per_cluster.drop(index=intact)
    assert (halves["jaccard"] < 0.8).all()
    assert (halves["recovered"] < 0.75).all() and (halves["dissolved"] > 0).all()
    assert not res3.stable
    assert res3.per_cluster["n"].sum() == len(X)


def test_jaccard_is_reproducible_and_independent_of_n_jobs() -> None:
    X = _blobs([(0, 0), (6, 0), (0, 6)], 40, 1.0, seed=3)
    gm = GaussianMixture(n_components=3, random_state=0)
    labels = pd.Series(gm.fit_predict(X), index=X.index)
    a = bootstrap_jaccard(X, labels, clusterer=gm, n_boot=8, random_state=4, n_jobs=1)
    b = bootstrap_jaccard(X, labels, clusterer=gm, n_boot=8, random_state=4, n_jobs=2)
    pd.testing.assert_frame_equal(a.per_cluster, b.per_cluster)


def test_prediction_strength_separated_vs_one_blob() -> None:
    separated = _blobs([(0, 0), (8, 0), (4, 7)], 100, 1.0, seed=5)
    km3 = KMeans(n_clusters=3, n_init=5, random_state=0)
    strong = prediction_strength(separated, clusterer=km3, n_splits=10, random_state=6)
    assert strong.strong and strong.value > 0.95
    assert strong.n_clusters == 3 and len(strong.per_split) == 10
    blob = _blobs([(0, 0)], 300, 1.0, seed=7)  # one round blob: any 3-way split is arbitrary
    weak = prediction_strength(blob, clusterer=km3, n_splits=10, random_state=6)
    assert not weak.strong and weak.value < 0.8
    # with one cluster the strength is 1 by definition
    one = prediction_strength(blob, clusterer=KMeans(n_clusters=1, n_init=1), n_splits=3)
    assert one.value == 1.0


def test_clear_errors() -> None:
    X = _blobs([(0, 0), (5, 5)], 10, 1.0, seed=8)
    km = KMeans(n_clusters=2, n_init=1)
    labels = pd.Series(np.r_[np.zeros(10), np.ones(10)].astype(int), index=X.index)
    with pytest.raises(TypeError, match="DataFrame"):
        bootstrap_jaccard(X.to_numpy(), labels, clusterer=km)
    with pytest.raises(TypeError, match="Series"):
        bootstrap_jaccard(X, labels.to_numpy(), clusterer=km)
    with pytest.raises(ValueError, match="same index"):
        bootstrap_jaccard(X, labels.reset_index(drop=True), clusterer=km)
    with pytest.raises(ValueError, match="missing values"):
        bootstrap_jaccard(X.assign(x=np.nan), labels, clusterer=km)
    with pytest.raises(ValueError, match="labels has missing"):
        bootstrap_jaccard(X, labels.astype(float).where(labels > 0), clusterer=km)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_jaccard(X, labels, clusterer=km, n_boot=0)
    with pytest.raises(ValueError, match="needs at least 40"):
        prediction_strength(X, clusterer=KMeans(n_clusters=10))
    with pytest.raises(TypeError, match="n_components nor n_clusters"):
        from sklearn.preprocessing import StandardScaler

        prediction_strength(X, clusterer=StandardScaler())
