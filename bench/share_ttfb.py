"""Benchmark: a shared link's time to first byte on a running app, against the private media route's, same run.

`streamlit run app.py` (tests/e2e/server.py) over a migrated SQLite database. One user, one offline image (made
through the services on the same database and files), one share of it. Over one keep-alive HTTP connection per
route (httpx), interleaved request by request, each timed from sending the request to the first byte of the body:
- reference: the media route, GET of a signed URL of the image's original (`MediaSigner.url`): one database read
  and the file streamed from the store;
- the share page, GET /s/<token>: one database read (share, image, prompt) and a page of about 3 KB;
- the share's picture, GET /s/<token>/image.jpg: the same read, then the original decoded and re-encoded as a
  JPEG at the share's size (the cost of leaving no metadata), and its revalidation with If-None-Match (a 304
  after one database read, which is what a browser does on every later view: `no-cache`).

    .venv/bin/python bench/share_ttfb.py [--runs 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import httpx  # noqa: E402

from bench.common import median, print_table, spread  # noqa: E402
from core.bootstrap import bootstrap  # noqa: E402
from core.services.shares import ShareService  # noqa: E402
from tests.e2e.server import MEDIA_SECRET, running_server  # noqa: E402
from tests.factories import create_form, settings_for, settle  # noqa: E402

WARM_UP = 10
MEDIA = "media route (signed original)"


def prepare(data_dir: Path, database_url: str) -> tuple[str, str]:
    """A user with one image and one share of it (with its prompt): the media URL and the share's path."""
    c = bootstrap(settings_for(data_dir, database_url, media_secret=MEDIA_SECRET, blob_store="local"))
    try:
        user = c.accounts.sign_in_local("bench@example.com").user
        form = create_form("a lighthouse at dusk, long exposure", aspect_ratio="1:1")
        job = settle(c, user, c.generation.submit(user, form, c.generation.new_token()).id)
        image = job.images[0]
        share = c.of(ShareService).create(user, image.id, with_prompt=True)
        return image.original_url, share.path  # the original's signed URL, valid for MEDIA_URL_TTL_SECONDS
    finally:
        c.db.engine.dispose()


def first_bytes_ms(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Milliseconds until the response's head arrived (its first byte: TTFB) and until the body's first byte (the
    head for a 304, which has no body), and the status."""
    start = time.perf_counter_ns()
    body = 0.0
    with client.stream("GET", url, headers=headers) as response:
        head = (time.perf_counter_ns() - start) / 1e6
        for _ in response.iter_raw():  # the whole body is read, so the connection is reused
            body = body or (time.perf_counter_ns() - start) / 1e6
    return head, body or head, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), engine_delay_seconds=0) as server:
        media_url, share_path = prepare(server.data_dir, server.database_url)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            etag = client.get(f"{share_path}/image.jpg").headers["etag"]
            probes: dict[str, Callable[[], tuple[float, float, int]]] = {
                MEDIA: lambda: first_bytes_ms(client, media_url),
                "share page /s/<token>": lambda: first_bytes_ms(client, share_path),
                "share picture (re-encoded)": lambda: first_bytes_ms(client, f"{share_path}/image.jpg"),
                "share picture revalidated (304)": lambda: first_bytes_ms(
                    client, f"{share_path}/image.jpg", {"If-None-Match": etag}
                ),
            }
            expected = {name: 304 if "304" in name else 200 for name in probes}
            heads: dict[str, list[float]] = {name: [] for name in probes}
            bodies: dict[str, list[float]] = {name: [] for name in probes}
            for run in range(WARM_UP + args.runs):
                for name, probe in probes.items():
                    head, body, status = probe()
                    if status != expected[name]:
                        raise SystemExit(f"{name}: HTTP {status}")
                    if run >= WARM_UP:
                        heads[name].append(head)
                        bodies[name].append(body)
    reference = median(heads[MEDIA])
    body_reference = median(bodies[MEDIA])
    print(f"\nTime to first byte on a running app, {args.runs} interleaved requests each (ms, median [min–max])")
    print_table(
        ["route", "TTFB ms", "÷ media", "first body byte ms", "÷ media"],
        [
            [
                name,
                spread(heads[name]),
                f"{median(heads[name]) / reference:.2f}×",
                spread(bodies[name]),
                f"{median(bodies[name]) / body_reference:.2f}×",
            ]
            for name in probes
        ],
    )


if __name__ == "__main__":
    main()
