"""Benchmark: the Generate page with several of one user's jobs in flight, in Chromium, against one job alone.

`streamlit run app.py` (tests/e2e/server.py) on the offline engine at zero delay (OFFLINE_ENGINE_DELAY_SECONDS=0,
the worker in the app's process), signed in with the local sign-in at 1366×900. One round submits N prompts in a
row (N = 1, 2 or 4, MAX_JOBS_IN_FLIGHT is 4): fill the prompt, press Generate, and fill the next as soon as the
job shows in the feed, as a person firing prompts does. For each job, two times from its click, taken in the
page (performance.now()): to its first tile in the feed (its placeholder, or its picture when the job was done
before a placeholder was drawn), and to its picture decoded. Rounds of N = 1, 2 and 4 are interleaved, so each sees
the same machine; the reference is N = 1, a job alone, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.common import median, print_table, spread  # noqa: E402
from core.services.local_sessions import COOKIE  # noqa: E402
from tests.e2e.server import CHROMIUM, launch_chromium, running_server  # noqa: E402

COUNTS = (1, 2, 4)
ROUNDS = 4
TIMEOUT_MS = 60_000
# Installed before any page script: the click on Generate, and for each job ("bench job <tag>") the first moment
# one of its tiles (a placeholder's status, or its picture) is in the page and the moment its picture has decoded,
# looking into the grid components' shadow roots every 5 ms.
WATCH = r"""
(() => {
  if (window.top !== window) return;
  window.__clicks = []; window.__tile = {}; window.__image = {};
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('button');
    if (button && button.innerText.includes('Generate ·')) window.__clicks.push(performance.now());
  }, true);
  const tag = (text) => { const m = /bench job (\w+)/.exec(text || ''); return m ? m[1] : null; };
  const look = () => {
    const roots = [document];
    for (const host of document.querySelectorAll('*')) if (host.shadowRoot) roots.push(host.shadowRoot);
    const now = performance.now();
    for (const root of roots) {
      for (const el of root.querySelectorAll('[role=status]')) {
        const t = tag(el.getAttribute('aria-label') || el.textContent);
        if (t && !(t in window.__tile)) window.__tile[t] = now;
      }
      for (const img of root.querySelectorAll('.tile img')) {
        const t = tag(img.getAttribute('alt'));
        if (!t) continue;
        if (!(t in window.__tile)) window.__tile[t] = now;
        if (!(t in window.__image) && img.complete && img.naturalWidth > 0) window.__image[t] = now;
      }
    }
  };
  setInterval(look, 5);
})();
"""


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("textbox", name="Email").fill("bench.jobs@example.com")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("textbox", name="Prompt").wait_for()
    for _ in range(100):
        if any(cookie["name"] == COOKIE for cookie in page.context.cookies()):
            break
        page.wait_for_timeout(100)


def round_of(page: Page, base_url: str, count: int, name: str) -> list[tuple[float, float]]:
    """Submit `count` prompts in a row on a freshly loaded page; (ms to first tile, ms to picture) per job."""
    page.goto(base_url + "/")
    prompt = page.get_by_role("textbox", name="Prompt")
    generate = page.get_by_role("button", name="Generate · 1 credit")
    expect(generate).to_be_enabled(timeout=TIMEOUT_MS)
    tags = [f"{name}n{n}" for n in range(count)]
    for tag in tags:
        prompt.fill(f"a lighthouse at dusk, bench job {tag}")
        expect(generate).to_be_enabled(timeout=TIMEOUT_MS)
        generate.click()
        # The next prompt goes once this job shows in the feed: a click during the run the last one started
        # would stop that run before it submits, as it would for a person.
        _wait(page, "t => t in window.__tile", tag, f"job {tag} to show in the feed")
    _wait(page, "tags => tags.every((t) => t in window.__image)", tags, f"the pictures of {tags}")
    clicks, tiles, images = page.evaluate("() => [window.__clicks, window.__tile, window.__image]")
    if len(clicks) != count:
        raise SystemExit(f"expected {count} clicks on Generate, saw {len(clicks)}")
    return [(tiles[tag] - click, images[tag] - click) for tag, click in zip(tags, clicks, strict=True)]


def _wait(page: Page, condition: str, arg: object, what: str) -> None:
    try:
        page.wait_for_function(condition, arg=arg, timeout=TIMEOUT_MS, polling=5)
    except PlaywrightTimeout:
        shot = Path(tempfile.gettempdir()) / "jobs_in_flight-timeout.png"
        page.screenshot(path=str(shot))
        seen = page.evaluate("() => [window.__clicks, window.__tile, window.__image]")
        raise SystemExit(f"waited {TIMEOUT_MS} ms for {what}; seen {seen}; screenshot {shot}") from None


def measure(data_dir: Path, rounds: int) -> dict[int, list[tuple[float, float]]]:
    found: dict[int, list[tuple[float, float]]] = {count: [] for count in COUNTS}
    with (
        running_server(data_dir, engine_delay_seconds=0, starter_credits=5_000, log_name="bench-server.log") as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(WATCH)
        page = context.new_page()
        sign_in(page, server.url)
        round_of(page, server.url, 2, "warm")  # the first run of each code path pays its imports
        for r in range(rounds):  # interleaved, so every count sees the same machine
            for count in COUNTS:
                found[count] += round_of(page, server.url, count, f"r{r}c{count}")
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of each count (default {ROUNDS})")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install -y chromium; never `playwright install`)")
    print(__doc__)
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        found = measure(Path(name), args.rounds)
    alone_tile = median([tile for tile, _ in found[1]])
    alone_image = median([image for _, image in found[1]])
    rows = []
    for count in COUNTS:
        tiles, images = [t for t, _ in found[count]], [i for _, i in found[count]]
        rows.append(
            [
                f"{count} in a row" if count > 1 else "1 (a job alone: the reference)",
                str(len(tiles)),
                spread(tiles, 0),
                f"{median(tiles) / alone_tile:.2f}×",
                spread(images, 0),
                f"{median(images) / alone_image:.2f}×",
            ]
        )
    print(f"ms from each click; median [min–max] over every job of {args.rounds} interleaved rounds.\n")
    print_table(
        ["jobs of one user", "jobs", "click → first tile", "÷ alone", "click → picture decoded", "÷ alone"], rows
    )


if __name__ == "__main__":
    main()
