"""A questionnaire page: each answer is saved as it is given; Next checks and moves on.

Each page has its own address (``?r=<token>&p=<page number>``): Next and Back write the new
page number into it, which adds an entry to the browser's history, so the browser's Back and
Forward buttons move between survey pages too (the router shows the page the address names).
"""

from contextlib import suppress

import streamlit as st

from survey import cache, flow, ui

context = cache.app_context()
questionnaire = context.questionnaire
where = st.session_state["route"]
respondent = where.respondent
if where.page != respondent.current_page:  # the browser's Back or Forward, or a typed address
    respondent = flow.turn_to(context.engine, respondent, where.page)
page = questionnaire.page(respondent.current_page)
position = questionnaire.index(page.id)
is_last = page.id == questionnaire.last_page

st.progress(
    position / questionnaire.n_pages,
    text=f"Page {position + 1} of {questionnaire.n_pages}",
)
st.subheader(page.title)

stored = flow.stored_answers(context.engine, respondent)
questions = questionnaire.questions(page.id, seed=respondent.item_order_seed)
# A new key set for every visit of a page, so the widgets start from the saved answers.
visit = int(respondent.page_shown_at.timestamp() * 1000) if respondent.page_shown_at else 0
keys = {q.id: f"{page.id}.{q.id}.{visit}" for q in questions}
# (page, visit, problems, attempt) of the last press of Next that found problems
shown = st.session_state.get("problems")
problems = shown[2] if shown and shown[:2] == (page.id, visit) else ()
if problems:
    ui.problem_list(problems)

token = st.query_params.get(flow.TOKEN_PARAM, "")
link_intro = (
    "**Your personal link.** Your answers are saved page by page. Keep this link (use the "
    "copy button) to come back to the survey where you left off, on any device."
)
if position == 0:
    ui.resume_link(token, intro=link_intro)
else:
    with st.expander("Your link to come back later"):
        ui.resume_link(token, intro=link_intro)

if page.intro:
    st.write(page.intro)


def submit(action: str) -> None:
    """Save the page before the next run draws anything (one run per page change)."""
    raw = {qid: st.session_state.get(key) for qid, key in keys.items()}
    outcome = flow.submit(context.engine, questionnaire, respondent, page.id, raw, action=action)
    if outcome.problems:
        attempt = shown[3] + 1 if shown else 1
        st.session_state["problems"] = (page.id, visit, outcome.problems, attempt)
        return
    st.session_state["problems"] = None
    if outcome.respondent.completed:
        st.query_params.pop(flow.PAGE_PARAM, None)
    else:  # a new entry in the browser's history
        number = questionnaire.index(outcome.respondent.current_page) + 1
        st.query_params[flow.PAGE_PARAM] = str(number)


def keep(question_id: str) -> None:
    """Save one answer the moment it is given (a refresh before Next keeps it)."""
    value = st.session_state.get(keys[question_id])
    # a value that cannot be stored is reported when the page is submitted
    with suppress(ValueError):
        flow.save_answer(context.engine, questionnaire, respondent, page.id, question_id, value)


problem_of = {p.question.id: p for p in problems}
with st.container(key="questions"):
    for q in questions:
        ui.ask(
            q,
            questionnaire.widget_value(q, stored.get(q.id)),
            key=keys[q.id],
            on_change=keep,
            args=(q.id,),
        )
        if q.id in problem_of:
            ui.problem_note(problem_of[q.id])
    with st.container(horizontal=True):
        if position > 0:
            st.button("Back", on_click=submit, args=("back",))
        st.button("Finish" if is_last else "Next", type="primary", on_click=submit, args=("next",))

ui.withdraw_box(context.engine, respondent)
if problems:
    ui.mark_problems(problems, keys, attempt=shown[3])
if st.query_params.get(flow.PAGE_PARAM) != str(position + 1):  # no page, or one not open yet
    ui.page_address(**{flow.PAGE_PARAM: str(position + 1)})
ui.page_top(
    f"Page {position + 1} of {questionnaire.n_pages} – {page.title} – "
    f"{questionnaire.instrument.title}",
    visit=f"{page.id}/{visit}",
)
