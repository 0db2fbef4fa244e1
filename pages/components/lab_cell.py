"""A Lab cell opened: its picture, its exact settings, the team's rating (thumbs and 1-5 stars) with a comment, the
row's winner mark, and promotion to a preset for everyone."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.catalogue import INPUT_LABELS
from core.domain.lab import value_label
from core.domain.lab_views import CellView
from core.errors import AtelierError
from core.services.lab import LabService
from core.services.presets import PresetService
from core.text import plural
from pages.components.media import show_image
from pages.components.safe_text import escape_markdown

THUMBS = ("down", "up")  # st.feedback("thumbs") gives 0 for down, 1 for up
OPEN_KEY = "lab.cell.open"  # the cell whose dialog is open: kept while the grid's timer redraws it


def forget_open() -> None:
    st.session_state.pop(OPEN_KEY, None)


def cell_words(rows: int, columns: int) -> str:
    return f"{plural(rows, 'row')} × {plural(columns, 'column')}"


@st.dialog("Cell", width="large", on_dismiss=forget_open)
def cell_dialog(user: UserView, cell: CellView) -> None:
    lab = app_container().of(LabService)
    picture, facts = st.columns([1, 1])
    with picture:
        if cell.image is not None:
            show_image(cell.image.preview_url, alt=cell.prompt)
            st.link_button("Full size", cell.image.original_url, icon=":material/open_in_new:")
        else:
            st.info(f"No picture: {cell.status.value}. {escape_markdown(cell.message)}")
    with facts:
        st.code(cell.prompt, language=None, wrap_lines=True)
        model = escape_markdown(app_container().generation.model_label(cell.model))
        st.caption(f"{model} · {plural(cell.cost, 'credit')} · {_settings_words(cell)}")
        _rating_form(user, lab, cell)
    if cell.image is not None:
        _promote(user, cell)


def _settings_words(cell: CellView) -> str:
    return ", ".join(
        f"{INPUT_LABELS.get(k, k)} {escape_markdown(value_label(v))}" for k, v in sorted(cell.settings.items())
    )


def _rating_form(user: UserView, lab: LabService, cell: CellView) -> None:
    with st.form(f"lab.rate.{cell.id}", border=False):
        thumbs_now = THUMBS.index(cell.thumbs) if cell.thumbs in THUMBS else None
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            thumbs = st.feedback("thumbs", key=f"lab.thumbs.{cell.id}", default=thumbs_now)
            stars = st.feedback("stars", key=f"lab.stars.{cell.id}", default=cell.stars - 1 if cell.stars else None)
        comment = st.text_area("Comment", value=cell.comment, key=f"lab.comment.{cell.id}", height=70)
        winner = st.checkbox("Winner of its row", value=cell.winner, key=f"lab.winner.{cell.id}")
        if st.form_submit_button("Save rating", type="primary", icon=":material/star:"):
            try:
                lab.rate(
                    user,
                    cell.id,
                    thumbs=THUMBS[thumbs] if thumbs is not None else "",
                    stars=stars + 1 if stars is not None else None,
                    comment=comment,
                )
                if winner != cell.winner:
                    lab.mark_winner(user, cell.id, winner)
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                forget_open()
                st.toast("Rating saved", icon=":material/check:")
                st.rerun()


def _promote(user: UserView, cell: CellView) -> None:
    with st.expander("Promote to a preset", icon=":material/auto_awesome:"):
        st.caption(
            "A style for everyone on Generate: this cell's model and settings, and a prompt with one {subject}, "
            "where the user's words go. Admins publish it."
        )
        with st.form(f"lab.promote.{cell.id}", border=False):
            name = st.text_input("Preset name", max_chars=60)
            prompt = st.text_area("Preset prompt", value="{subject}, " + cell.prompt, height=80)
            if st.form_submit_button("Promote", icon=":material/upgrade:"):
                try:
                    preset = app_container().of(PresetService).promote(user, cell.id, name, prompt)
                except AtelierError as exc:
                    st.error(escape_markdown(str(exc)))
                else:
                    st.success(f"“{escape_markdown(preset.name)}” is a draft preset; an admin can publish it.")
