"""The gallery through AppTest: the grid's tiles, the lightbox opened by ?image=, its actions, and the URL pager."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from core.domain import GenerationView, UserView
from pages.components.edit_source import PICK_KEY
from pages.components.generate_forms import COUNT_KEY, MODE_KEY, PROMPT_KEY, SEED_KEY
from tests.factories import create_form, edit_form, image_bytes, settle
from tests.markdown import unescape
from tests.media_links import media_target

ALICE = "alice@example.com"


def make(c: Container, user: UserView, prompt: str = "purple stripes", **form: Any) -> GenerationView:
    return settle(c, user, c.generation.submit(user, create_form(prompt, **form), c.generation.new_token()).id)


def gallery(open_app, **params: str) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_app(ALICE)
    at.query_params.update(params)
    return at.switch_page("pages/gallery.py").run()


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


def grid(at: AppTest, key: str = "gallery.grid") -> list[dict[str, Any]]:
    """The items the page handed to a grid component (what the browser draws as tiles)."""
    found = [e for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}")]
    if not found:
        return []
    items: list[dict[str, Any]] = json.loads(found[0].proto.json)["items"]
    return items


def facts(at: AppTest) -> dict[str, str]:
    return {str(k): str(v) for k, v in at.table[0].value.iloc[:, 0].items()}


def pager(at: AppTest) -> str:
    return next(str(m.value) for m in at.main.markdown if "Page " in str(m.value))


def warnings(at: AppTest) -> list[str]:
    return [unescape(str(w.value)) for w in at.warning]


def test_an_empty_gallery_says_what_to_do_next_with_a_link_to_generate(open_app) -> None:
    at = gallery(open_app)
    assert "No images yet" in at.info[0].value
    assert at.get("page_link")[-1].proto.page.endswith("generate") and not grid(at)


def test_tiles_keep_their_shape_and_say_what_they_show(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    make(c, alice, "a lighthouse at dusk " + "with gulls " * 20, aspect_ratio="21:9")
    batch = make(c, alice, "tall pines", num_images=2, aspect_ratio="9:16")
    items = grid(gallery(open_app))
    assert [item["alt"] for item in items[:2]] == ["Image 2 of 2: tall pines", "Image 1 of 2: tall pines"]
    panorama = items[2]
    assert panorama["alt"].startswith("a lighthouse at dusk with gulls") and panorama["alt"].endswith("…")
    assert len(panorama["alt"]) <= 120 and panorama["width"] / panorama["height"] > 2.3
    assert media_target(items[0]["src"]) == media_target(batch.images[1].preview_url)
    assert media_target(items[0]["download_url"]) == media_target(batch.images[1].download_url)
    assert not any("#" in item["alt"] for item in items)


def test_an_image_link_opens_the_lightbox_with_how_it_was_made(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, seed=1234, aspect_ratio="3:2").images[0]
    at = gallery(open_app, image=str(image.id))
    assert "purple stripes" in [t.value for t in at.text]
    shown = facts(at)
    assert [shown[k] for k in ("Model", "Aspect ratio", "Seed", "Format")] == [
        "Offline pattern engine (not AI)",
        "3:2",
        "1234",
        "PNG",
    ]
    assert shown["Size"] == f"{image.width} × {image.height} px" and shown["Cost"] == "1 credit"
    assert media_target(at.get("link_button")[0].proto.url) == media_target(image.download_url)


def test_a_batch_image_shows_its_own_seed_its_place_and_the_job_seed(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    job = make(c, alice, num_images=3, seed=50)
    at = gallery(open_app, image=str(job.images[1].id))
    assert facts(at)["Seed"] == "51 (image 2 of 3, job seed 50)"
    assert facts(at)["Cost"] == "3 credits for 3 images"


def test_an_edit_says_what_it_was_edited_from_and_has_no_aspect_ratio(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    upload = image_bytes(size=(160, 90))
    job = c.generation.submit(alice, edit_form("sepia", upload=upload), c.generation.new_token())
    edited = settle(c, alice, job.id).images[0]
    at = gallery(open_app, image=str(edited.id))
    assert "Aspect ratio" not in facts(at) and "Seed" not in facts(at)
    assert "**Edited from**" in [m.value for m in at.markdown]
    items = {item["id"]: item for item in grid(at)}
    assert items[str(edited.id)]["alt"] == "sepia"
    assert items[str(edited.id - 1)]["alt"] == "Uploaded image, 160×90"
    assert "reuse" not in items[str(edited.id - 1)]["actions"]  # an upload has no settings to reuse


def test_an_unknown_or_someone_elses_image_shows_a_clear_message_and_the_grid(open_app, app_settings) -> None:
    c = app_settings
    alice, bob = c.accounts.sign_in_local(ALICE).user, c.accounts.sign_in_local("bob@example.com").user
    make(c, alice)
    bobs = make(c, bob, "bob's secret").images[0]
    for wanted in (str(bobs.id), "99999", "abc"):
        at = gallery(open_app, image=wanted)
        assert warnings(at) == [
            "That image is not in your gallery: it may have been deleted, or the link is not yours."
        ]
        assert not at.table and "bob's secret" not in [t.value for t in at.text]
        assert len(grid(at)) == 1


def test_use_these_settings_again_sets_the_draft_with_this_images_own_seed_and_one_image(
    open_app, app_settings
) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    job = make(c, alice, "gold circles", num_images=3, seed=70, aspect_ratio="16:9")
    at = click(gallery(open_app, image=str(job.images[2].id)), "Use these settings again")
    assert at.title[0].value == "Generate"
    assert at.session_state[PROMPT_KEY] == "gold circles"
    assert (at.session_state[SEED_KEY], at.session_state[COUNT_KEY]) == ("72", 1)


def test_edit_this_image_opens_the_edit_form_with_that_image_picked(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, "navy triangles").images[0]
    at = click(gallery(open_app, image=str(image.id)), "Edit this image")
    assert at.session_state[MODE_KEY] == "Edit" and at.session_state[PICK_KEY] == image.id


def test_previous_and_next_move_through_the_gallery_order_and_change_the_url(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    oldest, middle, newest = (make(c, alice, p).images[0].id for p in ("one", "two", "three"))
    at = gallery(open_app, image=str(middle))
    at = click(at, "Next")  # older
    assert at.query_params["image"] == str(oldest) and "one" in [t.value for t in at.text]
    assert next(b for b in at.button if b.label == "Next").disabled
    at = click(click(at, "Previous"), "Previous")
    assert at.query_params["image"] == str(newest) and "three" in [t.value for t in at.text]
    assert next(b for b in at.button if b.label == "Previous").disabled


def test_deleting_asks_for_confirmation_then_closes_the_lightbox(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, "teal squares").images[0]
    at = click(gallery(open_app, image=str(image.id)), "Delete")
    assert "Delete this image for good?" in warnings(at)[0]
    assert c.gallery.page(alice).total == 1  # nothing deleted without a "Yes"
    at = click(at, "Yes, delete")
    assert "image" not in at.query_params and c.gallery.page(alice).total == 0
    assert "No images yet" in at.info[0].value
    assert [t.value for t in at.toast] == ["Image deleted."]


def test_the_page_cursor_lives_in_the_url(open_app, app_settings) -> None:
    c = app_settings
    c.gallery.page_size = 2
    alice = c.accounts.sign_in_local(ALICE).user
    ids = [make(c, alice, f"picture {n}").images[0].id for n in range(5)]
    at = gallery(open_app)
    assert [item["id"] for item in grid(at)] == [str(ids[4]), str(ids[3])]
    assert "Page 1 of 3" in pager(at)
    at = click(click(at, "Older"), "Older")
    assert at.query_params["after"] == str(ids[1]) and [item["id"] for item in grid(at)] == [str(ids[0])]
    assert "Page 3 of 3" in pager(at)
    at = click(at, "← Newer")
    assert at.query_params["before"] == str(ids[0]) and "after" not in at.query_params
    assert [item["id"] for item in grid(at)] == [str(ids[2]), str(ids[1])] and "Page 2 of 3" in pager(at)
    at = click(at, "← Newer")
    assert at.query_params["before"] == str(ids[2]) and "Page 1 of 3" in pager(at)
    assert [item["id"] for item in grid(at)] == [str(ids[4]), str(ids[3])]
    assert next(b for b in at.button if b.label == "← Newer").disabled


def test_jobs_in_flight_show_a_placeholder_per_image_instead_of_the_empty_state(open_app, monkeypatch) -> None:
    monkeypatch.setenv("OFFLINE_ENGINE_DELAY_SECONDS", "600")
    app_container.cache_clear()
    c = app_container()
    alice = c.accounts.sign_in_local(ALICE).user
    job = c.generation.submit(
        alice, create_form("slow spirals", num_images=2, aspect_ratio="16:9"), c.generation.new_token()
    )
    at = gallery(open_app)
    assert not at.info and not grid(at)
    tiles = grid(at, "gallery.in_flight")
    assert [t["id"] for t in tiles] == [f"job-{job.id}-0", f"job-{job.id}-1"]
    assert tiles[0]["src"] == "" and tiles[0]["label"].startswith("Queued · ") and tiles[0]["label"].endswith(" s")
    assert (
        tiles[1]["alt"] == "Image 2 of 2 being made: slow spirals" and tiles[0]["width"] / tiles[0]["height"] == 16 / 9
    )
