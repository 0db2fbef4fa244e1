"""The audit log page as an admin reads it: subjects by the user's email (a user who is gone says so), details as
key: value lines, and no table toolbar to export the page without an audit row: only the audited download."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import AuditFilter, Role
from db.tables import AuditEntry
from tests.app.fake_user import claims
from tests.markdown import unescape

ADMIN = claims("admin-sub", "admin@example.com", name="Ada Admin")


def lines(cell: str) -> list[str]:
    """What a reader sees of one cell: its escaped lines, each unescaped."""
    return [unescape(line) for line in cell.split("  \n")]


def log_of_an_admin_and_bob(oidc_app) -> tuple[AppTest, Container]:  # type: ignore[no-untyped-def]
    oidc_app(claims("bob-sub", "bob@example.com", name="Bob Builder"))
    _, c = oidc_app(ADMIN, script="pages/admin_audit.py")  # signs the admin in; reading the log writes no row
    admin = c.accounts.get(2)
    assert admin is not None and admin.role == Role.ADMIN
    c.admin.adjust_credits(admin, 1, 15, "Sorry for the outage: *really*", "sorry")
    c.admin.set_role(admin, 1, Role.TEAM)
    with c.db.uow() as uow:  # an entry about an account that is gone since
        uow.audit.add(
            AuditEntry(
                created_at=datetime.now(UTC),
                actor_id=None,
                action="credits.adjusted",
                subject="user:999",
                details='{"amount": -3, "reason": "Erased", "note": null, "flags": [true, false], "by": {"job": 7}}',
            )
        )
        uow.commit()
    at, _ = oidc_app(ADMIN, script="pages/admin_audit.py")
    return at, c


def test_subjects_show_the_users_email_and_a_user_who_is_gone_says_so(oidc_app) -> None:
    at, _ = log_of_an_admin_and_bob(oidc_app)
    rows = at.table[0].value
    assert [unescape(s) for s in rows["Subject"]] == [
        "user #999 (deleted)",
        "bob@example.com",
        "bob@example.com",
        "admin@example.com",  # ADMIN_EMAILS made this account an admin at its first sign-in
    ]
    assert not any("user:" in unescape(cell) for column in rows for cell in rows[column])


def test_details_show_as_key_value_lines_not_json(oidc_app) -> None:
    at, _ = log_of_an_admin_and_bob(oidc_app)
    details = [lines(cell) for cell in at.table[0].value["Details"]]
    assert details == [
        ["amount: -3", "reason: Erased", "note: none", "flags: yes, no", "by.job: 7"],  # in the order stored
        ["new: team", "old: user"],
        ["amount: 15", "reason: Sorry for the outage: *really*"],  # the admin's words, shown as typed
        ["by: ADMIN_EMAILS", "new: admin", "old: user"],
    ]
    assert not any("{" in line or '"' in line for cell in details for line in cell)


def test_the_table_has_no_toolbar_export_and_the_only_download_is_the_audited_one(oidc_app) -> None:
    at, c = log_of_an_admin_and_bob(oidc_app)
    assert not at.dataframe  # st.dataframe's toolbar downloads (and copies) the page with no audit row
    assert len(at.table) == 1
    assert [b.label for b in at.get("download_button")] == ["Download as CSV"]
    admin = c.accounts.get(2)
    assert admin is not None
    before = c.admin.audit_log(admin, AuditFilter()).total
    c.admin.audit_csv(admin, AuditFilter())  # what it calls
    assert c.admin.audit_log(admin, AuditFilter()).total == before + 1
