"""Benchmark: a 64-cell Lab experiment, run by one and by two workers and drawn as a grid, against plain generations
and the Gallery showing the same 64 pictures.

1. Time to the full grid. An 8 × 8 experiment (8 seeds × 8 values of {animal}) on the offline engine at zero delay,
   from LabService.run until the last cell's job has finished (the latest `finished_at`), with one worker and with
   two (Worker instances over the same database, each with its own container from bootstrap; the bench's services
   are the first one's, as in the app's own process). The reference of the same run and the same workers: the same
   64 forms (CellPlan.form) as 64 sequential generations, each GenerationService.submit, then polled until done,
   before the next. On SQLite the doorbell rings only inside the first container: the second worker hears of new
   jobs at its polling interval (WORKER_INTERVAL_SECONDS); on PostgreSQL (--postgres) LISTEN/NOTIFY wakes both.
2. Grid page render. `streamlit run app.py` (tests/e2e/server.py) with a finished 64-cell experiment made by its
   own worker, signed in with the local sign-in in headless Debian Chromium: /lab?experiment=<id> until its 64
   grid pictures have loaded (`complete` and naturalWidth > 0, looked for every 5 ms in the page and in open
   shadow roots), against /gallery?size=96 of the same user, whose 64 images are those cells, until its 64 have.
   ms from navigation start (performance.now()); cold = the browser cache cleared before each load; interleaved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from playwright.sync_api import BrowserContext, sync_playwright  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from bench.common import (  # noqa: E402
    median,
    migrated_database,
    postgres_admin_url,
    print_table,
    spread,
    watched_load,
)
from core.bootstrap import bootstrap  # noqa: E402
from core.clock import utc_now  # noqa: E402
from core.container import Container  # noqa: E402
from core.domain import JobStatus, UserView  # noqa: E402
from core.domain.lab import Axis, AxisKind, Plan, cells  # noqa: E402
from core.services.lab import LabService  # noqa: E402
from core.services.local_sessions import COOKIE  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.worker.loop import Worker  # noqa: E402
from db.tables import Generation, Image  # noqa: E402
from tests.e2e.server import CHROMIUM, MEDIA_SECRET, launch_chromium, running_server  # noqa: E402
from tests.factories import make_container, settings_for  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

EMAIL = "bench.lab@example.com"  # ADMIN_EMAILS names it: admins are team, and only the team has the Lab
TEMPLATE = "a {animal} in a quiet forest, watercolour"
ANIMALS = ("fox", "owl", "cat", "elk", "hare", "wren", "seal", "lynx")
CELLS = 64
STARTER = 10_000
ROUNDS = 3
POLL_S = 0.005  # how often the bench looks at the jobs (a read of their status)
JOB_TIMEOUT_S = 300
TIMEOUT_MS = 90_000
VIEWPORT = {"width": 2000, "height": 2600}  # every tile in view: both grids' <img>s are loading="lazy"
WATCH = """
(() => {
  if (window.top !== window) return;
  const poll = () => {
    const roots = [document];
    for (const host of document.querySelectorAll('*')) if (host.shadowRoot) roots.push(host.shadowRoot);
    const imgs = roots.flatMap((root) => [...root.querySelectorAll('.tile img[src]')]);
    if (imgs.length >= __WANT__ && imgs.every((img) => img.complete && img.naturalWidth > 0)) {
      window.__loaded = { at: performance.now(), count: imgs.length, src: imgs[0].currentSrc };
    } else setTimeout(poll, 5);
  };
  poll();
})();
"""


def plan(seeds: Sequence[int] = tuple(range(1, 9))) -> Plan:
    axes = (Axis(AxisKind.INPUT, "seed", tuple(seeds)), Axis(AxisKind.VARIABLE, "animal", ANIMALS))
    return Plan(TEMPLATE, "offline-draw", {"aspect_ratio": "1:1"}, {}, axes)


def finished(c: Container, ids: Sequence[str]) -> datetime:
    """Wait until none of the jobs is in flight; the latest finished_at (every job must have succeeded)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        with c.db.reader() as uow:
            rows = uow.session.exec(select(Generation.status).where(col(Generation.id).in_(ids))).all()
        if len(rows) == len(ids) and not any(JobStatus(s).in_flight for s in rows):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"{sum(JobStatus(s).in_flight for s in rows)} of {len(ids)} jobs still in flight")
        time.sleep(POLL_S)
    with c.db.reader() as uow:
        query = select(Generation.status, Generation.finished_at).where(col(Generation.id).in_(ids))
        ended = uow.session.exec(query).all()
    if failed := [s for s, _ in ended if s != JobStatus.SUCCEEDED.value]:
        raise SystemExit(f"{len(failed)} jobs did not succeed: {failed[:3]}")
    return max(_naive(at) for _, at in ended if at is not None)


def grid_s(c: Container, user: UserView, version_id: int, the_plan: Plan) -> float:
    """LabService.run → the last cell's job finished, in seconds."""
    lab = c.of(LabService)
    start = _naive(utc_now())
    experiment_id = lab.run(user, version_id, "bench grid", the_plan, c.generation.new_token())
    ids = [cell.generation_id for cell in lab.experiment(user, experiment_id).grid]
    return (finished(c, ids) - start).total_seconds()


def sequential_s(c: Container, user: UserView, the_plan: Plan) -> float:
    """The same forms as one generation after another: submit, poll until done, then the next."""
    start = _naive(utc_now())
    ids = []
    for cell in cells(the_plan, CELLS):
        view = c.generation.submit(user, cell.form(), c.generation.new_token())
        while view.status.in_flight:
            time.sleep(POLL_S)
            view = c.generation.status(user, view.id)
        ids.append(view.id)
    return (finished(c, ids) - start).total_seconds()


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)  # SQLite hands back naive UTC; PostgreSQL aware UTC


@contextmanager
def workers(containers: Sequence[Container]) -> Iterator[None]:
    running = [Worker(c, name=f"bench-{n}") for n, c in enumerate(containers)]
    for worker in running:
        worker.start()
    try:
        yield
    finally:
        for worker in running:
            worker.stop()


def measure_workers(kind: str, rounds: int) -> dict[tuple[int, str], list[float]]:
    found: dict[tuple[int, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        settings: dict[str, Any] = {"starter_credits": STARTER, "admin_emails": EMAIL}
        both = [make_container(Path(name), url, **settings) for _ in range(2)]  # one data dir: one blob store
        try:
            c = both[0]
            user = c.accounts.sign_in_local(EMAIL).user
            version = c.of(LabService).save_template(user, "Bench", TEMPLATE).version_id
            for n in (1, 2):  # warm-up: imports, codecs, pools, statement caches of both containers
                with workers(both[:n]):
                    grid_s(c, user, version, plan(seeds=(1, 2)))
            for r in range(rounds):  # interleaved, so both setups see the same machine
                for n in (1, 2):
                    with workers(both[:n]):
                        order = ("grid", "sequential") if r % 2 else ("sequential", "grid")
                        for what in order:
                            run = grid_s(c, user, version, plan()) if what == "grid" else sequential_s(c, user, plan())
                            found.setdefault((n, what), []).append(run)
        finally:
            for container in both:
                container.db.engine.dispose()
    return found


def server_experiment(data_dir: Path, database_url: str) -> int:
    """A finished 64-cell experiment made by the server's own worker (it polls: this process rings no doorbell of
    its), waited for until every picture has its preview, which both grids show."""
    shared: dict[str, Any] = {"media_secret": MEDIA_SECRET, "admin_emails": EMAIL, "starter_credits": STARTER}
    c = bootstrap(settings_for(data_dir, database_url, blob_store="local", **shared))
    try:
        user = c.accounts.sign_in_local(EMAIL).user
        lab = c.of(LabService)
        version = lab.save_template(user, "Bench", TEMPLATE).version_id
        experiment_id = lab.run(user, version, "bench grid page", plan(), c.generation.new_token())

        def previews() -> int:
            with c.db.reader() as uow:
                query = select(func.count()).select_from(Image).where(Image.user_id == user.id)
                return int(uow.session.exec(query.where(col(Image.preview_key).is_not(None))).one())

        wait_until(lambda: previews() == CELLS, timeout=JOB_TIMEOUT_S, what=lambda: f"{previews()} previews")
        return experiment_id
    finally:
        c.db.engine.dispose()


def sign_in(context: BrowserContext, base_url: str) -> None:
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("textbox", name="Email").fill(EMAIL)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {EMAIL}").wait_for()
    wait_until(lambda: any(k["name"] == COOKIE for k in context.cookies()), timeout=10, what="the session cookie")
    page.close()


def load(context: BrowserContext, url: str, *, cold: bool) -> dict[str, Any]:
    return watched_load(
        context, url, "__loaded", cold=cold, timeout_ms=TIMEOUT_MS, failure=f"{CELLS} pictures did not load"
    )


def measure_pages(rounds: int) -> tuple[dict[tuple[str, bool], list[float]], dict[str, str], str]:
    times: dict[tuple[str, bool], list[float]] = {}
    seen: dict[str, str] = {}
    env = {"ADMIN_EMAILS": EMAIL}
    with (
        tempfile.TemporaryDirectory(prefix="atelier-bench-") as name,
        running_server(Path(name), engine_delay_seconds=0, starter_credits=STARTER, extra_env=env) as server,
        sync_playwright() as playwright,
    ):
        experiment_id = server_experiment(server.data_dir, server.database_url)
        urls = {"lab": f"{server.url}/lab?experiment={experiment_id}", "gallery": f"{server.url}/gallery?size=96"}
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(WATCH.replace("__WANT__", str(CELLS)))
        sign_in(context, server.url)
        for what, url in urls.items():  # warm-up: the server's first run of each page pays its imports
            first = load(context, url, cold=True)
            if first["count"] != CELLS:
                raise SystemExit(f"{url} showed {first['count']} pictures, not {CELLS}")
            seen[what] = first["src"].split("?", 1)[0].rsplit("/", 1)[-1]
        for _ in range(rounds):
            for cold in (True, False):
                for what, url in urls.items():
                    times.setdefault((what, cold), []).append(load(context, url, cold=cold)["at"])
        browser.close()
        errors = [line for line in server.log(200_000).splitlines() if "Traceback" in line or " ERROR " in line]
    return times, seen, f"{len(errors)} error lines in the server log" + (f", first: {errors[0]}" if errors else "")


def _worker_settings() -> str:
    fields = Settings.model_fields
    names = ("worker_concurrency", "worker_batch_size", "worker_interval_seconds")
    return ", ".join(f"{name.upper()} {fields[name].default}" for name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of each measure (default {ROUNDS})")
    parser.add_argument("--postgres", action="store_true", help=f"part 1 on PostgreSQL ({postgres_admin_url()})")
    parser.add_argument("--skip-pages", action="store_true", help="part 1 only")
    args = parser.parse_args()
    if not args.skip_pages and not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install -y chromium; never `playwright install`)")
    print(__doc__)
    kind = "postgresql" if args.postgres else "sqlite"
    found = measure_workers(kind, args.rounds)
    print(f"1. Time to the full grid ({kind}, {CELLS} cells, offline engine at delay 0, {_worker_settings()});")
    print(f"   seconds, median [min–max] of {args.rounds} interleaved rounds.\n")
    rows: list[tuple[str, ...]] = []
    for n in (1, 2):
        reference = median(found[(n, "sequential")])
        for what in ("sequential", "grid"):
            s = found[(n, what)]
            label = f"{CELLS} sequential generations (reference)" if what == "sequential" else f"{CELLS}-cell grid"
            rows.append(
                (
                    f"{n} worker{'s' * (n > 1)}",
                    label,
                    spread(s),
                    f"{CELLS / median(s):.1f}",
                    f"{median(s) / reference:.2f}×",
                )
            )
    print_table(("workers", "what", "seconds", "cells/s", "÷ sequential"), rows)
    grid_1, grid_2 = median(found[(1, "grid")]), median(found[(2, "grid")])
    print(f"\nThe grid, one worker's time ÷ two workers': {grid_1 / grid_2:.2f}× ({grid_1:.2f} s → {grid_2:.2f} s).")
    if args.skip_pages:
        return
    times, seen, log_note = measure_pages(args.rounds)
    print(f"\n2. Page until {CELLS} pictures have loaded; ms from navigation start, median [min–max] of {args.rounds}.")
    print(f"   Files shown: lab {seen['lab']}, gallery {seen['gallery']}. {log_note}.\n")
    rows.clear()
    for cold in (True, False):
        reference = median(times[("gallery", cold)])
        for what, label in (("gallery", "/gallery?size=96 (reference)"), ("lab", "/lab?experiment=<id>")):
            t = times[(what, cold)]
            rows.append(("cold" if cold else "warm", label, spread(t, 0), f"{median(t) / reference:.2f}×"))
    print_table(("cache", "page", "ms to 64 loaded", "÷ gallery"), rows)


if __name__ == "__main__":
    main()
