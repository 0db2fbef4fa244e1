"""Show private images by their signed URLs; the bytes never pass through Streamlit's media store."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import streamlit as st


def show_image(url: str, *, caption: str = "", width: int | None = None) -> None:
    """st.image needs an absolute URL; without one (no browser context yet) fall back to an <img> tag."""
    base = _base_url()
    if base:
        st.image(base + url, caption=caption or None, width=width if width else "stretch")
        return
    style = f"width:{width}px" if width else "width:100%"
    alt = html.escape(caption or "image")
    st.html(f'<img src="{html.escape(url)}" alt="{alt}" style="{style};border-radius:6px">')
    if caption:
        st.caption(caption)


def _base_url() -> str:
    page_url = st.context.url
    if not page_url:
        return ""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}"


def thumbnail_tile(url: str, *, alt: str) -> None:
    """A square, cropped thumbnail, so a grid of mixed aspect ratios lines up."""
    st.html(
        f'<img src="{html.escape(url)}" alt="{html.escape(alt)}" '
        'style="width:100%;aspect-ratio:1/1;object-fit:cover;border-radius:6px;display:block">'
    )
