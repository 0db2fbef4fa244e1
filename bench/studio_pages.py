"""Benchmark: the studio pages' reads (credit statement, Generate's results feed, gallery grid) and image ingest.

One user with 2,000 finished generation jobs among 20 users. Each job asked for 3 images and got
2, so it has all three ledger rows the app writes for a job (a hold, a capture and a release)
and 2 image rows. Each service call is timed against a reference measured in the same run: raw
SQL on the DBAPI cursor for the database reads, the bare Pillow operation for ingest. A third
figure replays the service's own SQL statements (captured from one call) on the same cursor, so
the gap between the service and its SQL is the Python side (ORM, read models, signed URLs).
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from PIL import Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402
from sqlalchemy import Engine, event, insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.common import (  # noqa: E402
    finish_seeding,
    median,
    migrated_database,
    ms_since,
    print_table,
    reachable_backends,
    spread,
    time_ms,
)
from core.bootstrap import Container  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.domain.gallery import GalleryQuery  # noqa: E402
from core.image_previews import PREVIEW_SIDE, THUMBNAIL_SIDE  # noqa: E402
from core.images import clean_engine_output  # noqa: E402
from core.text import plural  # noqa: E402
from tests.factories import make_container  # noqa: E402

USERS = 20
OWNER = 1
OWNER_JOBS = 2_000
OTHER_JOBS = 150  # per other user
ASKED, DELIVERED, PRICE = 3, 2, 1  # images asked for and delivered per job; credits per image
BATCH = 5_000
FEED_SIZE = 8  # pages/components/results_feed.py
DEEP_PAGE = 150  # of the owner's 167 gallery pages at 24 a page
WARM, RUNS = 3, 30
INGEST_WARM, INGEST_RUNS = 2, 15
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SHAPES = {"1:1": (1024, 1024), "16:9": (1344, 768), "9:16": (768, 1344), "4:3": (1152, 896)}
WORDS = (
    (
        "a quiet harbour at dawn, fishing boats, soft mist over the water, gulls, watercolour, muted blues and "
        "warm ochre light, a lighthouse on the cliff, long shadows, film grain, portrait of an old sailor "
        "mending nets, studio lighting, 35mm, cinematic, mountains, snow, a red fox in tall grass, isometric city"
    )
    .replace(",", "")
    .split()
)


# --- seeding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    id: str
    user_id: int
    start: datetime
    finish: datetime
    shape: str
    seed: int
    prompt: str


def make_jobs(rng: random.Random) -> list[Job]:
    """Every user's jobs on one timeline, ~25 s apart, each running 12–40 s, so jobs overlap."""
    owners = [OWNER] * OWNER_JOBS + [u for u in range(1, USERS + 1) if u != OWNER for _ in range(OTHER_JOBS)]
    rng.shuffle(owners)
    jobs, at = [], T0 + timedelta(hours=2)
    for user_id in owners:
        at += timedelta(seconds=rng.uniform(5, 45))
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
        jobs.append(
            Job(
                id=f"{rng.getrandbits(128):032x}",
                user_id=user_id,
                start=at,
                finish=at + timedelta(seconds=rng.uniform(12, 40)),
                shape=rng.choice(list(SHAPES)),
                seed=rng.randrange(2**31),
                prompt=prompt[:1].upper() + prompt[1:],
            )
        )
    return jobs


def seed(engine: Engine, postgres: bool) -> tuple[float, dict[str, int]]:
    """Rows as GenerationService._create, JobRunner._finish_with_images and core/services/ledger.py write them."""
    start_ns = time.perf_counter_ns()
    rng = random.Random(20260105)
    jobs = make_jobs(rng)
    tables = SQLModel.metadata.tables
    grants = {u: 20 + (5_000 if u == OWNER else 500) for u in range(1, USERS + 1)}
    users = [
        {
            "id": u,
            "issuer": "local",
            "subject": f"user{u}@example.com",
            "email": f"user{u}@example.com",
            "email_verified": True,
            "display_name": "",
            "provider_name": f"User {u}",
            "role": "admin" if u == USERS else "user",
            "balance": grants[u] - sum((PRICE * DELIVERED) for j in jobs if j.user_id == u),
            "session_version": 0,
            "created_at": T0,
        }
        for u in range(1, USERS + 1)
    ]
    # Ledger events in time order, so ids follow time and one job's rows interleave with others'.
    events: list[tuple[datetime, int, dict[str, object]]] = []
    for u in range(1, USERS + 1):
        events.append(
            (T0 + timedelta(seconds=u), 0, _entry(u, 20, "grant", "Starter credits", "", f"user:{u}:starter"))
        )
        amount = grants[u] - 20
        entry = _entry(u, amount, "adjustment", "Beta top-up", "by an admin", f"adjust:{u:032x}", actor_id=USERS)
        events.append((T0 + timedelta(hours=1, seconds=u), 0, entry))
    generations, images = [], []
    cost, charged = ASKED * PRICE, DELIVERED * PRICE
    for job in jobs:
        reference = f"generation {job.id[:8]}"
        events.append(
            (job.start, 0, _entry(job.user_id, -cost, "hold", f"Hold for {plural(ASKED, 'image')}", reference, job.id))
        )
        capture = f"Charged {plural(charged, 'credit')} from the hold (no further change)"
        events.append((job.finish, 1, _entry(job.user_id, 0, "capture", capture, reference, job.id)))
        release = f"Released for {plural(ASKED - DELIVERED, 'undelivered image')}"
        events.append((job.finish, 2, _entry(job.user_id, cost - charged, "release", release, reference, job.id)))
        generations.append(
            {
                "id": job.id,
                "user_id": job.user_id,
                "kind": "text_to_image",
                "status": "succeeded",
                "prompt": job.prompt,
                "model": "offline-draw",
                "aspect_ratio": job.shape,
                "seed": job.seed,
                "num_images": ASKED,
                "output_format": "png",
                "parent_image_id": None,
                "cost": cost,
                "charged": charged,
                "provider_request_id": f"offline-{job.id}",
                "send_attempts": 1,
                "queue_position": None,
                "progress": 1.0,
                "status_message": (
                    f"The engine delivered {DELIVERED} of {ASKED} images; you were charged only for those."
                ),
                "lease_owner": None,
                "lease_until": None,
                "created_at": job.start,
                "updated_at": job.finish,
                "finished_at": job.finish,
            }
        )
    for job in sorted(jobs, key=lambda j: j.finish):  # images are added when the job finishes
        width, height = SHAPES[job.shape]
        for position in range(DELIVERED):
            public_id = f"{rng.getrandbits(128):032x}"
            stem = f"u{job.user_id}/{public_id}"
            images.append(
                {
                    "id": len(images) + 1,
                    "public_id": public_id,
                    "user_id": job.user_id,
                    "generation_id": job.id,
                    "position": position,
                    "source": "generated",
                    "blob_key": f"{stem}.png",
                    "thumb_key": f"{stem}.thumb.webp",
                    "preview_key": f"{stem}.preview.webp",
                    "seed": job.seed + position,
                    "content_type": "image/png",
                    "width": width,
                    "height": height,
                    "size_bytes": rng.randint(900_000, 1_900_000),
                    "created_at": job.finish,
                }
            )
    events.sort(key=lambda e: (e[0], e[1]))
    ledger = [{**row, "id": n, "created_at": at} for n, (at, _, row) in enumerate(events, start=1)]
    for table, rows in (("users", users), ("generations", generations), ("images", images), ("ledger_entries", ledger)):
        for first in range(0, len(rows), BATCH):
            with engine.begin() as conn:
                conn.execute(insert(tables[table]), rows[first : first + BATCH])
    finish_seeding(engine, ("users", "images", "ledger_entries"))
    counts = {"generations": len(generations), "images": len(images), "ledger": len(ledger)}
    return ms_since(start_ns) / 1000, counts


def _entry(
    user_id: int, delta: int, kind: str, reason: str, reference: str, key: str, actor_id: int | None = None
) -> dict[str, object]:
    """A ledger row; a job's key is "gen:<generation id>:<kind>" (core/services/ledger.py)."""
    job_kind = kind in ("hold", "capture", "release")
    return {
        "user_id": user_id,
        "delta": delta,
        "kind": kind,
        "reason": reason,
        "reference": reference,
        "idempotency_key": f"gen:{key}:{kind}" if job_kind else key,
        "actor_id": actor_id,
    }


# --- measuring -------------------------------------------------------------------------------------


@dataclass
class Result:
    what: str
    reference: str
    service: list[float]
    raw: list[float]
    replay: list[float]
    statements: int


class Raw:
    """The DBAPI cursor under the app's engine, in autocommit: no BEGIN/ROLLBACK round trips, the floor."""

    def __init__(self, engine: Engine, postgres: bool) -> None:
        self.conn: Any = engine.raw_connection()
        self.postgres = postgres
        if postgres:
            self.conn.driver_connection.autocommit = True
        self.p = "%s" if postgres else "?"
        self.cursor = self.conn.cursor()

    def rows(self, sql: str, params: Sequence[object] | dict[str, object] = ()) -> list[Any]:
        self.cursor.execute(sql, params)
        return list(self.cursor.fetchall())

    def replay(self, statements: list[tuple[str, Any]]) -> None:
        for sql, params in statements:
            self.cursor.execute(sql, params)
            if self.cursor.description is not None:
                self.cursor.fetchall()

    def close(self) -> None:
        self.cursor.close()
        if self.postgres:
            self.conn.driver_connection.autocommit = False
        self.conn.close()


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) that reach the cursor, except transaction control."""
    found: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def measure(
    engine: Engine, raw: Raw, what: str, reference: str, service: Callable[[], object], ref: Callable[[], object]
) -> Result:
    with captured(engine) as statements:
        service()
    replay = list(statements)
    result = Result(what, reference, [], [], [], len(replay))
    gc.collect()
    for run in range(WARM + RUNS):  # interleaved, so all three see the same machine
        s = time_ms(service)
        r = time_ms(ref)
        q = time_ms(lambda: raw.replay(replay))
        if run >= WARM:
            result.service.append(s)
            result.raw.append(r)
            result.replay.append(q)
    return result


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"check failed: {message}")


def run_backend(kind: str) -> tuple[list[Result], str]:
    postgres = kind == "postgresql"
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        c = make_container(Path(name), url, clock=lambda: T0 + timedelta(days=3))
        seconds, counts = seed(c.db.engine, postgres)
        raw = Raw(c.db.engine, postgres)
        try:
            user = c.accounts.get(OWNER)
            assert user is not None
            results = statement_results(c, raw, user) + feed_results(c, raw, user) + grid_results(c, raw, user)
        finally:
            raw.close()
            c.db.engine.dispose()
    note = (
        f"seeded {counts['generations']:,} jobs, {counts['images']:,} images, {counts['ledger']:,} ledger rows"
        f" for {USERS} users in {seconds:.1f} s"
    )
    return results, note


def statement_results(c: Container, raw: Raw, user: UserView) -> list[Result]:
    service = c.credits
    columns = ", ".join(col.name for col in SQLModel.metadata.tables["ledger_entries"].columns)
    first_sql = f"SELECT {columns} FROM ledger_entries WHERE user_id = {raw.p} ORDER BY id DESC LIMIT {raw.p}"
    keyset_sql = (
        f"SELECT {columns} FROM ledger_entries WHERE user_id = {raw.p} AND id < {raw.p} ORDER BY id DESC LIMIT {raw.p}"
    )
    first = service.statement(user)
    check(first.items[0].balance_after == user.balance, "the statement's top line is the balance")
    before, page, cursors = first.next_cursor, 1, [None]
    while before is not None:  # the Credits page's "older" button, to the end
        cursors.append(before)
        before, page = service.statement(user, before).next_cursor, page + 1
    last_cursor = cursors[-1]
    last = service.statement(user, last_cursor)
    check(last.items[-1].balance_after == 20, "the statement's oldest line leaves the starter credits")
    results = []
    for label, cursor, found in (("page 1", None, first), (f"last page ({page})", last_cursor, last)):
        # The raw ledger rows behind the page's lines (and the one extra line the service asks for).
        lines = len(found.items) + (1 if found.next_cursor is not None else 0)
        rows = sum(3 if item.generation_id else 1 for item in found.items) + (3 if found.next_cursor else 0)
        if cursor is None:
            ref = lambda n=rows: raw.rows(first_sql, (OWNER, n))  # noqa: E731
        else:
            ref = lambda n=rows, cur=cursor: raw.rows(keyset_sql, (OWNER, cur, n))  # noqa: E731
        results.append(
            measure(
                c.db.engine,
                raw,
                f"CreditService.statement, {label}: {lines} lines",
                f"keyset of {rows} ledger rows",
                lambda cur=cursor: service.statement(user, cur),
                ref,
            )
        )
    return results


def feed_results(c: Container, raw: Raw, user: UserView) -> list[Result]:
    p = raw.p
    image_columns = ", ".join(col.name for col in SQLModel.metadata.tables["images"].columns)
    jobs_sql = f"SELECT * FROM generations WHERE user_id = {p} ORDER BY created_at DESC, id DESC LIMIT {p}"
    images_sql = (
        f"SELECT {image_columns} FROM images WHERE generation_id IN ({', '.join([p] * FEED_SIZE)})"
        " ORDER BY generation_id, position"
    )

    def two_selects() -> list[Any]:
        ids = [row[0] for row in raw.rows(jobs_sql, (OWNER, FEED_SIZE))]
        return raw.rows(images_sql, ids)

    feed = c.generation.recent(user, FEED_SIZE)
    check(
        len(feed) == FEED_SIZE and all(len(job.images) == DELIVERED for job in feed),
        f"{FEED_SIZE} jobs with 2 images each",
    )
    check(
        sorted(i.id for job in feed for i in job.images) == sorted(r[0] for r in two_selects()),
        "the feed's images are the raw selects' images",
    )
    return [
        measure(
            c.db.engine,
            raw,
            f"GenerationService.recent(user, {FEED_SIZE}): {FEED_SIZE} jobs, {FEED_SIZE * DELIVERED} images",
            "2 selects: jobs, their images",
            lambda: c.generation.recent(user, FEED_SIZE),
            two_selects,
        )
    ]


def grid_results(c: Container, raw: Raw, user: UserView) -> list[Result]:
    gallery = c.gallery
    size = gallery.page_size
    columns = ", ".join(col.name for col in SQLModel.metadata.tables["images"].columns)
    first_sql = f"SELECT {columns} FROM images WHERE user_id = {raw.p} ORDER BY id DESC LIMIT {raw.p}"
    keyset_sql = f"SELECT {columns} FROM images WHERE user_id = {raw.p} AND id < {raw.p} ORDER BY id DESC LIMIT {raw.p}"
    before: int | None = None
    for _ in range(DEEP_PAGE - 1):  # the pager's "older" link, page by page
        before = gallery.grid(user, GalleryQuery(cursor=before)).images.next_cursor
        check(before is not None, f"the gallery has {DEEP_PAGE} pages")
    results = []
    for label, cursor in (("page 1", None), (f"page {DEEP_PAGE}", before)):
        if cursor is None:
            ref = lambda: raw.rows(first_sql, (OWNER, size + 1))  # noqa: E731
        else:
            ref = lambda cur=cursor: raw.rows(keyset_sql, (OWNER, cur, size + 1))  # noqa: E731
        grid = gallery.grid(user, GalleryQuery(cursor=cursor))
        check(
            [i.id for i in grid.images.items] == [r[0] for r in ref()][:size],
            f"grid {label} shows the raw keyset's images",
        )
        check(cursor is None or grid.page_number == DEEP_PAGE, "the grid knows its page number")
        results.append(
            measure(
                c.db.engine,
                raw,
                f"GalleryService.grid, {label} of {size}",
                f"keyset of {size + 1} images",
                lambda cur=cursor: gallery.grid(user, GalleryQuery(cursor=cur)),
                ref,
            )
        )
    return results


# --- image ingest ----------------------------------------------------------------------------------


def noisy_image(width: int, height: int, rng: random.Random) -> Image.Image:
    """Gradients, soft blobs, hard shapes, mid-frequency texture and fine Gaussian noise (σ≈3), seeded."""
    gradients = [
        Image.linear_gradient("L").resize((width, height)),
        Image.radial_gradient("L").resize((width, height)),
        Image.linear_gradient("L").rotate(90).resize((width, height)),
    ]
    picture = Image.merge("RGB", gradients)
    blobs = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(blobs)
    for _ in range(10):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    picture = Image.blend(picture, blobs.filter(ImageFilter.GaussianBlur(40)), 0.5)
    draw = ImageDraw.Draw(picture)
    for _ in range(5):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300))
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    texture = Image.frombytes("RGB", (64, 64), rng.randbytes(64 * 64 * 3)).resize((width, height), Image.BICUBIC)
    picture = Image.blend(picture, texture, 0.15)
    # Gaussian noise from uniform bytes through the normal's quantiles: deterministic and fast.
    normal = statistics.NormalDist(128, 3)
    table = bytes(min(255, max(0, round(normal.inv_cdf((i + 0.5) / 256)))) for i in range(256))
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3).translate(table))
    return ImageChops.add(picture, noise, scale=1.0, offset=-128)


@dataclass
class IngestResult:
    what: str
    size: int
    clean: list[float]
    reference: list[float]
    preview_step: list[float]
    preview_bytes: int
    thumb_bytes: int
    clean_bytes: int


def thumbnail_only(data: bytes) -> bytes:
    """What ingest cost before the preview, as bare Pillow: decode, 256 px thumbnail, WebP q80 method 4."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), reducing_gap=1.0)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue()


def preview_only(decoded: Image.Image) -> bytes:
    """The preview step alone, on already decoded pixels: 768 px thumbnail, WebP q80 method 4."""
    image = decoded.copy()
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), reducing_gap=1.0)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue()


def ingest_results() -> list[IngestResult]:
    rng = random.Random(768)
    cases = []
    for what, fmt, (width, height), options in (
        ("1024×1024 PNG", "PNG", (1024, 1024), {"compress_level": 6}),
        ("1344×576 JPEG q90", "JPEG", (1344, 576), {"quality": 90}),
    ):
        buffer = io.BytesIO()
        noisy_image(width, height, rng).save(buffer, fmt, **options)
        cases.append((what, buffer.getvalue()))
    results = []
    for what, data in cases:
        clean = clean_engine_output(data)
        check(max(Image.open(io.BytesIO(clean.preview)).size) == PREVIEW_SIDE, "the preview is 768 px on its side")
        check(max(Image.open(io.BytesIO(clean.thumbnail)).size) == THUMBNAIL_SIDE, "the thumbnail is 256 px")
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        result = IngestResult(what, len(data), [], [], [], len(clean.preview), len(clean.thumbnail), len(clean.data))
        gc.collect()
        for run in range(INGEST_WARM + INGEST_RUNS):
            a = time_ms(lambda d=data: clean_engine_output(d))
            b = time_ms(lambda d=data: thumbnail_only(d))
            p = time_ms(lambda i=decoded: preview_only(i))
            if run >= INGEST_WARM:
                result.clean.append(a)
                result.reference.append(b)
                result.preview_step.append(p)
        results.append(result)
    return results


# --- report ----------------------------------------------------------------------------------------


def ratio(a: list[float], b: list[float]) -> str:
    return f"{median(a) / median(b):.1f}×"


def print_db_table(label: str, results: list[Result], note: str) -> None:
    print(f"\n{label} ({note}); ms = median [min–max] of {RUNS} runs after {WARM} warm-up, interleaved")
    print_table(
        ("what", "service ms", "reference", "raw ms", "service ÷ raw", "its SQL raw ms", "SQL ÷ raw", "stmts"),
        [
            (
                r.what,
                spread(r.service),
                r.reference,
                spread(r.raw, 3),
                ratio(r.service, r.raw),
                spread(r.replay, 3),
                ratio(r.replay, r.raw),
                str(r.statements),
            )
            for r in results
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--skip-ingest", action="store_true", help="only the database reads")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"Studio pages: user {OWNER} has {OWNER_JOBS:,} finished jobs (each asked for {ASKED} images and got"
        f" {DELIVERED}, so it has a hold, a capture and a release), {USERS - 1} other users {OTHER_JOBS} jobs each,"
        " interleaved in time; ids follow time."
    )
    print(
        "raw = the reference in raw SQL on the DBAPI cursor (autocommit); its SQL raw = the statements one service"
        " call sent, captured and replayed on that cursor (no BEGIN/ROLLBACK); stmts = how many."
    )
    for kind in reachable_backends(kinds):
        results, note = run_backend(kind)
        print_db_table("SQLite file (WAL)" if kind == "sqlite" else "PostgreSQL", results, note)
    if args.skip_ingest:
        return
    ingest = ingest_results()
    print(
        f"\nImage ingest (no database): core.images.clean_engine_output, which now makes a {PREVIEW_SIDE} px WebP"
        f" preview and the {THUMBNAIL_SIDE} px thumbnail, against bare Pillow decoding the same bytes and encoding"
        f" only the {THUMBNAIL_SIDE} px WebP thumbnail (q80, method 4; what ingest cost before the preview)."
        f" The preview step = bare Pillow {PREVIEW_SIDE} px thumbnail + WebP of already decoded pixels."
        f" ms = median [min–max] of {INGEST_RUNS} runs after {INGEST_WARM} warm-up."
    )
    print_table(
        (
            "source",
            "bytes",
            "clean_engine_output ms",
            "decode + thumb ms",
            "÷ ref",
            "preview step ms",
            "preview bytes",
            "thumb bytes",
            "clean copy bytes",
        ),
        [
            (
                r.what,
                f"{r.size:,}",
                spread(r.clean, 1),
                spread(r.reference, 1),
                ratio(r.clean, r.reference),
                spread(r.preview_step, 1),
                f"{r.preview_bytes:,}",
                f"{r.thumb_bytes:,}",
                f"{r.clean_bytes:,}",
            )
            for r in ingest
        ],
    )


if __name__ == "__main__":
    main()
