"""Keyset paging controls: a stack of cursors in session state (UI state only), Newer / Older buttons."""

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
