"""Hostile text and hostile uploads through the pages, on both databases: each page shows the refusal in plain
words, never an exception or an SQL statement, and stores nothing."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from tests.app.fake_user import claims
from tests.factories import TEST_SECRET
from tests.fal_server import FalServer
from tests.fal_support import FAL_KEY
from tests.markdown import unescape
from tests.unit.test_upload_fuzzing import png_from_rows, real_bombs, seeds

SQL_WORDS = ("INSERT", "UPDATE", "SELECT", "psycopg", "sqlalchemy", "Traceback", "NUL (0x00)")
NUL, RLO, ZWSP = "\x00", "\u202e", "\u200b"


@pytest.fixture
def app_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Container]:
    """tests/app/conftest.py's app, over either database: the crash this guards against was PostgreSQL's."""
    for key, value in {
        "APP_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "MEDIA_SECRET": TEST_SECRET,
        "OFFLINE_ENGINE_DELAY_SECONDS": "0",
        "STARTER_CREDITS": "20",
        "ADMIN_EMAILS": "admin@example.com",
        "STREAMLIT_SECRETS_FILES": str(tmp_path / "no-secrets.toml"),
    }.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()
    app_container.cache_clear()


def everything_on_the_page(at: AppTest) -> str:
    kinds = ("markdown", "caption", "title", "error", "warning", "info", "success", "toast", "exception")
    return unescape(" | ".join(str(getattr(e, "value", "")) for kind in kinds for e in at.get(kind)))


def errors(at: AppTest) -> list[str]:
    return [unescape(str(e.value)) for e in at.error]


def assert_shown_plainly(at: AppTest, *words: str) -> None:
    assert not at.exception, [e.message for e in at.exception]
    page = everything_on_the_page(at)
    assert not any(word in page for word in SQL_WORDS), page
    message = " ".join(errors(at))
    assert all(word in message for word in words), message


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (f"Pets{NUL}", ("The collection name contains invisible control characters (U+0000)",)),
        (f"Pets{RLO}gnp.exe", ("change the direction of text (U+202E)",)),
        (f"Pe{ZWSP}ts", ("zero-width characters (U+200B)",)),
    ],
    ids=["NUL", "right-to-left override", "zero-width space"],
)
def test_a_hostile_collection_name_is_refused_on_the_gallery_page(
    open_app: Callable[..., AppTest], app_settings: Container, value: str, words: tuple[str, ...]
) -> None:
    at = open_app().switch_page("pages/gallery.py").run()
    at.text_input(key="gallery.collections.new").input(value)
    at = click(at, "Create")
    assert_shown_plainly(at, *words, "Remove them and try again.")
    user = app_settings.accounts.get(1)
    assert user is not None and app_settings.collections.list(user) == ()


def test_a_hostile_email_is_refused_on_the_sign_in_form(
    open_app: Callable[..., AppTest], app_settings: Container
) -> None:
    for value, words in (
        (f"bob{NUL}@example.com", "The email address contains invisible control characters (U+0000)"),
        (f"bob{RLO}@example.com", "change the direction of text (U+202E)"),
        ("b" * 330 + "@example.com", "The email address is 342 characters long; the limit is 320"),
    ):
        at = open_app(email=None)
        at.text_input[0].input(value)
        at = click(at, "Sign in")
        assert_shown_plainly(at, words)
    with app_settings.db.reader() as uow:
        assert uow.users.get(1) is None


def test_a_hostile_display_name_is_refused_on_the_account_page(
    open_app: Callable[..., AppTest], app_settings: Container
) -> None:
    at = open_app().switch_page("pages/account.py").run()
    at.text_input[0].input(f"Ally{RLO}")
    at = click(at, "Save name")
    assert_shown_plainly(at, "The name contains characters that change the direction of text (U+202E)")
    user = app_settings.accounts.get(1)
    assert user is not None and user.display_name == "alice"


def test_a_hostile_reason_is_refused_on_the_admin_page(oidc_app) -> None:  # type: ignore[no-untyped-def]
    oidc_app(claims("bob-sub", "bob@example.com"))
    at, c = oidc_app(claims("admin-sub", "admin@example.com", name="Ada Admin"), script="pages/admin_users.py")
    at.selectbox(key="admin.users.manage").select(1).run()
    at.number_input[0].set_value(5)
    at.text_input[1].input(f"Sorry{ZWSP} for the outage")
    at = click(at, "Apply adjustment")
    assert_shown_plainly(at, "The reason contains invisible zero-width characters (U+200B)")
    bob = c.accounts.get(1)
    assert bob is not None and bob.balance == 20


def test_a_provider_name_that_cannot_be_stored_signs_in_without_it(oidc_app) -> None:  # type: ignore[no-untyped-def]
    at, c = oidc_app(claims("mallory-sub", "mallory@example.com", name=f"Mallory{NUL}{RLO}"))
    assert not at.exception
    user = c.accounts.get(1)
    assert user is not None and user.display_name == "mallory"


def test_a_provider_email_that_cannot_be_stored_is_explained_on_the_sign_in_screen(oidc_app) -> None:  # type: ignore[no-untyped-def]
    at, c = oidc_app(claims("mallory-sub", f"mallory{NUL}@example.com"))
    assert_shown_plainly(at, "Your sign-in provider sent an email address Atelier cannot store")
    assert c.accounts.get(1) is None


# Uploads: the 30,000 × 30,000 PNG of the probe, made here (about 875 KB), and the fuzzing corpus's files.


def bomb_png(side: int = 30_000) -> bytes:
    """A black grey-scale PNG of side × side pixels: each row is a filter byte and zeros, deflated to ~1/1000."""
    rows = zlib.compressobj(9)
    parts = [rows.compress((b"\0" * (side + 1)) * 1000) for _ in range(side // 1000)]
    data = b"".join(parts) + rows.flush()
    header = png_from_rows(side, side, 8, 0, b"")[:33]  # signature and IHDR
    return header + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def edit_page(open_app: Callable[..., AppTest]) -> AppTest:
    at = open_app()
    at.segmented_control[0].set_value("Edit").run()
    return at


def test_the_probes_decompression_bomb_is_refused_before_the_preview(open_app: Callable[..., AppTest]) -> None:
    bomb = bomb_png()
    assert 800_000 < len(bomb) < 950_000
    with pytest.raises(Image.DecompressionBombError):  # what st.image raised when it was given the file
        Image.open(io.BytesIO(bomb))
    at = edit_page(open_app)
    at.get("file_uploader")[0].upload("bomb.png", bomb, "image/png").run()
    assert_shown_plainly(at, "This image is 30,000 × 30,000 pixels (900 megapixels); the limit is 40 megapixels")
    assert not at.get("imgs")  # no preview was drawn
    apply = next(b for b in at.button if b.label.startswith("Apply edit"))
    assert apply.disabled


def hostile_uploads() -> dict[str, bytes]:
    """Files from the fuzzing corpus that reach the preview: bombs, truncated and damaged files, other formats."""
    png, jpeg = seeds()["png"], seeds()["jpeg"]
    bombs = {f"real-bomb-{n}": case.data for n, case in enumerate(real_bombs()) if case.expect == "refuse"}
    return {
        **bombs,
        "truncated-png": png[: len(png) // 2],
        "truncated-jpeg": jpeg[: len(jpeg) // 2],
        "png-signature-jpeg-body": seeds()["png"][:33] + jpeg[2:],
        "gif-named-png": seeds()["gif-animated"],
        "junk": b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    }


@pytest.mark.parametrize("name", list(hostile_uploads()))
def test_every_hostile_upload_gets_a_message_instead_of_a_preview(
    open_app: Callable[..., AppTest], app_settings: Container, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "2000000")  # the corpus's limit: its "real bombs" are bombs against it
    app_settings.db.engine.dispose()
    app_container.cache_clear()
    at = edit_page(open_app)
    at.get("file_uploader")[0].upload(f"{name}.png", hostile_uploads()[name], "image/png").run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(errors(at)) == 1, everything_on_the_page(at)


@pytest.fixture
def fal_app(app_settings: Container, fal: FalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The fal engine (the local fal server), which has a model that combines images."""
    settings = {"IMAGE_ENGINE": "fal", "FAL_KEY": FAL_KEY, "FAL_QUEUE_URL": fal.queue_url, "STARTER_CREDITS": "500"}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    app_settings.db.engine.dispose()
    app_container.cache_clear()
    app_container().accounts.sign_in_local("alice@example.com")  # joins with this engine's starter credits
    yield app_container()


def test_a_bomb_among_the_images_to_combine_is_named_and_blocks_combine(
    fal_app: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_app()
    at = at.segmented_control(key="generate.mode").set_value("Combine").run()
    good = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(good, "PNG")
    uploader = at.get("file_uploader")[0]
    uploader.upload("fine.png", good.getvalue(), "image/png")
    uploader.upload("bomb [x](http://127.0.0.1:9/).png", bomb_png(), "image/png").run()
    assert_shown_plainly(at, "bomb [x](http://127.0.0.1:9/).png: This image is 30,000 × 30,000 pixels")
    assert "[x](http" not in str(at.error[0].value)  # the file's name is shown as text, not as a link
    combine = at.button(key="generate.submit_combine")
    assert combine.disabled and "Remove or replace the file refused above." in (combine.help or "")
