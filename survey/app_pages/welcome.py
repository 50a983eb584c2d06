"""Landing page: what the study is about."""

import streamlit as st

from instrument import DEFAULT_INSTRUMENT, load_instrument

instrument = load_instrument(DEFAULT_INSTRUMENT)
st.title(instrument.title)
if instrument.study.introduction:
    st.write(instrument.study.introduction)
st.caption(
    f"{len(instrument.items)} statements, about {instrument.estimated_minutes():.0f} minutes."
)
