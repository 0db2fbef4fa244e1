"""The Lab's templates: a prompt with {variables}, a name and a note; every save is a new version, and older
versions stay readable and can be restored."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain import lab as rules
from core.errors import AtelierError
from core.services.lab import LabService
from pages.components.safe_text import escape_markdown

PICK_KEY = "lab.templates.pick"
SAVED_KEY = "lab.templates.saved"
NEW = 0  # the picker's "new template"


def template_editor(user: UserView) -> None:
    lab = app_container().of(LabService)
    templates = {t.id: t for t in lab.templates(user)}
    if (saved_id := st.session_state.pop(SAVED_KEY, None)) is not None:
        st.session_state[PICK_KEY] = saved_id  # the template just saved stays open
    if st.session_state.get(PICK_KEY) not in (NEW, *templates):
        st.session_state[PICK_KEY] = NEW
    picked = st.selectbox(
        "Template",
        [NEW, *templates],
        key=PICK_KEY,
        format_func=lambda tid: "New template…" if tid == NEW else f"{templates[tid].name} · v{templates[tid].version}",
    )
    current = templates.get(picked)
    with st.form(f"lab.template.{picked}.{current.version if current else 0}"):
        name = st.text_input("Name", value=current.name if current else "", max_chars=rules.MAX_NAME_CHARS)
        prompt = st.text_area(
            "Prompt",
            value=current.prompt if current else "",
            placeholder="e.g. A portrait of a {animal} in {style}, soft light",
            help="Write {name} where a value goes; an experiment fills each variable or sweeps it on an axis.",
            height=110,
        )
        note = st.text_area("Note", value="", placeholder="What changed in this version, and why", height=70)
        saved = st.form_submit_button("Save version" if current else "Save template", type="primary")
    if saved:
        try:
            view = lab.save_template(user, name, prompt, note, current.id if current else None)
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state[SAVED_KEY] = view.id
            st.toast(f"Saved {view.name} v{view.version}", icon=":material/check:")
            st.rerun()
    if current is None:
        return
    names = rules.variables(current.prompt)
    st.caption("Variables: " + (", ".join("{" + n + "}" for n in names) if names else "none"))
    with st.expander(f"All versions ({current.version})"):
        for version in lab.versions(user, current.id):
            st.markdown(f"**v{version.version}** · {version.saved_at:%d %b %Y %H:%M} UTC")
            st.code(version.prompt, language=None, wrap_lines=True)
            if version.note:
                st.caption(escape_markdown(version.note))
            if version.version != current.version and st.button(
                f"Restore v{version.version}", key=f"lab.restore.{version.id}", icon=":material/history:"
            ):
                restored = lab.restore(user, version.id)
                st.toast(f"Restored as v{restored.version}", icon=":material/history:")
                st.rerun()
