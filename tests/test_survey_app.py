"""Page logic of the Streamlit app with AppTest: consent, validation, navigation, results."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from streamlit import config
from streamlit.testing.v1 import AppTest

from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey import flow, store
from survey.db import make_engine, migrate
from survey.questionnaire import Questionnaire
from survey.ui import escape_markdown
from tests.answer_plans import plan_answers, stored_form

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

APP = str(Path(__file__).resolve().parent.parent / "survey" / "app.py")
Q = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))


@pytest.fixture(autouse=True)
def keep_main_module() -> Iterator[None]:
    """AppTest leaves ``sys.modules["__main__"]`` pointing at the app script; put it back.

    Otherwise every later multiprocessing child (spawn/forkserver) re-runs the whole app as
    its main module, which made the concurrency test (and any joblib pool) crawl.
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for var in ("SMCAP_CONFIG", "SMCAP_INSTRUMENT", "SMCAP_CLOSES", "SMCAP_MAX_RESPONSES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SMCAP_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("[study]\n", encoding="utf-8")
    monkeypatch.setenv("SMCAP_DATABASE_URL", url)
    return url


@pytest.fixture
def db(db_url: str) -> Engine:
    engine = make_engine(db_url)
    migrate(engine)
    return engine


def run(token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if token:
        at.query_params[flow.TOKEN_PARAM] = token
    return at.run()


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def widget(at: AppTest, page_id: str, question_id: str) -> Any:
    for kind in (at.radio, at.pills, at.text_input):
        for w in kind:
            if w.key and w.key.startswith(f"{page_id}.{question_id}."):
                return w
    raise LookupError(f"no widget for {page_id}.{question_id}")


def shown(at: AppTest, page_id: str, question_id: str) -> Any:
    """The answer a question shows, as stored (a whole number typed as text is an ``int``)."""
    w = widget(at, page_id, question_id)
    if w.type == "text_input":
        return int(w.value) if w.value else None
    return w.value


def fill(at: AppTest, page_id: str, plan: dict[str, Any], only: set[str] | None = None) -> None:
    for qid in Q.question_ids(page_id):
        if only is None or qid in only:
            w = widget(at, page_id, qid)
            w.set_value(str(plan[qid]) if w.type == "text_input" else plan[qid])


def progress_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def consent(at: AppTest) -> str:
    button(at, "I agree – start the survey").click().run()
    return at.query_params[flow.TOKEN_PARAM]


def test_landing_shows_study_and_stores_nothing_before_consent(db: Engine) -> None:
    at = run()
    assert not at.exception
    assert at.title[0].value == Q.instrument.title
    text_shown = " ".join(m.value for m in at.markdown)
    assert "Taking part is voluntary" in text_shown
    assert {b.label for b in at.button} == {"I agree – start the survey", "No, thank you"}
    assert count(db, "respondents") == 0 and count(db, "answers") == 0


def test_declining_ends_politely_and_only_counts(db: Engine) -> None:
    at = run()
    button(at, "No, thank you").click().run()
    assert "nothing about you has been stored" in at.success[0].value
    assert not at.button
    assert store.decline_count(db, instrument_id=Q.instrument.id) == 1
    assert count(db, "respondents") == 0


def test_consent_creates_respondent_and_shows_resume_link(db: Engine) -> None:
    at = run()
    token = consent(at)
    assert store.looks_like_token(token)
    assert progress_text(at) == f"Page 1 of {Q.n_pages}"
    assert at.subheader[0].value == Q.page(Q.first_page).title
    assert any(token in c.value for c in at.code)
    assert count(db, "respondents") == 1


def test_required_message_names_missing_questions_and_stays(db: Engine) -> None:
    at = run()
    consent(at)
    plan = plan_answers(Q, seed=11)
    fill(at, "firm", plan, only={"sector", "offering", "employees", "b2b_share", "country"})
    button(at, "Next").click().run()
    message = at.error[0].value
    assert message.startswith(escape_markdown("Please answer these 5 questions before going on:"))
    # each question a link to it, with what to do
    role = escape_markdown("Question 6 (“Which best describes your own role?”)")
    assert f"- [{role}](#smcap-q-respondent_role): Please answer this question\\." in message
    assert escape_markdown("Question 9 (“Which social media channels") in message
    assert "Question 1 " not in message
    notes = [
        h.proto.body for h in at.get("html") if h.proto.body.startswith('<p class="smcap-problem')
    ]
    assert len(notes) == 5 and 'id="smcap-problem-respondent_role"' in notes[0]
    assert progress_text(at) == f"Page 1 of {Q.n_pages}"
    assert widget(at, "firm", "sector").value == plan["sector"]  # kept


def test_back_and_forward_keep_answers(db: Engine) -> None:
    at = run()
    consent(at)
    plan = plan_answers(Q, seed=12)
    fill(at, "firm", plan)
    button(at, "Next").click().run()
    assert progress_text(at) == f"Page 2 of {Q.n_pages}"
    fill(at, "audience", plan, only={"op_ai_1", "op_stp_2"})
    button(at, "Back").click().run()
    assert progress_text(at) == f"Page 1 of {Q.n_pages}"
    for qid in Q.question_ids("firm"):
        assert shown(at, "firm", qid) == plan[qid], qid
    button(at, "Next").click().run()
    assert progress_text(at) == f"Page 2 of {Q.n_pages}"
    assert widget(at, "audience", "op_ai_1").value == plan["op_ai_1"]
    assert widget(at, "audience", "op_stp_2").value == plan["op_stp_2"]
    assert widget(at, "audience", "op_ai_3").value is None


def test_completion_shows_the_scored_profile_once(db: Engine) -> None:
    at = run()
    token = consent(at)
    plan = plan_answers(Q, seed=13)
    for page_id in Q.page_ids:
        fill(at, page_id, plan)
        button(at, "Finish" if page_id == Q.last_page else "Next").click().run()
        assert not at.error, at.error
    assert at.title[0].value == "Thank you!"
    respondent = store.find_by_token(db, token)
    assert respondent is not None and respondent.completed
    expected = {}
    for page_id in Q.page_ids:
        expected.update(stored_form(Q, page_id, plan))
    assert store.load_answers(db, respondent.id) == expected

    profile = flow.profile(db, Q, respondent)
    headings = [h.value for h in at.subheader]
    if profile.stage is not None:
        stage = Q.instrument.feedback.stages[profile.stage]
        assert f"Your estimated stage – {stage.title}" in headings
        reason = flow.stage_reason(profile)
        assert reason is not None and reason.startswith(f"You are placed at stage {profile.stage}")
        assert reason in [m.value for m in at.markdown]
    else:  # random answers often break the stage order
        assert profile.stage_status == "non_cumulative"
        assert "Your estimated stage – an unusual profile" in headings
    if profile.quadrant == "mixed":
        assert "Your social media strategy – between strategies" in headings
    else:
        quadrant = Q.instrument.feedback.quadrants[profile.quadrant]
        assert f"Your social media strategy – {quadrant.title}" in headings
    assert len(at.get("plotly_chart")) == 1
    shown = " ".join(m.value for m in at.markdown)
    # the next steps are the capabilities these answers do not show yet
    assert profile.next_steps
    assert all(f"**{step.label}**" in shown for step in profile.next_steps)

    # coming back with the link shows the result again; nothing is duplicated
    again = run(token)
    assert again.title[0].value == "Thank you!"
    assert store.count_completed(db, instrument_id=Q.instrument.id) == 1


def test_unknown_link_is_explained_and_can_start_afresh(db: Engine) -> None:
    at = run("Z" * 32)
    assert at.title[0].value == "We could not open your survey"
    assert "does not match any survey" in at.warning[0].value
    button(at, "Start the survey afresh").click().run()
    assert flow.TOKEN_PARAM not in at.query_params
    assert at.title[0].value == Q.instrument.title


def test_closed_and_full_study(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMCAP_CLOSES", "2020-01-01")
    at = run()
    assert "This survey has closed" in at.info[0].value
    monkeypatch.delenv("SMCAP_CLOSES")
    monkeypatch.setenv("SMCAP_MAX_RESPONSES", "1")
    engine = make_engine(db_url)
    migrate(engine)
    respondent, _ = flow.start(engine, Q)
    store.save_page(engine, respondent.id, page_id="firm", answers={}, complete=True)
    at = run()
    assert "received all the responses it needs" in at.info[0].value


def test_bad_configuration_is_reported(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMCAP_CLOSES", "soon")
    at = run()
    assert "The survey is not configured correctly" in at.error[0].value
    assert "SMCAP_CLOSES" in at.error[0].value


def test_contact_form_on_completion(db: Engine) -> None:
    respondent, token = flow.start(db, Q)
    store.save_page(db, respondent.id, page_id=Q.last_page, answers={}, complete=True)
    at = run(token)
    at.text_input[0].input("nope")
    button(at, "Send me the findings").click().run()
    assert "does not look like an e-mail address" in at.error[0].value
    at.text_input[0].input("ann@example.org")
    button(at, "Send me the findings").click().run()
    assert "we will send you a summary" in at.success[0].value
    assert count(db, "contacts") == 1


def test_withdrawal_deletes_everything_after_confirmation(db: Engine) -> None:
    at = run()
    token = consent(at)
    plan = plan_answers(Q, seed=14)
    fill(at, "firm", plan)
    button(at, "Next").click().run()
    assert count(db, "answers") == len(Q.question_ids("firm"))
    delete = button(at, "Delete my answers")
    assert delete.disabled  # not before the respondent confirms
    at.checkbox[0].check().run()
    button(at, "Delete my answers").click().run()
    assert "Your answers have been deleted" in at.success[0].value
    assert flow.TOKEN_PARAM not in at.query_params
    for table in ("respondents", "answers", "page_timings"):
        assert count(db, table) == 0
    assert run(token).title[0].value == "We could not open your survey"


def test_database_outage_is_explained_without_a_traceback(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCAP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = run("A" * 32)
    assert not at.exception
    assert "unavailable for a moment" in at.error[0].value
    assert "submitted so far is saved" in at.error[0].value


def test_dont_know_is_offered_last_set_apart_and_saved_as_its_code(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import INSTRUMENT_2_0

    monkeypatch.setenv("SMCAP_INSTRUMENT", str(INSTRUMENT_2_0))
    q2 = Questionnaire(load_instrument(INSTRUMENT_2_0))
    dk = q2.instrument.scale.dont_know
    assert dk is not None
    at = run()
    token = consent(at)
    plan = plan_answers(q2, seed=21)
    for qid in q2.question_ids("firm"):
        w = widget(at, "firm", qid)
        w.set_value(str(plan[qid]) if w.type == "text_input" else plan[qid])
    button(at, "Next").click().run()
    item = q2.instrument.construct("audience_insight").items[0].id
    radio = widget(at, "audience", item)
    assert radio.options[-1] == f"*{dk.label}*" and radio.options[0] == "Strongly disagree"
    for qid in q2.question_ids("audience"):
        widget(at, "audience", qid).set_value(dk.code if qid == item else 4)
    button(at, "Next").click().run()
    assert not at.error and progress_text(at) == f"Page 3 of {q2.n_pages}"
    respondent = store.find_by_token(db, token)
    assert respondent is not None
    assert store.load_answers(db, respondent.id)[item] == dk.code


def test_error_details_never_reach_the_browser(db: Engine) -> None:
    root = Path(APP).resolve().parent.parent
    settings = tomllib.loads((root / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["showErrorDetails"] == "none"
    config.set_option("client.showErrorDetails", "full")
    run()
    assert config.get_option("client.showErrorDetails") == "none"


def test_each_answer_is_saved_as_given_and_restored_without_leaving_the_page(db: Engine) -> None:
    at = run()
    token = consent(at)
    plan = plan_answers(Q, seed=15)
    widget(at, "firm", "sector").set_value(plan["sector"]).run()
    widget(at, "firm", "employees").set_value(plan["employees"]).run()
    respondent = store.find_by_token(db, token)
    assert respondent is not None
    assert store.load_answers(db, respondent.id) == {
        "sector": plan["sector"],
        "employees": plan["employees"],
    }
    assert respondent.current_page == Q.first_page and not respondent.completed
    # a refresh (a new session) shows the page with the answers given so far
    again = run(token)
    assert progress_text(again) == f"Page 1 of {Q.n_pages}"
    assert widget(again, "firm", "employees").value == plan["employees"]
    assert widget(again, "firm", "sector").value == plan["sector"]
    assert widget(again, "firm", "country").value is None


def test_consent_again_in_the_same_browser_continues_the_same_respondent(db: Engine) -> None:
    at = run()
    token = consent(at)
    plan = plan_answers(Q, seed=16)
    fill(at, "firm", plan)
    button(at, "Next").click().run()
    del at.query_params[flow.TOKEN_PARAM]  # the browser goes back to the consent page
    at.run()
    assert at.title[0].value == Q.instrument.title
    assert consent(at) == token
    assert count(db, "respondents") == 1
    assert progress_text(at) == f"Page 2 of {Q.n_pages}"


def test_each_page_has_its_number_in_the_address_and_the_address_opens_that_page(
    db: Engine,
) -> None:
    at = run()
    token = consent(at)
    assert at.query_params[flow.PAGE_PARAM] == "1"
    plan = plan_answers(Q, seed=17)
    for number, page_id in enumerate(Q.page_ids[:2], start=2):
        fill(at, page_id, plan)
        button(at, "Next").click().run()
        assert at.query_params[flow.PAGE_PARAM] == str(number)
    button(at, "Back").click().run()
    assert at.query_params[flow.PAGE_PARAM] == "2"
    button(at, "Next").click().run()
    # the browser's Back: the address names page 2, which shows with its answers
    at.query_params[flow.PAGE_PARAM] = "2"
    at.run()
    assert progress_text(at) == f"Page 2 of {Q.n_pages}"
    for qid in Q.question_ids("audience"):
        assert shown(at, "audience", qid) == plan[qid], qid
    respondent = store.find_by_token(db, token)
    assert respondent is not None and respondent.current_page == "audience"
    # ... and Forward
    at.query_params[flow.PAGE_PARAM] = "3"
    at.run()
    assert progress_text(at) == f"Page 3 of {Q.n_pages}" and not at.exception
    # a page not open yet (page 3 is unanswered), or an address that cannot be read
    for address in ("4", str(Q.n_pages), "99", "0", "three", ""):
        at.query_params[flow.PAGE_PARAM] = address
        at.run()
        assert not at.exception, address
        assert progress_text(at) == f"Page 3 of {Q.n_pages}", address
    assert count(db, "respondents") == 1


def test_a_number_out_of_range_blocks_next_says_the_range_and_is_never_stored(db: Engine) -> None:
    at = run()
    token = consent(at)
    plan = plan_answers(Q, seed=18)
    fill(at, "firm", plan, only=set(Q.question_ids("firm")) - {"sm_headcount"})
    respondent = store.find_by_token(db, token)
    assert respondent is not None
    for typed in ("99999", "2.5", "-1"):
        widget(at, "firm", "sm_headcount").set_value(typed).run()
        button(at, "Next").click().run()
        assert progress_text(at) == f"Page 1 of {Q.n_pages}", typed
        message = at.error[0].value
        assert message.startswith(escape_markdown("Please correct this question before going on:"))
        assert escape_markdown("Enter a whole number from 0 to 5,000.") in message
        assert "(#smcap-q-sm_headcount)" in message
        notes = [h.proto.body for h in at.get("html") if 'id="smcap-problem-' in h.proto.body]
        assert notes == [
            '<p class="smcap-problem" id="smcap-problem-sm_headcount">'
            "Enter a whole number from 0 to 5,000.</p>"
        ]
        assert widget(at, "firm", "sm_headcount").value == typed  # as typed, not changed
        assert "sm_headcount" not in store.load_answers(db, respondent.id)
    widget(at, "firm", "sm_headcount").set_value("1,200").run()
    button(at, "Next").click().run()
    assert progress_text(at) == f"Page 2 of {Q.n_pages}" and not at.error
    assert store.load_answers(db, respondent.id)["sm_headcount"] == 1200
