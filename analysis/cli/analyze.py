"""``smcap analyze``: validate an instrument's scales on a responses file.

::

    smcap analyze --instrument FILE.yaml --responses FILE.csv --out DIR [--group COL]
                  [--id-column COL] [--seed N] [--exclude-flagged] [--allow-missing-items]
                  [--drop-small-groups]

writes ``DIR/results.json``, ``DIR/assignments.csv`` and ``DIR/report.html``. Warnings go to
standard error as ``smcap: warning: ...`` lines (exit status 0); problems with the input end in
one ``smcap: error: ...`` line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from analysis import DEFAULT_SEED
from analysis.cli.smcap import CliError, read_instrument


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` subcommand."""
    p = sub.add_parser(
        "analyze",
        help="validate the scales on a responses CSV (results.json, assignments.csv, report.html)",
        description="Reliability, sampling adequacy, parallel analysis and EFA, CFA, validity, "
        "measurement invariance and data-quality screening of an instrument's responses.",
    )
    p.add_argument("--instrument", required=True, help="instrument YAML file")
    p.add_argument("--responses", required=True, help="responses CSV (one row per respondent)")
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--group", help="column to test measurement invariance across")
    p.add_argument(
        "--id-column", help="column with respondent ids (default: respondent_id, else row numbers)"
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    p.add_argument(
        "--exclude-flagged",
        action="store_true",
        help="compute the statistics without respondents flagged by the quality screens",
    )
    p.add_argument(
        "--allow-missing-items",
        action="store_true",
        help="analyse without instrument items that are not in the file (with a warning)",
    )
    p.add_argument(
        "--drop-small-groups",
        action="store_true",
        help="leave groups too small for the invariance test out instead of failing",
    )
    p.set_defaults(handler=_cmd_analyze)


def _cmd_analyze(args: argparse.Namespace) -> int:
    # The statistics stack (SciPy, scikit-learn, Plotly) loads only when an analysis runs, so
    # that `smcap --help` and the other commands start quickly.
    from analysis.data.responses import load_responses
    from analysis.pipeline import run_analysis

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out '{out}' is a file; give a folder")
    instrument = read_instrument(args.instrument)
    with _progress_display() as progress:
        responses = load_responses(
            args.responses,
            instrument,
            id_column=args.id_column,
            allow_missing_items=args.allow_missing_items,
            group=args.group,
            drop_small_groups=args.drop_small_groups,
        )
        result = run_analysis(
            responses,
            instrument,
            group=args.group,
            seed=args.seed,
            exclude_flagged=args.exclude_flagged,
            allow_missing_items=args.allow_missing_items,
            drop_small_groups=args.drop_small_groups,
            progress=progress,
        )
        progress(1, 1, "Writing results.json, assignments.csv, report.html")
        out.mkdir(parents=True, exist_ok=True)
        paths = result.write(out)
    for warning in result.warnings:
        print(f"smcap: warning: {warning}", file=sys.stderr)
    n, total = result.typed.n_respondents, result.typed.n_respondents_total
    analysed = f"{n:,} respondents" if n == total else f"{n:,} of {total:,} respondents"
    print(f"analysed {analysed}; wrote {', '.join(str(p) for p in paths.values())}")
    return 0


@contextmanager
def _progress_display() -> Iterator[Callable[[int, int, str], None]]:
    """A transient progress bar on standard error (silent when it is not a terminal)."""
    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("Reading the responses", total=None)

        def update(step: int, n_steps: int, label: str) -> None:
            bar.update(task, description=label, completed=step - 1, total=n_steps)

        yield update
