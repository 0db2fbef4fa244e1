"""Keyset paging controls, Newer / Older: `pager` keeps a stack of cursors in session state (UI state
only); `url_pager` keeps the cursor in the URL (?after=<id> or ?before=<id>), so Back, reload and links
keep the page."""

from __future__ import annotations

import math

import streamlit as st

from core.domain.url_params import Id


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


def url_pager(
    after_param: Id,
    before_param: Id,
    *,
    next_after: int | None,
    previous_before: int | None,
    page_number: int,
    total: int,
    page_size: int,
    labels: tuple[str, str] = ("← Newer", "Older →"),
) -> None:
    """Keyset pages both ways, the cursor in the URL: the next page starts after `next_after` (?after=), the
    previous one ends before `previous_before` (?before=), so neither needs a read of its own. Drawn only
    when there is more than one page, on one line even on a phone."""
    if page_number <= 1 and next_after is None:
        return
    pages = max(1, math.ceil(total / page_size), page_number)
    with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
        st.button(
            labels[0],
            key=f"pager.{after_param.name}.previous",
            disabled=previous_before is None,
            on_click=_go,
            args=(before_param, previous_before, after_param),
        )
        st.markdown(f"Page {page_number} of {pages} · {total:,} in all", width="content")
        st.button(
            labels[1],
            key=f"pager.{after_param.name}.next",
            disabled=next_after is None,
            on_click=_go,
            args=(after_param, next_after, before_param),
        )


def url_pager_reset(*params: Id) -> None:
    """Back to the first page."""
    for param in params:
        st.query_params.pop(param.name, None)


def _go(param: Id, cursor: int | None, other: Id) -> None:
    st.query_params.pop(other.name, None)
    param.put(st.query_params, cursor)
