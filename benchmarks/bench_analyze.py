"""Time `smcap analyze` on simulated data, and the same analysis in R.

    python benchmarks/bench_analyze.py [--sizes 2000 100000] [--instruments 24 63 64] [--no-r]

For each instrument (the 24-item benchmark instrument ``benchmarks/bench24.yaml``, the 63-item
smcap instrument 1.0 and the 64-item 2.0) and each sample size, simulates respondents with the
simulator (``analysis.data.simulate``, seed 1), writes them to a CSV file and runs

* ``smcap analyze --group offering --drop-small-groups`` as a separate process, and
* when ``Rscript`` is available, ``benchmarks/bench_analyze.R`` on the same file (psych
  alpha/omega/KMO/Bartlett/fa.parallel/fa, lavaan CFA and three invariance models, semTools
  HTMT, mclust G = 1..8 on the level scores),

printing wall time and peak memory (maximum resident set size) of each process and the
smcap / R time ratio. Target: at most half of R's wall time, peak memory under 1 GB.

The R script runs mclust twice: with its default search over all 14 covariance families (the
"R pipeline" total) and with the VVV family only, which is what smcap's latent profiles fit
(unrestricted covariance matrices). The R process runs both, so its wall time (which, like
smcap's, includes starting the interpreter and loading packages) is reported without the VVV run
as "R pipeline", and without the default run as "R (mclust VVV)", the like-for-like comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.data.simulate import simulate  # noqa: E402
from instrument import DEFAULT_INSTRUMENT, INSTRUMENT_1_0, load_instrument  # noqa: E402

INSTRUMENTS = {
    24: ROOT / "benchmarks" / "bench24.yaml",
    63: INSTRUMENT_1_0,
    64: DEFAULT_INSTRUMENT,
}

#: Runs a command, then prints its wall time and peak RSS (of it and its children) as JSON.
_MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "code": proc.returncode,
                  "stdout": proc.stdout, "stderr": proc.stderr}))
"""


def measure(command: list[str]) -> dict:
    """Wall time (s) and peak resident memory (MB) of one command in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    if result["code"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result['stderr']}")
    return result


def r_spec(instrument_path: Path, group: str) -> dict:
    inst = load_instrument(instrument_path)
    return {
        "items": list(inst.item_ids),
        "reverse": list(inst.reverse_item_ids),
        "min": inst.scale.min,
        "max": inst.scale.max,
        "constructs": {c.id: [i.id for i in c.items] for c in inst.constructs},
        "levels": {lv: [c.id for c in cs] for lv, cs in inst.constructs_by_level().items()},
        "group": group,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    parser.add_argument(
        "--instruments", type=int, nargs="+", default=[24, 64], choices=sorted(INSTRUMENTS)
    )
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rscript = None if args.no_r else shutil.which("Rscript")
    smcap = [sys.executable, "-m", "analysis.cli"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="smcap-bench-") as tmp:
        work = Path(tmp)
        for n_items in args.instruments:
            path = INSTRUMENTS[n_items]
            inst = load_instrument(path)
            spec_file = work / f"spec{n_items}.json"
            spec_file.write_text(json.dumps(r_spec(path, "offering")))
            for n in args.sizes:
                t0 = time.perf_counter()
                data = simulate(inst, n, random_state=args.seed).responses
                csv = work / f"sim{n_items}_{n}.csv"
                data.to_csv(csv, index=False)
                print(
                    f"{n_items} items, {n:,} respondents: simulated and written in "
                    f"{time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
                ours = measure(
                    [
                        *smcap,
                        "analyze",
                        "--instrument",
                        str(path),
                        "--responses",
                        str(csv),
                        "--out",
                        str(work / f"out{n_items}_{n}"),
                        "--group",
                        "offering",
                        "--drop-small-groups",
                        "--seed",
                        "1",
                    ]
                )
                print(
                    f"  smcap analyze  {ours['wall']:7.2f} s  {ours['peak_mb']:7.0f} MB", flush=True
                )
                row = {
                    "items": n_items,
                    "n": n,
                    "smcap_s": ours["wall"],
                    "smcap_mb": ours["peak_mb"],
                }
                if rscript:
                    theirs = measure(
                        [
                            rscript,
                            str(ROOT / "benchmarks" / "bench_analyze.R"),
                            str(csv),
                            str(spec_file),
                        ]
                    )
                    print(theirs["stdout"].rstrip())
                    found = re.findall(r"R (\w+)\s+([\d.]+) s", theirs["stdout"])
                    parts = {k: float(v) for k, v in found}
                    r_all = theirs["wall"] - parts["mclust_vvv"]
                    r_vvv = theirs["wall"] - parts["mclust"]
                    print(
                        f"  R pipeline     {r_all:7.2f} s  {theirs['peak_mb']:7.0f} MB  "
                        f"(smcap / R = {ours['wall'] / r_all:.2f}; with mclust VVV only "
                        f"{r_vvv:.2f} s, smcap / R = {ours['wall'] / r_vvv:.2f})",
                        flush=True,
                    )
                    row |= {"r_s": r_all, "r_mb": theirs["peak_mb"], "r_vvv_s": r_vvv}
                rows.append(row)
    print(
        "\nitems  respondents  smcap s  smcap MB     R s     R MB  smcap/R"
        "  R (mclust VVV) s  smcap/R (mclust VVV)"
    )
    for r in rows:
        r_part = (
            f"{r['r_s']:7.1f}  {r['r_mb']:7.0f}  {r['smcap_s'] / r['r_s']:7.2f}"
            f"  {r['r_vvv_s']:16.1f}  {r['smcap_s'] / r['r_vvv_s']:20.2f}"
            if "r_s" in r
            else "      —        —        —                 —                     —"
        )
        print(
            f"{r['items']:5d}  {r['n']:11,d}  {r['smcap_s']:7.1f}  {r['smcap_mb']:8.0f}  {r_part}"
        )


if __name__ == "__main__":
    main()
