"""Images and sign-ins made for a browser test through the services, over the running server's own database.

The server's background loop works on the same jobs: a poll from here may find a job it holds, still in flight,
so each job is polled until it has ended, never read once."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from core.bootstrap import Container, bootstrap
from core.domain import GenerationForm, GenerationView, UserView
from core.services.local_sessions import COOKIE
from tests.e2e.server import MEDIA_SECRET, RunningServer
from tests.factories import settings_for, settle
from tests.waiting import wait_until

JOB_SECONDS = 30.0


def seeded_container(atelier: RunningServer, **overrides: object) -> Container:
    """The services over the server's database and files (dispose of its engine when done); `overrides` are
    settings the server was started with too (admin_emails, say)."""
    settings = settings_for(
        atelier.data_dir,
        atelier.database_url,
        media_secret=MEDIA_SECRET,
        blob_store="local",
        starter_credits=20,
        **overrides,
    )
    return bootstrap(settings)


def sign_in_by_cookie(context: BrowserContext, atelier: RunningServer, email: str, **overrides: object) -> None:
    """`email` signed in for every page of this browser context, without the sign-in form: the local sign-in made
    through the services, and its cookie set as the server's cookie route sets it. For tests whose subject is a
    page behind the sign-in (the form, the hand-off and the cookie have browser tests of their own), it saves the
    form's page load and the hand-off's round trips; the next page load opens signed in."""
    c = seeded_container(atelier, **overrides)
    try:
        value = c.local_sessions.cookie_value(c.accounts.sign_in_local(email).session_key)
    finally:
        c.db.engine.dispose()
    cookie = {"name": COOKIE, "value": value, "url": atelier.url, "httpOnly": True, "sameSite": "Lax"}
    context.add_cookies([cookie])  # type: ignore[list-item]


def make_images(c: Container, user: UserView, forms: list[GenerationForm]) -> list[int]:
    """The id of each form's first image, in order."""
    return [_made(c, user, form) for form in forms]


def _made(c: Container, user: UserView, form: GenerationForm) -> int:
    job_id = c.generation.submit(user, form, c.generation.new_token()).id

    def ended_view() -> GenerationView | None:
        view = settle(c, user, job_id)
        return None if view.status.in_flight else view

    ended = wait_until(ended_view, timeout=JOB_SECONDS, what=f"job {job_id} ended")
    assert ended.images, f"job {job_id} ended without an image: {ended.status} {ended.status_message}"
    return ended.images[0].id
