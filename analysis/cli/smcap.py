"""The ``smcap`` command line.

Subcommands::

    smcap instrument check FILE
    smcap instrument codebook FILE --format csv|md [--out FILE]
    smcap instrument rating-sheet FILE --out SHEET.csv [--rater NAME]
    smcap instrument cvi FILE SHEET.csv SHEET.csv ... [--out DIR] [--cut C]
    smcap simulate --instrument FILE --n N --seed S [--null] --out FILE.csv
    smcap analyze --instrument FILE --responses FILE.csv --out DIR [--group COL] ...

Problems with the user's input end with one readable ``smcap: error: ...`` line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from instrument import Instrument, InstrumentError, StageModel, load_instrument
from instrument.codebook import codebook, codebook_markdown


class CliError(Exception):
    """A problem with the command's input, reported without a traceback."""


Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smcap`` command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except (CliError, InstrumentError, ValueError, OSError) as exc:
        print(f"smcap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("smcap: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="smcap",
        description="Survey instrument and statistical validation for B2B social-media "
        "capability research.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_instrument(sub)
    _add_simulate(sub)
    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands defined in their own modules (imported lazily so startup stays fast)."""
    registrars: list[Callable[[argparse._SubParsersAction], None]] = []
    for module_name in _COMMAND_MODULES:
        module = __import__(module_name, fromlist=["register"])
        registrars.append(module.register)
    return registrars


#: Modules that define ``register(subparsers)`` for further subcommands.
_COMMAND_MODULES: tuple[str, ...] = ("analysis.cli.analyze", "analysis.cli.power")


def read_instrument(path: str | Path) -> Instrument:
    """Load an instrument for a command (errors become one readable line)."""
    return load_instrument(path)


# --------------------------------------------------------------------------- instrument
def _add_instrument(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "instrument",
        help="check an instrument file, export its codebook, rate its content validity",
    )
    isub = p.add_subparsers(title="instrument commands", metavar="ACTION")
    check = isub.add_parser("check", help="validate an instrument and summarise it")
    check.add_argument("file", help="instrument YAML file")
    check.set_defaults(handler=_cmd_check)
    cb = isub.add_parser("codebook", help="export the codebook (one row per variable)")
    cb.add_argument("file", help="instrument YAML file")
    cb.add_argument("--format", choices=("csv", "md"), default="csv", help="output format")
    cb.add_argument("--out", help="write to this file instead of standard output")
    cb.set_defaults(handler=_cmd_codebook)
    sheet = isub.add_parser(
        "rating-sheet", help="export a content-validity rating sheet for one expert (CSV)"
    )
    sheet.add_argument("file", help="instrument YAML file")
    sheet.add_argument("--out", required=True, help="the sheet to write (.csv)")
    sheet.add_argument("--rater", help="the expert's name, written on the sheet")
    sheet.set_defaults(handler=_cmd_rating_sheet)
    cvi = isub.add_parser(
        "cvi", help="content validity from the experts' filled sheets: I-CVI, S-CVI, kappa, CVR"
    )
    cvi.add_argument("file", help="instrument YAML file")
    cvi.add_argument("sheets", nargs="+", metavar="SHEET", help="filled sheets, one per expert")
    cvi.add_argument(
        "--out", help="write cvi_items.csv and cvi_summary.json to this folder (created if needed)"
    )
    cvi.add_argument(
        "--cut",
        type=float,
        help="I-CVI an item needs (default 1.00 with up to 5 experts, .78 with 6 or more)",
    )
    cvi.set_defaults(handler=_cmd_cvi)
    p.set_defaults(handler=lambda _args: (p.print_help(), 2)[1])


def _cmd_check(args: argparse.Namespace) -> int:
    print(summarise_instrument(read_instrument(args.file)))
    return 0


def summarise_instrument(inst: Instrument) -> str:
    """A human-readable summary: constructs by level/axis/role, item counts, minutes."""
    n_items = len(inst.items)
    lines = [
        f"{inst.id} {inst.version} — {inst.title}",
        f"scale: {inst.scale.min}–{inst.scale.max} ({len(inst.scale.points)} points: "
        f"{inst.scale.labels[0]} … {inst.scale.labels[-1]})",
        f"{len(inst.constructs)} constructs, {n_items} Likert items "
        f"({len(inst.reverse_item_ids)} reverse-keyed), {len(inst.attention_checks)} attention "
        f"check(s), {len(inst.firmographics)} firmographic question(s), "
        f"{len(inst.page_list())} page(s)",
        "",
    ]
    groups: list[tuple[str, list]] = []
    for level, members in inst.constructs_by_level().items():
        groups.append((f"level {level}", list(members)))
    for axis, members in inst.constructs_by_axis().items():
        groups.append((f"axis {axis}", list(members)))
    if inst.outcome_constructs:
        groups.append(("role outcome", list(inst.outcome_constructs)))
    untagged = [c for c in inst.constructs if not (c.level or c.axis or c.role)]
    if untagged:
        groups.append(("untagged", untagged))
    width = max(len(g) for g, _ in groups)
    for name, members in groups:
        count = sum(len(c.items) for c in members)
        listing = ", ".join(f"{c.id} ({len(c.items)})" for c in members)
        lines.append(f"  {name:<{width}}  {count:>3} items: {listing}")
    lines += [
        "",
        f"stage model (all four levels): {'yes' if inst.has_stage_model else 'no'}",
        *_threshold_lines(inst),
        f"quadrant model (both axes): {'yes' if inst.has_quadrant_model else 'no'}",
        f"estimated time to complete: {inst.estimated_minutes()} minutes",
    ]
    return "\n".join(lines)


def _threshold_lines(inst: Instrument) -> list[str]:
    """The stage models with every transition, its requirements, thresholds and sources."""
    if not inst.has_stage_model:
        return []
    models = inst.stage_model_list()
    lines: list[str] = []
    for i, model in enumerate(models):
        where = (
            "declared in the file"
            if inst.stage_model_declared
            else "implied: the file only tags constructs with levels (the 1.0 format)"
        )
        role = "default" if i == 0 else "alternative"
        lines += ["", f"stage model '{model.id}' ({role}, {where}):", f"  {model.label}"]
        thresholds = inst.requirement_thresholds(model)
        origin = _origin_text(inst, model)
        for t in model.transitions:
            head = f"  stage {t.to - 1} → {t.to} needs"
            lines.append(head + (f"   [{t.source.cite()}]" if t.source else ""))
            for r in t.requires:
                cite = f"   {r.source.cite()}" if r.source else ""
                lines.append(f"    {r.key:<22} ≥ {thresholds[r.key]:.2f} ({origin[r.key]}){cite}")
        if model.threshold_rationale and i == 0:
            lines.append(
                f"  why {model.threshold:g}: {' '.join(model.threshold_rationale.split())}"
            )
    return lines


def _origin_text(inst: Instrument, model: StageModel) -> dict[str, str]:
    levels = inst.stage_rule.thresholds
    span = f"{inst.scale.min}–{inst.scale.max}"
    out: dict[str, str] = {}
    for t in model.transitions:
        for r in t.requires:
            level = r.level if r.level is not None else inst.construct(str(r.construct_id)).level
            if r.threshold is not None:
                text = "set for this requirement"
            elif model.threshold is not None:
                text = "set by the model"
            elif level is not None and level in levels:
                text = f"the instrument's {level} threshold"
            else:
                text = f"default: two thirds of the way up the {span} scale"
            out.setdefault(r.key, text)
    return out


def _cmd_codebook(args: argparse.Namespace) -> int:
    inst = read_instrument(args.file)
    if args.format == "csv":
        from analysis.data.export import safe_csv_text

        text = safe_csv_text(codebook(inst))
    else:
        text = codebook_markdown(inst)
    if args.out:
        Path(args.out).write_bytes(text.encode("utf-8"))
        print(f"codebook written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_rating_sheet(args: argparse.Namespace) -> int:
    from analysis.data.export import write_safe_csv
    from instrument.content_validity import rating_sheet_cells

    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise CliError(f"--out must name a .csv file, got '{out}'")
    if not out.parent.exists():
        raise CliError(f"output folder '{out.parent}' does not exist")
    inst = read_instrument(args.file)
    # with a byte-order mark, so that Excel reads the text as UTF-8
    write_safe_csv(rating_sheet_cells(inst, rater=args.rater), out, header=False, excel_bom=True)
    print(f"rating sheet for {len(inst.items)} items written to {out}", file=sys.stderr)
    return 0


def _cmd_cvi(args: argparse.Namespace) -> int:
    from analysis.data.export import write_safe_csv
    from instrument.content_validity import content_validity, content_validity_text, read_panel

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise CliError(f"--out '{out}' is a file; give a folder")
    if args.cut is not None and not 0 < args.cut <= 1:
        raise CliError(f"--cut must be above 0 and at most 1, got {args.cut}")
    inst = read_instrument(args.file)
    panel = read_panel(args.sheets, inst)
    result = content_validity(panel.relevance, panel.essential, inst, cut=args.cut)
    print(content_validity_text(result, blanks=panel.blanks))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_safe_csv(result.items.join(panel.comments), out / "cvi_items.csv", index=True)
        summary = result.summary() | {"blank_cells": panel.blanks.to_dict("records")}
        text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
        (out / "cvi_summary.json").write_text(text + "\n", encoding="utf-8")
        print(f"written {out / 'cvi_items.csv'} and {out / 'cvi_summary.json'}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- simulate
def _add_simulate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="generate respondents from the theory (with a *_truth.csv of the known truth)",
    )
    p.add_argument("--instrument", required=True, help="instrument YAML file")
    p.add_argument("--n", type=int, required=True, help="number of respondents")
    p.add_argument("--seed", type=int, default=None, help="random seed (reproducible output)")
    p.add_argument("--null", action="store_true", help="one continuous maturity, no stages")
    p.add_argument("--out", required=True, help="responses CSV to write")
    p.set_defaults(handler=_cmd_simulate)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from analysis.data.export import write_safe_csv
    from analysis.data.simulate import simulate, truth_path_for

    if args.n < 1:
        raise CliError(f"--n must be at least 1, got {args.n}")
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise CliError(f"--out must name a .csv file, got '{out}'")
    if not out.parent.exists():
        raise CliError(f"output folder '{out.parent}' does not exist")
    inst = read_instrument(args.instrument)
    sim = simulate(inst, args.n, random_state=args.seed, null=args.null)
    truth_path = truth_path_for(out)
    write_safe_csv(sim.responses, out)
    write_safe_csv(sim.truth, truth_path)
    kind = "null model (continuous maturity, no stages)" if args.null else "stage model"
    print(
        f"simulated {args.n} respondents ({kind}, seed {args.seed}) -> {out} and {truth_path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
