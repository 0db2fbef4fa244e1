"""The worker, for AppTests: the page never moves a job, so a test lets the worker look at every job in flight
(run here, in this thread, as one sweep) before the page's next run, as the feed's next tick would show it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.bootstrap import app_container


def worked(at: AppTest) -> AppTest:
    app_container().jobs.reconcile()
    return at.run()
