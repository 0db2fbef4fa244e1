"""Benchmark: gallery page 1 and page 200 of a user with 10,000 images, service against the raw keyset query."""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from sqlalchemy import Engine, insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.common import (  # noqa: E402
    finish_seeding,
    median,
    migrated_database,
    ms_since,
    postgres_admin_url,
    postgres_reachable,
    print_table,
    spread,
    time_ms,
)  # noqa: E402
from core.bootstrap import Container, bootstrap  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.domain.gallery import GalleryQuery  # noqa: E402
from tests.factories import make_container, settings_for  # noqa: E402

OWNER_ROWS = 10_000
OTHER_USERS = 100
OTHER_ROWS = 100
BATCH = 5_000
DEEP_PAGE = 200
PAGE_SIZES = (24, 48)  # the app's default (Settings.gallery_page_size) and a larger grid
WARM, RUNS = 2, 30
COLUMNS = "id, public_id, user_id, generation_id, position, source, blob_key, thumb_key, content_type, width, height, size_bytes, created_at"


@dataclass
class Row:
    backend: str
    size: int
    page: int
    service: list[float]
    keyset: list[float]
    offset: list[float] | None


def seed(engine: Engine, postgres: bool) -> float:
    """One owner with 10,000 images and 100 users with 100 each, interleaved in time; ids follow time."""
    start = time.perf_counter_ns()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    users = [
        {
            "id": u,
            "issuer": "local",
            "subject": f"user{u}@example.com",
            "email": f"user{u}@example.com",
            "display_name": f"user{u}",
            "role": "user",
            "balance": 0,
            "session_version": 0,
            "created_at": t0,
        }
        for u in range(1, OTHER_USERS + 2)
    ]
    owners = [1] * OWNER_ROWS + [u for u in range(2, OTHER_USERS + 2) for _ in range(OTHER_ROWS)]
    random.Random(20250101).shuffle(owners)
    images = [
        {
            "id": i,
            "public_id": f"{i:032x}",
            "user_id": owner,
            "generation_id": None,
            "position": 0,
            "source": "upload",
            "blob_key": f"u{owner}/{i:032x}.png",
            "thumb_key": f"u{owner}/{i:032x}.thumb.webp",
            "content_type": "image/png",
            "width": 1024,
            "height": 1024,
            "size_bytes": 1_500_000,
            "created_at": t0 + timedelta(seconds=37 * i),
        }
        for i, owner in enumerate(owners, start=1)
    ]
    tables = SQLModel.metadata.tables
    with engine.begin() as conn:
        conn.execute(insert(tables["users"]), users)
    for first in range(0, len(images), BATCH):
        with engine.begin() as conn:
            conn.execute(insert(tables["images"]), images[first : first + BATCH])
    finish_seeding(engine)
    return ms_since(start) / 1000


class RawQueries:
    """The service's queries written out in SQL and run on the DBAPI cursor, with no ORM in between."""

    def __init__(self, engine: Engine, postgres: bool) -> None:
        self.conn: Any = engine.raw_connection()
        self.postgres = postgres
        if postgres:
            self.conn.driver_connection.autocommit = True  # no BEGIN/ROLLBACK round trips: the floor
        p = "%s" if postgres else "?"
        base = f"SELECT {COLUMNS} FROM images WHERE user_id = {p}"
        self.first_sql = f"{base} ORDER BY id DESC LIMIT {p}"
        self.keyset_sql = f"{base} AND id < {p} ORDER BY id DESC LIMIT {p}"
        self.offset_sql = f"{base} ORDER BY id DESC LIMIT {p} OFFSET {p}"
        self.count_sql = f"SELECT count(*) FROM images WHERE user_id = {p}"
        self.cursor = self.conn.cursor()

    def keyset(self, user_id: int, before_id: int | None, limit: int) -> list[Any]:
        if before_id is None:
            self.cursor.execute(self.first_sql, (user_id, limit))
        else:
            self.cursor.execute(self.keyset_sql, (user_id, before_id, limit))
        return list(self.cursor.fetchall())

    def offset(self, user_id: int, skip: int, limit: int) -> list[Any]:
        self.cursor.execute(self.offset_sql, (user_id, limit, skip))
        return list(self.cursor.fetchall())

    def count(self, user_id: int) -> int:
        self.cursor.execute(self.count_sql, (user_id,))
        return int(self.cursor.fetchone()[0])

    def close(self) -> None:
        self.cursor.close()
        if self.postgres:
            self.conn.driver_connection.autocommit = False
        self.conn.close()


def cursor_for(container: Container, user: UserView, page: int) -> int | None:
    """Walk the service page by page, as the app's "older" button does, to get page `page`'s cursor."""
    before: int | None = None
    for _ in range(page - 1):
        before = container.gallery.page(user, GalleryQuery(cursor=before)).next_cursor
        if before is None:
            raise SystemExit(f"the gallery ended before page {page}")
    return before


def measure(container: Container, raw: RawQueries, user: UserView, page: int, backend: str) -> Row:
    size = container.gallery.page_size
    before = cursor_for(container, user, page)
    skip = (page - 1) * size
    service_ids = [i.id for i in container.gallery.page(user, GalleryQuery(cursor=before)).items]
    keyset_ids = [r[0] for r in raw.keyset(user.id, before, size + 1)][:size]
    offset_ids = [r[0] for r in raw.offset(user.id, skip, size)]
    if not service_ids == keyset_ids == offset_ids or len(service_ids) != size:
        raise SystemExit(f"{backend} page {page} × {size}: the service, keyset and OFFSET results differ")
    with_offset = page > 1
    row = Row(backend, size, page, [], [], [] if with_offset else None)
    gc.collect()
    for run in range(WARM + RUNS):  # interleaved, so all three see the same machine
        s = time_ms(lambda: container.gallery.page(user, GalleryQuery(cursor=before)))
        k = time_ms(lambda: raw.keyset(user.id, before, size + 1))
        o = time_ms(lambda: raw.offset(user.id, skip, size)) if with_offset else 0.0
        if run >= WARM:
            row.service.append(s)
            row.keyset.append(k)
            if row.offset is not None:
                row.offset.append(o)
    return row


def run_backend(kind: str, label: str) -> tuple[list[Row], str]:
    postgres = kind == "postgresql"
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        tmp = Path(name)
        default = make_container(tmp, url)
        containers = {default.settings.gallery_page_size: default}
        for size in PAGE_SIZES:
            if size not in containers:  # same database pool, only the page size differs
                containers[size] = bootstrap(
                    settings_for(tmp, url, gallery_page_size=size),
                    engine=default.engine,
                    blobs=default.blobs,
                    db=default.db,
                )
        raw = RawQueries(default.db.engine, postgres)
        try:
            seconds = seed(default.db.engine, postgres)
            user = default.accounts.get(1)
            assert user is not None
            rows = [measure(containers[size], raw, user, page, label) for size in PAGE_SIZES for page in (1, DEEP_PAGE)]
            counts = [time_ms(lambda: raw.count(user.id)) for _ in range(WARM + RUNS)][WARM:]
            total = OWNER_ROWS + OTHER_USERS * OTHER_ROWS
            note = f"{label}: seeded {total:,} images in {seconds:.1f} s ({total / seconds:,.0f} rows/s); raw count(*) for the user, which the service also runs: {spread(counts, 3)} ms"
            return rows, note
        finally:
            raw.close()
            default.db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--postgres", action="store_true", help="require PostgreSQL (default: use it if reachable)")
    group.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()

    admin = postgres_admin_url()
    backends = [("sqlite", "SQLite file (WAL)")]
    if args.sqlite_only:
        pg_note = "PostgreSQL: skipped (--sqlite-only)"
    elif postgres_reachable(admin):
        backends.append(("postgresql", "PostgreSQL"))
        pg_note = f"PostgreSQL: scratch database on {admin.rsplit('@', 1)[-1].rsplit('/', 1)[0]} ({'required' if args.postgres else 'reachable, so included'})"
    elif args.postgres:
        raise SystemExit(f"--postgres given but PostgreSQL is unreachable at {admin}")
    else:
        pg_note = f"PostgreSQL: skipped (unreachable at {admin})"

    print(
        f"Gallery page: user 1 has {OWNER_ROWS:,} images, {OTHER_USERS} other users {OTHER_ROWS} each, interleaved; ids in time order; ANALYZE'd."
    )
    print("Service = GalleryService.page (keyset query for size+1 rows, count(*), signed URLs, DTOs).")
    print(
        "Reference = the same keyset query (LIMIT size+1) in raw SQL on the DBAPI cursor. OFFSET = raw `LIMIT size OFFSET 199·size`."
    )
    print(
        f"{WARM} warm-up runs, then {RUNS} timed, interleaved; ms = median [min–max]. Results checked equal across all three. {pg_note}.\n"
    )
    rows: list[Row] = []
    notes: list[str] = []
    for kind, label in backends:
        found, note = run_backend(kind, label)
        rows += found
        notes.append(note)
    table = [
        (
            r.backend,
            str(r.size),
            str(r.page),
            spread(r.service, 3),
            spread(r.keyset, 3),
            f"{median(r.service) / median(r.keyset):.1f}",
            spread(r.offset, 3) if r.offset else "—",
            f"{median(r.offset) / median(r.keyset):.1f}" if r.offset else "—",
        )
        for r in rows
    ]
    print_table(
        ("backend", "size", "page", "service ms", "raw keyset ms", "service ÷ raw", "raw OFFSET ms", "OFFSET ÷ keyset"),
        table,
    )
    print()
    for note in notes:
        print(note)
    print()
    for r in rows:
        if r.size == PAGE_SIZES[0] and r.page == DEEP_PAGE:
            print(
                f"Headline ({r.backend}, page {r.page} × {r.size}): GalleryService.page {median(r.service):.2f} ms"
                f" = {median(r.service) / median(r.keyset):.1f} × the raw keyset query ({median(r.keyset):.3f} ms, same run)."
            )


if __name__ == "__main__":
    main()
