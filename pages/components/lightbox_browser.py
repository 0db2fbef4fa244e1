"""The image view's part in the browser: one history entry per visit, and swipes on a touch screen.

History: Streamlit pushes a history entry for every change of st.query_params, so each step through
the images added one, and leaving a view of four images took six Backs (issue 22). Once the image view
has been shown, this component wraps history.pushState: a move from one image to another REPLACES the entry, and
a close of a view that opened over the gallery goes BACK to the gallery's own entry instead of pushing a
new one. So: open (one entry), ←/→ as often as you like, Esc, and one Back leaves the gallery. A view
opened by a link has no gallery entry behind it: closing it pushes the gallery, and Back shows the image again.

Swipes: a horizontal swipe on the picture presses the view's Next (left swipe) or Previous (right swipe)
button, so swipes, keys and buttons all take the same path.
"""

from __future__ import annotations

import streamlit as st

from core.domain.url_params import IMAGE

_JS = r"""
const PARAM = 'image';
const hasImage = (url) => new URL(url, location.href).searchParams.has(PARAM);

function install(w) {
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  history.pushState = function (state, title, url) {
    if (url == null || location.pathname !== w.path || !hasImage(location.href)) return push(state, title, url);
    const next = new URL(url, location.href);
    if (next.pathname !== location.pathname) return push(state, title, url);  // another page
    if (hasImage(next)) return replace(history.state, title, url);  // a step: the same entry
    if (history.state && history.state.atelierOverGallery) return history.back();  // close: the gallery's entry
    return push(state, title, url);  // a view opened by a link: Back shows the linked image again
  };
  const start = (e) => {
    const t = e.changedTouches[0];
    w.touch = e.target.closest && e.target.closest('[data-testid="stDialog"] [data-testid="stImage"]')
      ? { x: t.clientX, y: t.clientY } : null;
  };
  const end = (e) => {
    const from = w.touch; w.touch = null;
    if (!from) return;
    const t = e.changedTouches[0], dx = t.clientX - from.x, dy = t.clientY - from.y;
    if (Math.abs(dx) < 40 || Math.abs(dx) < 1.5 * Math.abs(dy)) return;
    const key = dx < 0 ? 'gallery-next' : 'gallery-previous';
    const button = document.querySelector(`[data-testid="stDialog"] .st-key-${key} button`);
    if (button && !button.disabled) button.click();
  };
  document.addEventListener('touchstart', start, { passive: true });
  document.addEventListener('touchend', end, { passive: true });
}

export default function ({ data }) {
  // Installed once for the page's life: a dialog closed by Esc is unmounted before the server's URL change
  // arrives, so the wrapper must outlive it. It acts only on the gallery's address with ?image=.
  const w = (window.__atelierLightbox = window.__atelierLightbox || {});
  if (!w.installed) { install(w); w.installed = true; }
  w.path = location.pathname;  // the gallery's own address: other pages' ?image= (none today) are left alone
  // The first sight of this entry says what is behind it; a reload or Forward keeps the mark.
  if (!history.state || !('atelierOverGallery' in history.state)) {
    history.replaceState({ ...(history.state || {}), atelierOverGallery: !!data.overGallery }, '');
  }
}
"""

_component = st.components.v2.component("atelier_lightbox_browser", html="<span hidden></span>", js=_JS)
OPENED_KEY = "gallery.opened_over_gallery"  # set when the gallery opens an image: its entry is behind


def opened_over_gallery() -> None:
    """The gallery is opening an image from its grid or table: closing it can go back to that entry."""
    if IMAGE.name not in st.query_params:
        st.session_state[OPENED_KEY] = True


def lightbox_browser() -> None:
    """Mount inside the image view."""
    over = bool(st.session_state.pop(OPENED_KEY, False))
    _component(key="gallery.lightbox_browser", data={"overGallery": over}, height=0)
