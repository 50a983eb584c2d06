"""smcap survey entry point: works out where the visit lands and runs that one page.

The resume token in the URL (``?r=<token>``) decides the page (see :mod:`survey.flow`), so a
refresh, a closed tab, a server restart or a visit days later all land where the respondent
left off. Only the page for the current state is registered, so the address stays the same.
"""

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import DBAPIError

from instrument import InstrumentError
from survey import cache, flow
from survey.config import SettingsError

PAGES = Path(__file__).resolve().parent / "app_pages"
PAGE_OF: dict[flow.RouteKind, tuple[str, str]] = {
    "landing": ("welcome.py", "Survey"),
    "closed": ("closed.py", "Survey closed"),
    "questions": ("questions.py", "Survey"),
    "done": ("done.py", "Your results"),
    "invalid": ("resume_problem.py", "Survey link"),
    "changed": ("resume_problem.py", "Survey link"),
}

st.set_page_config(page_title="smcap survey", page_icon=":bar_chart:", layout="centered")
st.html(Path(__file__).with_name("style.css"))
UNAVAILABLE = (
    "The survey is unavailable for a moment. Everything you have submitted so far is saved; "
    "please try again in a few minutes with your personal link."
)

try:
    context = cache.app_context()
    where = flow.route(
        context.engine,
        context.questionnaire,
        context.settings,
        st.query_params.get(flow.TOKEN_PARAM),
        count_completed=lambda: cache.completed_count(
            context.settings.database_url, context.instrument.id
        ),
    )
except (SettingsError, InstrumentError) as exc:
    st.error(f"The survey is not configured correctly:\n\n```\n{exc}\n```")
    st.stop()
except DBAPIError:
    st.error(UNAVAILABLE)
    st.stop()

st.session_state["route"] = where
script, title = PAGE_OF[where.kind]
page = st.navigation([st.Page(PAGES / script, title=title, default=True)], position="hidden")
try:
    page.run()
except DBAPIError:
    st.error(UNAVAILABLE)
