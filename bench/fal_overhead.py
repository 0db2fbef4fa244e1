"""Benchmark: the platform's overhead per fal.ai job, from submit to stored and visible, against a raw fal-client round trip.

Both sides run in this process against the local fake fal queue (tests/fal_server.py) at zero latency: a job
is COMPLETED at its first status poll, and its one 1024×1024 PNG is served as a URL by the same server.
Platform: GenerationService.submit → GenerationService.poll until the job has succeeded → GalleryService.page
shows its image (the hold, the runner, fal-client submit/status/result over HTTP, the download, cleaning and
storing the image with its preview and thumbnail, the capture, the reads). Reference: fal_client.SyncClient
submit → status until Completed → result → httpx download of the same bytes, interleaved with the jobs.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import fal_client  # noqa: E402
import fal_client.client  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402

import core.services.jobs as jobs_module  # noqa: E402
import tests.fal_server as fal_server_module  # noqa: E402
from bench.common import (  # noqa: E402
    median,
    migrated_database,
    ms_since,
    postgres_admin_url,
    postgres_reachable,
    print_table,
    spread,
    time_ms,
)
from core.bootstrap import Container  # noqa: E402
from core.clock import utc_now  # noqa: E402
from core.domain import JobStatus, UserView  # noqa: E402
from core.images import clean_engine_output  # noqa: E402
from tests.ci import in_ci  # noqa: E402
from tests.factories import settle, sign_up  # noqa: E402
from tests.fal_server import FalServer, Scenario, render_image  # noqa: E402
from tests.fal_support import FAL_KEY, fal_container, fal_form  # noqa: E402

MODEL = "kontext-pro"
SIZE = (1024, 1024)
MAX_POLLS = 20  # a zero-latency job is COMPLETED at its first status poll; this only stops a runaway loop
ZERO_LATENCY = Scenario(queue_positions=[], progress_logs=[], size=SIZE, content="png")


@contextmanager
def rendered_once(enabled: bool) -> Iterator[None]:
    """The fake server renders each job's PNG with Pillow at its first result fetch (~17 ms of CPU in this
    process, on both sides); fal's CDN only serves bytes. Memoised here (same bytes) unless --render-per-job."""
    if not enabled:
        yield
        return
    original = fal_server_module.render_image
    fal_server_module.render_image = functools.lru_cache(maxsize=None)(original)
    try:
        yield
    finally:
        fal_server_module.render_image = original


def p90(values: Sequence[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


class Stopwatch:
    """Time spent inside wrapped callables (and SQL on the cursor), summed per name until taken, with call counts."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._sql_start = 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] += ms_since(start)
                self.calls[name] += 1

        return timed

    def before_sql(self, *_: object) -> None:
        self._sql_start = time.perf_counter_ns()

    def after_sql(self, *_: object) -> None:
        self.spent["sql"] += ms_since(self._sql_start)
        self.calls["sql"] += 1

    def take(self) -> tuple[dict[str, float], dict[str, int]]:
        taken = dict(self.spent), dict(self.calls)
        self.spent.clear()
        self.calls.clear()
        return taken


ENGINE_CALLS = ("submit", "status", "result", "_download")


@contextmanager
def watched(c: Container, watch: Stopwatch) -> Iterator[None]:
    """Timed in place, in this process only (the app's code is unchanged): the engine's calls, the runner's
    store_outputs, every SQL statement on the cursor, and the dialect's commits and rollbacks. Each wrapper or
    listener costs a microsecond or two a call, about 0.1 ms a job."""
    engine: Any = c.engine
    dialect: Any = c.db.engine.dialect
    assert c.generation.runner.engine is engine
    for name in ENGINE_CALLS:
        setattr(engine, name, watch.wrap(name, getattr(engine, name)))
    for name in ("do_commit", "do_rollback"):
        setattr(dialect, name, watch.wrap(name, getattr(dialect, name)))
    original = jobs_module.store_outputs
    jobs_module.store_outputs = watch.wrap("store_outputs", original)
    event.listen(c.db.engine, "before_cursor_execute", watch.before_sql)
    event.listen(c.db.engine, "after_cursor_execute", watch.after_sql)
    try:
        yield
    finally:
        event.remove(c.db.engine, "after_cursor_execute", watch.after_sql)
        event.remove(c.db.engine, "before_cursor_execute", watch.before_sql)
        jobs_module.store_outputs = original
        for name in ("do_commit", "do_rollback"):
            delattr(dialect, name)
        for name in ENGINE_CALLS:
            delattr(engine, name)


@dataclass
class Samples:
    platform: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    clean: list[float] = field(default_factory=list)  # clean_engine_output on the served bytes, standalone
    parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # per platform job
    calls: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # per platform job
    ref_parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # per reference job
    polls: list[int] = field(default_factory=list)


class Reference:
    """The raw round trip: fal-client's own calls as our engine makes them, then the download with httpx."""

    def __init__(self, server: FalServer, endpoint: str, arguments: object) -> None:
        fal_client.client.QUEUE_URL_FORMAT = server.queue_url  # as FalImageEngine sets it when built
        self.client = fal_client.SyncClient(key=FAL_KEY)
        self.http = httpx.Client(follow_redirects=False, trust_env=False)
        self.endpoint, self.arguments = endpoint, arguments

    def job(self) -> tuple[float, dict[str, float], bytes]:
        parts: dict[str, float] = {}
        start = time.perf_counter_ns()
        handle = self.client.submit(self.endpoint, self.arguments, headers={"X-Fal-Store-IO": "0"})
        parts["submit"] = ms_since(start)
        mark = time.perf_counter_ns()
        for _ in range(MAX_POLLS):
            if isinstance(self.client.status(self.endpoint, handle.request_id, with_logs=True), fal_client.Completed):
                break
        else:
            raise SystemExit(f"reference job {handle.request_id} never completed")
        parts["status"] = ms_since(mark)
        mark = time.perf_counter_ns()
        body: Any = self.client.result(self.endpoint, handle.request_id)
        parts["result"] = ms_since(mark)
        mark = time.perf_counter_ns()
        data = self.http.get(body["images"][0]["url"]).content
        parts["download"] = ms_since(mark)
        return ms_since(start), parts, data

    def close(self) -> None:
        self.http.close()
        self.client._client.close()


def platform_job(c: Container, user: UserView, watch: Stopwatch) -> tuple[float, dict[str, float], dict[str, int], int]:
    """Submit → poll until succeeded → the gallery's first page shows the image; the clock stops after that read.
    The parts (from `watch`) cover submit and the polls; the gallery read is timed as one part of its own."""
    start = time.perf_counter_ns()
    view = c.generation.submit(user, fal_form(MODEL), c.generation.new_token())
    polls = 0
    while view.status.in_flight and polls < MAX_POLLS:
        view = settle(c, user, view.id)
        polls += 1
    parts, calls = watch.take()
    mark = time.perf_counter_ns()
    page = c.gallery.page(user)
    visible = ms_since(mark)
    elapsed = ms_since(start)
    watch.take()
    parts["gallery.page"] = visible
    if view.status != JobStatus.SUCCEEDED or len(view.images) != 1:
        raise SystemExit(f"job {view.id} ended {view.status} with {len(view.images)} images: {view.status_message}")
    image = view.images[0]
    if not page.items or page.items[0].id != image.id or (image.width, image.height) != SIZE:
        raise SystemExit(f"job {view.id}: its {SIZE[0]}×{SIZE[1]} image is not first in the gallery")
    return elapsed, parts, calls, polls


def run_backend(kind: str, server: FalServer, warm: int, jobs: int) -> tuple[Samples, int]:
    server.reset()
    server.set_default(ZERO_LATENCY)
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        c = fal_container(Path(name), url, server, utc_now, starter_credits=100_000)
        watch = Stopwatch()
        reference = None
        try:
            user = sign_up(c, "bench@example.com")
            with watched(c, watch):
                platform_job(c, user, watch)  # the first job tells the reference what the engine sends
                [sent] = server.submits()
                endpoint = sent.path.removeprefix("/queue/")
                reference = Reference(server, endpoint, sent.json)
                _, _, served = reference.job()
                if served != render_image(0, SIZE, "png").data:
                    raise SystemExit("the reference downloaded other bytes than the server renders")
                for _ in range(warm - 1):  # imports, codecs, connection pools, statement caches
                    platform_job(c, user, watch)
                    reference.job()
                    clean_engine_output(served)
                samples = Samples()
                for n in range(jobs):
                    if n % 2:  # alternate the order so neither side always runs on a warmer cache
                        total, parts, calls, polls = platform_job(c, user, watch)
                        ref, ref_parts, _ = reference.job()
                    else:
                        ref, ref_parts, _ = reference.job()
                        total, parts, calls, polls = platform_job(c, user, watch)
                    samples.platform.append(total)
                    samples.reference.append(ref)
                    samples.polls.append(polls)
                    samples.clean.append(time_ms(lambda: clean_engine_output(served)))
                    for key in (*ENGINE_CALLS, "store_outputs", "sql", "do_commit", "do_rollback", "gallery.page"):
                        samples.parts[key].append(parts.get(key, 0.0))
                    for key in ("sql", "do_commit", "do_rollback"):
                        samples.calls[key].append(calls.get(key, 0))
                    for key, value in ref_parts.items():
                        samples.ref_parts[key].append(value)
            return samples, len(served)
        finally:
            if reference is not None:
                reference.close()
            c.db.engine.dispose()


def platform_breakdown(s: Samples) -> list[tuple[str, list[float]]]:
    """Per-job parts of the platform figure. 'The rest' is what neither the engine nor store_outputs nor the
    gallery read took: the services and the runner around them, split into SQL, commit/rollback and Python."""
    part = s.parts
    result_http = [r - d for r, d in zip(part["result"], part["_download"])]
    seen = [
        sum(values)
        for values in zip(part["submit"], part["status"], part["result"], part["store_outputs"], part["gallery.page"])
    ]
    rest = [t - w for t, w in zip(s.platform, seen)]
    ends = [c + r for c, r in zip(part["do_commit"], part["do_rollback"])]
    python = [r - q - e for r, q, e in zip(rest, part["sql"], ends)]
    statements, commits, rollbacks = (median(s.calls[key]) for key in ("sql", "do_commit", "do_rollback"))
    return [
        ("engine.submit: fal-client POST (+ building the arguments)", part["submit"]),
        ("engine.status: fal-client GET …/status", part["status"]),
        ("engine.result: fal-client GET of the result", result_http),
        ("engine download: httpx GET of the PNG", part["_download"]),
        ("store_outputs: clean, store original + preview + thumbnail", part["store_outputs"]),
        ("   clean_engine_output alone, same bytes (timed apart)", s.clean),
        ("gallery.page: the 'visible' read", part["gallery.page"]),
        ("the rest: services and runner (hold, leases, states, capture)", rest),
        (f"   SQL on the cursor ({statements:.0f} statements, BEGINs sent as SQL included)", part["sql"]),
        (f"   {commits:.0f} commits + {rollbacks:.0f} rollbacks (pool resets of reads)", ends),
        ("   Python: ORM, services, views (what is left)", python),
    ]


def report(title: str, s: Samples, served: int) -> None:
    print(f"\n{title}")
    ratio_median = median(s.platform) / median(s.reference)
    ratio_p90 = p90(s.platform) / p90(s.reference)
    per_job = [p / r for p, r in zip(s.platform, s.reference)]
    print_table(
        ("what", "jobs", "median ms", "p90 ms", "ms = median [min–max]"),
        [
            (
                "platform: submit → stored and visible",
                str(len(s.platform)),
                f"{median(s.platform):.1f}",
                f"{p90(s.platform):.1f}",
                spread(s.platform, 1),
            ),
            (
                "reference: raw fal-client round trip + download",
                str(len(s.reference)),
                f"{median(s.reference):.1f}",
                f"{p90(s.reference):.1f}",
                spread(s.reference, 1),
            ),
            (
                "platform ÷ reference",
                "",
                f"{ratio_median:.2f}×",
                f"{ratio_p90:.2f}×",
                f"per-job ratios {spread(per_job, 2)}",
            ),
        ],
    )
    print(
        f"\nWhere the platform's job goes (median ms of each part over the same {len(s.platform)} jobs; parts"
        f" are medians, so they need not add up exactly; status polls per job: {median(s.polls):.0f}):"
    )
    print_table(
        ("part", "median ms", "p90 ms", "share of platform median"),
        [
            (label, f"{median(values):.2f}", f"{p90(values):.2f}", f"{median(values) / median(s.platform):.0%}")
            for label, values in platform_breakdown(s)
        ],
    )
    print(f"\nReference parts (the served PNG is {served:,} bytes):")
    print_table(
        ("part", "median ms", "p90 ms"),
        [(key, f"{median(values):.2f}", f"{p90(values):.2f}") for key, values in s.ref_parts.items()],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=5, help="warm-up jobs per side (default 5)")
    parser.add_argument("--jobs", type=int, default=40, help="timed jobs per side (default 40)")
    parser.add_argument(
        "--render-per-job", action="store_true", help="let the fake server render every job's PNG (inside both sides)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--postgres", action="store_true", help="require PostgreSQL (default: use it if reachable)")
    group.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()

    admin = postgres_admin_url()
    where = admin.rsplit("@", 1)[-1].rsplit("/", 1)[0]
    backends = ["sqlite"]
    if args.sqlite_only:
        pg_note = "PostgreSQL: skipped (--sqlite-only)"
    elif postgres_reachable(admin):
        backends.append("postgresql")
        pg_note = (
            f"PostgreSQL: scratch database on {where} ({'required' if args.postgres else 'reachable, so included'})"
        )
    elif args.postgres or in_ci():
        raise SystemExit(f"PostgreSQL is unreachable at {admin}, and {'--postgres' if args.postgres else 'CI'} is set")
    else:
        pg_note = f"PostgreSQL: skipped (unreachable at {admin})"

    render = [time_ms(lambda: render_image(0, SIZE, "png")) for _ in range(10)]
    print(
        "fal overhead: GenerationService.submit(fal_form('kontext-pro')) → poll until succeeded → GalleryService.page"
    )
    print("shows the image, FalImageEngine against the local fake fal queue at zero latency (COMPLETED at the first")
    print("status poll; one 1024×1024 PNG served as a URL). Reference: fal_client.SyncClient submit → status until")
    print("Completed → result → httpx download of the same bytes, same server, same run, interleaved with the jobs.")
    print(f"{args.warm} warm-up jobs per side, then {args.jobs} timed. {pg_note}.")
    if args.render_per_job:
        print(f"Both sides include the fake server rendering the PNG at result time: {spread(render, 1)} ms alone.")
    else:
        print(
            f"The fake server's PNG (Pillow, {spread(render, 1)} ms a render) is rendered once and then served from"
            " memory, as a CDN serves bytes; --render-per-job puts that render back inside both sides."
        )

    titles = {"sqlite": "SQLite (migrated file, WAL)", "postgresql": "PostgreSQL (migrated scratch database)"}
    results = {}
    with rendered_once(not args.render_per_job), FalServer() as server:
        for kind in backends:
            results[kind], served = run_backend(kind, server, args.warm, args.jobs)
            report(titles[kind], results[kind], served)

    print()
    for kind in backends:
        s = results[kind]
        print(
            f"Headline ({titles[kind].split(' ')[0]}): platform {median(s.platform):.1f} ms per job (p90"
            f" {p90(s.platform):.1f}) = {median(s.platform) / median(s.reference):.2f} × the raw fal-client round"
            f" trip of {median(s.reference):.1f} ms (p90 {p90(s.reference):.1f}) against the same server;"
            f" overhead {median(s.platform) - median(s.reference):.1f} ms per job (difference of medians)."
        )


if __name__ == "__main__":
    main()
