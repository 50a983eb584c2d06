"""Write ``tests/data/smcap_sim.csv``: simulated smcap-b2b answers for the CFA reference fits.

2,000 respondents from the theory simulator (seed 7, 0.5% missing answers), reverse-keyed
items already recoded (``min + max - x``), plus the ``offering`` column used as the grouping
variable of the invariance check; and ``tests/data/smcap_sim_items.csv`` (item → construct →
level) from which the R script builds the lavaan model. The files are committed so the pinned
lavaan values stay valid even if the simulator changes; run ``python tests/r/make_smcap_sim.py``
only to rebuild them (then rerun ``tests/r/cfa_reference.R``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.data.simulate import SimulationConfig, simulate
from analysis.measurement.scoring import keyed_items
from instrument import INSTRUMENT_1_0, load_instrument

DATA = Path(__file__).resolve().parent.parent / "data"
OUT = DATA / "smcap_sim.csv"
ITEMS = DATA / "smcap_sim_items.csv"


def main() -> None:
    inst = load_instrument(INSTRUMENT_1_0)
    sim = simulate(inst, 2000, random_state=7, config=SimulationConfig(missing_rate=0.005))
    keyed = keyed_items(sim.responses, inst).astype("Int64")
    keyed.insert(0, "offering", sim.responses["offering"])
    keyed.to_csv(OUT, index=False)
    rows = [
        {"item": item.id, "construct": c.id, "level": c.level or ""}
        for c in inst.constructs
        for item in c.items
    ]
    pd.DataFrame(rows).to_csv(ITEMS, index=False)
    print(f"wrote {OUT} ({len(keyed)} rows, {keyed.dropna().shape[0]} complete)")


if __name__ == "__main__":
    main()
