"""Admin → Retention through its page: every rule with its period, "Run the sweep now" and what it did, the recent
runs; a user who is not an admin gets nothing of it."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import AuditFilter
from tests.markdown import unescape

PAGE = "pages/admin_retention.py"


def texts(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "warning", "success")
    return unescape(" | ".join(str(e.value) for kind in kinds for e in at.get(kind)))


def test_an_admin_sees_every_rule_runs_the_sweep_and_sees_what_it_did(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    app_settings.accounts.sign_in_local("alice@example.com")
    at = open_app("admin@example.com", script=PAGE)
    shown = texts(at)
    for words in ("730 days", "30 days before", "90 days", "400 days", "inactive_accounts", "orphan_blobs"):
        assert words in shown
    assert "The sweep has not run yet." in shown

    [run] = [b for b in at.button if b.label == "Run the sweep now"]
    at = run.click().run()
    assert "The sweep finished" in texts(at)
    table = at.table[0].value
    assert set(table["Rule"]) >= {"inactive_accounts", "sign_ins", "payment_payloads", "orphan_blobs", "withheld"}
    assert "by an admin · finished" in texts(at)
    admin = app_settings.accounts.sign_in_local("admin@example.com").user
    actions = [e.action for e in app_settings.admin.audit_log(admin, AuditFilter()).items]
    assert "retention.swept" in actions


def test_a_user_opening_the_retention_page_is_refused_and_sees_no_rule(open_app: Callable[..., AppTest]) -> None:
    at = open_app("alice@example.com", script=PAGE)
    assert "This page is for admins." in texts(at)
    assert "inactive_accounts" not in texts(at)
    assert "Run the sweep now" not in [b.label for b in at.button]
