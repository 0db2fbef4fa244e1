"""Every AppTest run fails its test when the page raised: AppTest itself only records the exception on the page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from streamlit.runtime.state import SCRIPT_RUN_WITHOUT_ERRORS_KEY
from streamlit.testing.v1 import AppTest

# A test that makes a page raise on purpose, and asserts what the person sees instead, carries this marker.
EXPECTED = "page_raises"

Run = Callable[..., AppTest]


def page_errors(at: AppTest) -> list[str]:
    """What went wrong in the last run: each exception the page shows, and a run the script did not finish."""
    errors = [
        "\n".join([f"{type(e).__name__}: {e.message}", *(line.rstrip() for line in e.stack_trace)])
        for e in at.exception
    ]
    if not errors and at.session_state[SCRIPT_RUN_WITHOUT_ERRORS_KEY] is False:
        # Details hidden (client.showErrorDetails = none): the run still says it did not end cleanly.
        errors.append("the script stopped with an uncaught exception (its details are hidden)")
    return errors


def checked(run: Run) -> Run:
    """AppTest's one run method (every `.run()`, on the app or on a widget, ends there), failing on a page error."""

    @functools.wraps(run)
    def run_and_check(self: AppTest, *args: Any, **kwargs: Any) -> AppTest:
        at = run(self, *args, **kwargs)
        if errors := page_errors(at):
            script = getattr(self, "_script_path", "the page")
            pytest.fail(
                f"{script} raised while the test ran it (mark the test @pytest.mark.{EXPECTED} if that is the "
                "point of the test):\n\n" + "\n\n".join(errors),
                pytrace=False,
            )
        return at

    return run_and_check


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppTest, "_run", checked(AppTest._run))
