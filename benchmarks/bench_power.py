"""Wall time of ``smcap power`` for N = 100, 200, 400, 800 with 20 reps (target: < 10 minutes).

Run: ``.venv/bin/python benchmarks/bench_power.py [--reps R] [--jobs J]``. Prints the summary
table, the wall time and the mean time of one simulated study per sample size and model.
"""

from __future__ import annotations

import argparse
import os
import time

from analysis.cli.power import format_table
from analysis.generalisability.power import stage_power
from instrument import DEFAULT_INSTRUMENT, load_instrument


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    inst = load_instrument(DEFAULT_INSTRUMENT)
    ns = [100, 200, 400, 800]
    print(
        f"smcap power: N = {ns}, {args.reps} reps, stage + null model, jobs {args.jobs}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    start = time.perf_counter()
    study = stage_power(inst, ns, reps=args.reps, random_state=args.seed, n_jobs=args.jobs)
    wall = time.perf_counter() - start
    print(format_table(study.summary))
    per_study = study.runs.groupby(["model", "n"])["seconds"].mean().unstack("model")
    print("\nmean seconds per simulated study (one worker):")
    print(per_study.round(2).to_string())
    print(
        f"\nwall time: {wall:.1f} s ({wall / 60:.1f} min) for {len(study.runs)} studies; "
        f"target < 600 s: {'met' if wall < 600 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
