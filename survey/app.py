"""smcap Streamlit entry point: a router over the pages in ``survey/app_pages``."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="smcap survey", page_icon=":bar_chart:", layout="centered")
navigation = st.navigation(
    [st.Page(PAGES / "welcome.py", title="Survey", default=True)], position="hidden"
)
navigation.run()
