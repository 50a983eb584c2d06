"""Wall time of the stage-threshold evidence: the sensitivity grid and the calibrated cuts.

    python benchmarks/bench_thresholds.py [--sizes 2000 20000 100000]

Simulates respondents to the shipped instrument (seed 1), scores them, and times on the scores
the default stage model reads:

* ``threshold_sensitivity`` — the stage rule re-run at nine shifted thresholds, with agreement
  against the true stages;
* ``calibrate_thresholds`` — a two-component mixture per requirement and a 200-replicate
  bootstrap of its cut (fitted on at most 2,000 firms, as in ``smcap analyze``).

Prints the seconds of each (best of three runs) and the number of requirement scores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.data.simulate import simulate  # noqa: E402
from analysis.measurement.scoring import classify_stages, score_respondents  # noqa: E402
from analysis.structure.thresholds import calibrate_thresholds, threshold_sensitivity  # noqa: E402
from instrument import DEFAULT_INSTRUMENT, load_instrument  # noqa: E402


def best_of(runs: int, func) -> float:
    """Smallest wall time of ``runs`` calls of ``func``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    args = parser.parse_args()
    inst = load_instrument(DEFAULT_INSTRUMENT)
    model = inst.stage_model
    transitions = model.transition_keys()
    thresholds = inst.requirement_thresholds(model)
    print(f"{inst.id} {inst.version}, model '{model.id}': {len(thresholds)} requirement scores")
    print(f"{'N':>8}  {'sensitivity (9 cuts)':>22}  {'calibration (200 boot)':>24}")
    for n in args.sizes:
        sim = simulate(inst, n, random_state=1)
        scores = score_respondents(sim.responses, inst)
        req = scores.requirements
        truth = sim.truth["stage"].set_axis(req.index).astype("Int64")
        grid = best_of(
            3,
            lambda req=req, truth=truth: threshold_sensitivity(
                lambda t: classify_stages(req, transitions, t).stage,
                thresholds,
                reference=truth,
                bounds=(inst.scale.min, inst.scale.max),
            ),
        )
        cal = best_of(3, lambda req=req: calibrate_thresholds(req, thresholds, random_state=1))
        print(f"{n:>8,}  {grid:>20.2f} s  {cal:>22.2f} s")


if __name__ == "__main__":
    main()
