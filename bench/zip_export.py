"""Benchmark: the history ZIP of 1,000 originals (200–500 KB each) streamed through HistoryExportService and
through the HTTP route, against `cat` of the same files into one file (the copy limit); and the memory the
export takes while it streams."""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from PIL import Image as Picture  # noqa: E402

from bench.common import (  # noqa: E402
    median,
    migrated_database,
    postgres_admin_url,
    postgres_reachable,
    print_table,
    serve_routes,
    spread,
)
from core.bootstrap import Container  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.domain.gallery import GalleryFilter  # noqa: E402
from core.services.export_archive import ExportDownload  # noqa: E402
from core.web.export_routes import export_routes  # noqa: E402
from db.tables import Generation, Image  # noqa: E402
from tests.factories import make_container, sign_up  # noqa: E402

IMAGES = 1_000
PER_JOB = 4
SIZES = (200_000, 500_000)
RUNS = 5
CAT_BATCH = 250  # files per `cat` command line
MB = 1_000_000
CURL = shutil.which("curl")


def make_originals(media: Path, rng: random.Random) -> list[tuple[str, int, int, int]]:
    """1,000 noisy JPEGs of 200–500 KB (noise keeps them large, as photographs are) as blobs under `media`,
    laid out as LocalBlobStore lays them out. Returns (key, size, width, height) for each."""
    noise = rng.randbytes(16 << 20)  # each picture is a slice of it from a random place

    def jpeg(side: int) -> bytes:
        offset = rng.randrange(len(noise) - side * side * 3)
        buffer = BytesIO()
        Picture.frombytes("RGB", (side, side), noise[offset : offset + side * side * 3]).save(
            buffer, "JPEG", quality=90
        )
        return buffer.getvalue()

    bytes_per_pixel = len(jpeg(400)) / 400**2
    made = []
    for _ in range(IMAGES):
        side = int((rng.randint(*SIZES) / bytes_per_pixel) ** 0.5)
        data = jpeg(side)
        key = f"u1/{uuid.UUID(int=rng.getrandbits(128)).hex}.jpg"
        (media / key).parent.mkdir(parents=True, exist_ok=True)
        (media / key).write_bytes(data)
        made.append((key, len(data), side, side))
    return made


def add_rows(c: Container, user: UserView, originals: list[tuple[str, int, int, int]]) -> None:
    """The images' rows: jobs of four, with prompts and options, as the gallery would hold them."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with c.db.uow() as uow:
        for first in range(0, IMAGES, PER_JOB):
            job = uuid.UUID(int=first + 1).hex
            uow.generations.add(
                Generation(
                    id=job,
                    user_id=user.id,
                    kind="text_to_image",
                    status="succeeded",
                    prompt=f"a noisy study number {first}, in grey, with a long enough prompt to look real",
                    model="offline-draw",
                    aspect_ratio="1:1",
                    seed=first,
                    num_images=PER_JOB,
                    output_format="jpeg",
                    options={"guidance_scale": 3.5},
                    cost=PER_JOB,
                    charged=PER_JOB,
                    created_at=start + timedelta(minutes=first),
                )
            )
            for position, (key, size, width, height) in enumerate(originals[first : first + PER_JOB]):
                uow.images.add(
                    Image(
                        public_id=uuid.uuid4().hex,
                        user_id=user.id,
                        generation_id=job,
                        position=position,
                        blob_key=key,
                        thumb_key=key,
                        content_type="image/jpeg",
                        width=width,
                        height=height,
                        size_bytes=size,
                        aspect="1:1",
                        created_at=start + timedelta(minutes=first, seconds=position),
                    )
                )
        uow.commit()


def cat_into(paths: list[Path], out: Path) -> None:
    with out.open("wb") as sink:
        for first in range(0, len(paths), CAT_BATCH):
            subprocess.run(["cat", *map(str, paths[first : first + CAT_BATCH])], stdout=sink, check=True)


def write_all(chunks: Iterable[bytes], out: Path) -> int:
    written = 0
    with out.open("wb") as sink:
        for chunk in chunks:
            written += sink.write(chunk)
    return written


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS now, VmHWM its peak), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Linux lets a process reset its own VmHWM (write 5 to clear_refs), so the export's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def serve(c: Container) -> tuple[uvicorn.Server, str]:
    return serve_routes(export_routes(lambda: c))


def download(url: str, out: Path) -> int:
    """What a browser does: another process reads the response into a file (curl; httpx in this process,
    sharing its GIL with the server, when curl is missing). Checks the length the route announced."""
    if CURL:
        found = subprocess.run(
            [CURL, "-sS", "--fail", "-o", str(out), "-w", "%{size_download} %header{content-length}", url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        written, announced = int(found[0]), int(found[1])
    else:
        with httpx.stream("GET", url, timeout=60) as response:
            response.raise_for_status()
            written, announced = write_all(response.iter_raw(1 << 20), out), int(response.headers["content-length"])
    if written != announced:
        raise SystemExit(f"the route sent {written:,} bytes but announced {announced:,}")
    return written


@dataclass
class Result:
    label: str
    size: int = 0  # bytes of the ZIP
    cat: list[float] = field(default_factory=list)  # seconds, the copy limit, measured in the same rounds
    prepare: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    traced_peak: int = 0
    rss_before: int = 0
    rss_growth: int | None = None

    def rate(self, seconds: list[float]) -> float:
        return self.size / MB / median(seconds)

    def ratio(self, seconds: list[float]) -> float:
        """Throughput as a share of cat's (cat moves the originals only: the ZIP's extra ~1 MB is ignored)."""
        return median(self.cat) / median(seconds)


def measure(c: Container, user: UserView, paths: list[Path], total: int, out: Path, label: str) -> Result:
    """The history ZIP of everything, measured by `rounds`."""
    return rounds(
        Result(label),
        serve(c),
        c.exports.link(user, None, "zip"),
        lambda: c.exports.export(user, GalleryFilter(), "zip"),
        paths,
        total,
        out,
    )


def rounds(
    r: Result,
    served: tuple[uvicorn.Server, str],
    link: str,
    export: Callable[[], ExportDownload],
    paths: list[Path],
    total: int,
    out: Path,
) -> Result:
    """RUNS rounds of: cat (the copy limit), the service's `export()` into a file, the route (`link`, served by
    `served`) into a file by another process. Interleaved, so all three see the same machine. Then one more
    service run for its memory."""
    server, base = served
    try:
        for _ in range(RUNS):
            r.cat.append(timed(lambda: cat_into(paths, out)))
            if out.stat().st_size != total:
                raise SystemExit("cat wrote the wrong number of bytes")
            start = time.perf_counter()
            download_ = export()
            r.prepare.append(time.perf_counter() - start)
            r.size = write_all(download_, out)
            r.service.append(time.perf_counter() - start)
            if r.size != download_.size:
                raise SystemExit(f"{r.label}: the stream was {r.size:,} bytes but announced {download_.size:,}")
            r.http.append(timed(lambda: download(base + link, out)))
    finally:
        server.should_exit = True
    with zipfile.ZipFile(out) as archive:
        stored = [i for i in archive.infolist() if i.filename.startswith("images/")]
        if len(stored) != IMAGES or {i.compress_type for i in stored} != {zipfile.ZIP_STORED}:
            raise SystemExit(f"{r.label}: the ZIP does not hold {IMAGES} stored originals")
    r.traced_peak, r.rss_before, r.rss_growth = memory_of(lambda: write_all(export(), out))
    out.unlink()
    return r


def memory_of(run: Callable[[], object]) -> tuple[int, int, int | None]:
    """One run under tracemalloc, with the process's peak RSS reset just before: (the traced peak, the RSS
    before, how far the peak RSS rose above it, or None where VmHWM cannot be reset), in bytes."""
    hwm_reset = reset_peak_rss()
    before = status_kb("VmRSS") * 1024
    tracemalloc.start()
    run()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The kernel updates VmHWM lazily: a peak within a page or two of the start reads as none.
    return traced, before, max(0, status_kb("VmHWM") * 1024 - before) if hwm_reset else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="also run the export on PostgreSQL")
    args = parser.parse_args()
    backends = [("sqlite", "SQLite file (WAL)")]
    if args.postgres:
        if not postgres_reachable(postgres_admin_url()):
            raise SystemExit(f"--postgres given but PostgreSQL is unreachable at {postgres_admin_url()}")
        backends.append(("postgresql", "PostgreSQL"))
    rng = random.Random(20261129)
    results = []
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        tmp = Path(name)
        start = time.perf_counter()
        originals = make_originals(tmp / "media", rng)
        made_in = time.perf_counter() - start
        total = sum(size for _, size, _, _ in originals)
        paths = [tmp / "media" / key for key, _, _, _ in originals]
        for path in paths:  # warm the page cache: every run below reads from memory
            path.read_bytes()
        for kind, label in backends:
            with migrated_database(kind, tmp / kind) as url:
                c = make_container(tmp, url)  # its LocalBlobStore is tmp/media: the files made above
                user = sign_up(c)
                add_rows(c, user, originals)
                results.append(measure(c, user, paths, total, tmp / "out.bin", label))
                c.db.engine.dispose()
    print(
        f"ZIP export: {IMAGES:,} noisy JPEG originals of {SIZES[0] // 1000}–{SIZES[1] // 1000} KB, {total / MB:,.1f} MB"
        f" in all (made in {made_in:.1f} s), in jobs of {PER_JOB}, in the page cache."
    )
    print(
        f"Copy limit = `cat` of the {IMAGES:,} files into one file ({CAT_BATCH} per command). Service ="
        " HistoryExportService.export (one snapshot read, a stat of each blob, CSV and JSON to spooled files), every"
        f" chunk then written to a file. HTTP = the route on uvicorn (h11) in this process, saved to a file by"
        f" {'curl' if CURL else 'httpx in this process'}. {RUNS} interleaved rounds; seconds = median [min–max].\n"
    )
    rows = [
        (
            r.label,
            f"{r.size / MB:,.1f}",
            spread(r.cat, 3),
            f"{total / MB / median(r.cat):,.0f}",
            spread(r.prepare, 3),
            spread(r.service, 3),
            f"{r.rate(r.service):,.0f}",
            f"{r.ratio(r.service):.2f}×",
            spread(r.http, 3),
            f"{r.rate(r.http):,.0f}",
            f"{r.ratio(r.http):.2f}×",
        )
        for r in results
    ]
    print_table(
        (
            "database",
            "ZIP MB",
            "cat s",
            "cat MB/s",
            "prepare s",
            "service s",
            "MB/s",
            "÷ cat",
            "HTTP s",
            "MB/s",
            "÷ cat",
        ),
        rows,
    )
    print(
        "\nMemory: one more service run under tracemalloc (its peak), and how far the process's peak RSS (VmHWM,"
        " reset just before the run) rose above its RSS at the start of the run."
    )
    for r in results:
        rss = (
            f"{r.rss_growth / MB:.1f} MB (over {r.rss_before / MB:.0f} MB before)"
            if r.rss_growth is not None
            else "n/a (VmHWM could not be reset)"
        )
        memory = max(r.traced_peak, r.rss_growth or 0)
        print(
            f"Headline ({r.label}): the service streams the ZIP at {r.rate(r.service):,.0f} MB/s ="
            f" {r.ratio(r.service):.2f}× the copy limit ({'meets' if r.ratio(r.service) >= 0.5 else 'misses'} the"
            f" 0.5× target), over HTTP {r.rate(r.http):,.0f} MB/s = {r.ratio(r.http):.2f}×; memory: tracemalloc peak"
            f" {r.traced_peak / MB:.1f} MB, RSS growth {rss} for a {r.size / MB:,.0f} MB ZIP"
            f" ({'under' if memory < 64 * MB else 'over'} the 64 MB target)."
        )


if __name__ == "__main__":
    main()
