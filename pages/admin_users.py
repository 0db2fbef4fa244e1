"""Admin → Users: find a user, see their role, balance, last sign-in and images; change a role; adjust credits."""

from __future__ import annotations

import hashlib
import uuid

import streamlit as st

from core.bootstrap import app_container
from core.domain import AdminUserRow, Role, UserView
from core.errors import AtelierError
from pages.components.cards import Card, table_or_cards
from pages.components.flash import flash
from pages.components.guard import require_user
from pages.components.paging import current_cursor, pager, reset
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
ROLE_LABELS = {Role.USER: "User", Role.TEAM: "Team", Role.ADMIN: "Admin"}
SEARCHED_KEY = "admin.users.audited_search"  # the digest of the last search written to the audit log
VIEWED_KEY = "admin.users.audited_user"  # the last user whose detail was written to the audit log
TOKEN_KEY = "admin.users.adjust_token"  # one per adjustment form, so a double click adjusts once
service = app_container().admin

st.title("Users")
search = st.text_input(
    "Search by email or name",
    key="admin.users.search",
    placeholder="part of an email or a name",
    on_change=reset,
    args=("admin.users",),
)
# The list shows other people's addresses: each search is audited once in this session, not on every rerun.
digest = hashlib.sha256(search.encode()).hexdigest()
page = service.users(
    admin, search, after_id=current_cursor("admin.users"), audited=st.session_state.get(SEARCHED_KEY) != digest
)
st.session_state[SEARCHED_KEY] = digest


def _when(row: AdminUserRow) -> str:
    return row.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if row.last_sign_in_at else "never"


if not page.items:
    st.info("No user matches this search." if search else "No users yet.")
    st.stop()


def _table(rows: list[AdminUserRow]) -> None:
    st.dataframe(
        [
            {
                "ID": r.id,
                "Email": r.email,
                "Name": r.display_name,
                "Role": ROLE_LABELS[r.role],
                "Balance": r.balance,
                "Images": r.image_count,
                "Last sign-in (UTC)": _when(r),
                "Joined (UTC)": r.created_at.strftime("%Y-%m-%d"),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        column_config={"ID": st.column_config.NumberColumn(format="%d", width="small")},
    )


def _card(r: AdminUserRow) -> Card:
    return Card(
        headline=r.email,
        lead=ROLE_LABELS[r.role],
        fields=(
            ("Name", r.display_name),
            ("Balance", f"{r.balance:,} credits"),
            ("Images", f"{r.image_count:,}"),
            ("Last sign-in", _when(r) + (" UTC" if r.last_sign_in_at else "")),
            ("Joined", r.created_at.strftime("%Y-%m-%d")),
            ("ID", f"#{r.id}"),
        ),
    )


table_or_cards("admin-users", lambda: _table(page.items), [_card(r) for r in page.items], "Users on this page")
pager("admin.users", page.next_cursor, page.total, service.user_page_size, labels=("← Previous", "Next →"))

rows = {r.id: r for r in page.items}
chosen = st.selectbox(
    "Manage a user on this page",
    list(rows),
    index=None,
    format_func=lambda i: f"#{i} · {rows[i].email}" if i in rows else f"#{i}",
    placeholder="Choose a user",
    help="Change their role or adjust their credits.",
    key="admin.users.manage",
)
if chosen is None or chosen not in rows:
    st.stop()
try:  # a look at one user's details is a staff read: audited once each time another user is chosen
    target = service.user(admin, chosen, audited=st.session_state.get(VIEWED_KEY) != chosen)
    st.session_state[VIEWED_KEY] = chosen
except AtelierError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()


def _manage(admin: UserView, target: AdminUserRow) -> None:
    st.subheader(escape_markdown(target.email), anchor=False)
    st.caption(f"User #{target.id} · {target.balance:,} credits · {target.image_count:,} images")
    left, right = st.columns(2)
    with left, st.form(f"admin.users.role.{target.id}"):
        st.markdown("**Role**")
        role = st.radio(
            "Role",
            list(Role),
            index=list(Role).index(target.role),
            format_func=ROLE_LABELS.__getitem__,
            label_visibility="collapsed",
            help="Team opens the prompt lab; Admin opens this console.",
        )
        if st.form_submit_button("Change role") and role is not None:
            try:
                service.set_role(admin, target.id, role)
                flash(f"Role changed to {ROLE_LABELS[role]}.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))
    with right, st.form(f"admin.users.credits.{target.id}"):
        st.markdown("**Adjust credits**")
        fields = (f"admin.users.amount.{target.id}", f"admin.users.reason.{target.id}")
        amount = st.number_input(
            "Amount", step=1, value=0, help="Positive to grant, negative to deduct.", key=fields[0]
        )
        reason = st.text_input(
            "Reason (the user sees it on their Credits page)", max_chars=service.max_reason_chars, key=fields[1]
        )
        if st.form_submit_button("Apply adjustment"):
            token = st.session_state.setdefault(TOKEN_KEY, uuid.uuid4().hex)
            try:
                service.adjust_credits(admin, target.id, int(amount), reason, token)
                for key in (TOKEN_KEY, *fields):  # a fresh form for the next adjustment; kept on an error
                    st.session_state.pop(key, None)
                flash(f"{int(amount):+,} credits applied.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))


_manage(admin, target)
