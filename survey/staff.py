"""Staff sessions in the Streamlit app: who is logged in, the log-in form, log-out.

The checks themselves (argon2, rate limit) are in :mod:`survey.auth`; this module keeps the
logged-in account in the session and says which dashboard pages a role may open. A log-in
lasts as long as the browser tab's session: reloading the page or opening a link in a new tab
asks again (Streamlit keeps no cookie of its own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from survey.auth import AuthConfigError, Role, User, attempt_login, load_users
from survey.cache import AppContext

#: Session-state key of the logged-in account.
USER_KEY = "staff_user"


@dataclass(frozen=True)
class DashboardPage:
    """A staff page: its script in ``app_pages/``, title, address and who may open it."""

    script: str
    title: str
    url_path: str
    roles: tuple[Role, ...]
    icon: str


#: The dashboard pages, in navigation order.
DASHBOARD_PAGES: tuple[DashboardPage, ...] = (
    DashboardPage(
        "monitor.py", "Response monitor", "monitor", ("researcher",), ":material/monitoring:"
    ),
    DashboardPage(
        "analysis.py", "Validation", "analysis", ("researcher",), ":material/fact_check:"
    ),
    DashboardPage(
        "clusters.py",
        "Stages and strategies",
        "clusters",
        ("researcher", "reviewer"),
        ":material/scatter_plot:",
    ),
)
#: Address of the log-in page.
LOGIN_PATH = "login"


def current_user() -> User | None:
    """The account logged in in this session, if any."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def allowed(user: User | None, page: DashboardPage) -> bool:
    """True when ``user`` may open ``page``."""
    return user is not None and user.role in page.roles


def pages_for(user: User | None) -> list[DashboardPage]:
    """The dashboard pages ``user`` may open (none when nobody is logged in)."""
    return [p for p in DASHBOARD_PAGES if allowed(user, p)]


def configured_users(context: AppContext) -> dict[str, User]:
    """The accounts of ``.streamlit/secrets.toml``, the environment and (demo) the demo file."""
    secrets = st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    return load_users(secrets, os.environ, database_url=context.settings.database_url)


def log_out() -> None:
    """Forget the logged-in account (a button callback)."""
    st.session_state.pop(USER_KEY, None)


def login_form(context: AppContext) -> User | None:
    """Draw the log-in form; on success remember the account and return it."""
    try:
        users = configured_users(context)
    except AuthConfigError as exc:
        st.error(f"Log-in is not configured correctly:\n\n```\n{exc}\n```")
        return None
    if not users:
        st.info(
            "No dashboard accounts are configured. A researcher adds them to "
            "`.streamlit/secrets.toml` or the environment (see the README, 'Dashboards')."
        )
        return None
    with st.form("login", enter_to_submit=True, clear_on_submit=False):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary")
    if not submitted:
        return None
    address = st.context.ip_address  # None when Streamlit does not know it (or on localhost)
    client = address if isinstance(address, str) and address else None
    result = attempt_login(context.engine, users, name, password, client=client)
    if not result.ok:
        st.error(result.message)
        return None
    st.session_state[USER_KEY] = result.user
    return result.user
