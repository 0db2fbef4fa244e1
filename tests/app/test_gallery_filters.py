"""The gallery's search, filters, favourites, collections and bulk actions through AppTest. The URL's query
parameters are the state: a bookmarked URL shows the same view with its widgets filled, and every change
writes the URL from the first page."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import UserView
from pages.components.generate_forms import MODE_KEY, PROMPT_KEY, SEED_KEY
from pages.components.safe_text import escape_markdown
from tests.app.test_gallery import ALICE, click, gallery, grid, make, warnings
from tests.markdown import unescape


def ids_shown(at: AppTest) -> list[int]:
    return [int(item["id"]) for item in grid(at)]


def seeded(open_app: Any, app_settings: Container) -> tuple[AppTest, Container, UserView, dict[str, int]]:
    at = open_app(ALICE)
    c = app_settings
    user = c.accounts.sign_in_local(ALICE).user  # the same account open_app signed in
    made = {
        name: make(c, user, prompt, aspect_ratio=ratio).images[0].id
        for name, prompt, ratio in (
            ("cat", "a ginger cat on a windowsill", "1:1"),
            ("cats", "three cats and a dog", "16:9"),
            ("dog", "a dog on the beach", "1:1"),
        )
    }
    return at, c, user, made


def test_a_bookmarked_search_shows_its_matches_with_the_widgets_filled_and_the_words_marked(
    open_app, app_settings
) -> None:
    _, c, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, q="cat", aspect="1:1")
    assert ids_shown(at) == [made["cat"]]
    assert at.text_input(key="gallery.filter.text").value == "cat"
    assert at.session_state["gallery.filter.aspects"] == ["1:1"]
    caption = grid(at)[0]["caption"]
    assert ["cat", True] in caption and ["ginger", False] not in caption  # the match is marked, the rest not
    assert "".join(text for text, _ in caption) == "a ginger cat on a windowsill"
    assert "1 matching" in [c.value for c in at.caption]


def test_typing_a_search_writes_the_url_from_the_first_page_and_clear_filters_undoes_it(open_app, app_settings) -> None:
    _, _, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, after=str(made["dog"]))
    at.text_input(key="gallery.filter.text").input("dog").run()
    assert at.query_params.get("q") == "dog" and "after" not in at.query_params
    assert ids_shown(at) == [made["dog"], made["cats"]]
    at = click(at, "Clear filters")
    assert "q" not in at.query_params and len(ids_shown(at)) == 3
    assert at.text_input(key="gallery.filter.text").value == ""


def test_the_order_and_page_size_live_in_the_url(open_app, app_settings) -> None:
    _, _, _, made = seeded(open_app, app_settings)
    at = gallery(open_app)
    at.selectbox(key="gallery.filter.sort").select_index(1).run()
    assert at.query_params.get("sort") == "oldest"
    assert ids_shown(at) == [made["cat"], made["cats"], made["dog"]]
    at.selectbox(key="gallery.filter.size").set_value(96).run()
    assert at.query_params.get("size") == "96" and at.query_params.get("sort") == "oldest"


def test_a_search_that_matches_nothing_says_so_and_offers_to_clear(open_app, app_settings) -> None:
    seeded(open_app, app_settings)
    at = gallery(open_app, q="zebra")
    assert "No images match" in at.info[0].value and not grid(at)
    at = click(at, "Clear filters")
    assert len(ids_shown(at)) == 3


def test_starring_in_the_image_view_and_the_favourites_filter(open_app, app_settings) -> None:
    _, c, user, made = seeded(open_app, app_settings)
    at = gallery(open_app, fav="1")
    assert "No favourites yet" in at.info[0].value
    at = click(gallery(open_app, image=str(made["cats"])), "Star")
    assert c.gallery.detail(user, made["cats"]).image.favourite
    assert any(b.label == "Starred" for b in at.button)
    at = gallery(open_app, fav="1")
    assert ids_shown(at) == [made["cats"]] and grid(at)[0]["starred"] is True
    assert at.toggle(key="gallery.filter.favourites").value is True


def test_a_collection_is_made_filled_from_a_selection_and_shown(open_app, app_settings) -> None:
    _, c, user, made = seeded(open_app, app_settings)
    at = gallery(open_app)
    at.text_input(key="gallery.collections.new").input("Pets")
    at = click(at, "Create")
    assert [v.name for v in c.collections.list(user)] == ["Pets"]
    at.toggle(key="gallery.selecting").set_value(True).run()
    assert all(item.get("selectable", True) for item in grid(at))
    at.session_state["gallery.selected"] = [made["cats"], made["dog"]]
    at.run()
    assert "**2 images selected**" in [m.value for m in at.markdown]
    at.selectbox(key="gallery.bulk.collection").select_index(0)
    at = click(at, "Add")
    assert [(v.name, v.image_count) for v in c.collections.list(user)] == [("Pets", 2)]
    pets = c.collections.list(user)[0].id
    at = click(at, "Pets · 2 images")
    assert at.query_params.get("collection") == str(pets)
    assert ids_shown(at) == [made["dog"], made["cats"]]


def test_select_all_matching_then_delete_asks_with_the_count(open_app, app_settings) -> None:
    _, c, user, made = seeded(open_app, app_settings)
    at = gallery(open_app, q="dog")
    at.toggle(key="gallery.selecting").set_value(True).run()
    at = click(at, "Select all 2 matching")
    assert at.session_state["gallery.selected"] == [made["dog"], made["cats"]]
    at = click(at, "Delete…")
    assert "Delete 2 images for good?" in warnings(at)[0]
    assert c.gallery.page(user).total == 3  # nothing yet
    at = click(at, "Yes, delete 2 images")
    assert c.gallery.page(user).total == 1 and [t.value for t in at.toast] == ["Deleted 2 images."]
    assert "No images match" in at.info[0].value


def test_reuse_the_prompt_only_or_the_seed_only(open_app, app_settings) -> None:
    _, c, user, _ = seeded(open_app, app_settings)
    job = make(c, user, "gold circles", seed=72)
    at = click(gallery(open_app, image=str(job.images[0].id)), "Prompt only")
    assert at.title[0].value == "Generate"
    assert at.session_state[PROMPT_KEY] == "gold circles" and at.session_state[MODE_KEY] == "Create"
    at.session_state[PROMPT_KEY] = "my own words"
    at.switch_page("pages/gallery.py")
    at.query_params["image"] = str(job.images[0].id)
    at = click(at.run(), "Seed only")
    assert at.session_state[SEED_KEY] == "72" and at.session_state[PROMPT_KEY] == "my own words"


def test_the_table_view_lists_the_page_with_thumbnails_and_links(open_app, app_settings) -> None:
    _, _, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, view="table", q="dog")
    table = at.dataframe[0].value
    assert list(table["Prompt"]) == ["a dog on the beach", "three cats and a dog"]
    assert {"Image", "Model", "Kind", "Favourite", "Open"} <= set(table.columns)
    assert table["Open"].iloc[0].endswith(f"/gallery?q=dog&view=table&image={made['dog']}")
    assert not grid(at)


def test_a_hand_edited_url_never_breaks_the_page(open_app, app_settings) -> None:
    seeded(open_app, app_settings)
    at = gallery(open_app, collection="999", model="gone", kind="nonsense", to="2026-02-30", size="7", after="x")
    assert not at.exception
    assert "No images match" in at.info[0].value  # the deleted collection and the unknown model still filter
    assert at.session_state["gallery.filter.collection"] == 999 and at.session_state["gallery.filter.models"] == [
        "gone"
    ]
    at = click(at, "Clear filters")
    assert len(ids_shown(at)) == 3 and not at.exception


def test_preparing_a_download_of_this_view_says_what_it_holds_and_links_a_zip_of_just_those(
    open_app, app_settings
) -> None:
    _, c, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, q="dog")
    at.radio(key="gallery.export.scope").set_value("This view").run()
    at = click(at, "Prepare download")
    assert any(str(m.value).startswith("**2 images**, about ") for m in at.markdown)
    zip_url, csv_url = (b.proto.url for b in at.get("link_button"))
    assert "/api/exports/history.zip?" in zip_url and "/api/exports/history.csv?" in csv_url
    params = dict(parse_qsl(urlsplit(zip_url).query))
    download = c.exports.open("zip", params)
    with download, zipfile.ZipFile(io.BytesIO(b"".join(download))) as archive:
        files = sorted(n for n in archive.namelist() if n.startswith("images/"))
    assert len(files) == 2 and all(str(made[k]) in " ".join(files) for k in ("dog", "cats"))


def test_a_collection_name_is_shown_as_typed_never_as_markdown(open_app, app_settings) -> None:
    _, c, user, _ = seeded(open_app, app_settings)
    hostile = "**Bold** [x](javascript:alert(1)) <b>"
    c.collections.create(user, hostile)
    at = gallery(open_app)
    label = next(b.label for b in at.button if "image" in b.label and "·" in b.label)
    assert label == f"{escape_markdown(hostile)} · 0 images"  # every markdown character escaped ...
    assert unescape(label) == f"{hostile} · 0 images"  # ... so it reads as typed


def test_a_selection_kept_across_a_filter_change_downloads_just_the_images_picked(open_app, app_settings) -> None:
    _, c, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, q="cat")
    at.toggle(key="gallery.selecting").set_value(True).run()
    at = click(at, "Select all 2 matching")
    at.text_input(key="gallery.filter.text").input("dog").run()  # another view: 2 match, 1 of them picked
    assert "**2 images selected**" in [m.value for m in at.markdown]
    at.button(key="gallery.bulk.export.prepare").click().run()  # in Download selected
    zip_url = next(b.proto.url for b in at.get("link_button") if "history.zip" in b.proto.url)
    with c.exports.open("zip", dict(parse_qsl(urlsplit(zip_url).query))) as download:
        with zipfile.ZipFile(io.BytesIO(b"".join(download))) as archive:
            rows = archive.read("history.csv").decode("utf-8-sig").splitlines()[1:]
    assert sorted(int(row.split(",")[0]) for row in rows) == sorted([made["cat"], made["cats"]])
