"""Landing page: what the study is about, and consent (nothing is stored before it)."""

import math

import streamlit as st

from survey import cache, flow

context = cache.app_context()
instrument = context.instrument
st.title(instrument.title)

if st.session_state.get("withdrawn"):
    st.success(
        "Your answers have been deleted and you have left the study. Thank you for your time."
    )
    st.stop()
if st.session_state.get("declined"):
    st.success(
        "Thank you for considering the survey. You have not taken part and nothing about you "
        "has been stored. You can close this page."
    )
    st.stop()

if instrument.study.introduction:
    st.write(instrument.study.introduction)
st.caption(
    f"{len(context.questionnaire.pages)} short pages, about "
    f"{math.ceil(instrument.estimated_minutes())} minutes."
)
st.subheader("Taking part")
if instrument.study.consent:
    st.write(instrument.study.consent)
st.write(
    "Once you start, your answers are saved page by page, and you get a personal link to "
    "come back to the survey where you left off."
)
if instrument.study.contact:
    st.caption(f"Questions about the study: {instrument.study.contact}.")

with st.container(horizontal=True):
    agree = st.button("I agree – start the survey", type="primary")
    refuse = st.button("No, thank you")

if agree:
    # Back from the first page to this one, then "I agree" again: the same respondent goes on
    token = st.session_state.get("token")
    respondent = flow.resumable(context.engine, context.questionnaire, token)
    if respondent is None:
        respondent, token = flow.start(context.engine, context.questionnaire)
    # one new entry in the browser's history: the respondent's page, with its number
    number = context.questionnaire.index(respondent.current_page) + 1
    st.query_params.update({flow.TOKEN_PARAM: token, flow.PAGE_PARAM: str(number)})
    st.rerun()
if refuse:
    flow.decline(context.engine, context.questionnaire)
    st.session_state["declined"] = True
    st.rerun()
