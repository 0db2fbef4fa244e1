"""Streamlit's side of the server: its config options from our settings, and the page a user sees after a crash."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable

import streamlit as st
from streamlit import config

from core.logs import crash_summary, redact_exceptions
from core.settings import Settings

log = logging.getLogger(__name__)

FRIENDLY_ERROR = (
    "Something went wrong on our side. Please try again in a moment; if it keeps happening, "
    "tell us reference **{reference}**. Your credits are safe: a job that did not finish is "
    "released automatically."
)


def apply_server_options(settings: Settings) -> Callable[[], None]:
    """Once per process at start, and again whenever Streamlit re-reads its config.toml.

    Streamlit rebuilds its options from scratch when a config.toml changes, which would
    silently drop the websocket's Host allow-list. Returns the function that stops re-applying.
    """

    redact_exceptions()  # no log record of this process quotes an exception's message, Streamlit's included

    def apply() -> None:
        config.set_option("server.allowedHosts", settings.allowed_host_list)
        # The uploader states this limit itself: the same number and unit (MB of 1,024 × 1,024 bytes)
        # as our own refusal, which stays the authority for fractional limits.
        config.set_option("server.maxUploadSize", math.ceil(settings.max_upload_mb))
        if not settings.is_development:
            config.set_option("client.showErrorDetails", "none")

    apply()
    return config.on_config_parsed(apply, force_connect=True, lock=True)


def friendly_script_error(exc: Exception) -> bool | None:
    """st.App's on_script_error: a reference id in the log and on screen, never a traceback in production.

    Streamlit has already logged the traceback just before this runs (by type and places only, once
    `redact_exceptions` runs); this line ties it to the reference the user reads out, and holds no user content.
    """
    reference = secrets.token_hex(4)
    log.error("Unhandled error in a page: reference %s, %s", reference, crash_summary(exc))
    st.error(FRIENDLY_ERROR.format(reference=reference), icon=":material/error:")
    # Production hides error details (apply_server_options); the default display is then
    # only a vague notice, so ours replaces it. Elsewhere developers keep the traceback.
    return True if config.get_option("client.showErrorDetails") == "none" else None
