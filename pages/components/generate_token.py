"""The Generate page's submit token: one per job, renewed as soon as a job is made, and a double click kept to one
job.

The token becomes the job's id, so the service makes one job of the same token however often it arrives. The bar
takes a new token right after each submit, so the next prompt can go at once; a second click on the same form
within DOUBLE_CLICK_SECONDS (a double click, or a click repeated while the page was busy) reuses the first click's
token, and so meets the job that click made.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace

import streamlit as st

from core.domain import GenerationForm

TOKEN_KEY = "generate.token"
LAST_KEY = "generate.last_submit"  # (the form's fingerprint, its job's id, when) of the latest submit
DOUBLE_CLICK_SECONDS = 1.5


def same_click_token(form: GenerationForm, token: str) -> str:
    """The token to submit `form` with: the previous job's when this is the same form clicked again at once."""
    last = st.session_state.get(LAST_KEY)
    if isinstance(last, tuple) and len(last) == 3:
        fingerprint, job_id, at = last
        if fingerprint == _fingerprint(form) and time.monotonic() - at < DOUBLE_CLICK_SECONDS:
            return str(job_id)
    return token


def remember_submit(form: GenerationForm, job_id: str) -> None:
    st.session_state[LAST_KEY] = (_fingerprint(form), job_id, time.monotonic())


def _fingerprint(form: GenerationForm) -> str:
    digest = hashlib.sha256(repr(replace(form, upload=None, reference_uploads=())).encode())
    for data in form.image_uploads:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
