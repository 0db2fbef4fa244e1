"""Logging rules: log ids, error types and places, never content. An exception's message can quote a prompt,
an email, a name, a file name or a provider's payload, so no log record carries one: ours log through
`log_failure`/`log_crash`, and `redact_exceptions` strips the message from every other record in the
process (Streamlit's "Uncaught app execution", the server's "Exception in ASGI application")."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

PLACES = 6  # the innermost frames named: enough to find the line, short enough to read


def crash_summary(exc: BaseException) -> str:
    """The exception's type and where it was raised, without its message (which may quote user input)."""
    frames = traceback.extract_tb(exc.__traceback__)[-PLACES:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where or 'unknown place'}"


def log_crash(logger: logging.Logger, what: str, subject_id: str, exc: BaseException) -> None:
    logger.error("%s %s: %s", what, subject_id, crash_summary(exc))


def log_failure(logger: logging.Logger, what: str, exc: BaseException | None = None) -> None:
    """`what` failed: logged as an error with the exception's type and places (the one being handled, when
    `exc` is not given), never its message. Use it where `log.exception` would be written."""
    found = exc if exc is not None else sys.exc_info()[1]
    logger.error("%s: %s", what, crash_summary(found) if found is not None else "no exception")


class _RedactingFactory:
    """Builds log records as before, then replaces an attached exception, or one passed as an argument, by
    its type and places."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redacted(self.previous(*args, **kwargs))


def redact_exceptions() -> None:
    """From now on no log record of this process carries an exception's message or traceback text. Called
    once at start (pages.components.server_options); calling it again changes nothing."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))


def redacted(record: logging.LogRecord) -> logging.LogRecord:
    """The record without exception messages: its traceback becomes "(Type at file:line < ...)"."""
    if isinstance(record.msg, BaseException):
        record.msg = crash_summary(record.msg)
    if isinstance(record.args, tuple) and any(isinstance(a, BaseException) for a in record.args):
        record.args = tuple(crash_summary(a) if isinstance(a, BaseException) else a for a in record.args)
    if record.exc_info and record.exc_info[1] is not None:
        summary = crash_summary(record.exc_info[1])
        record.msg = f"{record.msg} ({summary.replace('%', '%%') if record.args else summary})"
        record.exc_info, record.exc_text = None, None
    return record
