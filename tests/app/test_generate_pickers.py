"""Edit and Combine through AppTest: the gallery picker searches the prompts and pages the whole gallery, and once
images are picked it folds into a strip of numbered thumbnails, so the button and the new job stay in view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from core.domain import UserView
from pages.components.edit_source import PICK_KEY
from pages.components.reference_source import PICKS_KEY
from tests.factories import create_form, settle
from tests.fal_server import FalServer
from tests.fal_support import FAL_KEY

COMBINE_GRID, COMBINE_STRIP = "generate.reference_picker.grid", "generate.reference_strip"
EDIT_GRID = "generate.picker.grid"


@pytest.fixture
def fal_app(app_settings: Container, fal: FalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The app on fal's catalogue, which has models that combine images (the offline engine has none)."""
    for key, value in {"IMAGE_ENGINE": "fal", "FAL_KEY": FAL_KEY, "FAL_QUEUE_URL": fal.queue_url}.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()


def grid(at: AppTest, key: str) -> list[dict[str, Any]]:
    """The tiles the page handed to a grid component ([] when it is not drawn)."""
    found = [e for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}")]
    return json.loads(found[0].proto.json)["items"] if found else []  # type: ignore[no-any-return]


def make(c: Container, user: UserView, prompt: str, count: int) -> list[int]:
    job = settle(c, user, c.generation.submit(user, create_form(prompt, num_images=count), c.generation.new_token()).id)
    return [image.id for image in job.images]


def combine(open_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_app()
    return at.segmented_control(key="generate.mode").set_value("Combine").run()


def test_the_picker_pages_the_whole_gallery_and_searches_its_prompts(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local("alice@example.com").user
    herons = make(c, alice, "a grey heron", 2)
    for n in range(4):
        make(c, alice, f"orange field {n}", 4)
    at = open_app()
    at = at.segmented_control(key="generate.mode").set_value("Edit").run()
    assert len(grid(at, EDIT_GRID)) == 12 and "Page 1 of 2 · 18 in all" in " ".join(m.value for m in at.markdown)
    at = next(b for b in at.button if b.label == "Older →").click().run()
    assert set(herons) <= {int(t["id"]) for t in grid(at, EDIT_GRID)}  # the oldest ones, not just the newest 12
    at.text_input(key="generate.picker.search").input("heron").run()
    assert {int(t["id"]) for t in grid(at, EDIT_GRID)} == set(herons)
    assert not any(b.label == "Older →" for b in at.button)


def test_two_picks_fold_the_picker_into_a_numbered_strip_that_can_be_changed(open_app, app_settings, fal_app) -> None:
    c = app_settings  # the offline engine makes the gallery's images
    alice = c.accounts.sign_in_local("alice@example.com").user
    first, second, _ = make(c, alice, "three blue moons", 3)
    at = combine(open_app)
    at.session_state[PICKS_KEY] = [second, first]  # two tiles clicked, in this order
    at = at.run()
    assert not grid(at, COMBINE_GRID)  # folded
    assert [(int(t["id"]), t["label"]) for t in grid(at, COMBINE_STRIP)] == [(second, "#1"), (first, "#2")]
    assert "Choose" not in (at.button(key="generate.submit_combine").help or "")  # the images are there
    at = next(b for b in at.button if b.label == "Change picks").click().run()
    assert [(int(t["id"]), t["label"]) for t in grid(at, COMBINE_GRID) if t["label"]] == [(second, "#1"), (first, "#2")]
    at = next(b for b in at.button if b.label == "Done").click().run()
    assert not grid(at, COMBINE_GRID)


def test_an_edit_source_picked_on_another_page_shows_folded_with_a_way_to_change_it(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local("alice@example.com").user
    (image,) = make(c, alice, "a red kite", 1)
    at = open_app()
    at.segmented_control(key="generate.mode").set_value("Edit").run()
    assert grid(at, EDIT_GRID) and at.button(key="generate.submit_edit").disabled
    at.session_state[PICK_KEY] = image
    at = at.run()
    assert not grid(at, EDIT_GRID) and any(b.label == "Change image" for b in at.button)
    at.text_area[0].input("sepia").run()
    assert not at.button(key="generate.submit_edit").disabled
    at = next(b for b in at.button if b.label == "Change image").click().run()
    assert [t["label"] for t in grid(at, EDIT_GRID)] == ["Selected"]
