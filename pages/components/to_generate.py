"""From the gallery's image view to the Generate page, where a job made there runs in the feed.

A button of the image view (Vary, Upscale, Vary region, Use again, Edit) acts in its callback, then asks for one
full run (`leave_for_generate`), and the gallery page goes to Generate at its top, before drawing anything
(`go_to_generate`): the dialog is never drawn again for a page that is leaving. (st.switch_page in a callback is not
allowed, hence the flag.)
"""

from __future__ import annotations

import streamlit as st

GENERATE_PAGE = "pages/generate.py"
TO_GENERATE_KEY = "to_generate.asked"  # the next full run goes to the Generate page


def leave_for_generate() -> None:
    """From a callback of the image view: the whole page runs next (not the dialog's fragment), and goes to Generate
    before drawing anything. Also right from a full run."""
    st.session_state[TO_GENERATE_KEY] = True
    st.rerun()


def go_to_generate() -> None:
    """At the gallery page's top: where the image view asked to leave for Generate, go there."""
    if st.session_state.pop(TO_GENERATE_KEY, False):
        st.switch_page(GENERATE_PAGE)
