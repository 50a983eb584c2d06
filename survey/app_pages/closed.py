"""Shown to new visitors when the study is past its closing date or has enough responses."""

import streamlit as st

from survey import cache

context = cache.app_context()
st.title(context.instrument.title)
if st.session_state["route"].reason == "full":
    st.info(
        "Thank you for your interest. This survey has received all the responses it needs "
        "and is no longer taking new participants."
    )
else:
    st.info("Thank you for your interest. This survey has closed.")
st.write(
    "If you already started the survey, open your personal link to finish it or to see your "
    "results."
)
