"""A server killed mid-job and started again finishes that job, and the ledger still balances."""

from __future__ import annotations

import re
import signal

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, text

from tests.e2e.server import running_server
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e
ENGINE_SECONDS = 6.0  # long enough to kill the server while the job is in flight


def job_state(database_url: str) -> tuple[str, int, int, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM generations")).scalar_one()
        balance = conn.execute(text("SELECT balance FROM users")).scalar_one()
        ledger = conn.execute(text("SELECT COALESCE(SUM(delta), 0) FROM ledger_entries")).scalar_one()
        images = conn.execute(text("SELECT COUNT(*) FROM images")).scalar_one()
    engine.dispose()
    return status, balance, ledger, images


# The server is killed on purpose while the page is open: the feed's timer can fire before the page closes.
@pytest.mark.console_errors_expected(r"Cannot send rerun backMessage when disconnected from server")
def test_a_job_in_flight_when_the_server_is_killed_finishes_after_a_restart(browser: Browser, tmp_path) -> None:
    data_dir = tmp_path / "atelier"
    with running_server(data_dir, engine_delay_seconds=ENGINE_SECONDS) as first:
        page = browser.new_page(base_url=first.url)
        page.goto("/")
        page.get_by_role("textbox", name="Email").fill("kim@example.com")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("textbox", name="Prompt").fill("a crimson kite over a grey sea")
        page.get_by_role("button", name=re.compile("random seed")).click()  # the folded-away settings
        page.get_by_role("radiogroup", name="Number of images").get_by_text("2", exact=True).click()
        page.get_by_role("button", name="Generate · 2 credits").click()
        expect(page.get_by_role("status").filter(has_text=re.compile(r"(Queued|Running)")).first).to_be_visible()
        first.process.send_signal(signal.SIGKILL)  # no shutdown hooks, no goodbye
        first.process.wait(timeout=10)
        page.close()
        status, balance, _, _ = job_state(first.database_url)
        assert status in ("queued", "running") and balance == 18  # the hold is placed, the job unfinished

    with running_server(data_dir, engine_delay_seconds=ENGINE_SECONDS) as second:
        # Engine time plus at most one lease (30 s) left by the dead server.
        wait_until(
            lambda: job_state(second.database_url)[0] not in ("queued", "running"),
            timeout=60,
            what=lambda: f"the job ended after the restart: {job_state(second.database_url)}",
        )
        status, balance, ledger, images = job_state(second.database_url)
    assert (status, images) == ("succeeded", 2)
    assert balance == ledger == 18
