"""Data access: respondents, tokens, answers (upsert), timings, declines, contacts, imports.

Every test runs on SQLite and, when ``SMCAP_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey import store
from survey.demo import DEMO_CSV, seed_demo
from survey.questionnaire import Questionnaire
from survey.store import CompletedResponse

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def new(engine: Engine, now: datetime = T0) -> tuple[store.RespondentState, str]:
    return store.create_respondent(
        engine, instrument_id="mini", instrument_version="0.1", first_page="p1", now=now
    )


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


def test_token_is_random_urlsafe_and_only_its_hash_is_stored(survey_engine: Engine) -> None:
    respondent, token = new(survey_engine)
    other, other_token = new(survey_engine)
    assert token != other_token and respondent.id != other.id
    assert len(token) >= 32 and store.looks_like_token(token)
    assert len(respondent.id) == 32
    stored = rows(survey_engine, "SELECT id, resume_token_hash FROM respondents")
    assert {h for _, h in stored} == {store.hash_token(token), store.hash_token(other_token)}
    dump = repr(rows(survey_engine, "SELECT * FROM respondents"))
    assert token not in dump and other_token not in dump
    assert respondent.item_order_seed is not None and respondent.current_page == "p1"
    assert respondent.consented_at == T0 and respondent.page_shown_at == T0


def test_find_by_token(survey_engine: Engine) -> None:
    respondent, token = new(survey_engine)
    assert store.find_by_token(survey_engine, token) == respondent
    assert (
        store.find_by_token(survey_engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    )
    for bad in (None, "", "short", "x" * 500, "'; DROP TABLE respondents; --"):
        assert store.find_by_token(survey_engine, bad) is None
    assert store.get_respondent(survey_engine, respondent.id) == respondent
    assert store.get_respondent(survey_engine, "nobody") is None


def test_resubmission_upserts_and_cleared_answers_are_removed(survey_engine: Engine) -> None:
    r, _ = new(survey_engine)
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 3, "b": "x", "c": None})
    assert store.load_answers(survey_engine, r.id) == {"a": 3, "b": "x"}
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 5, "b": None, "c": "y;z"})
    assert store.load_answers(survey_engine, r.id) == {"a": 5, "c": "y;z"}
    counts = rows(survey_engine, "SELECT item_id, count(*) FROM answers GROUP BY item_id")
    assert sorted(counts) == [("a", 1), ("c", 1)]


def test_unchanged_answer_keeps_its_time(survey_engine: Engine) -> None:
    r, _ = new(survey_engine)
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 3, "b": 1}, now=T0)
    later = T0 + timedelta(minutes=5)
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 3, "b": 2}, now=later)
    times = dict(rows(survey_engine, "SELECT item_id, answered_at FROM answers"))
    as_text = {k: str(v) for k, v in times.items()}
    assert as_text["a"].startswith("2026-03-01 09:00:00")
    assert as_text["b"].startswith("2026-03-01 09:05:00")


def test_moving_records_page_time_from_when_the_page_was_shown(survey_engine: Engine) -> None:
    r, _ = new(survey_engine, now=T0)
    assert r.started_at is None
    s = store.save_page(
        survey_engine,
        r.id,
        page_id="p1",
        answers={"a": 1},
        move_to="p2",
        now=T0 + timedelta(seconds=42),
    )
    assert s.current_page == "p2" and s.page_shown_at == T0 + timedelta(seconds=42)
    assert s.started_at == T0 + timedelta(seconds=42)
    # back to p1 after 10 s, then forward again after 5 s
    store.save_page(
        survey_engine, r.id, page_id="p2", answers={}, move_to="p1", now=T0 + timedelta(seconds=52)
    )
    store.save_page(
        survey_engine, r.id, page_id="p1", answers={}, move_to="p2", now=T0 + timedelta(seconds=57)
    )
    timing = dict(
        (p, (round(s, 3), v))
        for p, s, v in rows(survey_engine, "SELECT page_id, seconds, visits FROM page_timings")
    )
    assert timing == {"p1": (47.0, 2), "p2": (10.0, 1)}
    assert store.get_respondent(survey_engine, r.id).started_at == T0 + timedelta(seconds=42)


def test_saving_without_moving_records_no_time(survey_engine: Engine) -> None:
    r, _ = new(survey_engine)
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 1}, now=T0 + timedelta(1))
    assert rows(survey_engine, "SELECT * FROM page_timings") == []


def test_completion_is_idempotent_and_freezes_the_response(survey_engine: Engine) -> None:
    r, _ = new(survey_engine)
    done = store.save_page(
        survey_engine,
        r.id,
        page_id="p1",
        answers={"a": 2},
        complete=True,
        now=T0 + timedelta(seconds=30),
    )
    assert done.completed and done.completed_at == T0 + timedelta(seconds=30)
    again = store.save_page(
        survey_engine,
        r.id,
        page_id="p1",
        answers={"a": 7},
        complete=True,
        now=T0 + timedelta(hours=1),
    )
    assert again.completed_at == done.completed_at
    assert store.load_answers(survey_engine, r.id) == {"a": 2}
    assert rows(survey_engine, "SELECT count(*) FROM respondents") == [(1,)]
    assert store.count_completed(survey_engine, instrument_id="mini") == 1


def test_save_page_for_unknown_respondent_is_a_clear_error(survey_engine: Engine) -> None:
    with pytest.raises(KeyError, match="respondent 'ghost' does not exist"):
        store.save_page(survey_engine, "ghost", page_id="p1", answers={"a": 1})


def test_decline_is_an_anonymous_counter(survey_engine: Engine) -> None:
    for _ in range(3):
        store.record_decline(survey_engine, instrument_id="mini", instrument_version="0.1")
    store.record_decline(survey_engine, instrument_id="mini", instrument_version="0.2")
    assert store.decline_count(survey_engine, instrument_id="mini") == 4
    assert store.decline_count(survey_engine, instrument_id="other") == 0
    assert rows(survey_engine, "SELECT count(*) FROM decline_counts") == [(2,)]
    assert rows(survey_engine, "SELECT count(*) FROM respondents") == [(0,)]


def test_contact_is_stored_apart_and_bad_addresses_are_refused(survey_engine: Engine) -> None:
    store.save_contact(survey_engine, instrument_id="mini", email=" ann@example.org ")
    assert rows(survey_engine, "SELECT instrument_id, email FROM contacts") == [
        ("mini", "ann@example.org")
    ]
    with pytest.raises(ValueError, match="email: 'not an address' does not look like"):
        store.save_contact(survey_engine, instrument_id="mini", email="not an address")


def test_delete_respondent_removes_answers_and_timings(survey_engine: Engine) -> None:
    r, _ = new(survey_engine)
    store.save_page(survey_engine, r.id, page_id="p1", answers={"a": 1}, move_to="p2")
    assert store.delete_respondent(survey_engine, r.id)
    assert not store.delete_respondent(survey_engine, r.id)
    for table in ("respondents", "answers", "page_timings"):
        assert rows(survey_engine, f"SELECT count(*) FROM {table}") == [(0,)]


def test_import_completed_is_idempotent(survey_engine: Engine) -> None:
    batch = [
        CompletedResponse("demo-1", {"a": 1, "b": "x"}, {"p1": 12.5}),
        CompletedResponse("demo-2", {"a": 4}, {"p1": 8.0}),
    ]
    kwargs = {"instrument_id": "mini", "instrument_version": "0.1", "is_demo": True}
    assert store.import_completed(survey_engine, batch, **kwargs) == 2
    assert store.import_completed(survey_engine, batch, **kwargs) == 0
    assert store.import_completed(survey_engine, [], **kwargs) == 0
    assert rows(survey_engine, "SELECT count(*) FROM answers") == [(3,)]
    assert store.count_completed(survey_engine, instrument_id="mini") == 0
    assert store.count_completed(survey_engine, instrument_id="mini", include_demo=True) == 2


def test_responses_frame_round_trips_the_demo_export(survey_engine: Engine) -> None:
    questionnaire = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    seed_demo(survey_engine)
    live, _ = store.create_respondent(
        survey_engine, instrument_id="smcap-b2b", instrument_version="1.0", first_page="firm"
    )
    store.save_page(survey_engine, live.id, page_id="firm", answers={"sector": "other"})

    frame = store.responses_frame(survey_engine, questionnaire)
    demo = pd.read_csv(DEMO_CSV, dtype={"channels": "string"})
    assert list(frame.columns[: len(demo.columns)]) == list(demo.columns)
    assert list(frame.columns[len(demo.columns) :]) == [
        "instrument_version",
        "is_demo",
        "consented_at",
        "completed_at",
    ]
    assert len(frame) == len(demo) and frame["is_demo"].all()
    expected = demo.assign(respondent_id="demo-" + demo["respondent_id"])
    for column in demo.columns:
        got = frame[column].astype(object).where(frame[column].notna(), None).tolist()
        want = expected[column].astype(object).where(expected[column].notna(), None).tolist()
        if column.startswith("page_time_"):
            assert got == pytest.approx(want), column
        elif column == "respondent_id" or frame[column].dtype == "string":
            assert got == want, column
        else:
            assert [None if v is None else int(v) for v in got] == [
                None if v is None else int(v) for v in want
            ], column

    everyone = store.responses_frame(survey_engine, questionnaire, completed_only=False)
    row = everyone.set_index("respondent_id").loc[live.id]
    assert row["sector"] == "other" and pd.isna(row["op_ai_1"]) and pd.isna(row["completed_at"])
    real = store.responses_frame(survey_engine, questionnaire, include_demo=False)
    assert real.empty and list(real.columns) == list(frame.columns)


def test_data_version_changes_with_answers_completions_and_declines(
    survey_engine: Engine,
) -> None:
    empty = store.data_version(survey_engine, instrument_id="mini")
    assert (empty.n_respondents, empty.n_completed, empty.last_update) == (0, 0, None)
    respondent, _ = new(survey_engine)
    started = store.data_version(survey_engine, instrument_id="mini")
    assert started.responses_key != empty.responses_key
    assert started.completed_key == empty.completed_key  # nothing completed yet
    later = T0 + timedelta(minutes=5)
    store.save_page(survey_engine, respondent.id, page_id="p1", answers={"q": 2}, now=later)
    answered = store.data_version(survey_engine, instrument_id="mini")
    assert answered.last_update == later and answered.completed_key == empty.completed_key
    done = T0 + timedelta(minutes=9)
    store.save_page(survey_engine, respondent.id, page_id="p1", answers={}, complete=True, now=done)
    completed = store.data_version(survey_engine, instrument_id="mini")
    assert completed.n_completed == 1 and completed.last_completion == done
    assert completed.completed_key != answered.completed_key
    store.record_decline(survey_engine, instrument_id="mini", instrument_version="0.1")
    declined = store.data_version(survey_engine, instrument_id="mini")
    assert declined.responses_key != completed.responses_key and declined.declines == 1
    store.delete_respondent(survey_engine, respondent.id)
    withdrawn = store.data_version(survey_engine, instrument_id="mini")
    assert withdrawn.completed_key != declined.completed_key


def test_progress_and_page_timings_frames(survey_engine: Engine) -> None:
    first, _ = new(survey_engine)
    second, _ = new(survey_engine, now=T0 + timedelta(hours=1))
    store.save_page(
        survey_engine,
        first.id,
        page_id="p1",
        answers={"q": 1},
        move_to="p2",
        now=T0 + timedelta(seconds=42),
    )
    progress = store.progress_frame(survey_engine, instrument_id="mini")
    assert list(progress.index) == sorted([first.id, second.id])
    assert progress.loc[first.id, "current_page"] == "p2"
    assert progress.loc[first.id, "started_at"] == T0 + timedelta(seconds=42)
    assert pd.isna(progress.loc[second.id, "started_at"])
    assert not progress["is_demo"].any()
    timings = store.page_timings(survey_engine, instrument_id="mini")
    assert timings.to_dict("records") == [
        {"respondent_id": first.id, "page_id": "p1", "seconds": 42.0, "visits": 1}
    ]
    assert store.page_timings(survey_engine, instrument_id="other").empty
