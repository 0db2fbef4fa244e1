"""E2E fixtures: one freshly started Atelier server and one Debian chromium per group of browser tests, a new browser context per test."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.ci import in_ci
from tests.e2e.console import ConsoleWatch
from tests.e2e.server import CHROMIUM, RunningServer, launch_chromium, running_server
from tests.payment_support import STRIPE_KEY
from tests.stripe_server import StripeServer

SERVER_KEY = pytest.StashKey[RunningServer]()
CONSOLE_KEY = pytest.StashKey[ConsoleWatch]()
VIEWPORT = {"width": 1400, "height": 900}
EXPECT_MS = 15_000


# Package scope: built once for the browser tests a worker runs (they come as one unit, tests/conftest.py's scheduler)
# and ended after the last of them, before that worker goes on to other tests: sync Playwright keeps an event loop
# running in the main thread while it is open, where a later test's asyncio.run() would fail.
@pytest.fixture(scope="package")
def atelier(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config, stripe_server: StripeServer
) -> Iterator[RunningServer]:
    """`streamlit run app.py` over an empty, migrated SQLite database in a temp data dir (engine delay 1 s),
    taking demo payments and Stripe payments through the local Stripe server."""
    payments = {
        "PAYMENT_PROVIDERS": "demo,stripe",
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": stripe_server.webhook_secret,
        "STRIPE_API_BASE": stripe_server.url,
    }
    # Admins used only by tests/e2e/test_lab.py, one per case: each promotes a lab cell and publishes it as a preset.
    admins = {"ADMIN_EMAILS": "lab-lead-desktop-light@example.com,lab-lead-phone-dark@example.com"}
    with running_server(
        tmp_path_factory.mktemp("atelier-e2e"), engine_delay_seconds=1.0, extra_env=payments | admins
    ) as server:
        pytestconfig.stash[SERVER_KEY] = server
        yield server
        del pytestconfig.stash[SERVER_KEY]


@pytest.fixture(scope="package")
def browser(pytestconfig: pytest.Config) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install -y chromium; never `playwright install`)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    # `expect` waits 5 s by default, a page action 15 s (each context's default): on a loaded 2-core machine a
    # run can take longer than 5 s to show what a person waits for, so both wait as long. A passing check
    # returns as soon as it holds; only a failing one waits this long.
    expect.set_options(timeout=EXPECT_MS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        pytestconfig.stash[CONSOLE_KEY].watch_browser(browser)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, atelier: RunningServer) -> Iterator[BrowserContext]:
    """A new browser context: its own cookies and its own Streamlit session, so a new signed-out visitor."""
    context = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
    context.set_default_timeout(EXPECT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "console_errors_expected(*patterns): regexes of browser console errors the test causes on purpose "
        "(a revoked link's 404); any other console or page error fails every e2e test",
    )
    config.stash[CONSOLE_KEY] = ConsoleWatch()


@pytest.fixture(autouse=True)
def no_console_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test on any browser console error or uncaught page error, from any page it opened.

    Set up before the test's contexts and checked after they closed, so errors still in flight when the test
    ended arrive first; one raised on teardown is reported as the test's error, with the messages.
    """
    watch = request.config.stash[CONSOLE_KEY]
    watch.take()  # a previous test's late arrivals are not this test's
    yield
    marker = request.node.get_closest_marker("console_errors_expected")
    expected = [re.compile(p) for p in (marker.args if marker else ())]
    if errors := watch.take(expected):
        pytest.fail("The browser logged errors:\n" + "\n".join(errors), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When an e2e test fails, attach the server's log to the failure report."""
    report = yield
    server = item.config.stash.get(SERVER_KEY, None)
    if report.failed and server is not None:
        report.sections.append(("Atelier server log (last 20,000 characters)", server.log()))
    return report
