"""Admin → Privacy queue and the privacy centre's "Your requests" as an admin and a user meet them: a request
received by email logged and marked with its deadline in words, an extension whose new date is shown before it is
confirmed and which the user then reads with its reason, an export run for the user that they download from
their centre, an erasure run for them, and the auditors' two CSV downloads offered."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.services.erasure import ErasureService
from core.services.privacy_requests import RequestKind
from db.tables import OutboxMessage, PrivacyRequest
from tests.app.test_privacy_centre_pages import audit_actions, open_section, texts

PAGE = "pages/admin_privacy.py"


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def log_by_email(at: AppTest, kind: RequestKind, words: str, *, urgent: bool = False) -> AppTest:
    at.text_input(key="admin.privacy.log.email").input("alice@example.com")
    at.selectbox(key="admin.privacy.log.kind").set_value(kind)
    at.text_area(key="admin.privacy.log.words").input(words)
    at.checkbox(key="admin.privacy.log.urgent").set_value(urgent)
    return button(at, "Log the request").click().run()


def test_a_request_received_by_email_is_logged_marked_extended_and_the_user_reads_the_new_date_and_why(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    app_settings.accounts.sign_in_local("alice@example.com")
    at = open_app("admin@example.com", script=PAGE)
    assert "No open privacy requests." in [i.value for i in at.info]
    at.text_input(key="admin.privacy.log.email").input("nobody@example.com")
    at.text_area(key="admin.privacy.log.words").input("My account was used by someone else")
    at = button(at, "Log the request").click().run()
    assert "No account has that email address" in texts(at)
    assert at.text_area(key="admin.privacy.log.words").value == "My account was used by someone else"  # kept
    at = log_by_email(at, RequestKind.OTHER, "My account was used by someone else", urgent=True)
    assert at.text_area(key="admin.privacy.log.words").value == ""  # emptied for the next request
    queue = at.dataframe[0].value
    assert queue["Deadline"].tolist() == ["⏰ Due in 2 days"]  # words beside the sign, never colour alone
    assert queue["Request"].tolist() == ["Other (urgent)"] and queue["Via"].tolist() == ["Email"]
    with app_settings.db.reader() as uow:
        assert uow.session.exec(select(OutboxMessage.kind)).all() == ["request_received"]

    at.selectbox(key="admin.privacy.open").select_index(0).run()
    assert "**Urgent.**" in " ".join(m.value for m in at.markdown)
    at = button(at, "Start").click().run()
    with app_settings.db.reader() as uow:
        [request_id] = uow.session.exec(select(PrivacyRequest.id)).all()
    at.radio(key=f"admin.privacy.extend_months.{request_id}").set_value(2).run()
    assert "New due date:" in texts(at)  # shown before anything is confirmed
    assert audit_actions(app_settings)[-1] == "privacy_request.started"
    at.text_area(key=f"admin.privacy.extend_reason.{request_id}").input("We are checking the sign-in records.")
    at = button(at, "Extend and tell the user").click().run()
    assert at.dataframe[0].value["Status"].tolist() == ["Extended"]
    at = at.run()
    assert "already extended to" in texts(at)  # a second extension to the same limit is refused, with why

    mine = open_section(app_settings, "requests").dataframe[0].value
    assert mine["Status"].tolist() == ["Extended"]
    assert mine["Answer by"].tolist()[0].endswith("UTC (extended: We are checking the sign-in records.)")


def test_an_export_run_for_the_user_waits_in_their_centre_as_a_download(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    app_settings.accounts.sign_in_local("alice@example.com")
    at = log_by_email(open_app("admin@example.com", script=PAGE), RequestKind.ACCESS, "Send me everything you hold")
    at.selectbox(key="admin.privacy.open").select_index(0).run()
    assert "Run the erasure for them" not in [b.label for b in at.button]  # only what fits an access request
    at = button(at, "Run the export for them").click().run()
    assert "No open privacy requests." in [i.value for i in at.info]
    centre = open_section(app_settings, "requests")
    [link] = centre.get("link_button")
    assert link.proto.label.startswith("Download export ") and "/api/exports/stored.zip?" in link.proto.url
    assert "is ready" in texts(centre) and "Completed" in centre.dataframe[0].value["Status"].tolist()


def test_an_erasure_run_for_the_user_is_scheduled_and_the_auditors_downloads_are_offered(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    alice = app_settings.accounts.sign_in_local("alice@example.com").user
    at = log_by_email(open_app("admin@example.com", script=PAGE), RequestKind.ERASURE, "Please delete my account")
    at.selectbox(key="admin.privacy.open").select_index(0).run()
    assert "Run the export for them" not in [b.label for b in at.button]
    button(at, "Run the erasure for them").click().run()
    assert app_settings.of(ErasureService).scheduled(alice) is not None
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the queue as CSV", "Download consent records as CSV"]
    assert "making it is written to the audit log" in texts(at)
