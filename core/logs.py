"""Logging rules: log ids and error types, never content (prompts, emails, file names can sit in messages)."""

from __future__ import annotations

import logging
import traceback


def crash_summary(exc: BaseException) -> str:
    """The exception's type and where it was raised, without its message (which may quote user input)."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where or 'unknown place'}"


def log_crash(logger: logging.Logger, what: str, subject_id: str, exc: BaseException) -> None:
    logger.error("%s %s: %s", what, subject_id, crash_summary(exc))
