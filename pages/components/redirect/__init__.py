"""Send the browser to another site (a payment provider's checkout page) as soon as this renders.

A tiny custom component: Streamlit cannot answer a script run with an HTTP redirect, and links
drawn by st.link_button open in a new tab. Only https addresses (and http on this machine, for
the local test servers) are followed.
"""

from __future__ import annotations

import streamlit as st

_JS = """
export default function ({ data }) {
  const url = String((data && data.url) || '');
  const local = /^http:\\/\\/(127\\.0\\.0\\.1|localhost)(:\\d+)?\\//.test(url);
  if (url.startsWith('https://') || local) window.location.assign(url);
}
"""

_component = st.components.v2.component("atelier_redirect", html="<span></span>", js=_JS)


def redirect(url: str, *, key: str) -> None:
    _component(key=key, data={"url": url}, height=0)
