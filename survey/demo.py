"""Prepare the demo (``python -m survey.demo``, run by ``make run``).

1. Writes the simulated demo data set under ``data/`` if it is missing.
2. Migrates the study database (``SMCAP_DATABASE_URL`` or ``data/smcap.db``).
3. Stores the 400 simulated respondents as completed demo responses (``is_demo``) in the
   embedded demo database ``data/smcap.db``, so the completion page has a sample to compare
   with. Running it again adds nothing. A configured study database (``SMCAP_DATABASE_URL``)
   is migrated but never seeded, so simulated responses cannot mix with a real study's.
4. With the demo database, creates the two demo dashboard accounts (random passwords,
   ``data/demo_accounts.toml``, see :func:`survey.auth.ensure_demo_accounts`) and prints
   them; the app accepts them only in demo mode (``SMCAP_DEMO=1``, set by ``make run``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis.data.simulate import simulate, truth_path_for
from instrument import DEFAULT_INSTRUMENT, Instrument, load_instrument
from survey import store
from survey.auth import DEMO_ACCOUNTS_FILE, ensure_demo_accounts
from survey.config import DEFAULT_DATABASE_URL, load_settings
from survey.db import make_engine, migrate, utcnow
from survey.questionnaire import Questionnaire
from survey.store import CompletedResponse

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: The committed demo set: 400 simulated respondents (not real firms).
DEMO_CSV = DATA_DIR / "simulated_demo.csv"
DEMO_N = 400
DEMO_SEED = 2026
#: Prefix of demo respondent ids in the database.
DEMO_ID_PREFIX = "demo-"
#: Days of simulated fieldwork the demo completions are spread over.
DEMO_FIELD_DAYS = 42


def ensure_demo_csv(path: Path = DEMO_CSV) -> Path:
    """Write the simulated demo CSV (and its truth file) if it is not there yet."""
    if not path.exists():
        sim = simulate(load_instrument(DEFAULT_INSTRUMENT), DEMO_N, random_state=DEMO_SEED)
        path.parent.mkdir(parents=True, exist_ok=True)
        sim.responses.to_csv(path, index=False)
        sim.truth.to_csv(truth_path_for(path), index=False)
    return path


def demo_responses(responses: pd.DataFrame, instrument: Instrument) -> list[CompletedResponse]:
    """Turn simulated responses (``smcap simulate`` columns) into completed responses.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent: ``respondent_id``, answers per question id (missing: empty),
        and ``page_time_<page id>`` seconds.
    instrument : Instrument
        The instrument the responses answer.

    Returns
    -------
    list of CompletedResponse
        Ids prefixed with ``demo-``; answers checked and stored as the app stores them.

    Raises
    ------
    ValueError
        When a column is missing or a value is not a valid answer (names row and question).
    """
    questionnaire = Questionnaire(instrument)
    needed = ["respondent_id", *questionnaire.all_question_ids()]
    absent = [c for c in needed if c not in responses.columns]
    if absent:
        raise ValueError(f"demo responses lack column(s) {absent[:10]}")
    out = []
    finished = _demo_completion_times(len(responses), now=utcnow())
    for row_number, row in enumerate(responses.to_dict("records"), start=2):
        answers: dict = {}
        for page_id in questionnaire.page_ids:
            raw = {
                qid: _native(row[qid])
                for qid in questionnaire.question_ids(page_id)
                if not pd.isna(row[qid])
            }
            try:
                cleaned = questionnaire.clean(page_id, raw)
            except ValueError as exc:
                raise ValueError(f"demo responses, row {row_number}: {exc}") from None
            answers.update({k: v for k, v in cleaned.items() if v is not None})
        seconds = {
            page_id: float(row[f"page_time_{page_id}"])
            for page_id in questionnaire.page_ids
            if f"page_time_{page_id}" in row and not pd.isna(row[f"page_time_{page_id}"])
        }
        out.append(
            CompletedResponse(
                f"{DEMO_ID_PREFIX}{row['respondent_id']}",
                answers,
                seconds,
                completed_at=finished[row_number - 2],
            )
        )
    return out


def _demo_completion_times(n: int, *, now: datetime, days: int = DEMO_FIELD_DAYS) -> list[datetime]:
    """Completion times spread over the last ``days`` days, busier at the start of fieldwork.

    The demo responses come from a simulation that has no dates; spreading them (seeded, so
    the same every time) gives the response monitor a realistic fieldwork curve.
    """
    rng = np.random.default_rng(DEMO_SEED)
    offsets = np.sort(rng.beta(1.3, 2.2, n))[::-1] * days * 86_400.0
    order = rng.permutation(n)
    return [now - timedelta(seconds=float(offsets[i])) for i in order]


def seed_demo(engine: Engine, csv_path: Path = DEMO_CSV) -> int:
    """Store the demo responses as completed ``is_demo`` responses; returns how many were new.

    Demo responses to an older version of the instrument are replaced (never real ones).
    """
    instrument = load_instrument(DEFAULT_INSTRUMENT)
    store.drop_stale_demo(engine, instrument_id=instrument.id, keep_version=instrument.version)
    responses = pd.read_csv(csv_path, dtype={"channels": "string"})
    return store.import_completed(
        engine,
        demo_responses(responses, instrument),
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        is_demo=True,
    )


def _native(value: object) -> object:
    """pandas/numpy scalars to plain Python (whole floats to int)."""
    if hasattr(value, "item"):
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def demo_accounts_text(path: Path = DEMO_ACCOUNTS_FILE) -> str:
    """The demo dashboard accounts, created if needed, as lines for the terminal."""
    passwords = ensure_demo_accounts(path)
    width = max(len(name) for name in passwords)
    lines = [
        "dashboards: log in at /login (demo accounts, valid with `make run` only):",
        *(f"  {name:<{width}}  password {password}" for name, password in passwords.items()),
    ]
    return "\n".join(lines)


def main() -> None:
    """Prepare everything ``make run`` needs."""
    csv_path = ensure_demo_csv()
    print(f"demo data: {csv_path}")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        migrate(engine)
        if settings.database_url != DEFAULT_DATABASE_URL:
            print(f"database: {where} migrated (a study database: no demo responses added)")
            print("dashboards: configure accounts first (README, 'Dashboards')")
            return
        added = seed_demo(engine, csv_path)
        total = store.count_completed(engine, instrument_id="smcap-b2b", include_demo=True)
    finally:
        engine.dispose()
    print(f"database: {where} — {added} demo responses added, {total} completed responses in all")
    print(demo_accounts_text())


if __name__ == "__main__":
    main()
