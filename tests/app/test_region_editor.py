"""The region editor without a pointer (AppTest): an area chosen in the fallback becomes the mask on_submit gets;
an empty description and a region over the whole picture are refused in words, and on_submit is not called."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from pages.components.region_editor import NO_TEXT, NOTHING_MARKED, RECTANGLE


def editor_script() -> None:
    """Runs inside AppTest: the editor over a 300 × 200 picture; on_submit's mask is described in the session."""
    import io
    from datetime import UTC, datetime

    import streamlit as st
    from PIL import Image

    from core.domain import ImageView
    from pages.components.region_editor import region_editor

    url = "/media/picture.png"
    image = ImageView(
        1, None, 300, 200, "image/png", datetime(2026, 12, 1, tzinfo=UTC), url, url, url, url, "generated"
    )

    def on_submit(mask: bytes, prompt: str) -> None:
        with Image.open(io.BytesIO(mask)) as opened:
            st.session_state["received"] = (opened.size, opened.mode, opened.getbbox(), prompt)

    region_editor(image, on_submit, key="editor")


def open_editor() -> AppTest:
    return AppTest.from_function(editor_script, default_timeout=30).run()


def fill(at: AppTest, text: str) -> AppTest:
    at.text_area(key="editor.text").input(text)
    return at.button(key="editor.fill").click().run()


def test_fill_region_waits_for_a_region_and_says_so(app_settings: Container) -> None:
    at = open_editor()
    assert at.button(key="editor.fill").disabled
    assert NOTHING_MARKED in at.markdown[0].value


def test_a_chosen_area_is_the_mask_on_submit_receives(app_settings: Container) -> None:
    at = open_editor()
    at.selectbox(key="editor.area").select("Right half").run()
    assert not at.button(key="editor.fill").disabled
    at = fill(at, "  a lighthouse ")
    assert at.session_state["received"] == ((300, 200), "L", (150, 0, 300, 200), "a lighthouse")


def test_an_empty_description_is_refused(app_settings: Container) -> None:
    at = open_editor()
    at.selectbox(key="editor.area").select("Centre").run()
    at = fill(at, "   ")
    assert [error.value for error in at.error] == [NO_TEXT]
    assert "received" not in at.session_state


def test_a_rectangle_over_the_whole_picture_points_to_edit(app_settings: Container) -> None:
    at = open_editor()
    at.selectbox(key="editor.area").select(RECTANGLE).run()
    for name, value in (("left", 0), ("top", 0), ("width", 100), ("height", 100)):
        at.slider(key=f"editor.rect.{name}").set_value(value)
    at = fill(at.run(), "a new sky")
    assert len(at.error) == 1 and "use Edit" in at.error[0].value
    assert "received" not in at.session_state
