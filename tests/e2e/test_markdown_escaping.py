"""In a real browser, hostile user text passed through escape_markdown shows as itself: no link, image, style, icon or request.

One Streamlit server runs tests/e2e/escape_probe_app.py, which draws every string of its corpus in every element
kind that renders markdown. The escaped page is checked; the raw page (?mode=raw) proves the corpus and the
checks have teeth, because there the same strings do become links, images, colours, math, icons and requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from tests.e2e.escape_probe_app import CANARY_ORIGIN, ELEMENT_KINDS, HOSTILE_STRINGS
from tests.e2e.server import running_script

pytestmark = pytest.mark.e2e

PROBE_APP = Path(__file__).with_name("escape_probe_app.py")
RENDER_MS = 60_000
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}

# Where each element kind puts the user's text; everything inside must be the text itself.
USER_TEXT_ROOT = {
    "markdown": "[data-testid=stMarkdownContainer]",
    "composed": "[data-testid=stMarkdownContainer] > p:first-child",
    "caption": "[data-testid=stCaptionContainer]",
    "error": "[data-testid=stAlert] [data-testid=stMarkdownContainer]",
    "success": "[data-testid=stAlert] [data-testid=stMarkdownContainer]",
    "progress": "[data-testid=stProgress] [data-testid=stMarkdownContainer]",
    "metric": "[data-testid=stMetricLabel] [data-testid=stMarkdownContainer]",
    "button": "[data-testid=stButton] [data-testid=stMarkdownContainer]",
    "checkbox": "[data-testid=stCheckbox] [data-testid=stMarkdownContainer]",
    "radio": "[data-testid=stRadioOption] [data-testid=stMarkdownContainer]",
    "subheader": "[data-testid=stHeading] h3 > span[data-heading-text]",
    "expander": "[data-testid=stExpander] summary [data-testid=stMarkdownContainer]",
    "table": "[data-testid=stTableStyledTable] td [data-testid=stMarkdownContainer]",
    "image_caption": "[data-testid=stImageCaption] [data-testid=stCaptionContainer]",
}
TOAST_TEXT_ROOT = "[data-testid=stToast] [data-testid=stToastText] [data-testid=stMarkdownContainer]"

# For each root: its innerText and every element inside it other than <p> and the attribute-less <span>s that
# escape_markdown uses to split text (so an <a>, <img>, coloured or icon <span>, KaTeX, <em>, <ul>… is reported).
DESCRIBE = """(root) => ({
  text: root.innerText,
  strangers: [...root.querySelectorAll('*')]
    .filter((el) => !((el.tagName === 'P' || el.tagName === 'SPAN') && el.attributes.length === 0))
    .map((el) => el.tagName.toLowerCase()
      + (el.classList.contains('katex') ? '.katex' : '')
      + (el.getAttribute('role') ? `[role=${el.getAttribute('role')}]` : '')
      + (el.hasAttribute('style') ? '[style]' : '')
      + (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '')
      + (el.getAttribute('src') ? `[src=${el.getAttribute('src').slice(0, 60)}]` : '')),
})"""
# One round trip for the whole page: for each string and element kind, the roots found in its keyed container.
DESCRIBE_ELEMENTS = f"""({{count, roots}}) => {{
  const describe = {DESCRIBE};
  const found = [];
  for (let index = 0; index < count; index++) {{
    for (const [kind, selector] of Object.entries(roots)) {{
      const box = document.querySelector(`.st-key-${{kind}}-${{index}}`);
      found.push({{kind, index, described: box ? [...box.querySelectorAll(selector)].map(describe) : []}});
    }}
  }}
  return found;
}}"""
DESCRIBE_TOASTS = f"(roots) => roots.map({DESCRIBE})"


def visible(text: str) -> str:
    """What a browser shows for `text`: HTML collapses each whitespace run to one space and trims the ends."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip(" ")


@dataclass(frozen=True)
class Shown:
    kind: str
    index: int
    text: str | None  # None when the element's text root was not found exactly once
    strangers: tuple[str, ...]

    @property
    def original(self) -> str:
        return HOSTILE_STRINGS[self.index]


@dataclass
class ProbePage:
    page: Page
    off_origin_requests: list[str] = field(default_factory=list)

    def shown(self) -> list[Shown]:
        roots = {kind: USER_TEXT_ROOT[kind] for kind in ELEMENT_KINDS}
        found = self.page.evaluate(DESCRIBE_ELEMENTS, {"count": len(HOSTILE_STRINGS), "roots": roots})
        return [_shown(item["kind"], item["index"], item["described"]) for item in found]

    def toasts(self) -> list[dict[str, Any]]:
        described: list[dict[str, Any]] = self.page.locator(TOAST_TEXT_ROOT).evaluate_all(DESCRIBE_TOASTS)
        return described


def _shown(kind: str, index: int, described: list[dict[str, Any]]) -> Shown:
    if len(described) != 1:
        return Shown(kind, index, None, (f"{len(described)} text roots instead of 1",))
    return Shown(kind, index, described[0]["text"], tuple(described[0]["strangers"]))


@pytest.fixture(scope="module")
def probe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run escape_probe_app.py` for the module's tests."""
    with running_script(PROBE_APP, tmp_path_factory.mktemp("escape-probe")) as url:
        yield url


def _start_probe(browser: Browser, url: str, mode: str) -> ProbePage:
    """The probe page on its way, with every request for another origin recorded and refused."""
    context: BrowserContext = browser.new_context(base_url=url, viewport=VIEWPORT)
    probe = ProbePage(context.new_page())

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            probe.off_origin_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    probe.page.goto(f"/?mode={mode}", wait_until="commit")  # drawn while the other probe page is
    return probe


def _drawn(probe: ProbePage) -> None:
    """Until the probe page is fully drawn."""
    expect(probe.page.locator(".st-key-rendered, [data-testid=stException]").first).to_be_visible(timeout=RENDER_MS)
    expect(probe.page.get_by_test_id("stException")).to_have_count(0, timeout=1)
    expect(probe.page.get_by_test_id("stToast")).to_have_count(len(HOSTILE_STRINGS), timeout=RENDER_MS)
    # Markdown that needs KaTeX or emoji shows a skeleton until the plugin has loaded.
    expect(probe.page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=RENDER_MS)


@pytest.fixture(scope="module")
def probes(browser: Browser, probe_url: str) -> Iterator[dict[str, ProbePage]]:
    """The escaped and the raw probe page, each fully drawn in a browser context of its own; both are opened at
    once, so the server draws one while the browser draws the other."""
    started: dict[str, ProbePage] = {}
    try:
        for mode in ("escaped", "raw"):
            started[mode] = _start_probe(browser, probe_url, mode)
        for probe in started.values():
            _drawn(probe)
        yield started
    finally:
        for probe in started.values():
            probe.page.context.close()


@pytest.fixture(scope="module")
def escaped(probes: dict[str, ProbePage]) -> ProbePage:
    return probes["escaped"]


@pytest.fixture(scope="module")
def raw(probes: dict[str, ProbePage]) -> ProbePage:
    return probes["raw"]


def test_every_hostile_string_shows_literally_in_every_markdown_element(escaped: ProbePage) -> None:
    shown = escaped.shown()
    assert len(shown) == len(HOSTILE_STRINGS) * len(ELEMENT_KINDS)
    failures = [
        f"{s.kind} #{s.index} {s.original!r}: shows {s.text!r}, made {list(s.strangers)}"
        for s in shown
        if s.text != visible(s.original) or s.strangers
    ]
    assert not failures, "\n".join(failures)


def test_every_hostile_string_shows_literally_in_a_toast(escaped: ProbePage) -> None:
    toasts = escaped.toasts()
    assert sorted(toast["text"] for toast in toasts) == sorted(visible(text) for text in HOSTILE_STRINGS)
    assert [toast["strangers"] for toast in toasts if toast["strangers"]] == []


def test_escaped_text_stays_literal_on_a_page_that_loads_emoji_katex_and_icons(escaped: ProbePage) -> None:
    """The "composed" elements (checked above) add :wave:, $x^2$ and an icon after the text; those must have rendered."""
    tails = escaped.page.locator("[class*=st-key-composed-] [data-testid=stMarkdownContainer] > p:last-child")
    rendered = tails.evaluate_all(
        "(tails) => tails.map((p) => [p.querySelectorAll('.katex').length, "
        "p.querySelectorAll('[role=img]').length, p.innerText.includes('👋')])"
    )
    assert rendered == [[1, 1, True]] * len(HOSTILE_STRINGS)


def test_buttons_are_named_by_the_literal_text(escaped: ProbePage) -> None:
    for index, text in enumerate(HOSTILE_STRINGS):
        button = escaped.page.locator(f".st-key-button-{index}").get_by_role("button", name=visible(text), exact=True)
        expect(button).to_have_count(1)


def test_the_browser_requests_no_url_named_in_user_text(escaped: ProbePage) -> None:
    assert escaped.off_origin_requests == []


def test_the_corpus_is_hostile_when_shown_without_escaping(raw: ProbePage) -> None:
    """Without escape_markdown the same page fetches the canary URLs and grows links, colours, math and icons."""
    assert f"{CANARY_ORIGIN}/p.png" in raw.off_origin_requests
    shown = raw.shown()
    made = {re.sub(r"\[(href|src)=.*", "", stranger) for s in shown for stranger in s.strangers}
    expected = {"a", "img", "span[style]", "span[role=img][style]", "span.katex", "em", "strong", "del", "code"}
    expected |= {"h1", "ul", "ol", "li", "blockquote", "table", "hr", "pre"}
    assert expected <= made
    mangled = {s.index for s in shown if s.kind == "markdown" and s.text != visible(s.original)}
    assert len(mangled) >= len(HOSTILE_STRINGS) // 2
    leading_emoji = HOSTILE_STRINGS.index("😀 a leading emoji")
    assert next(s.text for s in shown if s.kind == "error" and s.index == leading_emoji) == "a leading emoji"
