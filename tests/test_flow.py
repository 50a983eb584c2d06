"""The respondent's journey without a browser: routing, submitting, results, comparison."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from instrument import Instrument
from survey import flow, store
from survey.config import Settings
from survey.questionnaire import Questionnaire
from survey.store import CompletedResponse
from tests.answer_plans import plan_answers
from tests.conftest import DEMO_1_0_CSV as DEMO_CSV

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def q(smcap_instrument: Instrument) -> Questionnaire:
    return Questionnaire(smcap_instrument)


def settings(**kwargs: object) -> Settings:
    return Settings(instrument_path=Path("x.yaml"), database_url="sqlite://", **kwargs)


def never() -> int:
    raise AssertionError("the response count must not be needed here")


def go(engine: Engine, q: Questionnaire, token: str | None, s: Settings | None = None, n: int = 0):
    return flow.route(engine, q, s or settings(), token, count_completed=lambda: n, now=NOW)


def test_routes(survey_engine: Engine, q: Questionnaire) -> None:
    assert go(survey_engine, q, None).kind == "landing"
    assert go(survey_engine, q, None, settings(closes_at=NOW)).reason == "closed"
    assert go(survey_engine, q, None, settings(closes_at=NOW + timedelta(1))).kind == "landing"
    full = go(survey_engine, q, None, settings(max_responses=10), n=10)
    assert (full.kind, full.reason) == ("closed", "full")
    assert go(survey_engine, q, None, settings(max_responses=10), n=9).kind == "landing"
    assert go(survey_engine, q, "not-a-token").kind == "invalid"
    assert go(survey_engine, q, "A" * 32).kind == "invalid"

    respondent, token = flow.start(survey_engine, q)
    where = go(survey_engine, q, token)
    assert where.kind == "questions" and where.respondent == respondent
    # a respondent with a valid link may finish after the study closed or filled up
    closed = settings(closes_at=NOW - timedelta(1), max_responses=1)
    assert (
        flow.route(survey_engine, q, closed, token, count_completed=never, now=NOW).kind
        == "questions"
    )


def test_version_change_is_detected(survey_engine: Engine, q: Questionnaire) -> None:
    _, token = store.create_respondent(
        survey_engine, instrument_id="smcap-b2b", instrument_version="0.9", first_page="firm"
    )
    assert go(survey_engine, q, token).kind == "changed"
    _, token = store.create_respondent(
        survey_engine, instrument_id="smcap-b2b", instrument_version="1.0", first_page="gone"
    )
    assert go(survey_engine, q, token).kind == "changed"


def test_next_with_missing_answers_stays_and_keeps_what_was_given(
    survey_engine: Engine, q: Questionnaire
) -> None:
    respondent, _ = flow.start(survey_engine, q)
    out = flow.submit(
        survey_engine, q, respondent, "firm", {"sector": "manufacturing"}, action="next"
    )
    assert not out.moved and out.respondent.current_page == "firm"
    assert [m.id for m in out.missing][:2] == ["offering", "employees"]
    assert len(out.missing) == 8
    assert flow.stored_answers(survey_engine, respondent) == {"sector": "manufacturing"}


def test_back_saves_without_validating(survey_engine: Engine, q: Questionnaire) -> None:
    respondent, _ = flow.start(survey_engine, q)
    plan = plan_answers(q, seed=4)
    firm = {k: plan[k] for k in q.question_ids("firm")}
    r = flow.submit(survey_engine, q, respondent, "firm", firm, action="next").respondent
    assert r.current_page == "audience"
    r = flow.submit(survey_engine, q, r, "audience", {"op_ai_1": 6}, action="back").respondent
    assert r.current_page == "firm"
    assert flow.stored_answers(survey_engine, r)["op_ai_1"] == 6
    with pytest.raises(ValueError, match="'firm' is the first page"):
        flow.submit(survey_engine, q, r, "firm", {}, action="back")
    with pytest.raises(ValueError, match="action must be 'next' or 'back'"):
        flow.submit(survey_engine, q, r, "firm", {}, action="sideways")  # type: ignore[arg-type]


def test_whole_survey_completes_once_and_scores(survey_engine: Engine, q: Questionnaire) -> None:
    respondent, token = flow.start(survey_engine, q)
    plan = plan_answers(q, seed=5)
    r = respondent
    for page_id in q.page_ids:
        out = flow.submit(
            survey_engine,
            q,
            r,
            page_id,
            {k: plan[k] for k in q.question_ids(page_id)},
            action="next",
        )
        assert out.moved
        r = out.respondent
    assert r.completed
    assert go(survey_engine, q, token).kind == "done"
    # finishing again (a second tab, a double click) changes nothing
    again = flow.submit(
        survey_engine,
        q,
        r,
        q.last_page,
        {k: plan[k] for k in q.question_ids(q.last_page)},
        action="next",
    )
    assert again.respondent.completed_at == r.completed_at
    assert store.count_completed(survey_engine, instrument_id=q.instrument.id) == 1

    profile = flow.profile(survey_engine, q, r)
    expected = pd.Series({k: plan[k] for k in q.instrument.item_ids}, dtype=float)
    assert profile.stage in (1, 2, 3, 4) and profile.quadrant is not None
    first = q.instrument.constructs[0]
    keyed = [(8 - expected[i.id]) if i.reverse else expected[i.id] for i in first.items]
    assert profile.constructs[first.id] == pytest.approx(sum(keyed) / len(keyed))


def demo_batch(n: int) -> list[CompletedResponse]:
    demo = pd.read_csv(DEMO_CSV).head(n)
    items = [c for c in demo.columns if c.startswith(("op_", "dy_", "ad_", "nw_", "ax_", "pf_"))]
    return [
        CompletedResponse(
            f"demo-{row.respondent_id}",
            {c: int(getattr(row, c)) for c in items if pd.notna(getattr(row, c))},
        )
        for row in demo.itertuples()
    ]


def test_comparison_needs_thirty_completed_responses(
    survey_engine: Engine, q: Questionnaire
) -> None:
    assert flow.comparison(survey_engine, q) is None
    kwargs = {"instrument_id": "smcap-b2b", "instrument_version": q.instrument.version}
    store.import_completed(survey_engine, demo_batch(29), is_demo=True, **kwargs)
    assert flow.comparison(survey_engine, q) is None
    store.import_completed(survey_engine, demo_batch(30)[29:], is_demo=True, **kwargs)
    with_demo = flow.comparison(survey_engine, q)
    assert with_demo is not None and with_demo.includes_demo
    assert with_demo.levels.n_respondents == 30
    # 30 real responses: the demo responses are no longer used
    real = [CompletedResponse(f"real-{i}", r.answers) for i, r in enumerate(demo_batch(30))]
    store.import_completed(survey_engine, real, is_demo=False, **kwargs)
    only_real = flow.comparison(survey_engine, q)
    assert only_real is not None and not only_real.includes_demo
    assert only_real.levels.n_respondents == 30


def test_decline_counts_and_stores_nothing_else(survey_engine: Engine, q: Questionnaire) -> None:
    flow.decline(survey_engine, q)
    assert store.decline_count(survey_engine, instrument_id="smcap-b2b") == 1
    assert store.count_completed(survey_engine, instrument_id="smcap-b2b", include_demo=True) == 0


def test_resume_url() -> None:
    assert flow.resume_url("http://localhost:8501/", "abc_-1") == "http://localhost:8501/?r=abc_-1"
    assert flow.resume_url("https://x.org/s?r=old", "new") == "https://x.org/s?r=new"
    assert flow.resume_url("", "tok") == "?r=tok"


def test_dont_know_answers_are_stored_and_scored_as_missing(
    survey_engine: Engine, instrument_2_0: Instrument
) -> None:
    q2 = Questionnaire(instrument_2_0)
    plan = plan_answers(q2, seed=8)
    for item in instrument_2_0.items:
        plan[item.id] = 6
    seizing = instrument_2_0.construct("seizing").items
    plan[seizing[0].id] = 99
    for item in instrument_2_0.construct("orientation").items:
        plan[item.id] = 99  # no aim: no quadrant
    r, _ = flow.start(survey_engine, q2)
    for page_id in q2.page_ids:
        raw = {k: plan[k] for k in q2.question_ids(page_id)}
        r = flow.submit(survey_engine, q2, r, page_id, raw, action="next").respondent
    assert r.completed
    assert flow.stored_answers(survey_engine, r)[seizing[0].id] == 99
    profile = flow.profile(survey_engine, q2, r)
    keyed = [2 if i.reverse else 6 for i in seizing[1:]]
    assert profile.constructs["seizing"] == pytest.approx(sum(keyed) / 3)
    assert pd.isna(profile.axes["orientation"]) and profile.quadrant is None
    assert profile.levels.max() <= 7


def test_stage_reason_names_the_missing_capabilities_of_the_next_transition() -> None:
    from analysis.structure.respondent_profile import NextStep, Profile

    empty = pd.Series(dtype=float)
    steps = (
        NextStep("c1", "Content planning", 3.2, 4.5, None),
        NextStep("c2", "Audience insight", 4.0, 4.5, None),
    )
    below = Profile(empty, empty, empty, stage=2, quadrant=None, next_steps=steps)
    assert flow.stage_reason(below) == (
        "You are placed at stage 2 because Content planning and Audience insight are not yet "
        "in place (your scores: Content planning 3.2, Audience insight 4.0; in place from "
        "4.5), which the move to stage 3 requires."
    )
    top = Profile(empty, empty, empty, stage=4, quadrant=None)
    assert "every capability" in (flow.stage_reason(top) or "")
    assert flow.stage_reason(Profile(empty, empty, empty, stage=None, quadrant=None)) is None


def test_the_page_number_in_the_address_opens_any_page_up_to_the_furthest_reachable(
    survey_engine: Engine, q: Questionnaire
) -> None:
    respondent, token = flow.start(survey_engine, q)
    plan = plan_answers(q, seed=31)
    r = respondent
    for page_id in q.page_ids[:3]:  # three pages answered, on the fourth
        page = {k: plan[k] for k in q.question_ids(page_id)}
        r = flow.submit(survey_engine, q, r, page_id, page, action="next").respondent
    fourth = q.page_ids[3]
    assert r.current_page == fourth

    def shown(number: str | None) -> str | None:
        where = flow.route(
            survey_engine, q, settings(), token, page_number=number, count_completed=never
        )
        assert where.kind == "questions"
        return where.page

    assert [shown(str(n)) for n in (1, 2, 3, 4)] == list(q.page_ids[:4])
    # past an unanswered required page, beyond the last page: the furthest page it may open
    assert shown("5") == shown(str(q.n_pages)) == shown("99") == shown("9999") == fourth
    # no page number, or one that is none: where the respondent is
    for unreadable in (None, "", "0", "-2", "2.0", "abc", "٣", "1" * 5000):
        assert shown(unreadable) == fourth, unreadable
    # a page number that is now beyond reach after an answer on an earlier page was cleared
    back = flow.turn_to(survey_engine, r, q.page_ids[1])
    flow.save_answer(survey_engine, q, back, q.page_ids[1], q.question_ids(q.page_ids[1])[0], None)
    assert shown("4") == q.page_ids[1]
    assert flow.furthest_page(q, flow.stored_answers(survey_engine, r), seed=None) == q.page_ids[1]


def test_turning_to_a_page_moves_the_respondent_and_times_the_page_left(
    survey_engine: Engine, q: Questionnaire
) -> None:
    respondent, _ = flow.start(survey_engine, q)
    plan = plan_answers(q, seed=32)
    firm = {k: plan[k] for k in q.question_ids("firm")}
    start = NOW
    r = flow.submit(survey_engine, q, respondent, "firm", firm, action="next", now=start).respondent
    before = flow.stored_answers(survey_engine, r)
    moved = flow.turn_to(survey_engine, r, "firm", now=start + timedelta(seconds=40))
    assert moved.current_page == "firm" and moved.page_shown_at == start + timedelta(seconds=40)
    timings = store.page_timings(survey_engine, instrument_id=q.instrument.id)
    audience = timings[timings["page_id"] == "audience"]
    assert audience["seconds"].sum() == pytest.approx(40)
    assert flow.stored_answers(survey_engine, moved) == before  # answers are untouched


def test_an_entry_out_of_range_keeps_the_respondent_on_the_page_and_is_never_stored(
    survey_engine: Engine, q: Questionnaire
) -> None:
    respondent, _ = flow.start(survey_engine, q)
    plan = plan_answers(q, seed=33)
    firm = {k: plan[k] for k in q.question_ids("firm")}
    flow.save_answer(survey_engine, q, respondent, "firm", "sm_headcount", "12")
    assert flow.stored_answers(survey_engine, respondent)["sm_headcount"] == 12
    # typed over with a number out of range: the stored answer goes, nothing else is stored
    flow.save_answer(survey_engine, q, respondent, "firm", "sm_headcount", "99999")
    assert "sm_headcount" not in flow.stored_answers(survey_engine, respondent)
    for typed in ("99999", "2.5"):
        out = flow.submit(
            survey_engine, q, respondent, "firm", {**firm, "sm_headcount": typed}, action="next"
        )
        assert not out.moved and out.respondent.current_page == "firm"
        assert [(p.question.id, p.message) for p in out.problems] == [
            ("sm_headcount", "Enter a whole number from 0 to 5,000.")
        ]
        assert out.missing == ()  # an entry that is wrong is not reported as missing too
        assert "sm_headcount" not in flow.stored_answers(survey_engine, respondent)
        assert flow.stored_answers(survey_engine, respondent)["sector"] == plan["sector"]
    # problems of both kinds, in the order shown
    partial = {k: v for k, v in firm.items() if k != "sector"} | {"sm_headcount": "-3"}
    out = flow.submit(survey_engine, q, respondent, "firm", partial, action="next")
    assert [p.question.id for p in out.problems] == ["sector", "sm_headcount"]
    assert [m.id for m in out.missing] == ["sector"]
    out = flow.submit(
        survey_engine, q, respondent, "firm", {**firm, "sm_headcount": "5,000"}, action="next"
    )
    assert out.moved and flow.stored_answers(survey_engine, respondent)["sm_headcount"] == 5000
