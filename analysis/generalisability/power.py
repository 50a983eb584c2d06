"""Sample-size planning: how many respondents recover the stages, and how often is a null wrong?

:func:`stage_power` simulates studies of several sizes from the theory's stage model and from
the null model (one continuous maturity, no stages) with :func:`analysis.data.simulate.simulate`,
runs the stage analysis of :func:`analysis.structure.stages.assess_stages` on each, and summarises
per
sample size: how well the data-driven and the theory stages recover the true stages (median
ARI), how often ``stages.supported`` is true when the stages are real (power) and when they are
not (false-positive rate).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import adjusted_rand_score

from analysis.criteria import MIN_CFA_RESPONDENTS
from analysis.data.simulate import simulate
from analysis.measurement.scoring import score_respondents, stage_dimensions
from analysis.quality.screens import quality_flags
from analysis.structure.stages import CARELESS_FLAGS, assess_stages, json_records
from instrument import Instrument

#: Columns of :attr:`PowerStudy.runs`.
RUN_COLUMNS: tuple[str, ...] = (
    "model",
    "n",
    "rep",
    "seed",
    "n_profiles",
    "supported",
    "verdict",
    "ari_cluster",
    "ari_theory",
    "seconds",
)


@dataclass(frozen=True)
class PowerStudy:
    """Results of a simulation study.

    Attributes
    ----------
    runs : DataFrame
        One row per simulated study (:data:`RUN_COLUMNS`); ``model`` is ``stage`` or ``null``.
        ARIs compare with the true stage and are missing under the null model.
    summary : DataFrame
        Indexed by ``n``: ``reps``; under the stage model ``median_ari_cluster``,
        ``median_ari_theory``, ``supported_rate`` (power), ``four_profiles_rate``; under the
        null model ``null_supported_rate`` (false positives) and ``null_profiles_rate``
        (share with ≥ 2 profiles).
    settings : dict
        The study's settings (seed, reps, bootstrap sizes).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    settings: dict

    def to_dict(self) -> dict:
        """JSON-able: settings, summary rows and runs."""
        return {
            "settings": self.settings,
            "summary": json_records(self.summary.reset_index()),
            "runs": json_records(self.runs),
        }


def stage_power(
    instrument: Instrument,
    ns: Sequence[int],
    *,
    reps: int = 20,
    random_state: int | None = None,
    n_boot: int = 50,
    n_splits: int = 10,
    include_null: bool = True,
    n_jobs: int | None = None,
) -> PowerStudy:
    """Simulate studies of each size and summarise stage recovery and false positives.

    Parameters
    ----------
    instrument : Instrument
        Needs all four capability levels (a stage model).
    ns : sequence of int
        Sample sizes (each ≥ 50).
    reps : int, default 20
        Simulated studies per sample size and model.
    random_state : int, optional
        Seed of the whole study; the same seed gives the same table whatever ``n_jobs``.
    n_boot, n_splits : int
        Bootstrap replicates (Jaccard) and split halves (prediction strength) per study; the
        defaults are lighter than ``smcap analyze``'s to keep planning fast.
    include_null : bool, default True
        Also simulate the null model (false-positive rate).
    n_jobs : int, optional
        Parallel workers over simulated studies (joblib; -1 = all cores).

    Returns
    -------
    PowerStudy

    Notes
    -----
    Each study runs what ``smcap analyze`` runs for the stages: scoring
    (:func:`analysis.measurement.scoring.score_respondents`), latent profiles, bootstrap Jaccard,
    prediction strength and the Guttman ordering. As in the analysis, the profiles are fitted
    without the respondents the quality screens (:func:`analysis.quality.screens.quality_flags`)
    flag
    for careless answering (:data:`analysis.structure.stages.CARELESS_FLAGS`).
    ARI compares the assignments of all respondents with the simulation's true stage (Hubert &
    Arabie, 1985).
    """
    sizes = check_study(instrument, ns, reps)
    models = ["stage", "null"] if include_null else ["stage"]
    tasks = [(model, n, rep) for model in models for n in sizes for rep in range(reps)]
    seeds = np.random.SeedSequence(random_state).generate_state(len(tasks))
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i][1])  # big studies first
    done = Parallel(n_jobs=n_jobs)(
        delayed(_one_study)(instrument, *tasks[i], int(seeds[i]), n_boot, n_splits) for i in order
    )
    runs = pd.DataFrame(sorted(done, key=lambda r: (models.index(r["model"]), r["n"], r["rep"])))
    runs = runs.loc[:, list(RUN_COLUMNS)]
    settings = {
        "seed": random_state,
        "reps": reps,
        "ns": sizes,
        "n_boot": n_boot,
        "n_splits": n_splits,
        "include_null": include_null,
        "instrument": f"{instrument.id} {instrument.version}",
    }
    return PowerStudy(runs=runs, summary=_summarise(runs, sizes, reps), settings=settings)


def check_study(instrument: Instrument, ns: Sequence[int], reps: int) -> list[int]:
    """Validate a study's design; return the sample sizes as ints (errors name the problem)."""
    if not instrument.has_stage_model:
        raise ValueError(
            "the instrument has no stage model (constructs for all four levels); nothing to plan"
        )
    sizes = [int(n) for n in ns]
    if not sizes:
        raise ValueError("give at least one sample size")
    small = [n for n in sizes if n < MIN_CFA_RESPONDENTS]
    if small:
        raise ValueError(f"sample sizes must be at least {MIN_CFA_RESPONDENTS}, got {small}")
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    return sizes


def _one_study(
    instrument: Instrument, model: str, n: int, rep: int, seed: int, n_boot: int, n_splits: int
) -> dict:
    start = time.perf_counter()
    sim = simulate(instrument, n, random_state=seed, null=model == "null")
    scores = score_respondents(sim.responses, instrument)
    truth = sim.truth.set_axis(sim.responses.index)
    flags = quality_flags(sim.responses, instrument).flags
    careless = flags[list(CARELESS_FLAGS)].any(axis=1)
    dims, cuts = stage_dimensions(scores, instrument)
    result = assess_stages(
        dims,
        thresholds=cuts,
        stage_theory=scores.stage_theory,
        exclude=careless,
        n_boot=n_boot,
        n_splits=n_splits,
        random_state=seed,
    )
    ari_cluster = ari_theory = float("nan")
    if model == "stage":
        ari_cluster = _ari(truth["stage"], result.stage_cluster)
        ari_theory = _ari(truth["stage"], scores.stage_theory)
    return {
        "model": model,
        "n": n,
        "rep": rep,
        "seed": seed,
        "n_profiles": result.n_profiles,
        "supported": result.supported,
        "verdict": result.verdict,
        "ari_cluster": ari_cluster,
        "ari_theory": ari_theory,
        "seconds": time.perf_counter() - start,
    }


def _ari(truth: pd.Series, found: pd.Series) -> float:
    both = truth.notna() & found.notna()
    if both.sum() < 2:
        return float("nan")
    return float(adjusted_rand_score(truth[both].astype(int), found[both].astype(int)))


def _summarise(runs: pd.DataFrame, sizes: list[int], reps: int) -> pd.DataFrame:
    rows = []
    for n in sizes:
        stage = runs[(runs["model"] == "stage") & (runs["n"] == n)]
        null = runs[(runs["model"] == "null") & (runs["n"] == n)]
        row = {
            "n": n,
            "reps": reps,
            "median_ari_cluster": float(stage["ari_cluster"].median()),
            "median_ari_theory": float(stage["ari_theory"].median()),
            "supported_rate": float(stage["supported"].mean()),
            "four_profiles_rate": float((stage["n_profiles"] == 4).mean()),
            "null_supported_rate": float(null["supported"].mean()) if len(null) else np.nan,
            "null_profiles_rate": float((null["n_profiles"] >= 2).mean()) if len(null) else np.nan,
        }
        rows.append(row)
    return pd.DataFrame(rows).set_index("n")
