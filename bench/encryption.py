"""Benchmark: what encryption at rest costs. The same 300 originals (200–500 KB JPEGs) stored twice, plain and
encrypted (EncryptedBlobStore over LocalBlobStore), served in the same run by the media route and streamed as the
history ZIP, interleaved round by round; each figure with encryption on, the same with it off, and the ratio
(goal: at least 0.8× the plain throughput). Then the encrypted ZIP's memory, which must stay flat."""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import httpx  # noqa: E402
from sqlmodel import col, select  # noqa: E402
from starlette.routing import BaseRoute  # noqa: E402

import bench.zip_export as zip_bench  # noqa: E402
from bench.common import median, migrated_database, print_table, serve_routes, spread  # noqa: E402
from bench.zip_export import add_rows, download, make_originals, memory_of, write_all  # noqa: E402
from core.adapters.encrypted_blobs import EncryptedBlobStore  # noqa: E402
from core.adapters.local_blobs import LocalBlobStore  # noqa: E402
from core.bootstrap import Container, bootstrap  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.domain.gallery import GalleryFilter  # noqa: E402
from core.keyring import new_key_entry, parse_keys  # noqa: E402
from core.ports import BlobStore  # noqa: E402
from core.web.export_routes import export_routes  # noqa: E402
from core.web.media_routes import media_routes  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.tables import Image  # noqa: E402
from db.uow import Database  # noqa: E402
from tests.factories import settings_for, sign_up  # noqa: E402

IMAGES = 300
RUNS = 5
MB = 1_000_000
GOAL = 0.8


def container(tmp: Path, url: str, blobs: BlobStore) -> Container:
    """One side of the comparison: a container over the shared database, with its own blob store."""
    return bootstrap(settings_for(tmp, url), blobs=blobs, db=Database(make_engine(url)))


def routes(c: Container) -> list[BaseRoute]:
    return [*media_routes(lambda: c), *export_routes(lambda: c)]


def media_urls(c: Container) -> list[str]:
    """A signed link to every original, as the gallery hands them out."""
    with c.db.reader() as uow:
        images = list(uow.session.exec(select(Image).order_by(col(Image.id))).all())
    return [c.signer.url(image.public_id, "original") for image in images]


def fetch_all(client: httpx.Client, base: str, urls: list[str]) -> int:
    total = 0
    for url in urls:
        response = client.get(base + url)
        response.raise_for_status()
        if int(response.headers["content-length"]) != len(response.content):
            raise SystemExit("the media route announced a length it did not send")
        total += len(response.content)
    return total


def main() -> None:
    rng = random.Random(20261207)
    zip_bench.IMAGES = IMAGES  # make_originals and the ZIP check read it
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        tmp = Path(name)
        originals = make_originals(tmp / "plain" / "media", rng)
        total = sum(size for _, size, _, _ in originals)
        plain_store = LocalBlobStore(tmp / "plain" / "media")
        sealed = EncryptedBlobStore(LocalBlobStore(tmp / "sealed" / "media"), parse_keys(new_key_entry("bench")))
        for key, _, _, _ in originals:
            sealed.put(key, plain_store.get(key), "image/jpeg")
        with migrated_database("sqlite", tmp / "db") as url:
            sides = {"off": container(tmp / "plain", url, plain_store), "on": container(tmp / "sealed", url, sealed)}
            user: UserView = sign_up(sides["off"])
            add_rows(sides["off"], user, originals)
            urls = media_urls(sides["off"])
            figures = measure(sides, user, urls, tmp / "out.zip")
            traced, before, growth = memory_of(
                lambda: write_all(sides["on"].exports.export(user, GalleryFilter(), "zip"), tmp / "out.zip")
            )
            for c in sides.values():
                c.db.engine.dispose()
    report(figures, total, traced, before, growth)


def measure(sides: dict[str, Container], user: UserView, urls: list[str], out: Path) -> dict[str, list[float]]:
    """RUNS interleaved rounds of `one_round` for each side. Seconds per part, and the bytes each sent."""
    servers = {side: serve_routes(routes(c)) for side, c in sides.items()}
    figures: dict[str, list[float]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    try:
        with httpx.Client(timeout=60) as client:
            for _ in range(RUNS):
                for side, c in sides.items():
                    seconds, sizes[side] = one_round(c, user, servers[side][1], client, urls, out)
                    for part, value in seconds.items():
                        figures.setdefault(f"{part} {side}", []).append(value)
    finally:
        for server, _ in servers.values():
            server.should_exit = True
    if sizes["on"] != sizes["off"]:
        raise SystemExit("encrypted and plain sides sent different bytes")
    figures["sizes"] = [float(size) for size in sizes["on"]]
    return figures


def one_round(
    c: Container, user: UserView, base: str, client: httpx.Client, urls: list[str], out: Path
) -> tuple[dict[str, float], tuple[int, int]]:
    """Every original through the media route (httpx, keep-alive); the history ZIP through the service into a
    file (wall and CPU seconds); the same through the export route, saved by curl."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    sent = fetch_all(client, base, urls)
    seconds["media"] = time.perf_counter() - start
    export = c.exports.export(user, GalleryFilter(), "zip")
    wall, cpu = time.perf_counter(), time.process_time()
    written = write_all(export, out)
    seconds["zip"], seconds["zip-cpu"] = time.perf_counter() - wall, time.process_time() - cpu
    if written != export.size:
        raise SystemExit(f"the ZIP streamed {written:,} bytes but announced {export.size:,}")
    link = c.exports.link(user, None, "zip")
    start = time.perf_counter()
    download(base + link, out)
    seconds["zip-http"] = time.perf_counter() - start
    return seconds, (sent, written)


def report(figures: dict[str, list[float]], total: int, traced: int, before: int, growth: int | None) -> None:
    media_bytes, zip_bytes = figures.pop("sizes")
    print(
        f"Encryption at rest: {IMAGES} noisy JPEG originals, {total / MB:,.1f} MB, stored plain and encrypted"
        f" (AES-256-GCM, 64 KiB chunks), page cache warm. {RUNS} interleaved rounds; seconds = median [min–max].\n"
        "media = every original fetched once through the media route on uvicorn (httpx in this process, keep-alive);"
        " zip = HistoryExportService.export streamed into a file; zip-http = the export route saved by curl.\n"
    )
    rows, ratios = [], []
    for part, size in (("media", media_bytes), ("zip", zip_bytes), ("zip-cpu", zip_bytes), ("zip-http", zip_bytes)):
        off, on = median(figures[f"{part} off"]), median(figures[f"{part} on"])
        ratio = off / on
        ratios.append((part, ratio, min(figures[f"{part} off"]) / min(figures[f"{part} on"])))
        rows.append(
            (
                part,
                f"{size / MB:,.1f}",
                spread(figures[f"{part} off"], 3),
                f"{size / MB / off:,.0f}",
                spread(figures[f"{part} on"], 3),
                f"{size / MB / on:,.0f}",
                f"{ratio:.2f}×",
            )
        )
    print_table(("path", "MB", "off s", "off MB/s", "on s", "on MB/s", "on ÷ off"), rows)
    print("(zip-cpu: the zip rows' CPU seconds of this process instead of wall seconds.)")
    rss = f"{growth / MB:.1f} MB over {before / MB:.0f} MB" if growth is not None else "n/a"
    print(
        f"\nMemory of one encrypted ZIP export ({zip_bytes / MB:,.0f} MB): tracemalloc peak {traced / MB:.1f} MB,"
        f" peak RSS growth {rss}; its Content-Length is known before the first byte (checked every round)."
    )
    for part, ratio, best in ratios:
        verdict = "meets" if ratio >= GOAL else "misses"
        print(
            f"Headline ({part}): encrypted throughput = {ratio:.2f}× plain by medians ({verdict} the {GOAL}× goal),"
            f" {best:.2f}× by the fastest rounds."
        )


if __name__ == "__main__":
    main()
