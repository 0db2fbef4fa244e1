"""Keyset paging controls, Newer / Older: `pager` keeps a stack of cursors in session state (UI state
only); `url_pager` keeps the cursor in the URL (?before=<id>), so Back, reload and links keep the page."""

from __future__ import annotations

import math

import streamlit as st


def current_cursor(name: str) -> int | None:
    stack = st.session_state.get(f"{name}.cursors", [])
    return stack[-1] if stack else None


def reset(name: str) -> None:
    """Back to the first page (after the filter changed)."""
    st.session_state[f"{name}.cursors"] = []


def pager(
    name: str,
    next_cursor: int | None,
    total: int,
    page_size: int,
    labels: tuple[str, str] = ("← Newer", "Older →"),
) -> None:
    stack: list[int] = st.session_state.setdefault(f"{name}.cursors", [])
    pages = max(1, math.ceil(total / page_size))
    left, middle, right = st.columns([1, 2, 1])
    if left.button(labels[0], key=f"{name}.newer", disabled=not stack, width="stretch"):
        stack.pop()
        st.rerun()
    middle.markdown(
        f"<div style='text-align:center'>Page {len(stack) + 1} of {pages} · {total:,} in all</div>",
        unsafe_allow_html=True,
    )
    if (
        right.button(labels[1], key=f"{name}.older", disabled=next_cursor is None, width="stretch")
        and next_cursor is not None
    ):
        stack.append(next_cursor)
        st.rerun()


def url_cursor(param: str = "before") -> int | None:
    """The page cursor in the URL; None (the first page) when there is none or it is not a number."""
    raw = st.query_params.get(param, "")
    return int(raw) if raw.isdigit() else None


def url_pager(
    param: str,
    *,
    next_cursor: int | None,
    newer_cursor: int | None,
    page_number: int,
    total: int,
    page_size: int,
    labels: tuple[str, str] = ("← Newer", "Older →"),
) -> None:
    """Drawn only when there is more than one page, on one line even on a phone. `newer_cursor` None with
    page_number > 1 means the newer page is the first one (no cursor)."""
    if page_number <= 1 and next_cursor is None:
        return
    pages = max(1, math.ceil(total / page_size), page_number)
    with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
        st.button(
            labels[0],
            key=f"pager.{param}.newer",
            disabled=page_number <= 1,
            on_click=_go,
            args=(param, newer_cursor),
        )
        st.markdown(f"Page {page_number} of {pages} · {total:,} in all", width="content")
        st.button(
            labels[1],
            key=f"pager.{param}.older",
            disabled=next_cursor is None,
            on_click=_go,
            args=(param, next_cursor),
        )


def url_pager_reset(param: str) -> None:
    """Back to the first page."""
    _go(param, None)


def _go(param: str, cursor: int | None) -> None:
    if cursor is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(cursor)
