"""Benchmark: the platform's overhead per generation, from submit to images stored, against the engine's own render time."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from bench.common import (  # noqa: E402
    median,
    migrated_database,
    ms_since,
    postgres_admin_url,
    postgres_reachable,
    print_table,
    spread,
)
from core.adapters.offline import composition  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.clock import utc_now  # noqa: E402
from core.domain import JobStatus, UserView  # noqa: E402
from tests.factories import create_form, make_container, sign_up  # noqa: E402

PROMPT = "a red sun over blue mountains"
MAX_POLLS = 50  # the offline engine at delay 0 is done on the first poll; this only stops a runaway loop


@dataclass(frozen=True)
class Case:
    label: str
    output_format: str
    num_images: int
    jobs: int


@dataclass
class Samples:
    total: list[float]  # submit → the job recorded with its images (what the user waits for)
    render: list[float]
    whole: list[float] = field(default_factory=list)  # submit → the worker's step over, previews made too

    @property
    def overhead(self) -> list[float]:
        return [t - r for t, r in zip(self.total, self.render)]

    @property
    def ratio(self) -> list[float]:
        return [o / r for o, r in zip(self.overhead, self.render)]


def render_ms(seed: int, case: Case) -> float:
    """The engine's own work for the job: the same render calls OfflineImageEngine.result makes."""
    start = time.perf_counter_ns()
    for i in range(case.num_images):
        composition.render(PROMPT, seed + i, "1:1", case.output_format)
    return ms_since(start)


def job_ms(container: Container, user: UserView, seed: int, case: Case) -> tuple[float, float]:
    """Submit → the worker's steps (run here) until the job has settled: the milliseconds until the images and the
    capture were committed (the job's finished_at: what the user waits for), and until the step was over (the
    previews and placeholders made after)."""
    form = create_form(
        PROMPT, seed=seed, num_images=case.num_images, output_format=case.output_format, aspect_ratio="1:1"
    )
    started = utc_now()
    start = time.perf_counter_ns()
    view = container.generation.submit(user, form, container.generation.new_token())
    for _ in range(MAX_POLLS):
        if not view.status.in_flight:
            break
        container.jobs.reconcile()  # one round of the worker, in this thread
        view = container.generation.status(user, view.id)
    elapsed = ms_since(start)
    if view.status != JobStatus.SUCCEEDED or len(view.images) != case.num_images:
        raise SystemExit(f"job {view.id} ended {view.status} with {len(view.images)} images: {view.status_message}")
    assert view.finished_at is not None
    return (view.finished_at - started).total_seconds() * 1000, elapsed


def measure(container: Container, user: UserView, case: Case, first_seed: int) -> Samples:
    samples = Samples([], [])
    for n in range(case.jobs):
        seed = first_seed + 10 * n
        if n % 2:  # alternate the order so neither side always runs on a warmer cache
            shown, whole = job_ms(container, user, seed, case)
            samples.render.append(render_ms(seed, case))
        else:
            samples.render.append(render_ms(seed, case))
            shown, whole = job_ms(container, user, seed, case)
        samples.total.append(shown)
        samples.whole.append(whole)
    return samples


def run_backend(kind: str, cases: list[Case]) -> dict[Case, Samples]:
    credits = 2 * 4 + sum(c.jobs * c.num_images for c in cases) + 10
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        container = make_container(Path(name), url, starter_credits=credits)
        try:
            user = sign_up(container, "bench@example.com")
            for warm in cases[:2]:  # two warm-up jobs: imports, codecs, connection pool, statement caches
                job_ms(container, user, 1, warm)
                render_ms(1, warm)
            return {case: measure(container, user, case, 1000 * (i + 1)) for i, case in enumerate(cases)}
        finally:
            container.db.engine.dispose()


def report(title: str, results: dict[Case, Samples]) -> None:
    print(f"\n{title}")
    rows = []
    for case, s in results.items():
        per_image = [o / case.num_images for o in s.overhead]
        rows.append(
            (
                case.label,
                str(len(s.total)),
                spread(s.total, 1),
                spread(s.whole, 1),
                spread(s.render, 1),
                spread(s.overhead, 1),
                spread(per_image, 1),
                spread(s.ratio, 2),
            )
        )
    print_table(
        (
            "case",
            "jobs",
            "to image ms",
            "with previews ms",
            "render ms",
            "overhead ms",
            "overhead/image ms",
            "overhead ÷ render (per job)",
        ),
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=30, help="timed 1-image jobs per format (default 30)")
    parser.add_argument("--multi-jobs", type=int, default=5, help="timed 4-image jobs (default 5)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--postgres", action="store_true", help="require PostgreSQL (default: use it if reachable)")
    group.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()

    cases = [
        Case("1:1 PNG × 1", "png", 1, args.jobs),
        Case("1:1 JPEG × 1", "jpeg", 1, args.jobs),
        Case("1:1 PNG × 4", "png", 4, args.multi_jobs),
    ]
    admin = postgres_admin_url()
    backends = ["sqlite"]
    if args.sqlite_only:
        pg_note = "PostgreSQL: skipped (--sqlite-only)"
    elif postgres_reachable(admin):
        backends.append("postgresql")
        pg_note = f"PostgreSQL: scratch database on {admin.rsplit('@', 1)[-1].rsplit('/', 1)[0]} ({'required' if args.postgres else 'reachable, so included'})"
    elif args.postgres:
        raise SystemExit(f"--postgres given but PostgreSQL is unreachable at {admin}")
    else:
        pg_note = f"PostgreSQL: skipped (unreachable at {admin})"

    print("Generation overhead: GenerationService.submit → poll until the images are stored and the hold captured,")
    print(
        "offline engine at delay 0, after 2 warm-up jobs. Reference: composition.render for the same prompt/seed/ratio/format,"
    )
    print(
        f"timed in the same run, interleaved with the jobs. Overhead = total − render. ms = median [min–max]. {pg_note}."
    )
    titles = {"sqlite": "SQLite (migrated file, WAL)", "postgresql": "PostgreSQL (migrated scratch database)"}
    results = {}
    for kind in backends:
        results[kind] = run_backend(kind, cases)
        report(titles[kind], results[kind])

    print()
    for kind in backends:
        head = results[kind][cases[0]]
        print(
            f"Headline ({titles[kind].split(' ')[0]}, {cases[0].label}): platform overhead {median(head.overhead):.1f} ms per job"
            f" = {median(head.ratio):.2f} × the engine's own render time of the same job (median of per-job ratios;"
            f" render median {median(head.render):.1f} ms, same run)."
        )


if __name__ == "__main__":
    main()
