"""Helpers for tests that run jobs through the real fal-client against the local fal server (tests/fal_server.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from core.bootstrap import Container
from core.domain import GenerationForm, GenerationKind, GenerationView, UserView
from db.tables import Generation
from tests.factories import MovableClock, make_container, settle
from tests.fal_server import FalServer

FAL_KEY = "fal-test-key-0123"


def fal_container(
    tmp_path: Path, database_url: str, server: FalServer, clock: Callable[..., object] | None = None, **settings: object
) -> Container:
    """A container whose engine is FalImageEngine (built by bootstrap from settings) pointed at `server`."""
    values: dict[str, object] = {
        "image_engine": "fal",
        "fal_key": FAL_KEY,
        "fal_queue_url": server.queue_url,
        "fal_api_url": server.url + "/api",
        "starter_credits": 1000,
    }
    values.update(settings)
    return make_container(tmp_path, database_url, clock=clock or MovableClock(), **values)  # type: ignore[arg-type]


def fal_form(model: str = "kontext-pro", prompt: str = "a lighthouse at dusk", **values: object) -> GenerationForm:
    kind = values.pop("kind", GenerationKind.TEXT_TO_IMAGE)
    return GenerationForm(kind, prompt, model, **values)  # type: ignore[arg-type]


def run_to_end(
    c: Container, user: UserView, job_id: str, clock: MovableClock | None = None, polls: int = 30
) -> GenerationView:
    """Poll as the page does (moving the clock past any retry wait) until the job ends."""
    view = c.generation.status(user, job_id)
    for _ in range(polls):
        if not view.status.in_flight:
            return view
        if clock is not None:
            clock.advance(seconds=31)
        view = settle(c, user, job_id)
    raise AssertionError(f"the job did not end: {view.status} {view.status_message}")


def assert_money_balances(c: Container, user: UserView) -> None:
    """The ledger invariants: the balance is the ledger's sum, and no hold outlives its job."""
    with c.db.reader() as uow:
        assert uow.users.balance(user.id) == uow.ledger.total(user.id)
        entries = uow.ledger.page(user.id, None, 1000)
        for row in uow.session.exec(select(Generation).where(Generation.user_id == user.id)).all():
            mine = [e for e in entries if e.idempotency_key.startswith(f"gen:{row.id}:")]
            kinds = sorted(e.kind for e in mine)
            if row.status in ("queued", "running"):
                assert kinds == ["hold"], kinds
            else:
                assert "hold" in kinds and ({"capture", "release"} & set(kinds)), kinds
                assert -sum(e.delta for e in mine) == row.charged, (
                    row.id,
                    row.charged,
                    [(e.kind, e.delta) for e in mine],
                )
