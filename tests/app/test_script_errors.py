"""A crash in a page: a friendly message with a reference, never a traceback in production; the server options behind it.

AppTest does not run st.App's on_script_error, so the page script below hands its exception to
Streamlit's own uncaught-exception path with our handler, as the script runner does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from core.settings import Environment, Settings
from pages.components.server_options import apply_server_options

SECRET_PROMPT = "a portrait of my neighbour's daughter"
OPTIONS = ("client.showErrorDetails", "server.allowedHosts")


def crashing_page() -> None:
    import streamlit as st
    from streamlit.error_util import handle_user_script_exception

    from pages.components.server_options import friendly_script_error

    st.title("Gallery")
    try:
        raise ValueError("could not render: a portrait of my neighbour's daughter")
    except ValueError as exc:
        handle_user_script_exception(exc, friendly_script_error)


@pytest.fixture
def streamlit_options() -> Iterator[None]:
    before = {name: config.get_option(name) for name in OPTIONS}
    yield
    for name, value in before.items():
        config.set_option(name, value)


def run_crashing_page(show_error_details: str) -> AppTest:
    config.set_option("client.showErrorDetails", show_error_details)
    return AppTest.from_function(crashing_page, default_timeout=30).run()


def test_in_production_a_crash_shows_a_reference_and_safe_credits_and_nothing_else(
    streamlit_options: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="pages.components.server_options"):
        at = run_crashing_page("none")
    assert not at.exception
    (error,) = at.error
    match = re.search(r"reference \*\*([0-9a-f]{8})\*\*", error.value)
    assert match and "Something went wrong on our side" in error.value and "credits are safe" in error.value
    assert "ValueError" not in error.value and SECRET_PROMPT not in error.value
    [ours] = [r.getMessage() for r in caplog.records if r.name == "pages.components.server_options"]
    assert re.fullmatch(
        rf"Unhandled error in a page: reference {match[1]}, ValueError at \S+:\d+ in crashing_page", ours
    )
    assert SECRET_PROMPT not in ours


def test_each_crash_gets_its_own_reference(streamlit_options: None) -> None:
    first, second = run_crashing_page("none").error[0].value, run_crashing_page("none").error[0].value
    assert first != second


@pytest.mark.page_raises
def test_in_development_the_traceback_still_shows_below_the_friendly_message(streamlit_options: None) -> None:
    at = run_crashing_page("full")
    assert "Something went wrong on our side" in at.error[0].value
    assert SECRET_PROMPT in at.exception[0].message


def test_production_hides_error_details_and_both_environments_limit_the_hosts(streamlit_options: None) -> None:
    config.set_option("client.showErrorDetails", "full")
    development = Settings.model_construct(app_env=Environment.DEVELOPMENT, allowed_hosts="localhost,127.0.0.1")
    stop = apply_server_options(development)
    stop()
    assert config.get_option("server.allowedHosts") == ["localhost", "127.0.0.1"]
    assert config.get_option("client.showErrorDetails") == "full"

    production = Settings.model_construct(app_env=Environment.PRODUCTION, allowed_hosts="Atelier.Example.com")
    stop = apply_server_options(production)
    try:
        assert config.get_option("server.allowedHosts") == ["atelier.example.com"]
        assert config.get_option("client.showErrorDetails") == "none"
        # Streamlit rebuilds every option when a config.toml changes; ours come back at once.
        config.get_config_options(force_reparse=True)
        assert config.get_option("server.allowedHosts") == ["atelier.example.com"]
        assert config.get_option("client.showErrorDetails") == "none"
    finally:
        stop()
