"""Benchmark: what the checks at the boundary and the house's plumbing cost on the hot paths, each against the
bare work they sit on, measured in the same run.

- saving a job with a 2,000-character prompt: the prompt validator and the database's text guard, against the
  same unit of work, repository, engine and commit with the guard's listeners off and no validator;
- reading a user in a unit of work that builds its repository on first use (the guard does it on every page
  run) against a plain SQLAlchemy session's get on the same engine;
- reading a gallery URL with its 13 parameters through the one reader against splitting the query string;
- reading a signed Stripe event through the strict reader against json.loads of the same body.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from sqlalchemy import Engine, event  # noqa: E402
from sqlalchemy.orm import Session as OrmSession  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.common import median, migrated_database, ms_since, print_table, reachable_backends, spread  # noqa: E402
from bench.webhook_fulfilment import event as stripe_event  # noqa: E402
from core.adapters import stripe_events  # noqa: E402
from core.domain import GenerationKind  # noqa: E402
from core.domain.url_params import from_params  # noqa: E402
from core.stored_text import prompt_rule  # noqa: E402
from db import text_guard  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.tables import Generation, User  # noqa: E402
from db.uow import Database  # noqa: E402

# Words from several scripts, as prompts are: the validator's ASCII shortcut does not apply.
WORDS = "Un phare au crépuscule, ciel sarcelle et orange, grain de film, 灯台 と 夕暮れ, маяк на закате. "
PROMPT = (WORDS * 30)[:2000]
GALLERY_URL = urlencode(
    {
        "q": "harbour at dusk",
        "model": "kontext-pro,flux2-pro",
        "kind": "text_to_image,edit",
        "aspect": "16:9,1:1",
        "from": "2026-01-01",
        "to": "2026-12-31",
        "fav": "1",
        "collection": "12",
        "sort": "oldest",
        "size": "96",
        "after": "123456",
        "ids": ",".join(str(i) for i in range(1, 41)),
        "view": "table",
    }
)


def job_row(user_id: int) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4().hex,
        "user_id": user_id,
        "kind": "text_to_image",
        "status": "queued",
        "prompt": PROMPT,
        "model": "kontext-pro",
        "aspect_ratio": "16:9",
        "seed": 42,
        "num_images": 2,
        "output_format": "jpeg",
        "options": {"guidance_scale": 3.5, "safety_tolerance": "2"},
        "cost": 80,
        "status_message": "Submitting",
        "created_at": now,
        "updated_at": now,
    }


def samples(fn: Callable[[], object], rounds: int, warm_up: int = 5) -> list[float]:
    for _ in range(warm_up):
        fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        out.append(ms_since(start))
    return out


@contextmanager
def without_text_guard(engine: Engine) -> Iterator[None]:
    """The same engine and session class with db/text_guard.py's two listeners off, for the reference side."""
    event.remove(engine, "before_cursor_execute", text_guard._check_statement)
    event.remove(Session, "before_flush", text_guard._check_flush)
    try:
        yield
    finally:
        text_guard.guard_text(engine)


def database_cases(kind: str, rounds: int) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp, migrated_database(kind, Path(tmp)) as url:
        database = Database(make_engine(url))
        with database.uow() as uow:
            user = uow.users.add(User(issuer="local", subject="bench", email="bench@example.com"))
            uow.commit()
        assert user.id is not None
        user_id = user.id

        def save_checked() -> None:
            prompt = prompt_rule(GenerationKind.TEXT_TO_IMAGE).clean(PROMPT)
            with database.uow() as uow:
                uow.generations.add(Generation(**{**job_row(user_id), "prompt": prompt}))
                uow.commit()

        def save_unchecked() -> None:
            with without_text_guard(database.engine), database.uow() as uow:
                uow.generations.add(Generation(**job_row(user_id)))
                uow.commit()

        def read_in_a_unit_of_work() -> None:
            with database.reader() as uow:
                uow.users.get(user_id)

        def read_in_a_session() -> None:
            with OrmSession(database.engine) as session:
                session.get(User, user_id)

        rows = []
        for label, app, reference in (
            ("save a job (2,000-char prompt): validator + text guard", save_checked, save_unchecked),
            ("read the user: unit of work + lazy repository", read_in_a_unit_of_work, read_in_a_session),
        ):
            # Interleaved, so a busy moment on the machine falls on both sides alike.
            app_ms: list[float] = []
            ref_ms: list[float] = []
            for _ in range(rounds // 10):
                app_ms += samples(app, 10, warm_up=1)
                ref_ms += samples(reference, 10, warm_up=1)
            rows.append(_row(f"{label}, {kind}", app_ms, ref_ms))
        database.engine.dispose()
    return rows


def reader_cases(rounds: int) -> list[list[str]]:
    body = stripe_event("bench-order-1", 1)
    read_url = samples(lambda: from_params(dict(parse_qsl(GALLERY_URL))), rounds)
    split_url = samples(lambda: dict(parse_qsl(GALLERY_URL)), rounds)
    read_event = samples(lambda: stripe_events.parse_event(body), rounds)
    load_event = samples(lambda: json.loads(body), rounds)
    return [
        _row("read a gallery URL (13 parameters)", read_url, split_url),
        _row("read a signed Stripe event", read_event, load_event),
    ]


def _row(label: str, app: list[float], reference: list[float]) -> list[str]:
    return [
        label,
        spread(app, 3),
        spread(reference, 3),
        f"{median(app) - median(reference):.3f}",
        _ratio(app, reference),
    ]


def _ratio(app: list[float], reference: list[float]) -> str:
    return f"{median(app) / median(reference):.2f}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = reader_cases(args.rounds)
    for kind in reachable_backends(args.backends.split(",")):
        rows += database_cases(kind, args.rounds)
    print(f"\nThe boundary's checks and the house's plumbing on the hot paths, ms ({args.rounds} rounds each)")
    print_table(["case", "the app: median [min–max]", "bare work", "added ms", "ratio"], rows)


if __name__ == "__main__":
    main()
