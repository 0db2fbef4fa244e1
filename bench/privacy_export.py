"""Benchmark: the privacy centre's export of everything for a user with 1,000 originals (200–500 KB each, in
jobs of four, with a ledger row per job), through PrivacyExportService and through its HTTP route, against
`cat` of the same files into one file (the copy limit, as in bench/zip_export.py); and its peak memory. Then the
same for erasure (bench/privacy_erasure.py): the time to erase an account of 1,000 images, against `rm -rf`."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from bench import privacy_erasure as erasure  # noqa: E402
from bench.common import (  # noqa: E402
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
    MB,
    PER_JOB,
    RUNS,
    SIZES,
    Result,
    add_rows,
    make_originals,
    rounds,
)
from core.bootstrap import Container  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.services.privacy_export import PrivacyExportService  # noqa: E402
from core.web.privacy_export_routes import privacy_export_routes  # noqa: E402
from db.tables import LedgerEntry  # noqa: E402
from tests.factories import make_container, sign_up  # noqa: E402


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


def measure(c: Container, user: UserView, paths: list[Path], total: int, out: Path, label: str) -> Result:
    """Everything.zip, measured as bench/zip_export.py measures the history ZIP."""
    exports = c.of(PrivacyExportService)
    served = serve_routes(privacy_export_routes(lambda: c))
    return rounds(Result(label), served, exports.link(user), lambda: exports.export(user.id), paths, total, out)


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
    # The same for erasure: the time to erase an account of 1,000 images, against `rm -rf` of the same files.
    erasure.report(["sqlite", "postgresql"] if args.postgres else ["sqlite"], 1_000, 3)


if __name__ == "__main__":
    main()
