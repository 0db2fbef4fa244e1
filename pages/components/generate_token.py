"""The Generate page's submit token: one per job, renewed as soon as a job is made, and a double click kept to one
job.

The token becomes the job's id, so the service makes one job of the same token however often it arrives. The bar
takes a new token right after each submit, so the next prompt can go at once; a second click on the same form at
once (repeat_press) reuses the first click's token, and so meets the job that click made.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from core.domain import GenerationForm
from pages.components.repeat_press import remember, token_for

TOKEN_KEY = "generate.token"
LAST_KEY = "generate.last_submit"  # the latest submit: its form's fingerprint, its job's id, when


def same_click_token(form: GenerationForm, token: str) -> str:
    """The token to submit `form` with: the previous job's when this is the same form clicked again at once."""
    return token_for(LAST_KEY, _fingerprint(form), lambda: token)


def remember_submit(form: GenerationForm, job_id: str) -> None:
    remember(LAST_KEY, _fingerprint(form), job_id)


def _fingerprint(form: GenerationForm) -> str:
    digest = hashlib.sha256(repr(replace(form, upload=None, reference_uploads=())).encode())
    for data in form.image_uploads:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
