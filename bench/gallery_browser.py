"""Benchmark: the Gallery at page 200 in a real browser, until its 48 pictures are decoded, against a static page.

`streamlit run app.py` (tests/e2e/server.py) over a SQLite database seeded by bench/seed_gallery.py
--with-files (10,000 images with real WebP thumbnails and previews), signed in with the local sign-in.
Headless Debian Chromium opens /gallery?size=48&after=<cursor of page 200> (core.domain.url_params.to_params; the
cursor found through GalleryService by following next_cursor) and the time is taken from navigation start until
48 pictures of the grid have decoded (`img.decode()` on every `<img>` of the grid's tiles, in the document or
in the component's shadow root). The reference is a static HTML page served in the same run by Python's
http.server (HTTP/1.1, keep-alive) showing the same 48 files as `<img>`s with the grid's attributes, timed the
same way. The floor, in the same run: the app's page with only the guard and the frame (/bench-floor,
pages/bench_floor.py, routed with APP_ENV=test only) until the mark it draws last is on screen. The goal is the
Gallery within 1.3x of floor + static page. Cold = the browser's cache cleared before each load (a first visit);
warm = loaded again with it. The files are encrypted at rest before the server starts, as a deployed app's are.
"""

from __future__ import annotations

import argparse
import functools
import html
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from playwright.sync_api import BrowserContext, sync_playwright  # noqa: E402

from bench.common import median, print_table, spread, watched_load  # noqa: E402
from bench.seed_gallery import SEEDED_EMAIL, seed_gallery  # noqa: E402
from core.bootstrap import bootstrap  # noqa: E402
from core.domain.gallery import GalleryQuery  # noqa: E402
from core.domain.url_params import to_params  # noqa: E402
from core.services.key_rotation import KeyRotationService  # noqa: E402
from core.services.local_sessions import COOKIE  # noqa: E402
from db.schema import migrate  # noqa: E402
from tests.e2e.server import CHROMIUM, MEDIA_SECRET, launch_chromium, running_server  # noqa: E402
from tests.factories import settings_for  # noqa: E402

PAGE_SIZE = 48
DEEP_PAGE = 200
RUNS = 5
# Tall enough that every tile of the page is in view: the grid's <img>s are loading="lazy", and a lazy image
# far below the fold is not fetched at all, so "all 48 decoded" would never come in a short window.
VIEWPORT = {"width": 1400, "height": 3600}
TIMEOUT_MS = 90_000
# Installed before any page script: polls every 5 ms for the grid's pictures (also inside open shadow roots:
# a st.components.v2 component may render there), then waits for all of them to decode.
WATCH = """
(() => {
  if (window.top !== window) return;
  const WANT = Number('__WANT__');
  const pictures = () => {
    const roots = [document];
    for (const host of document.querySelectorAll('*')) if (host.shadowRoot) roots.push(host.shadowRoot);
    return roots.flatMap((root) => [...root.querySelectorAll('.tile img')]).filter((img) => img.getAttribute('src'));
  };
  const poll = () => {
    const imgs = pictures();
    if (imgs.length < WANT) return setTimeout(poll, 5);
    Promise.all(imgs.map((img) => img.decode())).then(
      () => {
        const srcs = new Set(imgs.map((img) => img.currentSrc));
        const fetched = performance.getEntriesByType('resource').filter((r) => srcs.has(r.name));
        window.__decoded = { at: performance.now(), count: imgs.length,
          asked: fetched.length ? Math.min(...fetched.map((r) => r.startTime)) : -1,
          got: fetched.length ? Math.max(...fetched.map((r) => r.responseEnd)) : -1,
          ids: imgs.map((img) => img.closest('.tile')?.dataset.id || ''), srcs: imgs.map((img) => img.currentSrc) };
      },
      () => setTimeout(poll, 5)  // a picture was swapped while decoding: look again
    );
  };
  poll();
})();
"""


# The floor: the app's page with nothing but the guard and the frame (pages/bench_floor.py, routed only with
# APP_ENV=test), until the mark it draws last is on screen: what any page of the app costs before its own content.
FLOOR_PATH, FLOOR_MARK = "bench-floor", "st-key-bench_floor"
FLOOR_WATCH = """
(() => {
  if (window.top !== window || !location.pathname.endsWith('/bench-floor')) return;
  const poll = () => {
    const mark = document.querySelector('.__MARK__');
    if (!mark || !mark.textContent.trim()) return setTimeout(poll, 5);
    window.__decoded = { at: performance.now(), count: 0, asked: -1, got: -1, ids: [], srcs: [] };
  };
  poll();
})();
"""


GALLERY, STATIC, VIA_APP = "Gallery page 200", "static page", "static page, pictures from the app"
FLOOR = "floor: an empty page of the app"
# (what, cold) → per load: ms to all decoded, to the first picture asked for, to the last picture received
Timings = dict[tuple[str, bool], list[tuple[float, float, float]]]


@dataclass(frozen=True)
class Prepared:
    path: str  # the URL of page 200
    ids: list[int]  # the image ids that page holds, in order
    files: dict[tuple[str, str], bytes]  # (public id, variant) → the picture's plain bytes, for the static page
    shapes: dict[str, tuple[int, int]]  # public id → width, height


def prepare(data_dir: Path, database_url: str) -> Prepared:
    """Page 200 at 48 a page (its cursor found by following next_cursor through GalleryService) and its files.
    The seeder writes plain files; the app encrypts them at rest in a background pass at its start, which would
    run during the first loads: that pass is done here first, as a deployed app's files already are."""
    settings = settings_for(data_dir, database_url, media_secret=MEDIA_SECRET, blob_store="local")
    c = bootstrap(settings)
    try:
        c.of(KeyRotationService).run_if_due()
        user = c.accounts.get(1)
        assert user is not None
        query = GalleryQuery(page_size=PAGE_SIZE)
        for _ in range(DEEP_PAGE - 1):
            cursor = c.gallery.page(user, query).next_cursor
            if cursor is None:
                raise SystemExit(f"the gallery ended before page {DEEP_PAGE}")
            query = replace(query, cursor=cursor)
        grid = c.gallery.grid(user, query)
        if grid.page_number != DEEP_PAGE or len(grid.images.items) != PAGE_SIZE:
            raise SystemExit(f"the service does not put this cursor on page {DEEP_PAGE} with {PAGE_SIZE} images")
        files, shapes = {}, {}
        with c.db.reader() as uow:
            for shown in grid.images.items:
                row = uow.images.get_for_user(user.id, shown.id)
                assert row is not None
                shapes[row.public_id] = (row.width, row.height)
                for variant, key in (("preview", row.preview_key), ("thumb", row.thumb_key)):
                    files[(row.public_id, variant)] = c.blobs.get(key)  # decrypted by the store
        path = f"/gallery?{urlencode(to_params(query))}"
        return Prepared(path, [i.id for i in grid.images.items], files, shapes)
    finally:
        c.db.engine.dispose()


def sign_in(context: BrowserContext, base_url: str) -> None:
    """The local sign-in form, as a person fills it; then wait until its cookie is set (a new page load
    signs in from the cookie)."""
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("textbox", name="Email").fill(SEEDED_EMAIL)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {SEEDED_EMAIL}").wait_for()
    for _ in range(100):
        if any(cookie["name"] == COOKIE for cookie in context.cookies()):
            break
        page.wait_for_timeout(100)
    page.close()


def load(context: BrowserContext, url: str, *, cold: bool) -> dict[str, Any]:
    """Open `url` in a new tab and return what the watcher saw: ms from navigation start, the tiles' ids and srcs."""
    failure = (
        f"the grid did not show {PAGE_SIZE} decoded pictures. This bench needs the Gallery page to read ?size= and"
        " ?after= and draw its grid as .tile img"
    )
    return watched_load(context, url, "__decoded", cold=cold, timeout_ms=TIMEOUT_MS, failure=failure)


def static_pages(directory: Path, srcs: list[str], prepared: Prepared, app: str) -> None:
    """Two HTML pages with the grid's <img> attributes and the same 48 pictures: index.html with the files
    next to it (the reference), via-app.html with the app's own signed media URLs (the pictures as the
    app serves them, without the Streamlit page around them)."""
    local: list[str] = []
    remote: list[str] = []
    for n, src in enumerate(srcs):
        public_id, variant = urlsplit(src).path.rsplit("/", 2)[-2:]
        width, height = prepared.shapes[public_id]
        name = f"{public_id}.{variant}.webp"
        (directory / name).write_bytes(prepared.files[(public_id, variant)])
        for tiles, url in ((local, name), (remote, app + urlsplit(src).path + "?" + urlsplit(src).query)):
            tiles.append(
                f'<div class="tile" data-id="{n}" style="aspect-ratio:{width}/{height}"><img src="{html.escape(url)}"'
                f' loading="lazy" decoding="async" width="{width}" height="{height}" alt="picture {n}"></div>'
            )
    for name, tiles in (("index.html", local), ("via-app.html", remote)):
        (directory / name).write_text(
            "<!doctype html><meta charset=utf-8><title>48 pictures</title><style>"
            ".grid{display:flex;flex-wrap:wrap;gap:6px}.tile{height:220px;flex:1 1 auto}"
            ".tile img{height:100%;width:100%;object-fit:cover;display:block}</style>"
            f'<div class="grid" role="list">{"".join(tiles)}</div>'
        )


@contextmanager
def serving(directory: Path) -> Iterator[str]:
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the app's server does

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def measure(data_dir: Path, runs: int) -> tuple[Timings, str]:
    database_url = f"sqlite:///{data_dir / 'atelier.db'}"
    migrate(database_url)
    seeded = seed_gallery(database_url, data_dir, with_files=True)
    prepared = prepare(data_dir, database_url)
    timings: Timings = {}
    with running_server(data_dir, log_name="bench-server.log") as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(WATCH.replace("__WANT__", str(PAGE_SIZE)))
        context.add_init_script(FLOOR_WATCH.replace("__MARK__", FLOOR_MARK))
        sign_in(context, server.url)
        first = load(context, server.url + prepared.path, cold=True)  # also warms the server's own caches
        if [int(i) for i in first["ids"]] != prepared.ids:
            raise SystemExit(f"{prepared.path} did not show page {DEEP_PAGE}: the tiles are not the service's page")
        with tempfile.TemporaryDirectory(prefix="atelier-static-") as static_dir:
            static_pages(Path(static_dir), first["srcs"], prepared, server.url)
            with serving(Path(static_dir)) as static_url:
                urls = {
                    GALLERY: server.url + prepared.path,
                    FLOOR: server.url + "/" + FLOOR_PATH,
                    STATIC: static_url + "/index.html",
                    VIA_APP: static_url + "/via-app.html",
                }
                for url in urls.values():
                    load(context, url, cold=True)
                for _ in range(runs):  # interleaved, so all see the same machine
                    for cold in (True, False):
                        for kind, url in urls.items():
                            seen = load(context, url, cold=cold)
                            timings.setdefault((kind, cold), []).append((seen["at"], seen["asked"], seen["got"]))
        browser.close()
    variant = urlsplit(first["srcs"][0]).path.rsplit("/", 1)[-1]
    sizes = sum(len(prepared.files[tuple(urlsplit(s).path.rsplit("/", 2)[-2:])]) for s in first["srcs"])  # type: ignore[index]
    note = (
        f"{seeded.report()}; page {DEEP_PAGE} = {prepared.path}; the grid shows {variant} files, {sizes / 1e6:.2f} MB"
        f" for the {PAGE_SIZE}"
    )
    return timings, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"loads of each kind (default {RUNS})")
    parser.add_argument("--keep", type=Path, help="seed into this data dir and keep it (default: a temp dir)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install -y chromium; never `playwright install`)")
    print(__doc__)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        timings, note = measure(args.keep, args.runs)
    else:
        with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
            timings, note = measure(Path(name), args.runs)
    print(f"{note}. ms from navigation start; median [min–max] of {args.runs} loads each, interleaved.\n")
    rows = []
    for cold in (True, False):
        reference = median([t[0] for t in timings[(STATIC, cold)]])
        for kind in (GALLERY, FLOOR, VIA_APP, STATIC):
            decoded, asked, got = ([t[n] for t in timings[(kind, cold)]] for n in range(3))
            rows.append(
                (
                    "cold" if cold else "warm",
                    kind,
                    spread(decoded, 0),
                    f"{median(decoded) / reference:.1f}×",
                    f"{median(asked):.0f}" if min(asked) >= 0 else "—",
                    f"{median(got):.0f}" if min(got) >= 0 else "—",
                )
            )
    print_table(
        (
            "cache",
            "what",
            "ms to 48 decoded (floor: drawn)",
            "÷ static page",
            "1st picture asked, ms",
            "last received, ms",
        ),
        rows,
    )
    for cold in (True, False):
        app_ms, floor_ms, static_ms = (
            median([t[0] for t in timings[(kind, cold)]]) for kind in (GALLERY, FLOOR, STATIC)
        )
        print(
            f"\nHeadline ({'cold' if cold else 'warm'}): Gallery page 200 {app_ms:.0f} ms ="
            f" {app_ms / (floor_ms + static_ms):.2f}× the floor plus the static page ({floor_ms:.0f} + {static_ms:.0f} ms;"
            f" goal ≤ 1.3×), {app_ms / static_ms:.1f}× the static page alone."
        )


if __name__ == "__main__":
    main()
