"""Atelier's entry point: the st.App server (pages, HTTP routes, and the worker when it runs in this process) and the
page router."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.bootstrap import app_container
from core.web.lifespan import background_lifespan
from core.web.routes import all_routes
from core.web.security import security_middleware
from pages.components.frame import logo
from pages.components.guard import current_user
from pages.components.navigation import pages_for
from pages.components.server_options import apply_server_options, friendly_script_error

# `streamlit run app.py` finds this object and serves it: the routes, middleware and lifespan
# live once per process; each browser session then runs this file again as its page router,
# so everything built here is cheap and nothing reads settings until the server starts.
app = st.App(
    "app.py",
    routes=all_routes(app_container),
    middleware=security_middleware(lambda: app_container().settings.allowed_host_list),
    lifespan=background_lifespan(app_container, on_start=apply_server_options, check_schema=True),
    on_script_error=friendly_script_error,
)


def route() -> None:
    """One run of the page router for one browser session."""
    st.set_page_config(page_title="Atelier", page_icon=logo(), layout="wide")
    st.logo(logo())
    # The page list is built for this user's role on every run; each page checks the role again.
    user = current_user()
    # expanded: an admin has 13 pages, and a collapsed menu would hide the last behind "View more".
    st.navigation(pages_for(user), position="sidebar" if user else "hidden", expanded=True).run()


# `streamlit run` also imports this file once, outside any session, to find `app`: the router
# runs only inside a session's script run, so that import draws nothing and logs no warnings.
if get_script_run_ctx(suppress_warning=True) is not None:
    route()

if __name__ == "__main__" and not st.runtime.exists():  # `python app.py` starts the server too
    app.run()
