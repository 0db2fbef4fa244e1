"""Admin → Presets: the styles promoted from the lab. Publish one to offer it on Generate, order the chips, retire
one to stop offering it (old images keep its name)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.errors import AtelierError
from core.services.presets import PresetService, PresetStatus
from pages.components.guard import require_user
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
presets = app_container().of(PresetService)
STATUS_LABELS = {"draft": "Draft", "published": "Published", "retired": "Retired"}

st.title("Presets")
st.caption("Styles for everyone, promoted from lab cells. Published ones are chips on Generate, in this order.")
found = presets.all(admin)
if not found:
    st.info(
        "No presets yet. The team promotes a winning cell from an experiment in the Lab.", icon=":material/palette:"
    )


def _act(call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except AtelierError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        st.rerun()


for index, preset in enumerate(found):
    with st.container(border=True, key=f"presets.{preset.id}"):
        picture, words = st.columns([1, 4])
        picture.image(preset.preview, width=120, alt=f"A sample of the preset {preset.name}")
        words.markdown(f"**{escape_markdown(preset.name)}** · {STATUS_LABELS.get(preset.status, preset.status)}")
        words.caption(
            escape_markdown(preset.prompt)
            + " · "
            + escape_markdown(app_container().generation.model_label(preset.model))
        )
        with words.container(horizontal=True, gap="small"):
            if preset.status != PresetStatus.PUBLISHED and st.button(
                "Publish", key=f"presets.publish.{preset.id}", icon=":material/publish:", type="primary"
            ):
                _act(lambda p=preset.id: presets.set_status(admin, p, PresetStatus.PUBLISHED))
            if preset.status != PresetStatus.RETIRED and st.button(
                "Retire", key=f"presets.retire.{preset.id}", icon=":material/archive:"
            ):
                _act(lambda p=preset.id: presets.set_status(admin, p, PresetStatus.RETIRED))
            if index > 0 and st.button("Earlier", key=f"presets.up.{preset.id}", icon=":material/arrow_upward:"):
                _act(lambda p=preset.id: presets.move(admin, p, -1))
            if index < len(found) - 1 and st.button(
                "Later", key=f"presets.down.{preset.id}", icon=":material/arrow_downward:"
            ):
                _act(lambda p=preset.id: presets.move(admin, p, 1))
