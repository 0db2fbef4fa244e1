"""Pages under hostile or odd input: no traceback, user text never becomes markdown, sign-out reaches every tab."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from streamlit import config
from streamlit.testing.v1 import AppTest

from core.bootstrap import app_container
from pages.components.server_options import apply_server_options
from tests.app.frame import balance, shown_balance
from tests.app.ticks import worked
from tests.markdown import unescape

HOSTILE_EMAIL = "![a](http://127.0.0.1:9999/p.png)@x.com"
HOSTILE_INSTRUCTION = "[x](http://127.0.0.1:9999/) :red[boom] **loud** $x^2$ :material/home:"
PAGES = ["pages/generate.py", "pages/gallery.py", "pages/credits.py", "pages/billing.py"]


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


def generate(at: AppTest, prompt: str = "teal squares") -> AppTest:
    at.text_area[0].input(prompt)
    return worked(click(at, "Generate"))


def open_first_image(at: AppTest) -> AppTest:
    """The gallery's newest image in its lightbox, as a click on its tile does (?image=<id>)."""
    at.switch_page("pages/gallery.py").run()
    grid = next(e for e in at.get("bidi_component") if e.proto.id.endswith("-gallery.grid"))
    at.query_params["image"] = json.loads(grid.proto.json)["items"][0]["id"]
    return at.run()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_email_full_of_markdown_shows_as_plain_text_in_the_sidebar(open_app) -> None:
    at = open_app(email=HOSTILE_EMAIL)
    caption = " ".join(str(c.value) for c in at.sidebar.caption)
    assert HOSTILE_EMAIL.lower() in unescape(caption)
    assert "](http" not in caption and "![" not in caption  # the markdown image is gone
    assert not at.exception


def test_a_refused_instruction_is_quoted_back_as_plain_text(open_app) -> None:
    at = open_app()
    at.segmented_control[0].set_value("Edit").run()
    at.get("file_uploader")[0].upload("cat.png", _png(), "image/png").run()
    at.text_area[0].input(HOSTILE_INSTRUCTION)
    at = click(at, "Apply edit")
    [error] = [str(e.value) for e in at.error]
    assert "[x](http" not in error and ":red[boom]" not in error and "**loud**" not in error
    assert "[x](http://127.0.0.1:9999/)" in unescape(error)  # the user still sees what they typed
    assert balance(at) == 20


@pytest.mark.parametrize("seed", ["²", "٣", "1e5", "-4", "12 34", "9" * 40, "0x1f"])
def test_a_seed_that_is_not_plain_digits_gets_a_clear_message_and_no_charge(open_app, seed: str) -> None:
    at = open_app()
    at.text_area[0].input("orange waves")
    at.text_input[0].input(seed)
    at = click(at, "Generate")
    assert not at.exception
    assert [unescape(str(e.value)) for e in at.error] == [
        "The seed must be a whole number from 0 to 2,147,483,647, or empty for a random seed."
    ]
    assert balance(at) == 20


def test_deleting_an_image_already_deleted_in_another_tab_just_says_so(open_app) -> None:
    first = generate(open_app())
    first = click(open_first_image(first), "Delete")
    second = open_app()  # the same account in another tab, on the same image
    second = click(click(open_first_image(second), "Delete"), "Yes, delete")
    assert "Image deleted." in [t.value for t in second.toast]
    first = click(first, "Yes, delete")  # this tab still shows the confirmation
    assert not first.exception
    assert "not in your gallery" in unescape(str(first.warning[0].value))
    assert "No images yet" in first.info[0].value


def test_signing_out_in_one_tab_signs_the_other_tabs_of_that_browser_out_too(open_app, sign_in) -> None:
    session = sign_in("alice@example.com")
    here, there = open_app(session=session), open_app(session=session)
    elsewhere = open_app("alice@example.com")  # another browser, signed in on its own
    click(here, "Sign out")
    there.run()
    assert [t.value for t in there.title] == ["Sign in to Atelier"]
    assert "signed out" in there.info[0].value
    assert shown_balance(there) is None
    elsewhere.run()
    assert [t.value for t in elsewhere.title] == ["Generate"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_and_the_sign_in_form_say_this_is_not_production(open_app, page: str) -> None:
    # Signed in, a page runs inside app.py's navigation, as it always does (its links name other pages); a guest
    # opens the page's file directly, so its own guard shows the form.
    for at in (open_app().switch_page(page).run(), open_app(email=None, script=page)):
        badges = [str(b.proto.body) for b in at.get("markdown") if "anyone can sign in" in str(b.proto.body)]
        assert badges and "anyone can sign in as anyone" in badges[0]


def test_form_texts_state_the_limits_from_the_settings(open_app, monkeypatch) -> None:
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("MAX_PROMPT_CHARS", "500")
    app_container.cache_clear()
    stop = apply_server_options(app_container().settings)  # what the server does at start
    try:
        at = open_app()
        assert at.text_area[0].max_chars == 500  # the box counts the characters as they are typed
        at.segmented_control[0].set_value("Edit").run()
        uploader = at.get("file_uploader")[0].proto
        assert uploader.max_upload_size_mb == 3  # Streamlit's own "Limit 3MB per file", in our unit
        assert "MB" not in uploader.label  # stated once, by the uploader
    finally:
        stop()
        config.set_option("server.maxUploadSize", 200)
