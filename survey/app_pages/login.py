"""Log-in page: at ``/login``, and at every dashboard address the visitor may not open yet."""

import streamlit as st

from survey import cache, staff

context = cache.app_context()
pages = st.session_state["pages"]
requested = next(
    (p for p in staff.DASHBOARD_PAGES if p.url_path == st.session_state.get("requested")), None
)
user = staff.current_user()

if user is not None:
    if requested is None:  # /login while logged in: straight to the first dashboard
        st.switch_page(pages[staff.pages_for(user)[0].url_path])
    roles = " and ".join(f"{r}s" for r in requested.roles)
    st.title("Not available")
    st.warning(
        f"The {requested.title} page is for {roles}. You are logged in as {user.name} "
        f"({user.role}); your pages are listed in the sidebar."
    )
    st.stop()

st.title("Log in")
if requested is not None:
    st.info(
        f"The {requested.title} page is for the study's researchers and reviewers. Please log in."
    )
else:
    st.write("For the study's researchers and reviewers. Respondents do not need to log in.")
user = staff.login_form(context)
if user is not None:
    if requested is not None and staff.allowed(user, requested):
        st.rerun()  # the same address now holds the page itself
    first = staff.pages_for(user)[0]
    st.switch_page(pages[first.url_path])
