"""Demo preparation: the simulated respondents seeded as completed demo responses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from instrument import DEFAULT_INSTRUMENT, Instrument, load_instrument
from survey import demo, store
from survey.db import make_engine
from survey.demo import DEMO_CSV, DEMO_N, demo_responses, seed_demo
from survey.questionnaire import Questionnaire

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration


def test_seeding_is_complete_and_idempotent(survey_engine: Engine) -> None:
    assert seed_demo(survey_engine) == DEMO_N
    assert seed_demo(survey_engine) == 0  # twice: nothing duplicated
    assert store.count_completed(survey_engine, instrument_id="smcap-b2b") == 0  # demo only
    assert store.count_completed(survey_engine, instrument_id="smcap-b2b", include_demo=True) == (
        DEMO_N
    )
    demo = pd.read_csv(DEMO_CSV)
    with survey_engine.connect() as conn:
        n_answers = conn.execute(text("SELECT count(*) FROM answers")).scalar_one()
        n_timings = conn.execute(text("SELECT count(*) FROM page_timings")).scalar_one()
        flags = conn.execute(text("SELECT DISTINCT is_demo FROM respondents")).scalars().all()
        tokens = conn.execute(
            text("SELECT count(*) FROM respondents WHERE resume_token_hash IS NOT NULL")
        ).scalar_one()
    columns = [c for c in demo.columns if c != "respondent_id" and not c.startswith("page_time_")]
    assert n_answers == int(demo[columns].notna().sum().sum())
    assert n_timings == DEMO_N * len(load_instrument(DEFAULT_INSTRUMENT).page_list())
    assert [bool(f) for f in flags] == [True] and tokens == 0


def test_demo_answers_are_stored_as_the_app_stores_them(instrument_2_0: Instrument) -> None:
    demo = pd.read_csv(DEMO_CSV, dtype={"channels": "string"}).head(3)
    first = demo_responses(demo, instrument_2_0)[0]
    row = demo.iloc[0]
    assert first.respondent_id == f"demo-{row['respondent_id']}"
    assert first.answers["sector"] == row["sector"]
    assert first.answers["channels"] == row["channels"]
    assert isinstance(first.answers["op_ai_1"], int)
    assert set(first.answers) <= set(Questionnaire(instrument_2_0).all_question_ids())
    assert first.page_seconds["firm"] == pytest.approx(row["page_time_firm"])


def test_malformed_demo_rows_are_named(instrument_2_0: Instrument) -> None:
    demo = pd.read_csv(DEMO_CSV, dtype={"channels": "string"}).head(2)
    demo.loc[1, "op_ai_1"] = 12
    with pytest.raises(ValueError, match=r"demo responses, row 3: question .* 12 is not one of"):
        demo_responses(demo, instrument_2_0)
    with pytest.raises(ValueError, match=r"lack column\(s\) \['sector'\]"):
        demo_responses(demo.drop(columns="sector"), instrument_2_0)


def test_demo_of_an_older_version_is_replaced_and_real_answers_kept(
    survey_engine: Engine, smcap_instrument: Instrument, instrument_2_0: Instrument
) -> None:
    from tests.conftest import DEMO_1_0_CSV

    old = pd.read_csv(DEMO_1_0_CSV, dtype={"channels": "string"}).head(5)
    store.import_completed(
        survey_engine,
        demo_responses(old, smcap_instrument),
        instrument_id="smcap-b2b",
        instrument_version="1.0",
        is_demo=True,
    )
    real = dataclasses.replace(demo_responses(old.head(1), smcap_instrument)[0], respondent_id="r1")
    store.import_completed(
        survey_engine, [real], instrument_id="smcap-b2b", instrument_version="1.0", is_demo=False
    )
    added = seed_demo(survey_engine)
    assert added == DEMO_N
    with survey_engine.connect() as conn:
        versions = conn.execute(
            text("SELECT instrument_version, is_demo, COUNT(*) FROM respondents GROUP BY 1, 2")
        ).all()
    assert sorted((v, bool(d), n) for v, d, n in versions) == [
        ("1.0", False, 1),
        ("2.0", True, DEMO_N),
    ]


def test_main_seeds_only_the_embedded_demo_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "none.toml").write_text("[study]\n", encoding="utf-8")
    monkeypatch.setenv("SMCAP_CONFIG", str(tmp_path / "none.toml"))
    study_url = f"sqlite:///{tmp_path / 'study.db'}"
    monkeypatch.setenv("SMCAP_DATABASE_URL", study_url)
    demo.main()
    assert "no demo responses added" in capsys.readouterr().out
    engine = make_engine(study_url)
    assert store.count_completed(engine, instrument_id="smcap-b2b", include_demo=True) == 0
    engine.dispose()

    demo_url = f"sqlite:///{tmp_path / 'smcap.db'}"
    monkeypatch.setattr(demo, "DEFAULT_DATABASE_URL", demo_url)
    monkeypatch.setenv("SMCAP_DATABASE_URL", demo_url)
    demo.main()
    assert "400 demo responses added" in capsys.readouterr().out


def test_demo_accounts_are_created_once_and_printed(tmp_path: Path) -> None:
    path = tmp_path / "demo_accounts.toml"
    first = demo.demo_accounts_text(path)
    assert first == demo.demo_accounts_text(path)  # the same passwords every run
    assert "log in at /login" in first
    lines = first.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["researcher", "reviewer"]
    assert all(len(line.split()[-1]) >= 16 for line in lines)


def test_demo_fieldwork_is_spread_over_six_weeks(survey_engine: Engine) -> None:
    seed_demo(survey_engine)
    with survey_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT started_at, completed_at FROM respondents WHERE is_demo")
        ).all()
    started = pd.to_datetime([r[0] for r in rows])
    completed = pd.to_datetime([r[1] for r in rows])
    assert (started < completed).all()
    span_days = (completed.max() - completed.min()).total_seconds() / 86_400
    assert 30 < span_days <= demo.DEMO_FIELD_DAYS
    assert completed.normalize().nunique() > 25, "completions fall on many different days"
