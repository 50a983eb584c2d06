"""Shown for a resume link that does not work: unknown, mistyped, or from an older version."""

import streamlit as st

route = st.session_state["route"]
st.title("We could not open your survey")
if route.kind == "changed":
    st.warning(
        "The questionnaire has changed since you started, so your earlier answers cannot be "
        "continued. We are sorry for the inconvenience."
    )
else:
    st.warning(
        "This link does not match any survey. It may be incomplete or mistyped – please check "
        "that you copied the whole link."
    )
st.write("You are welcome to start the survey afresh.")
if st.button("Start the survey afresh", type="primary"):
    st.query_params.clear()  # the token and any page number
    st.rerun()
