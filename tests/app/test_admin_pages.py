"""The admin console through its pages: find a user, adjust credits with a reason, change a role, read the log."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.fake_user import claims
from tests.markdown import unescape

ADMIN = claims("admin-sub", "admin@example.com", name="Ada Admin")


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def messages(at: AppTest) -> str:
    return unescape(" | ".join(str(e.value) for kind in ("error", "info", "caption") for e in at.get(kind)))


def test_an_admin_finds_a_user_grants_credits_with_a_reason_and_the_log_shows_it(oidc_app) -> None:
    oidc_app(claims("bob-sub", "bob@example.com", name="Bob Builder"))
    at, c = oidc_app(ADMIN, script="pages/admin_users.py")
    at.text_input(key="admin.users.search").input("BUILDER").run()
    assert at.dataframe[0].value["Email"].tolist() == ["bob@example.com"]
    at.selectbox(key="admin.users.manage").select(1).run()  # bob signed up first: user #1
    at.number_input[0].set_value(15)
    at.text_input[1].input("Sorry for the outage")
    at = click(at, "Apply adjustment")
    assert at.dataframe[0].value["Balance"].tolist() == [35]
    assert (at.number_input[0].value, at.text_input[1].value) == (0, "")  # a fresh form for the next one
    bob = c.accounts.get(1)
    assert bob is not None and bob.balance == 35
    [entry] = [e for e in c.credits.ledger_page(bob).items if e.kind == "adjustment"]
    assert (entry.delta, entry.reason) == (15, "Sorry for the outage")

    log, _ = oidc_app(ADMIN, script="pages/admin_audit.py")
    rows = log.table[0].value  # a static table: its cells are escaped markdown
    # Newest first: the adjustment, and before it the staff reads: bob's details, the search, the first list.
    assert [unescape(a) for a in rows["Action"]] == [
        "credits.adjusted",
        "user.viewed",
        "users.searched",
        "users.searched",
        "role.changed",
    ]
    assert [unescape(a) for a in rows["Actor"]] == ["admin@example.com"] * 4 + ["system"]
    assert "BUILDER" not in " ".join(unescape(d) for d in rows["Details"])  # only the search's length
    log.selectbox(key="admin.audit.action").select("role.changed").run()
    assert [unescape(a) for a in log.table[0].value["Action"]] == ["role.changed"]


def test_an_adjustment_without_a_reason_is_refused_and_changes_nothing(oidc_app) -> None:
    oidc_app(claims("bob-sub", "bob@example.com"))
    at, c = oidc_app(ADMIN, script="pages/admin_users.py")
    at.selectbox(key="admin.users.manage").select(1).run()
    at.number_input[0].set_value(-5)
    at = click(at, "Apply adjustment")
    assert "Give a reason of 3 to 300 characters" in messages(at)
    assert at.number_input[0].value == -5  # nothing the admin typed is lost
    bob = c.accounts.get(1)
    assert bob is not None and bob.balance == 20


def test_the_last_admin_cannot_demote_themselves(oidc_app) -> None:
    at, c = oidc_app(ADMIN, script="pages/admin_users.py")
    at.selectbox(key="admin.users.manage").select(1).run()
    at.radio[0].set_value(at.radio[0].options[0])  # "User"
    at = click(at, "Change role")
    assert "This is the last admin" in messages(at)
    admin = c.accounts.get(1)
    assert admin is not None and admin.role == "admin"


def test_a_role_change_shows_in_the_list_and_the_navigation_of_that_user(oidc_app) -> None:
    bob_claims = claims("bob-sub", "bob@example.com")
    oidc_app(bob_claims)
    at, _ = oidc_app(ADMIN, script="pages/admin_users.py")
    at.selectbox(key="admin.users.manage").select(1).run()
    at.radio[0].set_value("admin")
    at = click(at, "Change role")
    assert at.dataframe[0].value["Role"].tolist() == ["Admin", "Admin"]
    bob, _ = oidc_app({**bob_claims, "nonce": "later"}, script="pages/admin_audit.py")
    assert [t.value for t in bob.title] == ["Audit log"]
