"""Prepare the demo: the simulated demo data set under ``data/`` (``python -m survey.demo``)."""

from __future__ import annotations

from pathlib import Path

from analysis.cli import truth_path_for
from analysis.simulate import simulate
from instrument import DEFAULT_INSTRUMENT, load_instrument

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: The committed demo set: 400 simulated respondents (not real firms).
DEMO_CSV = DATA_DIR / "simulated_demo.csv"
DEMO_N = 400
DEMO_SEED = 2026


def ensure_demo_csv(path: Path = DEMO_CSV) -> Path:
    """Write the simulated demo CSV (and its truth file) if it is not there yet."""
    if not path.exists():
        sim = simulate(load_instrument(DEFAULT_INSTRUMENT), DEMO_N, random_state=DEMO_SEED)
        path.parent.mkdir(parents=True, exist_ok=True)
        sim.responses.to_csv(path, index=False)
        sim.truth.to_csv(truth_path_for(path), index=False)
    return path


def main() -> None:
    """Prepare everything ``make run`` needs."""
    print(f"demo data: {ensure_demo_csv()}")


if __name__ == "__main__":
    main()
