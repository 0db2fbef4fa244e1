"""Every page through AppTest: the guard, the frame, and what a user sees after each action."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import app_container
from tests.markdown import unescape

PAGES = ["pages/generate.py", "pages/gallery.py", "pages/credits.py"]


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


def shown(elements) -> list[str]:  # type: ignore[no-untyped-def]
    """What a reader sees of each element: user text inside is escaped markup."""
    return [unescape(str(e.value)) for e in elements]


def texts(at: AppTest) -> str:
    parts = shown(at.markdown) + shown(at.caption) + shown(at.title)
    parts += shown(at.error) + shown(at.success) + shown(at.warning) + shown(at.info)
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_a_guest_opening_any_page_directly_sees_only_the_sign_in_form(open_app, page: str) -> None:
    at = open_app(email=None, script=page)
    assert [t.value for t in at.title] == ["Sign in to Atelier"]
    assert not at.metric and not at.dataframe and not at.text_area


def test_local_sign_in_creates_the_account_and_shows_the_starter_balance(open_app) -> None:
    at = open_app(email=None)
    at.text_input[0].input("newcomer@example.com")
    at = click(at, "Sign in")
    assert at.sidebar.metric[0].value == "20"
    assert "newcomer@example.com" in "".join(shown(at.sidebar.caption))


def test_a_malformed_email_gets_a_clear_message(open_app) -> None:
    at = open_app(email=None)
    at.text_input[0].input("not-an-email")
    at = click(at, "Sign in")
    assert "name@example.com" in shown(at.error)[0]


def test_the_generate_page_says_the_engine_is_not_ai_and_shows_the_cost(open_app) -> None:
    at = open_app()
    assert "It is not an AI model" in at.info[0].value
    assert any(b.label == "Generate · 1 credit" for b in at.button)
    at.slider[0].set_value(3).run()
    assert any(b.label == "Generate · 3 credits" for b in at.button)


def test_generating_shows_the_result_and_holds_then_charges_the_credits(open_app) -> None:
    at = open_app()
    at.slider[0].set_value(2).run()
    at.text_area[0].input("an orange sun over green hills")
    at = click(at, "Generate")
    assert shown(at.success) == ["Done. Charged 2 credits."]
    assert at.sidebar.metric[0].value == "18"
    assert not next(b for b in at.button if b.label.startswith("Generate")).disabled  # ready for the next one


def test_a_running_job_blocks_a_second_submit_and_can_be_canceled_for_a_full_release(open_app, monkeypatch) -> None:
    monkeypatch.setenv("OFFLINE_ENGINE_DELAY_SECONDS", "600")
    app_container.cache_clear()
    at = open_app()
    at.text_area[0].input("slow green spirals")
    at = click(at, "Generate")
    assert at.sidebar.metric[0].value == "19"  # held
    assert next(b for b in at.button if b.label.startswith("Generate")).disabled
    assert at.get("progress")[0].proto.text.startswith("Queued: ")
    at = click(at, "Cancel")
    assert shown(at.warning) == ["Canceled. Your credits were returned."]
    assert at.sidebar.metric[0].value == "20"


def test_an_empty_prompt_is_refused_and_costs_nothing(open_app) -> None:
    at = open_app()
    at = click(at, "Generate")
    assert shown(at.error) == ["Write a prompt first."]
    assert at.sidebar.metric[0].value == "20"


def test_an_instruction_the_offline_engine_cannot_do_lists_what_it_understands(open_app, app_settings) -> None:
    at = open_app()
    at.segmented_control[0].set_value("Edit").run()
    at.get("file_uploader")[0].upload("cat.png", _png(), "image/png").run()
    at.text_area[0].input("paint it like monet")
    at = click(at, "Apply edit")
    assert "monet" in shown(at.error)[0] and "sepia" in shown(at.error)[0]
    assert at.sidebar.metric[0].value == "20"


def test_the_gallery_starts_empty_and_then_shows_the_new_image_with_its_details(open_app) -> None:
    at = open_app()
    at.switch_page("pages/gallery.py").run()
    assert "No images yet" in at.info[0].value
    at.switch_page("pages/generate.py").run()
    at.text_area[0].input("purple stripes")
    at.text_input[0].input("1234")
    at = click(at, "Generate")
    at.switch_page("pages/gallery.py").run()
    at = click(at, "Open")
    assert "purple stripes" in [t.value for t in at.text]
    facts = at.table[0].value
    assert "1234" in facts.to_string() and "offline-draw" in facts.to_string()


def test_use_these_settings_again_fills_the_generate_form(open_app) -> None:
    at = open_app()
    at.text_area[0].input("gold circles")
    at.text_input[0].input("77")
    at = click(at, "Generate")
    at.switch_page("pages/gallery.py").run()
    at = click(at, "Open")
    at = click(at, "Use these settings again")
    assert at.text_area[0].value == "gold circles"
    assert at.text_input[0].value == "77"


def test_edit_this_image_opens_the_edit_form_with_that_image_picked(open_app) -> None:
    at = open_app()
    at.text_area[0].input("navy triangles")
    at = click(at, "Generate")
    at.switch_page("pages/gallery.py").run()
    at = click(at, "Open")
    image_id = at.session_state["gallery.selected"]
    at = click(at, "Edit this image")
    assert at.segmented_control[0].value == "Edit"
    assert at.radio(key="generate.edit_source").value == "Pick from my gallery"
    assert at.selectbox(key="generate.pick").value == image_id
    at.switch_page("pages/generate.py")  # AppTest keeps requesting the page it last switched to
    at.text_area[0].input("sepia")
    at = click(at, "Apply edit")
    assert [e.value for e in at.error] == []
    assert shown(at.success) == ["Done. Charged 1 credit."]


def test_use_these_settings_again_also_restores_the_number_of_images(open_app) -> None:
    at = open_app()
    at.slider[0].set_value(3).run()
    at.text_area[0].input("silver rain")
    at = click(at, "Generate")
    at.switch_page("pages/gallery.py").run()
    at = click(at, "Open")
    at = click(at, "Use these settings again")
    assert at.slider[0].value == 3
    assert any(b.label == "Generate · 3 credits" for b in at.button)


def test_deleting_asks_for_confirmation_then_empties_the_gallery(open_app) -> None:
    at = open_app()
    at.text_area[0].input("teal squares")
    at = click(at, "Generate")
    at.switch_page("pages/gallery.py").run()
    at = click(at, "Open")
    at = click(at, "Delete")
    assert "Delete this image for good?" in at.warning[0].value
    at = click(at, "Yes, delete")
    assert "No images yet" in at.info[0].value


def test_the_credits_page_shows_every_hold_with_its_capture(open_app) -> None:
    at = open_app()
    at.text_area[0].input("blue moon")
    at = click(at, "Generate")
    at.switch_page("pages/credits.py").run()
    assert at.metric[0].value == "19 credits"
    ledger = at.dataframe[0].value
    assert list(ledger["Kind"]) == ["capture", "hold", "grant"]
    assert list(ledger["Change"]) == [0, -1, 20]


def _png() -> bytes:
    from tests.factories import image_bytes

    return image_bytes("PNG")
