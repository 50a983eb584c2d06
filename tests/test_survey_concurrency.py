"""50 writer processes store complete responses into one database at the same moment.

Each writer goes through the survey as the app does (consent, every page, one Back and a
resubmission of the first page on the way), all starting together behind a barrier. Afterwards
the database must hold 50 completed responses with every answer exactly once — no lost
answers, no duplicates, no "database is locked". Runs on SQLite, and on a fresh PostgreSQL
schema when ``SMCAP_TEST_DATABASE_URL`` is set.

A second test submits one respondent's page from 16 threads at once: the row lock (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL) must let only one of them count the
page's time.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, text

from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey import flow
from survey.db import make_engine
from survey.questionnaire import Questionnaire
from tests.answer_plans import plan_answers, stored_form

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

N_WRITERS = 50
BARRIER_TIMEOUT = 120
WRITERS_TIMEOUT = 300


def write_one_response(
    database_url: str,
    questionnaire: Questionnaire,
    plan: dict[str, Any],
    index: int,
    barrier: Any,
    results: Any,
) -> None:
    """Worker: one complete response for writer ``index`` (runs in its own process)."""
    try:
        # one pooled connection per writer, as an app process would hold
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        pages = questionnaire.page_ids
        barrier.wait(BARRIER_TIMEOUT)
        respondent, _token = flow.start(engine, questionnaire)
        for number, page_id in enumerate(pages):
            raw = {k: plan[k] for k in questionnaire.question_ids(page_id)}
            out = flow.submit(engine, questionnaire, respondent, page_id, raw, action="next")
            respondent = out.respondent
            if number == 1:  # Back from page 2 with half of it, then page 1 again
                half = dict(list(raw.items())[: len(raw) // 2])
                respondent = flow.submit(
                    engine, questionnaire, respondent, page_id, half, action="back"
                ).respondent
                first = {k: plan[k] for k in questionnaire.question_ids(pages[0])}
                respondent = flow.submit(
                    engine, questionnaire, respondent, pages[0], first, action="next"
                ).respondent
                respondent = flow.submit(
                    engine, questionnaire, respondent, page_id, raw, action="next"
                ).respondent
        results.put((index, respondent.id, respondent.completed, None))
        engine.dispose()
    except BaseException:  # report everything to the parent, including "database is locked"
        results.put((index, None, False, traceback.format_exc()))


def plan_of(questionnaire: Questionnaire, index: int) -> dict[str, Any]:
    return plan_answers(questionnaire, seed=1000 + index)


def run_writers(
    database_url: str, questionnaire: Questionnaire
) -> list[tuple[int, str | None, bool, str | None]]:
    """Start the writers together; collect one result per writer (or fail after a timeout)."""
    # forkserver: children fork from a clean, single-threaded server with the modules loaded
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "survey.flow", "tests.answer_plans"])
    barrier = context.Barrier(N_WRITERS)
    results = context.Queue()
    workers = [
        context.Process(
            target=write_one_response,
            args=(database_url, questionnaire, plan_of(questionnaire, i), i, barrier, results),
        )
        for i in range(N_WRITERS)
    ]
    for worker in workers:
        worker.start()
    collected = []
    deadline = time.monotonic() + WRITERS_TIMEOUT
    while len(collected) < N_WRITERS and time.monotonic() < deadline:
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            if not any(w.is_alive() for w in workers) and results.empty():
                break
    for worker in workers:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.kill()
    return sorted(collected, key=lambda r: r[0])


def test_fifty_concurrent_writers_lose_and_duplicate_nothing(
    survey_db_url: str, survey_engine: Engine
) -> None:
    questionnaire = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    survey_engine.dispose()  # no connection of ours is open while the writers run

    results = run_writers(survey_db_url, questionnaire)

    failures = [error for _, _, _, error in results if error]
    assert failures == [], failures[0] if failures else ""
    assert [i for i, *_ in results] == list(range(N_WRITERS))
    assert all(completed for _, _, completed, _ in results)
    with survey_engine.connect() as conn:
        respondents = conn.execute(
            text("SELECT count(*), count(completed_at) FROM respondents")
        ).one()
        answers = conn.execute(
            text("SELECT respondent_id, item_id, value_int, value_text FROM answers")
        ).all()
        timings = conn.execute(
            text("SELECT respondent_id, page_id, visits FROM page_timings")
        ).all()
    assert tuple(respondents) == (N_WRITERS, N_WRITERS)

    n_questions = len(questionnaire.all_question_ids())
    assert len(answers) == N_WRITERS * n_questions
    assert len({(r, i) for r, i, _, _ in answers}) == len(answers)  # no duplicates
    stored: dict[str, dict] = {}
    for rid, item, v_int, v_text in answers:
        stored.setdefault(rid, {})[item] = v_int if v_int is not None else v_text
    for index, rid, _, _ in results:  # every answer, exactly as given
        plan = plan_of(questionnaire, index)
        expected: dict = {}
        for page_id in questionnaire.page_ids:
            expected.update(stored_form(questionnaire, page_id, plan))
        assert stored[rid] == expected, f"writer {index}"

    visits = {(r, p): v for r, p, v in timings}
    assert len(visits) == N_WRITERS * questionnaire.n_pages
    first, second = questionnaire.page_ids[:2]
    for _, rid, _, _ in results:
        assert visits[(rid, first)] == 2 and visits[(rid, second)] == 2


N_DOUBLE_SUBMITS = 16


def test_the_same_page_submitted_at_once_counts_its_time_once(
    survey_db_url: str, survey_engine: Engine
) -> None:
    """16 threads submit one respondent's first page together (a double-clicked Next, many
    tabs): exactly one of them moves the respondent on, so the page's time and visit count
    are stored once. Without the row lock every submission that read the respondent before
    the first committed would add its own timing."""
    questionnaire = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    respondent, _token = flow.start(survey_engine, questionnaire)
    first, second = questionnaire.page_ids[:2]
    plan = plan_answers(questionnaire, seed=7)
    raw = {k: plan[k] for k in questionnaire.question_ids(first)}
    engine = make_engine(survey_db_url, pool_size=N_DOUBLE_SUBMITS, max_overflow=0)
    barrier = threading.Barrier(N_DOUBLE_SUBMITS)

    def submit_once() -> str | None:
        barrier.wait(BARRIER_TIMEOUT)
        out = flow.submit(engine, questionnaire, respondent, first, raw, action="next")
        return out.respondent.current_page

    try:
        with ThreadPoolExecutor(N_DOUBLE_SUBMITS) as pool:
            pages = list(pool.map(lambda _: submit_once(), range(N_DOUBLE_SUBMITS)))
    finally:
        engine.dispose()

    assert pages == [second] * N_DOUBLE_SUBMITS
    with survey_engine.connect() as conn:
        timings = conn.execute(
            text("SELECT page_id, visits, seconds FROM page_timings WHERE respondent_id = :r"),
            {"r": respondent.id},
        ).all()
        state = conn.execute(
            text("SELECT current_page, page_shown_at FROM respondents WHERE id = :r"),
            {"r": respondent.id},
        ).one()
    assert [(page, visits) for page, visits, _ in timings] == [(first, 1)]
    assert state.current_page == second
    assert timings[0].seconds >= 0
