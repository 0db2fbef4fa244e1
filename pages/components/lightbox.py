"""The gallery's lightbox: one image large, how it was made, and what to do with it.

Which image is open lives in the URL (?image=<id>), so Back, Forward, reload and a shared link
all work. The dialog is a fragment: its own buttons rerun only the dialog, so whatever must
change the page body (delete, close) ends with a full st.rerun().
"""

from __future__ import annotations

import html

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, ImageView, UserView
from core.domain.gallery import GalleryQuery, highlight
from core.domain.reuse import image_facts
from core.domain.url_params import IMAGE
from core.errors import NotFoundError
from core.services.gallery import ImageDetail, OpenedImage
from core.services.presets import PresetService
from core.text import plural
from pages.components.flash import flash
from pages.components.image_grid import GridItem, image_grid
from pages.components.image_make import make_more
from pages.components.image_reuse import use_again_buttons
from pages.components.image_share import share_panel
from pages.components.lightbox_browser import lightbox_browser, opened_over_gallery
from pages.components.media import image_alt, show_image
from pages.components.safe_text import escape_markdown

CONFIRM_KEY = "gallery.confirm_delete"
HOW_MADE = "Also delete how it was made (prompt and settings)"
HOW_MADE_HELP = "The job's prompt and settings go too, and fal.ai is asked to forget the job. Your credits history is unchanged."  # the image whose deletion waits for a "Yes"
# A search match: the brand's terracotta, translucent, so the text keeps its theme colour (as in the grid).
MARK_STYLE = "background:rgba(196,98,64,.3);color:inherit;font-weight:600;border-radius:2px;padding:0 1px"
TEXT_LABELS = {
    GenerationKind.TEXT_TO_IMAGE: "Prompt",
    GenerationKind.EDIT: "Instruction",
    GenerationKind.MULTI_REFERENCE: "Instruction",
    GenerationKind.UPSCALE: "Description",
    GenerationKind.FILL: "What goes in the region",
}

RELATIONS = {
    GenerationKind.EDIT: "Edited from",
    GenerationKind.UPSCALE: "Upscaled from",
    GenerationKind.FILL: "Region painted over in",
}


def image_param() -> int | None:
    """The id in ?image=, or None when there is none or it cannot be read."""
    return IMAGE.read(st.query_params)


def find(user: UserView, query: GalleryQuery) -> OpenedImage | None:
    """The image ?image= asks for, with its neighbours in the gallery's current view; None when there is none.
    A link to a missing image, or to someone else's (they look the same), says so above the grid."""
    if IMAGE.name not in st.query_params:
        return None
    image_id = image_param()
    if image_id is not None:
        try:
            return app_container().gallery.open(user, image_id, query)
        except NotFoundError:
            pass
    st.warning("That image is not in your gallery: it may have been deleted, or the link is not yours.")
    return None


def open_image(image_id: int | str) -> None:
    """Show this image; an id that is none, nothing. Opened from the gallery it is a new history entry; a move
    to another image replaces that entry (lightbox_browser), so one Back after closing leaves the gallery."""
    opened_over_gallery()
    st.query_params.update(IMAGE.write(IMAGE.parse(str(image_id))))


def ask_to_delete(image_id: int | str) -> None:
    """Open the image with its delete confirmation showing: nothing is deleted without a "Yes"."""
    if (chosen := IMAGE.parse(str(image_id))) is not None:
        open_image(chosen)
        st.session_state[CONFIRM_KEY] = chosen


def close() -> None:
    st.query_params.pop(IMAGE.name, None)
    st.session_state.pop(CONFIRM_KEY, None)


def step(user: UserView, direction: int, query: GalleryQuery) -> None:
    """Move to the previous (-1) or the next (+1) image of the current view, if there is one."""
    current = image_param()
    if current is None:
        return
    try:
        newer, older = app_container().gallery.neighbours(user, current, query)
    except NotFoundError:
        return
    target = newer if direction < 0 else older
    if target is not None:
        open_image(target)


def toggle_star(user: UserView, image_id: int) -> None:
    """Star the image, or unstar it if it is starred."""
    app_container().gallery.toggle_favourite(user, image_id)


@st.dialog("Image", width="large", on_dismiss=close)
def lightbox(user: UserView, opened: OpenedImage, query: GalleryQuery) -> None:
    """`opened` is what the page run found; Previous / Next rerun only this dialog, so it reads ?image= again."""
    if opened.detail.image.id != image_param():
        try:
            opened = app_container().gallery.open(user, image_param() or 0, query)
        except NotFoundError as exc:
            st.warning(escape_markdown(str(exc)))
            return
    detail = opened.detail
    picture, about = st.columns([3, 2], gap="medium")
    with picture:
        batch = detail.generation.num_images if detail.generation else 1
        show_image(detail.image.original_url, alt=image_alt(detail.image, batch))
        _navigation(opened.newer, opened.older)
    with about:
        _star(user, detail)
        _facts(detail, query.filter.terms)
        _filing(user, detail)
        _actions(user, detail)


def _navigation(newer: int | None, older: int | None) -> None:
    with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
        st.button(
            "Previous",
            key="gallery.previous",
            icon=":material/arrow_back:",
            disabled=newer is None,
            on_click=open_image,
            args=(newer or 0,),
            help="The newer image (← key)",
        )
        lightbox_browser()  # nothing to see: between the buttons it takes no room of its own
        st.button(
            "Next",
            key="gallery.next",
            icon=":material/arrow_forward:",
            disabled=older is None,
            on_click=open_image,
            args=(older or 0,),
            help="The older image (→ key)",
        )
    with st.container(key="gallery-key-hint"):  # phone.css shows the one for the screen in hand
        st.caption("← and → move between images; Esc closes.")
    with st.container(key="gallery-swipe-hint"):
        st.caption("Swipe the picture left or right to move between images.")


def _star(user: UserView, detail: ImageDetail) -> None:
    starred = detail.image.favourite
    st.button(
        "Starred" if starred else "Star",
        key="gallery.star",
        icon=":material/star:" if starred else ":material/star_outline:",
        type="primary" if starred else "secondary",
        on_click=toggle_star,
        args=(user, detail.image.id),
        help="Remove from favourites" if starred else "Add to favourites",
    )


def _filing(user: UserView, detail: ImageDetail) -> None:
    """Which collections hold the image; changing the choice files it in or takes it out."""
    collections = {c.id: c.name for c in app_container().collections.list(user)}
    if not collections:
        return
    key = f"gallery.filing.{detail.image.id}"
    st.session_state[key] = [cid for cid in collections if cid in detail.collection_ids]
    st.multiselect(
        "In collections",
        list(collections),
        key=key,
        format_func=collections.__getitem__,
        on_change=_refile,
        args=(user, detail.image.id, key),
        placeholder="Not in a collection",
    )


def _refile(user: UserView, image_id: int, key: str) -> None:
    try:
        app_container().collections.file(user, image_id, st.session_state.get(key) or ())
    except NotFoundError as exc:
        flash(escape_markdown(str(exc)))


def _facts(detail: ImageDetail, terms: tuple[str, ...] = ()) -> None:
    image, generation = detail.image, detail.generation
    if generation is None:
        st.markdown("**Uploaded by you** for editing.")
        st.table(image_facts(image, None))
        return
    st.markdown(f"**{TEXT_LABELS[generation.kind]}**")
    if terms:  # the search's matches marked, every character of the prompt escaped
        marked = "".join(
            f"<mark style='{MARK_STYLE}'>{html.escape(t)}</mark>" if hit else html.escape(t)
            for t, hit in highlight(generation.prompt, terms)
        )
        st.html(f'<p style="white-space:pre-wrap;margin:0">{marked}</p>')
    else:
        st.text(generation.prompt)
    label = app_container().generation.model_label(generation.model)
    st.table(image_facts(image, generation, label, style_name(generation.preset_id)))
    _chain(detail)


def style_name(preset_id: int | None) -> str:
    """The preset picked on Generate for this job, named even once retired ("" for none)."""
    if preset_id is None:
        return ""
    return app_container().of(PresetService).names([preset_id]).get(preset_id, "A deleted style")


def _chain(detail: ImageDetail) -> None:
    """The edit history one step each way: what this image was made from, and what was made from it."""
    chain = detail.chain
    kind = detail.generation.kind if detail.generation is not None else None
    relation = RELATIONS.get(kind, "Made from") if kind else "Made from"
    if chain.parents:
        st.markdown(f"**{relation}**")
        _chain_grid(chain.parents, "gallery.chain.parents", relation)
    if chain.missing_parents:
        st.caption(f"{relation} {plural(chain.missing_parents, 'image')} since deleted.")
    if chain.children:
        st.markdown("**Edits and combinations of this image**")
        _chain_grid(chain.children, "gallery.chain.children", "Made from this image")


def _chain_grid(images: list[ImageView], key: str, relation: str) -> None:
    items = [
        GridItem(str(i.id), i.thumb_url, f"{relation}: {image_alt(i)}", i.width, i.height, actions=("open",))
        for i in images
    ]
    image_grid(items, key=key, row_height=72, on_open=lambda image_id: open_image(int(image_id)))


def _actions(user: UserView, detail: ImageDetail) -> None:
    image, generation = detail.image, detail.generation
    st.link_button("Download original", image.download_url, icon=":material/download:", width="stretch")
    use_again_buttons(detail)
    make_more(user, detail)
    share_panel(user, detail)
    if st.session_state.get(CONFIRM_KEY) != image.id:
        st.button(
            "Delete…",
            key="gallery.delete",
            icon=":material/delete:",
            width="stretch",
            on_click=_confirm,
            args=(image.id,),
        )
        return
    st.warning(
        "Delete this image for good? Its files are removed; the record of how it was made stays in your history "
        "unless you tick below."
    )
    how_made = generation is not None and st.checkbox(HOW_MADE, key="gallery.delete_how_made", help=HOW_MADE_HELP)
    if how_made and generation is not None and generation.num_images > 1:
        st.caption("The other images of this job share its prompt: it is removed from them too.")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", key="gallery.delete_yes", type="primary", width="stretch"):
        try:
            app_container().gallery.delete(user, image.id, how_made=how_made)
            flash("Image deleted.")
        except NotFoundError:  # deleted in another tab in the meantime: the outcome is the same
            flash("This image had already been deleted.")
        close()
        st.rerun()
    no.button("Keep it", key="gallery.delete_no", width="stretch", on_click=_confirm, args=(None,))


def _confirm(image_id: int | None) -> None:
    st.session_state[CONFIRM_KEY] = image_id
