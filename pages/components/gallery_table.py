"""The gallery as a table: one row per image of the current page, sortable by any column, with its
thumbnail, for reading prompts and settings side by side."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.bootstrap import app_container
from core.domain import ImageView
from core.domain.gallery import KIND_LABELS
from core.domain.url_params import IMAGE
from pages.components.cards import Card, table_or_cards
from pages.components.media import absolute_url

LABEL = "Your images on this page, one row each"


def history_table(images: list[ImageView], open_params: dict[str, str]) -> None:
    """The table on a wide screen; on a phone, a card per image with its picture, prompt and a link to open it."""
    label = app_container().generation.model_label
    links = [absolute_url(f"/gallery?{urlencode({**open_params, **IMAGE.write(i.id)})}") for i in images]
    table_or_cards("gallery", lambda: _table(images, links, label), _cards(images, links, label), LABEL)


def _prompt(image: ImageView) -> str:
    return " ".join(image.prompt.split()) or "(uploaded)"


def _cards(images: list[ImageView], links: list[str], label: Callable[[str], str]) -> list[Card]:
    return [
        Card(
            headline=_prompt(i),
            lead="★ Favourite" if i.favourite else "",
            fields=(
                ("Created", f"{i.created_at:%Y-%m-%d %H:%M} UTC"),
                ("Model", label(i.model) if i.model else ""),
                ("Kind", KIND_LABELS.get(i.kind or "upload", i.kind or "")),
                ("Size", f"{i.width} × {i.height} ({i.aspect})"),
                ("Seed", str(i.seed) if i.seed is not None else ""),
            ),
            links=(("Open", link),),
            image=(absolute_url(i.thumb_url), _prompt(i)),
        )
        for i, link in zip(images, links, strict=True)
    ]


def _table(images: list[ImageView], links: list[str], label: Callable[[str], str]) -> None:
    table = pd.DataFrame(
        {
            "Image": [absolute_url(i.thumb_url) for i in images],
            "Open": links,
            "Prompt": [_prompt(i) for i in images],
            "Created (UTC)": [i.created_at for i in images],
            "Model": [label(i.model) if i.model else "" for i in images],
            "Kind": [KIND_LABELS.get(i.kind or "upload", i.kind) for i in images],
            "Size": [f"{i.width} × {i.height}" for i in images],
            "Aspect": [i.aspect for i in images],
            "Seed": [i.seed for i in images],
            "Favourite": [i.favourite for i in images],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height="content",
        row_height=56,
        placeholder="",
        alt=LABEL,
        column_config={
            "Image": st.column_config.ImageColumn("Image", width="small", help="The Prompt column says what it shows."),
            "Created (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Prompt": st.column_config.TextColumn(width="medium"),
            "Seed": st.column_config.NumberColumn(format="%d"),
            "Favourite": st.column_config.CheckboxColumn(help="Starred images"),
            "Open": st.column_config.LinkColumn(
                display_text="Open", width="small", help="Open the image with how it was made."
            ),
        },
    )
