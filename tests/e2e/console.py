"""Every browser console error and uncaught page error of an e2e test, from every page of every context it opens."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError

# Errors that are provably not ours, each with its reason; an error a test causes on purpose (a revoked link's 404)
# is that test's to declare: @pytest.mark.console_errors_expected(regex).
ALLOWED: tuple[re.Pattern[str], ...] = (
    # oidc-provider-mock (the tests' sign-in provider, a third-party package) links Pico CSS from a CDN in its
    # page templates, and this machine has no internet. None of our pages can log this: their CSP (style-src
    # 'self') refuses a stylesheet from another host before any lookup, with a "Refused to load" message instead.
    re.compile(
        r"^console error: Failed to load resource: net::ERR_NAME_NOT_RESOLVED "
        r"\(at https://cdn\.jsdelivr\.net/npm/@picocss/pico@2/css/pico\.min\.css\)$"
    ),
    # The same provider's pages name no icon, so Chromium asks its origin for /favicon.ico and gets Werkzeug's 404
    # ("NOT FOUND" in capitals is Werkzeug's wording; Atelier answers /favicon.ico with its index page).
    re.compile(
        r"^console error: Failed to load resource: the server responded with a status of 404 \(NOT FOUND\) "
        r"\(at http://127\.0\.0\.1:\d+/favicon\.ico\)$"
    ),
)


class ConsoleWatch:
    """Collects what a person with the developer tools open would see in red, for whichever test is running."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, context: BrowserContext) -> BrowserContext:
        # On the context, so every page of it counts: new tabs and popups too.
        context.on("console", self._on_console)
        context.on("weberror", self._on_page_error)
        return context

    def watch_browser(self, browser: Browser) -> None:
        """Every context the browser opens from now on is watched, however a test opens it."""
        new_context: Callable[..., BrowserContext] = browser.new_context
        new_page: Callable[..., Page] = browser.new_page

        def watched_new_context(*args: Any, **kwargs: Any) -> BrowserContext:
            return self.watch(new_context(*args, **kwargs))

        def watched_new_page(*args: Any, **kwargs: Any) -> Page:
            page = new_page(*args, **kwargs)
            self.watch(page.context)
            return page

        browser.new_context = watched_new_context  # type: ignore[method-assign]
        browser.new_page = watched_new_page  # type: ignore[method-assign]

    def take(self, expected: Iterable[re.Pattern[str]] = ()) -> list[str]:
        """The errors seen since the last take, less the allowed and the expected ones."""
        errors, self.errors = self.errors, []
        patterns = [*ALLOWED, *expected]
        return [e for e in errors if not any(p.search(e) for p in patterns)]

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or (message.page.url if message.page else "")
            self.errors.append(f"console error: {message.text} (at {where})")

    def _on_page_error(self, error: WebError) -> None:
        where = error.page.url if error.page else ""
        self.errors.append(f"page error: {error.error} (at {where})")
