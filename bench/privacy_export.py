"""Benchmark: the privacy centre's export of everything for a user with 1,000 originals (200–500 KB each, in
jobs of four, with a ledger row per job), through PrivacyExportService and through its HTTP route, against
`cat` of the same files into one file (the copy limit, as in bench/zip_export.py); and its peak memory."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from bench.common import (  # noqa: E402
    median,
    migrated_database,
    postgres_admin_url,
    postgres_reachable,
    print_table,
    serve_routes,
    spread,
)
from bench.zip_export import (  # noqa: E402
    CURL,
    IMAGES,
    PER_JOB,
    SIZES,
    add_rows,
    cat_into,
    download,
    make_originals,
    reset_peak_rss,
    status_kb,
    timed,
    write_all,
)
from core.bootstrap import Container  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.services.privacy_export import PrivacyExportService  # noqa: E402
from core.web.privacy_export_routes import privacy_export_routes  # noqa: E402
from db.tables import LedgerEntry  # noqa: E402
from tests.factories import make_container, sign_up  # noqa: E402

RUNS = 5
MB = 1_000_000


def add_ledger(c: Container, user: UserView) -> None:
    """A hold and a capture for each job, as real use leaves them: credits.csv has rows to write."""
    with c.db.uow() as uow:
        for job in range(IMAGES // PER_JOB):
            for kind, delta in (("hold", -PER_JOB), ("capture", 0)):
                uow.ledger.add(
                    LedgerEntry(
                        user_id=user.id, delta=delta, kind=kind, reason="Generation", idempotency_key=f"b:{job}:{kind}"
                    )
                )
        uow.commit()


@dataclass
class Result:
    label: str
    size: int = 0
    cat: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    traced_peak: int = 0
    rss_growth: int | None = None

    def rate(self, seconds: list[float]) -> float:
        return self.size / MB / median(seconds)

    def ratio(self, seconds: list[float]) -> float:
        """Throughput as a share of cat's (cat copies the originals only: the export's own files are extra)."""
        return median(self.cat) / median(seconds)


def measure(c: Container, user: UserView, paths: list[Path], total: int, out: Path, label: str) -> Result:
    """RUNS interleaved rounds of cat, the service into a file, and the route into a file by another process;
    then one more service run under tracemalloc, with the process's peak RSS reset just before."""
    r = Result(label)
    exports = c.of(PrivacyExportService)
    server, base = serve_routes(privacy_export_routes(lambda: c))
    try:
        link = base + exports.link(user)
        for _ in range(RUNS):
            r.cat.append(timed(lambda: cat_into(paths, out)))
            if out.stat().st_size != total:
                raise SystemExit("cat wrote the wrong number of bytes")
            start = time.perf_counter()
            export = exports.export(user.id)
            r.size = write_all(export, out)
            r.service.append(time.perf_counter() - start)
            if r.size != export.size:
                raise SystemExit(f"{label}: the stream was {r.size:,} bytes but announced {export.size:,}")
            r.http.append(timed(lambda: download(link, out)))
    finally:
        server.should_exit = True
    with zipfile.ZipFile(out) as archive:
        if sum(1 for name in archive.namelist() if name.startswith("images/")) != IMAGES:
            raise SystemExit(f"{label}: the ZIP does not hold {IMAGES} originals")
    hwm_reset = reset_peak_rss()
    before = status_kb("VmRSS") * 1024
    tracemalloc.start()
    write_all(exports.export(user.id), out)
    r.traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if hwm_reset:
        r.rss_growth = max(0, status_kb("VmHWM") * 1024 - before)
    out.unlink()
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="also run the export on PostgreSQL")
    args = parser.parse_args()
    backends = [("sqlite", "SQLite file (WAL)")]
    if args.postgres:
        if not postgres_reachable(postgres_admin_url()):
            raise SystemExit(f"--postgres given but PostgreSQL is unreachable at {postgres_admin_url()}")
        backends.append(("postgresql", "PostgreSQL"))
    results = []
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        tmp = Path(name)
        originals = make_originals(tmp / "media", random.Random(20261207))
        total = sum(size for _, size, _, _ in originals)
        paths = [tmp / "media" / key for key, _, _, _ in originals]
        for path in paths:  # warm the page cache: every run below reads from memory
            path.read_bytes()
        for kind, label in backends:
            with migrated_database(kind, tmp / kind) as url:
                c = make_container(tmp, url)
                user = sign_up(c)
                add_rows(c, user, originals)
                add_ledger(c, user)
                results.append(measure(c, user, paths, total, tmp / "out.bin", label))
                c.db.engine.dispose()
    print(
        f"Privacy export (everything.zip): {IMAGES:,} noisy JPEG originals of {SIZES[0] // 1000}–{SIZES[1] // 1000}"
        f" KB, {total / MB:,.1f} MB in all, in jobs of {PER_JOB}, with {IMAGES // PER_JOB * 2} ledger rows."
    )
    print(
        f"Copy limit = `cat` of the same files into one file. Service = PrivacyExportService.export written to a"
        f" file. HTTP = its route on uvicorn, saved by {'curl' if CURL else 'httpx'}. {RUNS} interleaved rounds;"
        " seconds = median [min–max].\n"
    )
    rows = [
        (
            r.label,
            f"{r.size / MB:,.1f}",
            spread(r.cat, 3),
            spread(r.service, 3),
            f"{r.rate(r.service):,.0f}",
            f"{r.ratio(r.service):.2f}×",
            spread(r.http, 3),
            f"{r.rate(r.http):,.0f}",
            f"{r.ratio(r.http):.2f}×",
        )
        for r in results
    ]
    print_table(("database", "ZIP MB", "cat s", "service s", "MB/s", "÷ cat", "HTTP s", "MB/s", "÷ cat"), rows)
    for r in results:
        rss = f"{r.rss_growth / MB:.1f} MB" if r.rss_growth is not None else "n/a (VmHWM could not be reset)"
        print(
            f"Headline ({r.label}): {r.ratio(r.service):.2f}× the copy limit through the service,"
            f" {r.ratio(r.http):.2f}× over HTTP; memory: tracemalloc peak {r.traced_peak / MB:.1f} MB, RSS growth"
            f" {rss}, for a {r.size / MB:,.0f} MB ZIP."
        )


if __name__ == "__main__":
    main()
