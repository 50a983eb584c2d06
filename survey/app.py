"""smcap entry point: the respondent survey for everyone, the dashboards after log-in.

The resume token in the URL (``?r=<token>``) decides the survey page (see
:mod:`survey.flow`), so a refresh, a closed tab, a server restart or a visit days later all
land where the respondent left off. Only the survey page for the current state is
registered, so the address stays the same but for its query: the page number (``&p=3``) that
gives each questionnaire page its own entry in the browser's history.

The dashboard pages (:data:`survey.staff.DASHBOARD_PAGES`) are registered at their addresses
(``/monitor``, ``/analysis``, ``/clusters``) for everyone, but only a logged-in account whose
role may open a page gets the page itself: everyone else gets the log-in page at that address
(``app_pages/login.py``), which says why. Respondents see no navigation at all; staff log in
at ``/login`` and then see their pages in the sidebar.
"""

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import DBAPIError

from instrument import InstrumentError
from survey import cache, flow, staff
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

# Also when started outside the project folder (without its .streamlit/config.toml): an
# exception's message and traceback stay in the server log, the browser learns only that
# something went wrong.
st.set_option("client.showErrorDetails", "none")
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
        page_number=st.query_params.get(flow.PAGE_PARAM),
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
if where.kind in ("questions", "done"):  # this browser's respondent, should it return to consent
    st.session_state["token"] = st.query_params.get(flow.TOKEN_PARAM)
script, title = PAGE_OF[where.kind]
user = staff.current_user()
survey = st.Page(PAGES / script, title=title, url_path="survey", default=True)
gates: dict[str, st.Page] = {}
dashboards: list[st.Page] = []
for spec in staff.DASHBOARD_PAGES:
    if staff.allowed(user, spec):
        dashboards.append(
            st.Page(PAGES / spec.script, title=spec.title, url_path=spec.url_path, icon=spec.icon)
        )
    else:  # the log-in page (or "not for your role") at the dashboard's address
        gates[spec.url_path] = st.Page(
            PAGES / "login.py", title=spec.title, url_path=spec.url_path, visibility="hidden"
        )
gates[staff.LOGIN_PATH] = st.Page(
    PAGES / "login.py", title="Log in", url_path=staff.LOGIN_PATH, visibility="hidden"
)
# every registered page by address, for st.switch_page in the log-in page
st.session_state["pages"] = {p.url_path: p for p in [survey, *dashboards, *gates.values()]}
if user is None:
    page = st.navigation([survey, *gates.values()], position="hidden")
else:  # one flat list: sections would put their headings inside the list (invalid markup)
    page = st.navigation([*dashboards, *gates.values(), survey], position="sidebar")
    with st.sidebar:
        st.caption(f"Logged in as **{user.name}** ({user.role})")
        st.button("Log out", on_click=staff.log_out, icon=":material/logout:")
st.session_state["requested"] = page.url_path
# one page configuration per run, once the page is known: dashboards use the full width
dashboard = next((p for p in staff.DASHBOARD_PAGES if p.url_path == page.url_path), None)
if dashboard is not None and staff.allowed(user, dashboard):
    st.set_page_config(
        page_title=f"{dashboard.title} · smcap", page_icon=":bar_chart:", layout="wide"
    )
else:
    st.set_page_config(page_title="smcap survey", page_icon=":bar_chart:", layout="centered")
try:
    page.run()
except DBAPIError:
    st.error(UNAVAILABLE)
