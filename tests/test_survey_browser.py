"""End-to-end: a real Chromium (Playwright) answers the survey served by ``streamlit run``.

Each test serves the app from a subprocess on a free port in 8600–8649 with its own SQLite file,
and checks the database directly afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from analysis.structure.respondent_profile import respondent_profile
from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey import flow, store
from survey.db import make_engine, migrate
from survey.demo import seed_demo
from survey.questionnaire import Questionnaire
from tests.answer_plans import plan_answers, stored_form
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    AppServer,
    answer_page,
    assert_opens_at_top,
    click,
    free_port,
    main_scroll_top,
    page_number,
    question_box,
    running_app,
    screenshot,
    shown_answer,
    wait_for_page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]

PHONE = {"width": 375, "height": 900}
QUESTIONNAIRE = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("survey-app")
    database_url = f"sqlite:///{folder / 'survey.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    seed_demo(engine)  # a sample to compare with on the result page
    engine.dispose()
    with running_app(database_url, folder / "server.log") as server:
        yield server


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()


def consent(page: Page, url: str) -> str:
    """Open the landing page, agree, and return the resume token from the address."""
    page.goto(url)
    click(page, "I agree – start the survey")
    wait_for_page(page, QUESTIONNAIRE, QUESTIONNAIRE.first_page)
    match = re.search(r"[?&]r=([A-Za-z0-9_-]+)", page.url)
    assert match, f"no resume token in {page.url}"
    return match.group(1)


def submit_page(page: Page, page_id: str, plan: dict[str, Any]) -> None:
    """Answer a page from the plan and press Next (or Finish)."""
    answer_page(page, QUESTIONNAIRE, page_id, plan)
    click(page, "Finish" if page_id == QUESTIONNAIRE.last_page else "Next")
    following = QUESTIONNAIRE.next_page(page_id)
    if following is None:
        page.get_by_role("heading", name="Thank you!").wait_for(timeout=WAIT_MS)
    else:
        wait_for_page(page, QUESTIONNAIRE, following)


def expected_rows(plan: dict[str, Any], pages: list[str]) -> dict:
    expected: dict = {}
    for page_id in pages:
        expected.update(stored_form(QUESTIONNAIRE, page_id, plan))
    return expected


def test_browser_completes_the_survey_and_the_database_holds_exactly_its_answers(
    app: AppServer, phone: Page, artifacts_dir: Path
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=1)
    token = consent(phone, app.url)
    for page_id in QUESTIONNAIRE.page_ids:
        if page_id == "audience":
            answer_page(phone, QUESTIONNAIRE, page_id, plan)
            screenshot(phone, artifacts_dir / "survey-questionnaire-375px.png")
            click(phone, "Next")
            wait_for_page(phone, QUESTIONNAIRE, QUESTIONNAIRE.next_page(page_id))
        else:
            submit_page(phone, page_id, plan)
    expect(phone.get_by_text("Your estimated stage", exact=False)).to_be_visible()
    assert_opens_at_top(phone, "Thank you!")
    phone.get_by_text("Your capability levels").scroll_into_view_if_needed()
    expect(phone.locator(".js-plotly-plot")).to_be_visible()
    expect(phone.get_by_text("The comparison includes simulated demonstration")).to_be_visible()
    screenshot(phone, artifacts_dir / "survey-completion-375px.png", height=3000)

    engine = make_engine(app.database_url)
    respondent = store.find_by_token(engine, token)
    assert respondent is not None and respondent.completed
    stored = store.load_answers(engine, respondent.id)
    assert stored == expected_rows(plan, list(QUESTIONNAIRE.page_ids))
    with engine.connect() as conn:
        timings = conn.exec_driver_sql(
            "SELECT page_id, visits, seconds FROM page_timings WHERE respondent_id = ?",
            (respondent.id,),
        ).all()
    assert sorted(p for p, _, _ in timings) == sorted(QUESTIONNAIRE.page_ids)
    assert all(visits == 1 and seconds > 0 for _, visits, seconds in timings)
    engine.dispose()
    # nothing identifying the browser or its address reaches the database
    raw = Path(app.database_url.removeprefix("sqlite:///")).read_bytes()
    wal = Path(app.database_url.removeprefix("sqlite:///") + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    for marker in (b"127.0.0.1", b"localhost", b"Mozilla", b"Chrome"):
        assert marker not in raw


def test_answers_survive_refresh_closed_tab_and_a_killed_server(
    browser: Browser, tmp_path: Path
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=2)
    database_url = f"sqlite:///{tmp_path / 'survey.db'}"
    pages = list(QUESTIONNAIRE.page_ids)
    server = AppServer(database_url, free_port(), tmp_path / "server.log").start()
    try:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        token = consent(page, server.url)
        resume = f"{server.url}?r={token}"
        submit_page(page, pages[0], plan)
        submit_page(page, pages[1], plan)

        page.reload()  # refresh: same page
        wait_for_page(page, QUESTIONNAIRE, pages[2])
        context.close()  # closed tab

        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(resume)
        wait_for_page(page, QUESTIONNAIRE, pages[2])
        submit_page(page, pages[2], plan)
        context.close()

        server.kill()  # SIGKILL between pages
        server.start()

        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(resume)
        wait_for_page(page, QUESTIONNAIRE, pages[3])
        # every submitted answer is in the database ...
        engine = make_engine(database_url)
        respondent = store.find_by_token(engine, token)
        assert respondent is not None and respondent.current_page == pages[3]
        assert store.load_answers(engine, respondent.id) == expected_rows(plan, pages[:3])
        engine.dispose()
        # ... and shown again when going back
        for page_id in (pages[2], pages[1]):
            click(page, "Back")
            wait_for_page(page, QUESTIONNAIRE, page_id)
            for q in QUESTIONNAIRE.questions(page_id, seed=None):
                assert shown_answer(page, page_id, q) == plan[q.id], q.id
        context.close()
    finally:
        server.stop()


def test_required_message_names_missing_items_and_back_forward_keep_answers(
    app: AppServer, phone: Page
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=3)
    first, second = QUESTIONNAIRE.page_ids[:2]
    consent(phone, app.url)
    firm = QUESTIONNAIRE.questions(first, seed=None)
    answered = {q.id for q in firm[:-2]}
    answer_page(phone, QUESTIONNAIRE, first, plan, only=answered)
    click(phone, "Next")
    alert = phone.get_by_text("Please answer these 2 questions before going on")
    expect(alert).to_be_visible()
    for q in firm[-2:]:
        expect(
            phone.get_by_text(f"Question {q.number} (“{q.text[:40]}", exact=False)
        ).to_be_visible()
    # still on the first page, answers given are kept
    wait_for_page(phone, QUESTIONNAIRE, first)
    for q in firm[:-2]:
        assert shown_answer(phone, first, q) == plan[q.id]
    answer_page(phone, QUESTIONNAIRE, first, plan, only={q.id for q in firm[-2:]})
    click(phone, "Next")
    wait_for_page(phone, QUESTIONNAIRE, second)

    # half of page 2, then Back: page 1 as answered; Next: page 2 half-answered as left
    half = QUESTIONNAIRE.questions(second, seed=None)[:5]
    answer_page(phone, QUESTIONNAIRE, second, plan, only={q.id for q in half})
    click(phone, "Back")
    wait_for_page(phone, QUESTIONNAIRE, first)
    for q in firm:
        assert shown_answer(phone, first, q) == plan[q.id], q.id
    click(phone, "Next")
    wait_for_page(phone, QUESTIONNAIRE, second)
    for q in QUESTIONNAIRE.questions(second, seed=None):
        want = plan[q.id] if q in half else None
        assert shown_answer(phone, second, q) == want, q.id

    # the Likert questions answer by keyboard too: focus an option, arrow keys choose
    target = QUESTIONNAIRE.questions(second, seed=None)[-1]
    radios = phone.locator(f'[class*="st-key-{second}-{target.id}-"] input[type=radio]')
    radios.nth(0).focus()
    phone.keyboard.press("ArrowDown")
    phone.keyboard.press("ArrowDown")
    assert shown_answer(phone, second, target) == QUESTIONNAIRE.instrument.scale.points[2]


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_opens_at_its_top_with_its_heading_focused_and_named(
    app: AppServer, browser: Browser, width: int
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=4)
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    consent(page, app.url)
    pages = list(QUESTIONNAIRE.page_ids)
    for number, page_id in enumerate(pages, start=1):
        answer_page(page, QUESTIONNAIRE, page_id, plan)
        last = page_id == QUESTIONNAIRE.last_page
        page.get_by_role("button", name="Finish" if last else "Next").scroll_into_view_if_needed()
        assert main_scroll_top(page) > 0, page_id  # the respondent is at the bottom of the page
        if last:
            click(page, "Finish")
            page.get_by_role("heading", name="Thank you!").wait_for(timeout=WAIT_MS)
            assert_opens_at_top(page, "Thank you!")
            expect(page.locator(".js-plotly-plot")).to_be_attached()
            assert page.title().startswith("Your results – ")
            # one sentence says which capabilities decided the stage
            reason = flow.stage_reason(
                respondent_profile(expected_rows(plan, pages), QUESTIONNAIRE.instrument)
            )
            assert reason is not None and reason.startswith("You are placed at stage ")
            expect(page.get_by_text(reason, exact=True)).to_be_visible()
            break
        click(page, "Next")
        following = pages[number]
        wait_for_page(page, QUESTIONNAIRE, following)
        title = QUESTIONNAIRE.page(following).title
        assert_opens_at_top(page, title)
        expect(page).to_have_title(re.compile(rf"^Page {number + 1} of {len(pages)} – "))
        focused = page.evaluate("() => document.activeElement.textContent")
        assert focused.strip().startswith(title)
        if number == 2:  # Back opens the previous page at its top too
            click(page, "Back")
            wait_for_page(page, QUESTIONNAIRE, page_id)
            assert_opens_at_top(page, QUESTIONNAIRE.page(page_id).title)
            click(page, "Next")
            wait_for_page(page, QUESTIONNAIRE, following)
            assert_opens_at_top(page, title)
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_answers_ticked_on_a_page_survive_a_refresh_before_next(
    app: AppServer, browser: Browser, width: int
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=5)
    first, second = QUESTIONNAIRE.page_ids[:2]
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()
    consent(phone, app.url)
    submit_page(phone, first, plan)
    ticked = QUESTIONNAIRE.questions(second, seed=None)[:4]
    answer_page(phone, QUESTIONNAIRE, second, plan, only={q.id for q in ticked})
    phone.wait_for_timeout(1_500)  # the last answer's save
    assert main_scroll_top(phone) > 0  # saving an answer does not jump to the top
    phone.reload()
    wait_for_page(phone, QUESTIONNAIRE, second)
    for q in QUESTIONNAIRE.questions(second, seed=None):
        want = plan[q.id] if q in ticked else None
        assert shown_answer(phone, second, q) == want, q.id
    context.close()


def test_browser_back_to_the_consent_page_never_starts_a_second_respondent(
    browser: Browser, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'survey.db'}"
    with running_app(database_url, tmp_path / "server.log") as server:
        context = browser.new_context(viewport=PHONE)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        token = consent(page, server.url)
        page.go_back()
        click(page, "I agree – start the survey")
        wait_for_page(page, QUESTIONNAIRE, QUESTIONNAIRE.first_page)
        assert f"r={token}" in page.url
        context.close()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM respondents").scalar_one() == 1
    engine.dispose()


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_keyboard_focus_on_an_answer_option_is_clearly_visible(app: AppServer, phone: Page) -> None:
    consent(phone, app.url)
    first = QUESTIONNAIRE.first_page
    radio = next(q for q in QUESTIONNAIRE.questions(first, seed=None) if q.kind == "single")
    box = phone.locator(f'[class*="st-key-{first}-{radio.id}-"]')
    box.locator("input[type=radio]").first.focus()
    phone.keyboard.press("ArrowDown")  # keyboard use: focus-visible
    option = box.locator('[data-testid="stRadioOption"]:has(input:focus)')
    style = option.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, "
        "s.outlineColor, getComputedStyle(document.querySelector('[data-testid=stMain]'))"
        ".backgroundColor]; }"
    )
    outline_style, width, color, background = style
    assert outline_style == "solid" and float(width.removesuffix("px")) >= 2
    lighter, darker = sorted((_luminance(color), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3


def respondent_count(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM respondents").scalar_one()
    engine.dispose()
    return n


@pytest.mark.parametrize("width", [375, 1280])
def test_browser_back_and_forward_move_between_survey_pages_with_their_answers(
    app: AppServer, browser: Browser, width: int
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=6)
    first, second, third = QUESTIONNAIRE.page_ids[:3]
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    before = respondent_count(app.database_url)
    token = consent(page, app.url)
    assert page_number(page) == "1"
    submit_page(page, first, plan)
    assert page_number(page) == "2"
    submit_page(page, second, plan)
    assert page_number(page) == "3"
    entries = page.evaluate("history.length")

    page.go_back()
    wait_for_page(page, QUESTIONNAIRE, second)
    assert page_number(page) == "2"
    assert_opens_at_top(page, QUESTIONNAIRE.page(second).title)
    for q in QUESTIONNAIRE.questions(second, seed=None):
        assert shown_answer(page, second, q) == plan[q.id], q.id
    page.go_back()
    wait_for_page(page, QUESTIONNAIRE, first)
    for q in QUESTIONNAIRE.questions(first, seed=None):
        assert shown_answer(page, first, q) == plan[q.id], q.id
    page.go_forward()
    wait_for_page(page, QUESTIONNAIRE, second)
    page.go_forward()
    wait_for_page(page, QUESTIONNAIRE, third)
    assert_opens_at_top(page, QUESTIONNAIRE.page(third).title)
    assert page.evaluate("history.length") == entries  # moving in it added no entry

    # an address naming a page not open yet (page 3 is unanswered), or no page at all, shows
    # the furthest page open, and corrects the address in place
    for address in ("5", "abc"):
        page.goto(f"{app.url}?r={token}&p={address}")
        wait_for_page(page, QUESTIONNAIRE, third)
        page.wait_for_url(re.compile(r"[?&]p=3(&|$)"))
        expect(page.get_by_text("Traceback")).to_have_count(0)
    assert page.evaluate("history.length") == entries + 2  # one for each address typed
    page.go_back()  # back to the corrected address, not to the one typed
    wait_for_page(page, QUESTIONNAIRE, third)
    assert page_number(page) == "3"
    context.close()
    assert respondent_count(app.database_url) == before + 1


@pytest.mark.parametrize("width", [375, 1280])
def test_problems_are_listed_at_the_top_named_on_each_item_and_linked_to_it(
    app: AppServer, browser: Browser, width: int
) -> None:
    plan = plan_answers(QUESTIONNAIRE, seed=7)
    first = QUESTIONNAIRE.first_page
    firm = {q.id: q for q in QUESTIONNAIRE.questions(first, seed=None)}
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    token = consent(page, app.url)
    skipped = ["respondent_role", "channels"]
    answer_page(page, QUESTIONNAIRE, first, plan, only=set(firm) - {*skipped, "sm_headcount"})
    field = question_box(page, first, "sm_headcount").locator("input")
    field.fill("99999")
    field.press("Tab")
    click(page, "Next")

    summary = page.locator('.st-key-problems [data-testid="stAlert"]')
    expect(summary).to_contain_text("Please correct these 3 questions before going on:")
    expect(summary).to_be_in_viewport()
    expect(summary).to_be_focused()
    allowed = "Enter a whole number from 0 to 5,000."
    expect(summary).to_contain_text(f"Question {firm['sm_headcount'].number} (“How many")
    expect(summary).to_contain_text(allowed)
    note = page.locator("#smcap-problem-sm_headcount")
    expect(note).to_have_text(allowed)
    expect(field).to_have_value("99999")  # as typed
    wait_for_page(page, QUESTIONNAIRE, first)  # still on the first page
    assert page_number(page) == "1"

    for qid in [*skipped, "sm_headcount"]:
        control = page.locator(f"#smcap-q-{qid} [aria-invalid=true]")
        expect(control).to_have_count(1)
        # a radio group, a text field, a group of pills: each a control that can be invalid
        assert control.evaluate("e => e.getAttribute('role') || e.tagName") in (
            "radiogroup",
            "INPUT",
            "group",
        )
        described = control.get_attribute("aria-describedby")
        note = page.locator(f"#{described}")
        expect(note).to_have_text(
            allowed if qid == "sm_headcount" else "Please answer this question."
        )
        # the link in the list moves the focus to the question, and scrolls it into view
        main = page.locator('[data-testid="stMain"]')
        main.evaluate("m => { m.scrollTop = 0; }")
        summary.locator(f'a[href="#smcap-q-{qid}"]').click()
        expect(page.locator(f"#smcap-q-{qid} :focus")).to_have_count(1)
        expect(page.locator(f"#smcap-q-{qid}")).to_be_in_viewport()
    # the keyboard reaches the link too
    link = summary.locator('a[href="#smcap-q-channels"]')
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#smcap-q-channels :focus")).to_have_count(1)

    engine = make_engine(app.database_url)
    respondent = store.find_by_token(engine, token)
    assert respondent is not None
    assert "sm_headcount" not in store.load_answers(engine, respondent.id)
    # the skipped questions answered, "2.5" typed: no whole number either, the only problem left
    answer_page(page, QUESTIONNAIRE, first, plan, only=set(skipped))
    field.fill("2.5")
    field.press("Tab")
    click(page, "Next")
    expect(summary).to_contain_text("Please correct this question before going on:")
    expect(summary).to_contain_text(allowed)
    expect(field).to_have_value("2.5")
    invalid = page.locator('[data-testid="stMain"] [aria-invalid=true]')
    expect(invalid).to_have_count(1)
    assert invalid.get_attribute("aria-describedby") == "smcap-problem-sm_headcount"
    answer_page(page, QUESTIONNAIRE, first, plan, only={"sm_headcount"})
    click(page, "Next")
    wait_for_page(page, QUESTIONNAIRE, QUESTIONNAIRE.page_ids[1])
    assert store.load_answers(engine, respondent.id)["sm_headcount"] == plan["sm_headcount"]
    engine.dispose()
    context.close()
