"""Benchmark: the gallery's filtered pages and its prompt search, at 100,000 prompts, on SQLite and PostgreSQL.

After bench/seed_gallery.py (one user with 10,000 images among 100,000 generations of 101 users):

1. A filtered grid page through GalleryService.grid: a common search word plus two filters (kind and a date
   range), page 1 against page 200 (reached by following next_cursor), as the Gallery page asks for them.
2. The repository's search (ImageRepository.find with only a text filter, first page, the seeded user) against
   the full-text query alone, in raw SQL on the DBAPI cursor, and a LIKE scan of the prompts beside them,
   for a very common, a common and a rare word.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from sqlalchemy import Engine, event  # noqa: E402

from bench.common import (  # noqa: E402
    median,
    migrated_database,
    print_table,
    reachable_backends,
    spread,
    time_ms,
)
from bench.seed_gallery import SeedResult, seed_gallery  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.domain import UserView  # noqa: E402
from core.domain.gallery import GalleryFilter, GalleryQuery  # noqa: E402
from tests.factories import make_container  # noqa: E402

PAGE_SIZE = 24  # the app's default (Settings.gallery_page_size)
DEEP_PAGE = 200
# ~69% of prompts hold a word starting with "light" (light, lighting, lights, lighthouse); with the two
# filters about 5,700 of the user's 10,000 images match: 237 pages of 24.
FILTERED = GalleryFilter(text="light", kinds=("text_to_image",), date_from=date(2026, 1, 1), date_to=date(2026, 11, 28))
TERMS = (("very common", "light"), ("common", "cinematic"), ("rare", "axolotl"))
WARM, RUNS = 2, 15
WORD = re.compile(r"[^\W_]+")  # a word, as core.domain.gallery and both full-text indexes split them


@dataclass
class PageRow:
    page: int
    ms: list[float]
    statements: int


@dataclass
class SearchRow:
    label: str
    term: str
    matches: int  # prompts of all users
    user_images: int  # the seeded user's images that match
    depth: int  # N: the matching prompts a newest-first walk reads to be sure of the page
    find: list[float]
    sql: list[float]  # the repository's own statement, replayed on the raw cursor
    raw_user: list[float]  # the reference: the full-text query for this user's prompts, every match
    raw_n: list[float]
    raw_all: list[float]
    like: list[float]

    @property
    def reference(self) -> list[float]:
        return self.raw_user

    @property
    def floor(self) -> list[float]:
        """The cheaper of the two all-users queries: the least the index alone could need for the page."""
        return min(self.raw_n, self.raw_all, key=median)


class Raw:
    """The DBAPI cursor under the app's engine, in autocommit: no BEGIN/ROLLBACK round trips, the floor."""

    def __init__(self, engine: Engine) -> None:
        self.conn: Any = cast(Any, engine.raw_connection())  # the driver's own connection, untyped
        self.postgres = engine.dialect.name == "postgresql"
        if self.postgres:
            self.conn.driver_connection.autocommit = True
        self.cursor = self.conn.cursor()

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
        self.cursor.execute(sql.replace("?", "%s") if self.postgres else sql, params)
        return list(self.cursor.fetchall())

    def replay(self, statement: str, params: Any) -> list[Any]:
        self.cursor.execute(statement, params)
        return list(self.cursor.fetchall())

    def close(self) -> None:
        self.cursor.close()
        if self.postgres:
            self.conn.driver_connection.autocommit = False
        self.conn.close()


class FullText:
    """The full-text query alone, as each database's index answers it (see migration 0007)."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    def match(self, term: str) -> str:
        return f"{term}:*" if self.raw.postgres else f'"{term}"*'

    def ids(self, term: str, limit: int | None) -> list[Any]:
        """Matching generation ids, newest first where the index can give that order (FTS5 rowids follow
        insertion; a GIN bitmap has no order, so PostgreSQL returns its first `limit` in heap order)."""
        if self.raw.postgres:
            sql = "SELECT id FROM generations WHERE search @@ to_tsquery('simple', ?)"
        else:
            sql = "SELECT generation_id FROM generation_search WHERE generation_search MATCH ? ORDER BY rowid DESC"
        if limit is None:
            return self.raw.rows(sql, (self.match(term),))
        return self.raw.rows(f"{sql} LIMIT ?", (self.match(term), limit))

    def user_ids(self, user_id: int, term: str) -> list[Any]:
        """The full-text query for one user's prompts, every match: the index's answer to the search the page
        asks (SQLite matches the owner token beside the word, PostgreSQL the user's rows)."""
        if self.raw.postgres:
            sql = "SELECT id FROM generations WHERE user_id = ? AND search @@ to_tsquery('simple', ?)"
            return self.raw.rows(sql, (user_id, self.match(term)))
        match = f'owner : "u{user_id}" AND prompt : {self.match(term)}'
        return self.raw.rows("SELECT generation_id FROM generation_search WHERE generation_search MATCH ?", (match,))

    def like(self, term: str) -> list[Any]:
        """The same search without an index: a scan of every prompt (ILIKE on PostgreSQL, whose LIKE is
        case-sensitive; SQLite's LIKE folds ASCII case already)."""
        operator = "ILIKE" if self.raw.postgres else "LIKE"
        return self.raw.rows(f"SELECT id FROM generations WHERE prompt {operator} ?", (f"%{term}%",))

    def depth(self, term: str, oldest_generation: str | None) -> int:
        """How many prompts (of every user) match and are at least as new as the page's oldest job: what a
        newest-first walk over the full-text index must read before it has the page. The whole match list
        when the page is not full (every match must be seen to know there is no other)."""
        if oldest_generation is None:
            return len(self.ids(term, None))
        if self.raw.postgres:
            sql = (
                "SELECT count(*) FROM generations WHERE search @@ to_tsquery('simple', ?)"
                " AND created_at >= (SELECT created_at FROM generations WHERE id = ?)"
            )
        else:
            sql = (
                "SELECT count(*) FROM generation_search WHERE generation_search MATCH ?"
                " AND rowid >= (SELECT rowid FROM generation_search WHERE generation_id = ?)"
            )
        return int(self.raw.rows(sql, (self.match(term), oldest_generation))[0][0])


def captured(engine: Engine, fn: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (with their parameters) one call sends to the cursor, transaction control left out."""
    found: list[tuple[str, Any]] = []

    def listen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            found.append((statement, params))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return found


def interleaved(*fns: Callable[[], object], runs: int = RUNS) -> list[list[float]]:
    """Each function timed `runs` times after WARM untimed runs, taking turns, so all see the same machine."""
    gc.collect()
    times: list[list[float]] = [[] for _ in fns]
    for run in range(WARM + runs):
        for found, fn in zip(times, fns, strict=True):
            ms = time_ms(fn)
            if run >= WARM:
                found.append(ms)
    return times


# --- 1. the filtered grid ------------------------------------------------------------------------------


def walk_to(c: Container, user: UserView, query: GalleryQuery, page: int) -> tuple[int, float]:
    """Page `page`'s cursor, by following next_cursor from page 1 as the pager's Older link does. Each step is
    the repository read behind GalleryService's next_cursor (size + 1 rows, the cursor is the last shown)."""
    size = query.page_size or c.gallery.page_size
    cursor: int | None = None
    start = time.perf_counter()
    with c.db.reader() as uow:
        for _ in range(page - 1):
            rows = uow.images.find(user.id, replace(query, cursor=cursor), limit=size + 1)
            if len(rows) <= size:
                raise SystemExit(f"the filtered gallery ended before page {page}")
            cursor = rows[size - 1].id
    assert cursor is not None
    return cursor, time.perf_counter() - start


def filtered_pages(c: Container, user: UserView) -> tuple[list[PageRow], str]:
    query = GalleryQuery(filter=FILTERED, page_size=PAGE_SIZE)
    cursor, walk_seconds = walk_to(c, user, query, DEEP_PAGE)
    first, deep = c.gallery.grid(user, query), c.gallery.grid(user, replace(query, cursor=cursor))
    with c.db.reader() as uow:
        everything = [i.id for i in uow.images.find(user.id, query)]
    expected = everything[(DEEP_PAGE - 1) * PAGE_SIZE : DEEP_PAGE * PAGE_SIZE]
    if [i.id for i in deep.images.items] != expected or deep.page_number != DEEP_PAGE:
        raise SystemExit(f"page {DEEP_PAGE} is not the {DEEP_PAGE}th slice of the full match list")
    if [i.id for i in first.images.items] != everything[:PAGE_SIZE]:
        raise SystemExit("page 1 is not the start of the full match list")
    pages = -(-len(everything) // PAGE_SIZE)
    note = (
        f"filter: text {FILTERED.text!r} + kind {FILTERED.kinds[0]} + {FILTERED.date_from}..{FILTERED.date_to};"
        f" {len(everything):,} of the user's images match = {pages} pages of {PAGE_SIZE}; walking to page"
        f" {DEEP_PAGE} by next_cursor took {walk_seconds:.1f} s ({DEEP_PAGE - 1} repository reads)"
    )
    grids = [partial(c.gallery.grid, user, query), partial(c.gallery.grid, user, replace(query, cursor=cursor))]
    times = interleaved(*grids)
    rows = [PageRow(page, ms, len(captured(c.db.engine, grid))) for page, ms, grid in zip((1, DEEP_PAGE), times, grids)]
    return rows, note


# --- 2. search over the prompts ------------------------------------------------------------------------


def expected_ids(raw: Raw, user_id: int, term: str) -> list[int]:
    """The user's images whose job's prompt has a word starting with `term`, newest first, worked out in
    Python from the prompts (the check that the index and the repository find what a reader would)."""
    rows = raw.rows(
        "SELECT images.id, generations.prompt FROM images JOIN generations ON generations.id = images.generation_id"
        " WHERE images.user_id = ? ORDER BY images.id DESC",
        (user_id,),
    )
    return [image_id for image_id, prompt in rows if any(w.startswith(term) for w in WORD.findall(prompt.casefold()))]


def search_rows(c: Container, raw: Raw, user: UserView) -> list[SearchRow]:
    fts = FullText(raw)
    found = []
    for label, term in TERMS:
        query = GalleryQuery(filter=GalleryFilter(text=term), page_size=PAGE_SIZE)

        def find(q: GalleryQuery = query) -> list[Any]:
            with c.db.reader() as uow:
                return list(uow.images.find(user.id, q, limit=PAGE_SIZE + 1))

        page = find()
        expected = expected_ids(raw, user.id, term)
        if [i.id for i in page] != expected[: PAGE_SIZE + 1]:
            raise SystemExit(f"the repository's search for {term!r} is not the user's newest matching images")
        full = len(page) > PAGE_SIZE
        depth = fts.depth(term, page[PAGE_SIZE - 1].generation_id if full else None)
        matches = len(fts.ids(term, None))
        (statement, params), *_ = captured(c.db.engine, find)
        times = interleaved(
            find,
            partial(raw.replay, statement, params),
            partial(fts.user_ids, user.id, term),
            partial(fts.ids, term, depth),
            partial(fts.ids, term, None),
            partial(fts.like, term),
        )
        found.append(SearchRow(label, term, matches, len(expected), depth, *times))
    return found


# --- running and reporting -----------------------------------------------------------------------------


def run_backend(kind: str) -> tuple[list[PageRow], str, list[SearchRow], SeedResult]:
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        seeded = seed_gallery(url, Path(name))
        c = make_container(Path(name), url)
        raw = Raw(c.db.engine)
        try:
            user = c.accounts.get(seeded.user_id)
            assert user is not None
            pages, note = filtered_pages(c, user)
            searches = search_rows(c, raw, user)
        finally:
            raw.close()
            c.db.engine.dispose()
    return pages, note, searches, seeded


def ratio(a: list[float], b: list[float]) -> str:
    return f"{median(a) / median(b):.2f}×"


def report(label: str, pages: list[PageRow], note: str, searches: list[SearchRow], seeded: SeedResult) -> None:
    print(f"\n=== {label}: {seeded.report()}")
    print(f"\n1. Filtered grid, GalleryService.grid(user, query); {note}.")
    print_table(
        ("page", "grid ms", "÷ page 1", "SQL statements"),
        [(str(p.page), spread(p.ms), ratio(p.ms, pages[0].ms), str(p.statements)) for p in pages],
    )
    print(
        f"\n2. Search, first page ({PAGE_SIZE} + 1 rows): repository = a reader UoW + ImageRepository.find with a"
        " text-only filter. raw FTS = the full-text query alone for the user's prompts, every match (the"
        " reference); all users (N) = over every user's prompts, newest first, LIMIT N; all users = every"
        " match of every user; LIKE = a scan of all prompts for '%word%'."
    )
    print_table(
        (
            "term",
            "prompts matching",
            "user's images",
            "N",
            "repository ms",
            "its SQL raw ms",
            "raw FTS ms",
            "repo ÷ raw FTS",
            "all users (N) ms",
            "all users ms",
            "repo ÷ fastest all-users",
            "LIKE scan ms",
        ),
        [
            (
                f"{r.label}: {r.term}",
                f"{r.matches:,} ({r.matches / seeded.generations:.1%})",
                f"{r.user_images:,}",
                f"{r.depth:,}",
                spread(r.find),
                spread(r.sql),
                spread(r.raw_user, 3),
                ratio(r.find, r.reference),
                spread(r.raw_n, 3),
                spread(r.raw_all),
                ratio(r.find, r.floor),
                spread(r.like),
            )
            for r in searches
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(__doc__)
    print(
        f"ms = median [min–max] of {RUNS} runs after {WARM} warm-up, interleaved. Reference for the search: the"
        " raw full-text query alone on the DBAPI cursor (autocommit) for the user's prompts, every match: what"
        " the index answers to the search the page asks. Beside it, two all-users references: LIMIT N, where N"
        " is how many matching prompts of all users are at least as new as the page's oldest job (the index"
        " work a plan walking every user's matches newest first cannot avoid), and every match of every user."
    )
    for kind in reachable_backends(kinds):
        pages, note, searches, seeded = run_backend(kind)
        report("SQLite file (WAL)" if kind == "sqlite" else "PostgreSQL", pages, note, searches, seeded)
        deep = pages[-1]
        print(
            f"\nHeadline: page {DEEP_PAGE} = {median(deep.ms):.1f} ms, {median(deep.ms) / median(pages[0].ms):.2f}×"
            f" page 1 ({median(pages[0].ms):.1f} ms; target ≤ 1.2×). Search, repository ÷ raw FTS: "
            + ", ".join(f"{r.term} {median(r.find) / median(r.reference):.1f}×" for r in searches)
            + " (target ≤ 2×)."
        )


if __name__ == "__main__":
    main()
