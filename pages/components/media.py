"""Show private images by their signed URLs; the bytes never pass through Streamlit's media store."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import streamlit as st

from core.domain import ImageView

ALT_CHARS = 120


def show_image(url: str, *, alt: str, caption: str = "", width: int | None = None) -> None:
    """st.image needs an absolute URL; without one (no browser context yet) fall back to an <img> tag.

    `alt` says what the picture shows (built from its prompt); a caption never replaces it.
    """
    base = _base_url()
    if base:
        st.image(base + url, caption=caption or None, width=width if width else "stretch", alt=alt)
        return
    style = f"width:{width}px" if width else "width:100%"
    st.html(f'<img src="{html.escape(url)}" alt="{html.escape(alt)}" style="{style};border-radius:6px">')
    if caption:
        st.caption(caption)


def absolute_url(url: str) -> str:
    """The app-relative `url` made absolute for this browser (images in st.dataframe need it); unchanged
    when there is no browser context yet."""
    return _base_url() + url


def _base_url() -> str:
    page_url = st.context.url
    if not page_url:
        return ""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}"


def image_alt(image: ImageView, of: int = 1) -> str:
    """Alt text from what made the picture: its prompt, and its place in a batch of `of`."""
    if image.source == "upload" or not image.prompt:
        return f"Uploaded image, {image.width}×{image.height}"
    prompt = " ".join(image.prompt.split())
    prompt = prompt if len(prompt) <= ALT_CHARS else prompt[: ALT_CHARS - 1].rstrip() + "…"
    return f"Image {image.position + 1} of {of}: {prompt}" if of > 1 else prompt
