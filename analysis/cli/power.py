"""``smcap power``: how many respondents does a study need to recover the stages?

::

    smcap power --instrument FILE --n 100 200 400 800 --reps 20 [--seed S] [--jobs J]
                [--boot B] [--splits M] [--no-null] [--out FILE.csv|FILE.json]

Simulates studies from the theory's stage model and from the null model, runs the stage
analysis on each (:func:`analysis.generalisability.power.stage_power`) and prints one row per
sample size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from analysis.cli.smcap import CliError, read_instrument


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``power`` subcommand."""
    p = sub.add_parser(
        "power",
        help="sample-size planning: stage recovery and false positives by simulation",
        description=(
            "Simulate studies of each size from the theory's stage model and from the null "
            "model (one continuous maturity), run the stage analysis on each, and report per "
            "sample size the median ARI of the recovered stages and how often a stage "
            "structure is declared supported."
        ),
    )
    p.add_argument("--instrument", required=True, help="instrument YAML file")
    p.add_argument(
        "--n", type=int, nargs="+", required=True, metavar="N", help="sample sizes (each ≥ 50)"
    )
    p.add_argument("--reps", type=int, default=20, help="simulated studies per size (default 20)")
    p.add_argument("--seed", type=int, default=None, help="random seed (reproducible table)")
    p.add_argument("--jobs", type=int, default=-1, help="parallel workers (default -1: all cores)")
    p.add_argument(
        "--boot", type=int, default=50, help="bootstrap replicates per study (default 50)"
    )
    p.add_argument("--splits", type=int, default=10, help="prediction-strength splits (default 10)")
    p.add_argument("--no-null", action="store_true", help="skip the null-model studies")
    p.add_argument("--out", help="also write the results to this .csv or .json file")
    p.set_defaults(handler=_cmd_power)


def _cmd_power(args: argparse.Namespace) -> int:
    from analysis.generalisability.power import check_study, stage_power

    if args.reps < 1:
        raise CliError(f"--reps must be at least 1, got {args.reps}")
    if args.boot < 1 or args.splits < 1:
        raise CliError("--boot and --splits must be at least 1")
    if args.jobs == 0:
        raise CliError("--jobs must be a positive number of workers or -1 for all cores")
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.suffix.lower() not in (".csv", ".json"):
            raise CliError(f"--out must name a .csv or .json file, got '{out}'")
        if not out.parent.exists():
            raise CliError(f"output folder '{out.parent}' does not exist")
    inst = read_instrument(args.instrument)
    check_study(inst, args.n, args.reps)
    n_studies = len(args.n) * args.reps * (1 if args.no_null else 2)
    print(f"simulating {n_studies} studies ...", file=sys.stderr)
    start = time.perf_counter()
    study = stage_power(
        inst,
        args.n,
        reps=args.reps,
        random_state=args.seed,
        n_boot=args.boot,
        n_splits=args.splits,
        include_null=not args.no_null,
        n_jobs=args.jobs,
    )
    elapsed = time.perf_counter() - start
    print(format_table(study.summary, include_null=not args.no_null))
    print(
        f"\n{n_studies} simulated studies, seed {args.seed}, {elapsed:.0f} s. ARI: agreement of "
        "the recovered stages with the true ones (1 = perfect, 0 = chance). 'supported': "
        "share of studies where the analysis declares a stage structure — power under the "
        "stage model, false-positive rate under the null model.",
        file=sys.stderr,
    )
    if out is not None:
        if out.suffix.lower() == ".csv":
            from analysis.data.export import write_safe_csv

            write_safe_csv(study.summary, out, index=True, float_format="%.4f")
        else:
            out.write_text(json.dumps(study.to_dict(), indent=2, allow_nan=False) + "\n")
        print(f"written to {out}", file=sys.stderr)
    return 0


def format_table(summary: object, *, include_null: bool = True) -> str:
    """The summary as a fixed-width text table (one row per sample size)."""
    header = ["N", "reps", "ARI cluster", "ARI theory", "supported", "4 profiles"]
    if include_null:
        header += ["null supported"]
    rows = []
    for n, r in summary.iterrows():  # type: ignore[attr-defined]
        row = [
            f"{n:,}",
            f"{int(r['reps'])}",
            f"{r['median_ari_cluster']:.2f}",
            f"{r['median_ari_theory']:.2f}",
            f"{r['supported_rate']:.0%}",
            f"{r['four_profiles_rate']:.0%}",
        ]
        if include_null:
            row.append(f"{r['null_supported_rate']:.0%}")
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
