"""No third party sees our users' browsers: every page, signed in and out, light and dark, desktop and phone, makes
requests to the app's own host only (fonts, icons, favicons, profile pictures and components' frames included).

Each (size, signed-in state) gets one browser context that records every request it makes, every websocket it
opens, every load the content security policy stopped, and every address the finished page points a resource at,
then opens each page of the menu (navigation.py) by its address, in one theme, and looks again in the other: the
app follows the system's setting at once, so a change loads what the other theme needs. The theme a page is
opened in alternates from page to page, so each theme is met on a fresh load as well as on a change. Requests to
any other host are recorded and aborted, so none leaves the test machine and none waits on a network that is not
there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Literal
from unittest import mock
from urllib.parse import urlsplit

import pytest
import streamlit as st
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect
from sqlalchemy import create_engine, text

from core.domain import Role, UserView
from pages.components import navigation
from tests.e2e.seed import make_images, seeded_container
from tests.e2e.server import RunningServer
from tests.e2e.still import settle
from tests.e2e.test_studio import SIZES, sign_in
from tests.factories import create_form
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

EMAIL = "no-third-parties@example.com"
NAME = "Privacy Tester"
# What Google's sign-in sends as the picture: a browser that loads it tells Google who is looking at our app.
GOOGLE_AVATAR = "https://lh3.googleusercontent.com/a/ACg8ocK-no-third-parties=s96-c"
SIGN_IN_TITLE = "Sign in to Atelier"
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
BACKGROUNDS = {"light": "rgb(251, 250, 247)", "dark": "rgb(17, 19, 23)"}
# Hands each content-security-policy violation to Python: a load the policy stopped never shows as a request,
# yet the page tried to make it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e => window.reportBlockedLoad(e.blockedURI || ''));
"""
# Every address the still page points a resource at, in the document, its same-origin frames and every shadow
# root: what a browser may fetch later (lazy images, a favicon headless Chromium never asks for, a font face
# not yet used). Links (<a href>) are left out: following one is the user's own choice.
RESOURCE_ADDRESSES = """() => {
  const found = [];
  const attrs = ['src', 'srcset', 'href', 'poster', 'data', 'background'];
  const walk = (root) => {
    for (const el of root.querySelectorAll('img, source, script, link, iframe, video, audio, embed, object, image, use')) {
      for (const a of attrs) { const v = el.getAttribute(a) || el.getAttribute('xlink:' + a); if (v) found.push(v); }
    }
    for (const el of root.querySelectorAll('[style*="url("]')) found.push(el.getAttribute('style'));
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    for (const frame of root.querySelectorAll('iframe')) {
      try { if (frame.contentDocument) walk(frame.contentDocument); } catch (e) { found.push('cross-origin frame ' + frame.src); }
    }
  };
  walk(document);
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = sheet.cssRules; } catch (e) { found.push('unreadable stylesheet ' + sheet.href); }
    for (const rule of rules) if (rule.cssText.includes('url(')) found.push(rule.cssText);
  }
  return found;
}"""


@dataclass(frozen=True)
class MenuPage:
    title: str
    url_path: str


def menu_pages() -> list[MenuPage]:
    """Every page of the app, as navigation.py lists it for an admin (who may open them all).

    st.Page needs a running app to read its script, so it is stood in for by a record of its arguments; the
    address is the one Streamlit infers: the default page at "/", else url_path or the script's name."""

    def page(path: str, *, title: str, default: bool = False, url_path: str | None = None, **_: object) -> object:
        return SimpleNamespace(title=title, url_path="" if default else (url_path or Path(path).stem))

    admin = UserView(id=1, email="admin@example.com", display_name="", role=Role.ADMIN, balance=0)
    with mock.patch.object(st, "Page", page):
        return [MenuPage(p.title, p.url_path) for p in navigation.pages_for(admin)]


PAGES = menu_pages()


def foreign(address: str, own_host: str) -> bool:
    """Whether a URL names a host other than ours (relative, data:, blob: and about: addresses stay here)."""
    parts = urlsplit(address.strip().strip("'\""))
    if parts.scheme in ("data", "blob", "about", "javascript") or not parts.netloc:
        return False
    return parts.hostname != own_host


def foreign_addresses(texts: list[str], own_host: str) -> list[str]:
    """The absolute addresses in attribute values, srcsets and CSS text that name another host."""
    found = []
    for value in texts:
        for word in value.replace("url(", " ").replace(")", " ").replace(",", " ").split():
            if "//" in word and foreign(word, own_host):
                found.append(word)
    return found


@pytest.fixture(scope="module")
def account(atelier: RunningServer) -> Iterator[str]:
    """An admin (so every page opens) with a name and an image in the gallery."""
    c = seeded_container(atelier)
    user = c.accounts.sign_in_local(EMAIL).user
    c.accounts.rename(user, NAME)
    make_images(c, user, [create_form("a paper boat on a quiet canal")])
    c.db.engine.dispose()
    set_user(atelier, EMAIL, role=Role.ADMIN.value)
    yield EMAIL


def set_user(server: RunningServer, email: str, **values: str) -> None:
    engine = create_engine(server.database_url)
    with engine.begin() as conn:
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        conn.execute(text(f"UPDATE users SET {assignments} WHERE email = :email"), {**values, "email": email})
    engine.dispose()


@dataclass
class Recorder:
    """Everything one browser context asked another host for, or tried to."""

    own_host: str
    requests: list[str]
    blocked: list[str]

    def elsewhere(self) -> list[str]:
        asked = [url for url in self.requests if foreign(url, self.own_host)]
        return asked + [f"blocked by the policy: {url}" for url in self.blocked if foreign(url, self.own_host)]


def recording(context: BrowserContext, page: Page, own_url: str) -> Recorder:
    recorder = Recorder(urlsplit(own_url).hostname or "", [], [])

    def only_ours(route: Route) -> None:
        if foreign(route.request.url, recorder.own_host):
            route.abort()  # recorded by the request listener; never sent
        else:
            route.continue_()

    context.on("request", lambda request: recorder.requests.append(request.url))
    context.route("**/*", only_ours)
    context.expose_binding("reportBlockedLoad", lambda _source, url: recorder.blocked.append(url))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("websocket", lambda socket: recorder.requests.append(socket.url))
    return recorder


def visit(page: Page, path: str, heading: str, recorder: Recorder, scheme: Scheme) -> list[str]:
    """Open one page by its address in `scheme` and wait until it is still; the addresses it points elsewhere."""
    page.emulate_media(color_scheme=scheme)
    page.goto("/" + path)
    return look(page, path, heading, recorder, scheme)


def look(page: Page, path: str, heading: str, recorder: Recorder, scheme: Scheme) -> list[str]:
    """The open page in `scheme`, once still: the addresses it points elsewhere."""
    page.emulate_media(color_scheme=scheme)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # The theme in effect is the one asked for (a change is drawn a moment later), so both themes' assets really
    # were loaded.
    expect(page.get_by_test_id("stApp"), f"{path} in {scheme}").to_have_css("background-color", BACKGROUNDS[scheme])
    settle(page)
    return foreign_addresses(page.evaluate(RESOURCE_ADDRESSES), recorder.own_host)


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("size", list(SIZES))
def test_no_page_asks_another_host_for_anything(
    browser: Browser, atelier: RunningServer, account: str, size: str, signed_in: bool
) -> None:
    viewport = ViewportSize(width=SIZES[size]["width"], height=SIZES[size]["height"])
    context = browser.new_context(base_url=atelier.url, viewport=viewport)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        recorder = recording(context, page, atelier.url)
        if signed_in:
            sign_in(page, account)
            # The picture Google's sign-in stores (each sign-in refreshes it, so it is set after this one).
            set_user(atelier, account, avatar_url=GOOGLE_AVATAR)
        pointed: dict[str, list[str]] = {}
        # Signed out, every address shows the same sign-in screen: each is opened at one size, and the screen
        # itself (the app's first page) at the other.
        every_page = signed_in or size == next(iter(SIZES))
        for number, menu_page in enumerate(PAGES if every_page else PAGES[:1]):
            heading = menu_page.title if signed_in else SIGN_IN_TITLE
            fresh, changed = SCHEMES if number % 2 == 0 else SCHEMES[::-1]
            pointed[f"{menu_page.title} ({fresh})"] = visit(page, menu_page.url_path, heading, recorder, fresh)
            if signed_in and menu_page.title == "Gallery":  # its picture loads once the grid has drawn it
                wait_until(
                    lambda: any("/api/media/" in url for url in recorder.requests),
                    timeout=15,
                    what="the gallery's picture is asked of the app",
                    page=page,
                )
            pointed[f"{menu_page.title} ({changed})"] = look(page, menu_page.url_path, heading, recorder, changed)
        own = [url for url in recorder.requests if not foreign(url, recorder.own_host)]
        assert any("/_stcore/stream" in url for url in own), "the recorder saw the app's own traffic"
        if signed_in:  # the gallery's picture came from us, so the images were really drawn
            assert any("/api/media/" in url for url in own), own
        assert recorder.elsewhere() == []
        assert {title: found for title, found in pointed.items() if found} == {}
    finally:
        context.close()
